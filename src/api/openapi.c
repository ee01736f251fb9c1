/* openapi.c - the API's own description, GET /api/v2/openapi.json (public,
 * OWNER_PUBLIC: no credentials).
 *
 * The document is src/api/openapi.json, checked in and written by hand; the
 * build embeds it byte for byte into the binary (the Makefile generates
 * $(BUILD)/gen/openapi_doc.c from it), so the server never looks a file up
 * at run time and always serves the description of its own version.  The
 * ETag is a hash of the file, computed by the same rule, and a matching
 * If-None-Match (a list, W/ or *) answers 304 with no body.
 *
 * tests/api/helpers.py holds every response of the black-box suite to this
 * document, and `make lint-openapi` lints it. */
#include "api/resources.h"
#include "sync/feed.h"

/* $(BUILD)/gen/openapi_doc.c: the file's bytes with a NUL after them, its
 * length without the NUL, and its ETag (quoted). */
extern const char openapi_json[];
extern const size_t openapi_json_len;
extern const char openapi_etag[];

api_err openapi_get(api_request *rq, api_response *rs)
{
    const char *inm = rq->header ? rq->header(rq->header_ctx, "If-None-Match") : NULL;
    rs->etag = openapi_etag;
    if (inm && feed_etag_matches(inm, openapi_etag)) {
        rs->outcome = API_NOT_MODIFIED;
        return API_OK;
    }
    rs->text = openapi_json;
    rs->content_type = "application/json";
    rs->outcome = API_TEXT;
    return API_OK;
}

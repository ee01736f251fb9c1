/* handler.h - helpers the resource handlers share (not used outside api/). */
#ifndef AGENDA_HANDLER_H
#define AGENDA_HANDLER_H

#include "api/api.h"
#include "api/fields.h"

/* Reads page, since and (when `window`) start/stop from the query.  Without
 * page, q->page is 1 when `paged_by_default`, else 0 (every row).  Malformed
 * values answer API_BAD_REQUEST naming the parameter. */
api_err handler_list_query(api_request *rq, api_response *rs, list_query *q,
                           bool paged_by_default, bool window);

/* Moves fe's field errors into the response and fails with `err`. */
api_err handler_fail_fields(api_response *rs, field_errors *fe, api_err err, const char *message);

/* The object a single-object request is about (see fields_unwrap); answers
 * API_BAD_REQUEST when the body is missing or not an object. */
api_err handler_body_object(api_request *rq, api_response *rs, const char *name,
                            const cJSON **out);

/* One entry of a *_collections request: find the object the entry names (by
 * id, else remote_id), create or update it, and return its rendering.  On
 * failure, field problems go to fe (prefixed "patients[3].") and the return
 * says which failure. */
typedef api_err (*collection_upsert)(api_request *rq, api_response *rs, const cJSON *entry,
                                     field_errors *fe, cJSON **rendered);

typedef struct collection_kind {
    const char *envelope; /* "patients_collection" */
    const char *plural;   /* "patients" */
    const char *singular; /* "patient" */
    collection_upsert upsert;
} collection_kind;

/* Runs a whole collection in one transaction: every entry or none.  Answers
 * {plural: [{singular: ...}]} in input order. */
api_err handler_collection(const collection_kind *k, api_request *rq, api_response *rs);

/* True when fe already holds a problem for `name` (under fe's prefix). */
bool handler_field_failed(const field_errors *fe, const char *name);

/* Sets rs->body to {name: item}; API_INTERNAL when item is NULL. */
api_err handler_render_single(api_response *rs, const char *name, cJSON *item,
                              api_outcome outcome);

#endif

/* fetch.c - one conditional HTTP GET with libcurl (fetch.h).
 *
 * The validators of the last good download go out as If-None-Match and
 * If-Modified-Since, so an unchanged feed answers 304 and costs nothing.
 * The body is read into the arena up to max_bytes; a longer one aborts the
 * transfer (the fetch fails: a cut body is no calendar).  The ETag and
 * Last-Modified kept are those of the final response (a redirect's headers
 * are dropped when the next status line arrives).  Redirects stay on http
 * and https; webcal://, which calendar apps hand out for subscriptions, is
 * fetched as https://.  Every connection, a redirect's included, goes
 * through netguard (netguard.h): an internal address not allowed fails the
 * download with a message naming it.  Nothing here logs the address: a feed's address is
 * often its only secret (Google's "secret address"). */
#include "sync/fetch.h"

#include <assert.h>
#include <curl/curl.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "sync/netguard.h"
#include "util/buf.h"

#define FETCH_REDIRECTS 5
#define FETCH_CONNECT_S 10
#define VALIDATOR_MAX   512
#define FETCH_AGENT     "agenda-sync/1"

bool fetch_url_ok(const char *url, const char **why)
{
    size_t n = url ? strlen(url) : 0;
    const char *host = NULL;
    if (n == 0 || n > FETCH_URL_MAX) {
        *why = "must be 1 to 2048 characters";
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)url[i];
        if (c <= 0x20 || c == 0x7f) {
            *why = "must not contain spaces or control characters";
            return false;
        }
    }
    if (strncasecmp(url, "http://", 7) == 0)
        host = url + 7;
    else if (strncasecmp(url, "https://", 8) == 0)
        host = url + 8;
    else if (strncasecmp(url, "webcal://", 9) == 0)
        host = url + 9;
    if (!host) {
        *why = "must be an http://, https:// or webcal:// address";
        return false;
    }
    if (*host == '\0' || *host == '/' || *host == '?' || *host == '#') {
        *why = "must name a host";
        return false;
    }
    return true;
}

typedef struct transfer {
    buf body;
    bool too_large;
    arena *a;
    const char *etag;
    const char *last_modified;
} transfer;

static size_t on_body(char *data, size_t size, size_t n, void *arg)
{
    transfer *t = arg;
    if (!buf_add(&t->body, data, size * n)) {
        t->too_large = t->body.state == BUF_TOO_LARGE;
        return 0; /* aborts the transfer */
    }
    return size * n;
}

/* The value of header line `line` if its name is `name`, trimmed, in the
 * arena; NULL otherwise. */
static const char *header_value(arena *a, const char *line, size_t len, const char *name)
{
    size_t k = strlen(name);
    if (len <= k || strncasecmp(line, name, k) != 0 || line[k] != ':')
        return NULL;
    const char *v = line + k + 1;
    const char *end = line + len;
    while (v < end && (*v == ' ' || *v == '\t'))
        v++;
    while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' ' || end[-1] == '\t'))
        end--;
    if (end == v || (size_t)(end - v) > VALIDATOR_MAX)
        return NULL;
    return arena_strndup(a, v, (size_t)(end - v));
}

static size_t on_header(char *data, size_t size, size_t n, void *arg)
{
    transfer *t = arg;
    size_t len = size * n;
    if (len >= 5 && strncmp(data, "HTTP/", 5) == 0) {
        t->etag = NULL; /* a new response (after a redirect) */
        t->last_modified = NULL;
    }
    const char *v = header_value(t->a, data, len, "ETag");
    if (v)
        t->etag = v;
    v = header_value(t->a, data, len, "Last-Modified");
    if (v)
        t->last_modified = v;
    return len;
}

static int on_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal,
                       curl_off_t ulnow)
{
    (void)dltotal, (void)dlnow, (void)ultotal, (void)ulnow;
    const fetch_request *req = arg;
    return req->cancelled(req->cancelled_ctx) ? 1 : 0;
}

bool fetch_get(const fetch_request *req, arena *a, fetch_result *out, char *err, size_t errlen)
{
    assert(req && req->url && a && out && err && req->timeout > 0 && req->max_bytes > 0);
    bool ok = false;
    struct curl_slist *headers = NULL;
    transfer t = {.a = a};
    buf_init(&t.body, req->max_bytes, a);
    *out = (fetch_result){0};
    const char *url = req->url;
    if (strncasecmp(url, "webcal://", 9) == 0)
        url = arena_printf(a, "https://%s", url + 9);
    const char *inm = req->etag ? arena_printf(a, "If-None-Match: %s", req->etag) : NULL;
    const char *ims =
        req->last_modified ? arena_printf(a, "If-Modified-Since: %s", req->last_modified) : NULL;
    CURL *c = curl_easy_init();
    if (!c || !url || (req->etag && !inm) || (req->last_modified && !ims)) {
        snprintf(err, errlen, "out of memory");
        goto done;
    }
    struct curl_slist *more = NULL;
    if (inm && (more = curl_slist_append(headers, inm)) != NULL)
        headers = more;
    if (ims && (more = curl_slist_append(headers, ims)) != NULL)
        headers = more;
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
    curl_easy_setopt(c, CURLOPT_MAXREDIRS, (long)FETCH_REDIRECTS);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, (long)req->timeout);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT,
                     (long)(req->timeout < FETCH_CONNECT_S ? req->timeout : FETCH_CONNECT_S));
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_USERAGENT, FETCH_AGENT);
    curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &t);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &t);
    netguard guard;
    if (!netguard_attach(c, &guard)) {
        snprintf(err, errlen, "cannot set the download up");
        goto done;
    }
    if (req->cancelled) {
        curl_easy_setopt(c, CURLOPT_XFERINFOFUNCTION, on_progress);
        curl_easy_setopt(c, CURLOPT_XFERINFODATA, (void *)req);
        curl_easy_setopt(c, CURLOPT_NOPROGRESS, 0L);
    }
    CURLcode rc = curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out->status);
    if (rc != CURLE_OK) {
        if (t.too_large)
            snprintf(err, errlen, "the answer is larger than %zu bytes", req->max_bytes);
        else if (!netguard_refusal(&guard, err, errlen))
            snprintf(err, errlen, "%s", curl_easy_strerror(rc));
        goto done;
    }
    out->etag = t.etag;
    out->last_modified = t.last_modified;
    if (out->status >= 200 && out->status < 300) {
        size_t len = 0;
        out->body = buf_take(&t.body, &len);
        out->len = len;
        if (!out->body) {
            snprintf(err, errlen, "out of memory");
            goto done;
        }
    }
    ok = true;
done:
    curl_slist_free_all(headers);
    if (c)
        curl_easy_cleanup(c);
    return ok;
}

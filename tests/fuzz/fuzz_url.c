/* fuzz_url.c - libFuzzer harness for the request target: url_parse (path
 * segments, percent-escapes, query pairs), then router_match and
 * router_parse_ref/router_parse_id on the decoded segments, as the server
 * does for every request.
 *
 * Input: the first byte picks the method, the rest is the raw target up to
 * the first NUL.  Properties checked: decoded parts are non-empty and within
 * the limits; re-encoding the parsed target and parsing it again gives the
 * same segments and parameters; router answers are consistent (a found
 * route is the table's entry for that method, with a handler, and carries
 * its captures, {kind}-like ones non-empty, a known path answers 405 with an
 * Allow list for other methods); ids agree with a strtoll reference.  The
 * same bytes are also read as the form body of a public route
 * (url_parse_form): fields within the limit, non-empty UTF-8 keys and UTF-8
 * values, and written back as a form they read the same. */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include "fuzz.h"
#include "http/router.h"
#include "http/url.h"
#include "util/utf8.h"

static const char *const methods[] = {"GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"};
#define N_METHODS (sizeof methods / sizeof methods[0])

/* Reference for router_parse_id: 1 to 18 digits, value above zero. */
static bool reference_id(const char *s, int64_t *out)
{
    size_t n = strlen(s);
    if (n == 0 || n > 18 || strspn(s, "0123456789") != n)
        return false;
    errno = 0;
    long long v = strtoll(s, NULL, 10);
    if (errno != 0 || v <= 0)
        return false;
    *out = v;
    return true;
}

static void check_ref(const char *seg)
{
    int64_t id = 0, ref_id = 0;
    bool ok = router_parse_id(seg, &id);
    bool ref_ok = reference_id(seg, &ref_id);
    FUZZ_CHECK(ok == ref_ok);
    FUZZ_CHECK(!ok || id == ref_id);

    object_ref ref;
    memset(&ref, 0, sizeof ref);
    bool parsed = router_parse_ref(seg, &ref);
    if (strncmp(seg, "remote_id:", 10) == 0) {
        FUZZ_CHECK(parsed == (seg[10] != '\0'));
        FUZZ_CHECK(!parsed || (ref.remote_id == seg + 10 && ref.id == 0));
    } else {
        FUZZ_CHECK(parsed == ok);
        FUZZ_CHECK(!parsed || (ref.remote_id == NULL && ref.id == id));
    }
}

/* True when `method` is one of the comma-separated names in `allow`. */
static bool allow_lists(const char *allow, const char *method)
{
    size_t n = strlen(method);
    for (const char *p = allow; *p;) {
        size_t len = strcspn(p, ",");
        if (len == n && memcmp(p, method, n) == 0)
            return true;
        p += len;
        while (*p == ',' || *p == ' ')
            p++;
    }
    return false;
}

static void check_route(const char *method, const char *const *segs, size_t n)
{
    route_match m;
    char allow[64];
    memset(&m, 0, sizeof m);
    route_result r = router_match(method, segs, n, &m, allow, sizeof allow);
    const char *effective = strcmp(method, "HEAD") == 0 ? "GET" : method;
    switch (r) {
    case ROUTE_FOUND:
        FUZZ_CHECK(m.route != NULL && m.route->handler != NULL);
        FUZZ_CHECK(strcmp(m.route->method, effective) == 0);
        FUZZ_CHECK(m.route->owner == OWNER_NONE || m.route->owner == OWNER_PUBLIC ? m.owner_id == 0
                                                                                  : m.owner_id > 0);
        FUZZ_CHECK(m.n_args <= API_MAX_ARGS);
        for (size_t i = 0; i < m.n_args; i++)
            FUZZ_CHECK(m.args[i] != NULL && *m.args[i]);
        if (m.has_ref) {
            FUZZ_CHECK(n > 0);
            const char *last = segs[n - 1];
            if (m.ref.remote_id) {
                FUZZ_CHECK(m.ref.remote_id == last + 10 && *m.ref.remote_id && m.ref.id == 0);
            } else {
                FUZZ_CHECK(m.ref.id > 0);
            }
        }
        break;
    case ROUTE_BAD_METHOD:
        FUZZ_CHECK(allow[0] != '\0');
        FUZZ_CHECK(!allow_lists(allow, effective));
        break;
    case ROUTE_NOT_FOUND:
        FUZZ_CHECK(allow[0] == '\0');
        break;
    default:
        FUZZ_CHECK(!"unknown route_result");
    }
    /* every method agrees on whether the path exists */
    for (size_t i = 0; i < N_METHODS; i++) {
        route_match other;
        char other_allow[64];
        route_result o = router_match(methods[i], segs, n, &other, other_allow, sizeof other_allow);
        FUZZ_CHECK((o == ROUTE_NOT_FOUND) == (r == ROUTE_NOT_FOUND));
    }
}

/* Writes u back as a target whose parse must give u again. */
static void reencode(const parsed_url *u, fuzz_buf *b)
{
    for (size_t i = 0; i < u->n_segments; i++) {
        fuzz_buf_str(b, "/");
        fuzz_buf_escaped(b, u->segments[i]);
    }
    for (size_t i = 0; i < u->n_params; i++) {
        fuzz_buf_str(b, i ? "&" : "?");
        fuzz_buf_escaped(b, u->params[i].key);
        fuzz_buf_str(b, "=");
        fuzz_buf_escaped(b, u->params[i].value);
    }
}

/* Reads body as a form (url_parse_form) and checks what it gives. */
static void check_form(arena *a, const char *body)
{
    url_param *f = NULL, *g = NULL;
    size_t n = 99, m = 0;
    const char *err = NULL;
    if (url_parse_form(a, body, strlen(body), &f, &n, &err) != 0) {
        FUZZ_CHECK(err != NULL && f == NULL && n == 0);
        return;
    }
    FUZZ_CHECK(n <= URL_MAX_FORM_FIELDS && (f != NULL || n == 0));
    fuzz_buf again = {0};
    fuzz_buf_str(&again, ""); /* a NUL-terminated string even when empty */
    for (size_t i = 0; i < n; i++) {
        FUZZ_CHECK(f[i].key && *f[i].key && f[i].value);
        FUZZ_CHECK(utf8_valid(f[i].key, strlen(f[i].key)));
        FUZZ_CHECK(utf8_valid(f[i].value, strlen(f[i].value)));
        fuzz_buf_str(&again, i ? "&" : "");
        fuzz_buf_escaped(&again, f[i].key);
        fuzz_buf_str(&again, "=");
        fuzz_buf_escaped(&again, f[i].value);
    }
    FUZZ_CHECK(url_parse_form(a, again.data, again.len, &g, &m, &err) == 0);
    FUZZ_CHECK(m == n);
    for (size_t i = 0; i < n; i++)
        FUZZ_CHECK(strcmp(f[i].key, g[i].key) == 0 && strcmp(f[i].value, g[i].value) == 0);
    fuzz_buf_free(&again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    const char *method = methods[data[0] % N_METHODS];
    char *target = fuzz_cstring(data + 1, size - 1);
    arena *a = arena_new(ARENA_DEFAULT_LIMIT);
    FUZZ_CHECK(a != NULL);
    check_form(a, target);

    parsed_url u;
    const char *err = NULL;
    if (url_parse(a, target, &u, &err) != 0) {
        FUZZ_CHECK(err != NULL && u.n_segments == 0 && u.n_params == 0);
        goto done;
    }
    FUZZ_CHECK(u.n_segments <= URL_MAX_SEGMENTS && u.n_params <= URL_MAX_PARAMS);
    for (size_t i = 0; i < u.n_segments; i++) {
        FUZZ_CHECK(u.segments[i] && *u.segments[i]);
        check_ref(u.segments[i]);
    }
    for (size_t i = 0; i < u.n_params; i++) {
        FUZZ_CHECK(u.params[i].key && *u.params[i].key && u.params[i].value);
        /* url_param_get answers the first value of a repeated key */
        const char *first = url_param_get(&u, u.params[i].key);
        for (size_t j = 0; j < i; j++)
            if (strcmp(u.params[j].key, u.params[i].key) == 0) {
                FUZZ_CHECK(first == u.params[j].value);
                break;
            }
    }

    fuzz_buf again = {0};
    reencode(&u, &again);
    fuzz_buf_str(&again, ""); /* a NUL-terminated string even when empty */
    parsed_url v;
    FUZZ_CHECK(url_parse(a, again.data, &v, &err) == 0);
    FUZZ_CHECK(v.n_segments == u.n_segments && v.n_params == u.n_params);
    for (size_t i = 0; i < u.n_segments; i++)
        FUZZ_CHECK(strcmp(u.segments[i], v.segments[i]) == 0);
    for (size_t i = 0; i < u.n_params; i++) {
        FUZZ_CHECK(strcmp(u.params[i].key, v.params[i].key) == 0);
        FUZZ_CHECK(strcmp(u.params[i].value, v.params[i].value) == 0);
    }
    fuzz_buf_free(&again);

    /* as the server does: routes live under /api/v2 */
    if (u.n_segments >= 2 && strcmp(u.segments[0], "api") == 0 && strcmp(u.segments[1], "v2") == 0)
        check_route(method, u.segments + 2, u.n_segments - 2);
    else
        check_route(method, u.segments, u.n_segments);
done:
    arena_free(a);
    free(target);
    return 0;
}

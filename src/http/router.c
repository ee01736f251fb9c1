/* router.c - the matcher: decoded path segments and a method against the
 * API's route table (api_routes, in api/routes.c).
 *
 * Patterns are written as they appear in the API document, after /api/v2:
 * "{id}" captures the owner (a center or calendar id, a positive integer) and
 * "{ref}" one object, by platform id or as remote_id:VALUE.  A segment that
 * fails to parse makes the route not match, so a malformed id is a 404 like
 * any unknown path.  Any other name in braces ("{kind}") captures the
 * segment as it is, into m->args in path order; its handler checks it.  The table is small, so
 * matching is a linear scan. */
#include "http/router.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

bool router_parse_id(const char *seg, int64_t *out)
{
    int64_t v = 0;
    if (!*seg || strlen(seg) > 18)
        return false;
    for (const char *p = seg; *p; p++) {
        if (*p < '0' || *p > '9')
            return false;
        v = v * 10 + (*p - '0');
    }
    if (v <= 0)
        return false;
    *out = v;
    return true;
}

bool router_parse_ref(const char *seg, object_ref *out)
{
    static const char prefix[] = "remote_id:";
    if (strncmp(seg, prefix, sizeof prefix - 1) == 0) {
        const char *value = seg + sizeof prefix - 1;
        if (!*value)
            return false;
        out->id = 0;
        out->remote_id = value;
        return true;
    }
    out->remote_id = NULL;
    return router_parse_id(seg, &out->id);
}

/* Matches the path only (not the method); fills m's captures. */
static bool route_path_matches(const api_route *r, const char *const *segs, size_t n,
                               route_match *m)
{
    const char *p = r->pattern;
    size_t i = 0;
    memset(m, 0, sizeof *m);
    while (*p) {
        const char *end = strchr(p, '/');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (i >= n)
            return false;
        if (len == 4 && memcmp(p, "{id}", 4) == 0) {
            if (!router_parse_id(segs[i], &m->owner_id))
                return false;
        } else if (len == 5 && memcmp(p, "{ref}", 5) == 0) {
            if (!router_parse_ref(segs[i], &m->ref))
                return false;
            m->has_ref = true;
        } else if (len > 2 && p[0] == '{' && p[len - 1] == '}') {
            assert(m->n_args < API_MAX_ARGS); /* a pattern of the table */
            m->args[m->n_args++] = segs[i];
        } else if (strlen(segs[i]) != len || memcmp(p, segs[i], len) != 0) {
            return false;
        }
        i++;
        p += len;
        if (*p == '/')
            p++;
    }
    return i == n;
}

route_result router_match(const char *method, const char *const *segs, size_t n, route_match *m,
                          char *allow, size_t allow_len)
{
    route_match candidate;
    bool path_known = false;
    size_t used = 0;

    if (strcmp(method, "HEAD") == 0)
        method = "GET";
    if (allow_len)
        allow[0] = '\0';
    for (size_t i = 0; i < api_route_count; i++) {
        const api_route *r = &api_routes[i];
        if (!route_path_matches(r, segs, n, &candidate))
            continue;
        if (strcmp(r->method, method) == 0) {
            *m = candidate;
            m->route = r;
            return ROUTE_FOUND;
        }
        path_known = true;
        int w = snprintf(allow + used, allow_len - used, "%s%s", used ? ", " : "", r->method);
        if (w > 0 && (size_t)w < allow_len - used)
            used += (size_t)w;
    }
    return path_known ? ROUTE_BAD_METHOD : ROUTE_NOT_FOUND;
}

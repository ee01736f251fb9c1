/* router.h - the matcher: a method and a decoded path to a route of the
 * API's table (api/routes.c), with the path's captures. */
#ifndef AGENDA_ROUTER_H
#define AGENDA_ROUTER_H

#include <stdbool.h>
#include <stddef.h>

#include "api/api.h"

typedef struct route_match {
    const api_route *route; /* the table's entry: handler, resource, owner */
    int64_t owner_id;
    bool has_ref;
    object_ref ref;
    const char *args[API_MAX_ARGS]; /* the other captures ({kind}, ...), in order */
    size_t n_args;
} route_match;

typedef enum route_result {
    ROUTE_FOUND = 0,
    ROUTE_NOT_FOUND,  /* no route has this path (or an id is malformed) */
    ROUTE_BAD_METHOD, /* the path exists with other methods; see allow */
} route_result;

/* Matches decoded path segments (without the "api/v2" prefix) and method.
 * HEAD is matched as GET.  On ROUTE_BAD_METHOD, `allow` receives the
 * comma-separated methods of that path.  Strings in m->ref and m->args
 * point into segs. */
route_result router_match(const char *method, const char *const *segs, size_t n, route_match *m,
                          char *allow, size_t allow_len);

/* Parses a path reference: "remote_id:VALUE" (non-empty VALUE) or a positive
 * decimal id.  Returns false when it is neither. */
bool router_parse_ref(const char *seg, object_ref *out);
/* Parses a positive decimal id. */
bool router_parse_id(const char *seg, int64_t *out);

#endif

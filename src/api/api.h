/* api.h - the contract between the HTTP layer and the resource handlers.
 *
 * A handler sees an already authenticated, already parsed request: the owner
 * id from the path (a center or a calendar), an optional object reference
 * and the path's other captures, the query parameters, the body as a JSON
 * tree (form bodies arrive converted to the same tree) and the resource its
 * route serves.  A public route (OWNER_PUBLIC: the SMS gateway's
 * callbacks, a calendar's feed) is the exception: no user, and the handler
 * authenticates the request itself from what it is given of it as sent
 * (target, query, headers, form fields) and the server's settings.  It
 * validates, calls the store and renders a JSON tree into the response.  It
 * never sees libmicrohttpd, never writes SQL and never picks an HTTP status:
 * failures are api_err codes, which http/errors.c maps to statuses in one
 * place. */
#ifndef AGENDA_API_H
#define AGENDA_API_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdint.h>

#include "store/store.h"
#include "util/arena.h"

typedef enum api_err {
    API_OK = 0,
    API_BAD_REQUEST,  /* malformed JSON, form or parameters */
    API_UNAUTHORIZED, /* missing or wrong credentials */
    API_NOT_FOUND,    /* no such route or object, or not granted */
    API_METHOD_NOT_ALLOWED,
    API_CONFLICT,    /* a remote_id already in use; a slot already taken */
    API_TOO_LARGE,   /* body or collection over its limit */
    API_INVALID,     /* validation failed (field errors say where) */
    API_FORBIDDEN,   /* a public route's request is not signed as it must be */
    API_TOO_MANY,    /* rate limited */
    API_UNAVAILABLE, /* the store is down; retry later */
    API_RETRY,       /* lost a race with a concurrent transaction; api_call
                      * runs the handler again (503 if that keeps failing) */
    API_INTERNAL,    /* a bug or an unexpected store error; details only in the log */
} api_err;

/* What a successful handler produced. */
typedef enum api_outcome {
    API_RENDERED = 0, /* 200 with body */
    API_CREATED,      /* 201 with body */
    API_EMPTY,        /* 204, no body */
    API_ACCEPTED,     /* 202 with body: work handed to the background */
    API_TEXT,         /* 200 with rs->text of type rs->content_type (not JSON) */
    API_NOT_MODIFIED, /* 304, no body: the client's copy (If-None-Match,
                       * If-Modified-Since) is current */
} api_outcome;

/* Limits a deployment may tune; the defaults are in api_limits_default(). */
typedef struct api_limits {
    int64_t max_collection; /* entries per *_collections request */
    int64_t page_size;      /* rows per page of paginated lists */
} api_limits;

/* What the server's configuration tells the handlers (the command line
 * fills it from the configuration file); strings live as long as the
 * server, NULL when not configured. */
typedef struct api_settings {
    const char *sms_secret;            /* [sms] secret: the gateway's callbacks are
                                        * signed with it; NULL: they are all refused */
    const char *public_url;            /* [server] public_url, no trailing slash: the
                                        * address the gateway calls back */
    const struct secret_key *sync_key; /* [sync] key_file, read at start
                                        * (sync/secret.h); NULL: CalDAV
                                        * links are refused */
} api_settings;

/* What a route's path is scoped to; api_call checks the user's grant. */
typedef enum api_owner {
    OWNER_NONE = 0,
    OWNER_CENTER,   /* owner_id is a center id */
    OWNER_CALENDAR, /* owner_id is a calendar id; rq->calendar is filled */
    OWNER_PUBLIC,   /* no credentials, no user: the handler checks the
                     * request's signature or secret itself; owner_id is
                     * the path's {id}, unchecked */
} api_owner;

/* Captures of a path besides {id} and {ref}, such as {kind} (router.c). */
#define API_MAX_ARGS 4

/* One field of a form body, decoded. */
typedef struct api_pair {
    const char *name;
    const char *value;
} api_pair;

/* How the generic flows of api/handler.c serve one kind of object
 * (api/handler.h); the route table names it with the flow. */
typedef struct resource resource;

typedef struct api_request {
    arena *arena;
    store *store;
    const api_limits *limits;
    const api_settings *settings;
    int64_t now;      /* the request's clock, Unix seconds */
    const user *user; /* authenticated; NULL on OWNER_PUBLIC routes */

    int64_t owner_id;  /* center or calendar id from the path, 0 if none */
    calendar calendar; /* the owner, for OWNER_CALENDAR routes */
    bool has_ref;      /* the path names one object */
    object_ref ref;
    const char *args[API_MAX_ARGS]; /* the other captures, in path order */
    size_t n_args;

    /* Query parameters, percent-decoded; NULL when absent. */
    const char *(*query)(const void *ctx, const char *key);
    const void *query_ctx;

    const cJSON *body; /* NULL when the request has none, and on OWNER_PUBLIC
                        * routes, which read `form` */

    /* OWNER_PUBLIC routes only (NULL and 0 elsewhere): the request as sent,
     * for its signature.  `target` is the raw request target (path and
     * query, escapes kept); `header` looks a header up by name (any case);
     * `form` is the body read as a form, every field decoded, in order. */
    const char *target;
    const char *(*header)(const void *ctx, const char *name);
    const void *header_ctx;
    const api_pair *form;
    size_t n_form;

    /* The route's resource, which its handler serves when it is one of the
     * generic flows (handler_list, ...); NULL for the other handlers. */
    const resource *resource;
    /* What a collection read ahead for its entries to reference (see
     * resource.prefetch in handler.h), or NULL. */
    const void *prefetched;
} api_request;

typedef struct api_response {
    api_outcome outcome;
    cJSON *body; /* owned by the response; freed by the HTTP layer */
    bool has_total;
    int64_t total;            /* X-Total-Count */
    const char *text;         /* API_TEXT: the body (static or arena-owned) */
    const char *content_type; /* API_TEXT: its Content-Type */
    /* Validators (API_TEXT and API_NOT_MODIFIED), sent when set: */
    const char *etag;      /* ETag, quoted (static or arena-owned); NULL: none */
    int64_t last_modified; /* Last-Modified, Unix seconds; 0: none */

    /* On failure: */
    const char *message; /* human-readable, safe to show (no internals) */
    cJSON *errors;       /* {"field": "what is wrong"} or NULL */
} api_response;

typedef api_err (*api_handler)(api_request *rq, api_response *rs);

api_limits api_limits_default(void);

/* Records a failure with a message (arena-owned or static) and returns `err`,
 * so handlers can write `return api_fail(rs, API_NOT_FOUND, "...")`. */
api_err api_fail(api_response *rs, api_err err, const char *message);
/* Adds {field: problem} to the response's errors (creating the object). */
void api_field_error(api_response *rs, const char *field, const char *problem);
/* Maps a store code to an API failure: NOT_FOUND to API_NOT_FOUND with
 * `not_found` as its message, verbatim, so it is a whole message ("patient
 * not found"; where the call cannot return NOT_FOUND, say so beside it);
 * CONFLICT to API_CONFLICT ("remote_id is already in use"); UNAVAILABLE and
 * RETRY to their own; ERROR to API_INTERNAL, whose message shows nothing of
 * the store.  Must not be called with STORE_OK. */
api_err api_from_store(api_response *rs, store_rc rc, const char *not_found);

/* Checks credentials.  On success fills *out (arena-owned) and returns
 * API_OK; any problem (unknown email, wrong token, disabled user, blank
 * input) gives API_UNAUTHORIZED with no hint of which. */
api_err api_authenticate(store *st, arena *a, const char *email, const char *token, user *out);

/* The centers rq->user may use, by id, as known at most a second ago (see
 * auth.c).  *out stays valid until the thread's next call; API_UNAVAILABLE
 * or API_INTERNAL when the store fails. */
api_err api_user_centers(api_request *rq, const center **out, size_t *n);
/* API_OK when rq->user may use the center, API_NOT_FOUND when it is not
 * granted (or does not exist), or the store's failure as above.  A new grant
 * counts at once, a removed one within a second. */
api_err api_user_may_use_center(api_request *rq, int64_t center_id);

typedef struct api_route api_route;

/* Checks that the user may use the route's owner (a center or calendar they
 * are not granted answers API_NOT_FOUND, like one that does not exist;
 * nothing for OWNER_NONE and OWNER_PUBLIC), sets
 * rq->resource to the route's, then runs the route's handler.  A handler
 * that lost a race with a concurrent transaction (API_RETRY) is rolled back
 * and run again, a few times, from a clean response.  The single entry point
 * the HTTP layer calls. */
api_err api_call(const api_route *route, api_request *rq, api_response *rs);

/* Since the process started: requests the store failed (unavailable or an
 * error: api_from_store), and handler runs repeated after a lost race. */
void api_counters_read(uint64_t *store_errors, uint64_t *store_retries);

/* Longest appointment accepted: seven days, as a service's longest duration
 * (10,080 minutes), so a booking always fits.  An absurd span (start 0, stop
 * years later) would otherwise take the calendar's time for years. */
#define APPOINTMENT_MAX_SECONDS ((int64_t)7 * 24 * 3600)

/* One route: a method and a path pattern of the API document (after
 * /api/v2), the handler that answers it, the resource that handler serves
 * (for the generic flows of api/handler.h, which are the same for every
 * resource; NULL for a handler of its own), and what the path is scoped
 * to. */
struct api_route {
    const char *method;
    const char *pattern;
    api_handler handler;
    const resource *resource;
    api_owner owner;
};

/* Every route the server answers (api/routes.c); http/router.c matches
 * requests against it. */
extern const api_route api_routes[];
extern const size_t api_route_count;

#endif

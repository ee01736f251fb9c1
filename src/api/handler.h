/* handler.h - what the handlers of api/ share: list queries, body envelopes,
 * write transactions, and the generic flows (list, get, create, update,
 * delete, collection) that serve every `resource` the route table
 * (routes.c) names.  Not used outside api/. */
#ifndef AGENDA_HANDLER_H
#define AGENDA_HANDLER_H

#include "api/api.h"
#include "api/fields.h"

/* How far back a `since` list reaches before the second it is given, and
 * the longest a write transaction may run between taking its timestamp and
 * committing.  Together they guarantee the document's promise: a poller
 * that passes the time of its previous poll misses nothing, even a write
 * stamped before that poll but committed after it. */
#define SINCE_MARGIN 30

/* Starts a write transaction and only then stamps the request (rq->now):
 * lock waits come before the stamp, so a commit follows its stamp within
 * the transaction's own duration. */
api_err handler_begin(api_request *rq, api_response *rs);
/* Ends the transaction: commits when err is API_OK, else rolls back.  A
 * transaction older than SINCE_MARGIN is not committed: it is rolled back
 * and run again (API_RETRY) with a fresh stamp. */
api_err handler_finish(api_request *rq, api_response *rs, api_err err);

/* Reads page, since and (when `window`) start/stop from the query.  Without
 * page, q->page is 1 when `paged_by_default`, else 0 (every row).  Malformed
 * values answer API_BAD_REQUEST naming the parameter. */
api_err handler_list_query(api_request *rq, api_response *rs, list_query *q, bool paged_by_default,
                           bool window);

/* Moves fe's field errors into the response and fails with `err`. */
api_err handler_fail_fields(api_response *rs, field_errors *fe, api_err err, const char *message);

/* The object a single-object request is about (see fields_unwrap); answers
 * API_BAD_REQUEST when the body is missing or not an object, API_INVALID
 * (422, errors {name: "must be an object"}) when its envelope key holds
 * something else than an object. */
api_err handler_body_object(api_request *rq, api_response *rs, const char *name, const cJSON **out);

/* How the generic flows below handle one resource (the type is named in
 * api.h, so that a route can carry one).  Rows are opaque structs of
 * row_size bytes (patient, appointment, service), allocated in the
 * request's arena. */
struct resource {
    const char *singular; /* "patient": the envelope name */
    const char *plural;   /* "patients" */
    const char *missing;  /* "patient not found" */
    size_t row_size;
    /* Fills a new row with the owner and the defaults of a creation. */
    void (*init)(api_request *rq, void *row);
    /* Reads a live row of the route's owner. */
    store_rc (*get)(api_request *rq, const object_ref *ref, void *row);
    /* Applies obj onto the row; `creating` enforces required fields.  Field
     * problems go to fe; the return is a store failure only. */
    api_err (*read)(api_request *rq, api_response *rs, const cJSON *obj, field_errors *fe,
                    void *row, bool creating);
    /* Inserts or updates the row (stamping updated_at), leaving it as it
     * should be rendered. */
    store_rc (*write)(api_request *rq, void *row, bool creating);
    /* Lists rows of the owner into *rows (an arena array of row_size
     * elements) with the total matched. */
    store_rc (*list)(api_request *rq, const list_query *q, void **rows, size_t *n, int64_t *total);
    bool paged_by_default; /* lists without ?page= give page 1, not every row */
    bool has_window;       /* lists take ?start= and ?stop= */
    /* Marks the row deleted, leaving it as its tombstone renders; NULL for
     * resources without DELETE. */
    store_rc (*remove)(api_request *rq, void *row);
    /* Whether a collection entry asks for the deletion of the row it names
     * (bulk deletion); NULL for resources without it. */
    bool (*deletes)(const cJSON *entry);
    cJSON *(*render)(const void *row);

    /* Collections in bulk (bulk.c); without get_many and write_many a
     * collection is written entry by entry. */
    size_t remote_id_offset; /* of the row's remote_id (its id is its first member) */
    size_t deleted_offset;   /* of its `deleted` flag, when the resource `deletes` */
    /* For each i < n: the live row refs[i] names into the i-th row of rows,
     * found[i] whether there is one (as get). */
    store_rc (*get_many)(api_request *rq, const object_ref *refs, size_t n, void *rows,
                         bool *found);
    /* Writes n distinct rows (id 0: new, its id set), as write would each. */
    store_rc (*write_many)(api_request *rq, void *rows, size_t n);
    /* Optional: reads ahead, into rq->prefetched, what read will look up
     * for the entries of `items`. */
    api_err (*prefetch)(api_request *rq, api_response *rs, const cJSON *items);
    /* Optional: once written, fills into rows what only the database
     * computes. */
    store_rc (*refresh)(api_request *rq, void *rows, size_t n);
};

/* The generic flows: route handlers (api_handler) that serve the resource
 * the route names, rq->resource, which must not be NULL. */

/* GET of the owner's list, with X-Total-Count. */
api_err handler_list(api_request *rq, api_response *rs);
/* POST of one object: 201 with it. */
api_err handler_create(api_request *rq, api_response *rs);
/* PUT of one object named by the path: a partial update, 200. */
api_err handler_update(api_request *rq, api_response *rs);
/* GET of one object named by the path. */
api_err handler_get(api_request *rq, api_response *rs);
/* DELETE of one object named by the path (the resource has `remove`): 204. */
api_err handler_delete(api_request *rq, api_response *rs);
/* A whole *_collections request in one transaction: every entry or none.
 * Each entry is matched by id (which must exist), else remote_id, else
 * created; an entry that r->deletes deletes the row it matches, which must
 * exist.  Answers {plural: [{singular: ...}]} in input order. */
api_err handler_collection(api_request *rq, api_response *rs);

/* True when fe already holds a problem for `name` (under fe's prefix). */
bool handler_field_failed(const field_errors *fe, const char *name);

/* The document's appointment object for an appointment row (bookings
 * answer with it); NULL on allocation failure. */
cJSON *appointment_render(const void *row);

/* Sets rs->body to {name: item}; API_INTERNAL when item is NULL. */
api_err handler_render_single(api_response *rs, const char *name, cJSON *item, api_outcome outcome);

#endif

/* web.h - the HTML pages the server answers besides the API: one table of
 * pages (web.c), each a method, a path pattern and a handler, in the manner
 * of h2o's handlers (a struct naming the callback that answers).
 *
 * The HTTP layer (http/server.c) asks web_match whether a path is a page's;
 * paths under /api/ never are.  A page's handler reads the request (its
 * query, headers, and for a POST the body's form fields and the client's
 * address), calls the store and writes its answer through html.h; it
 * never sees sockets, and the HTTP layer never sees HTML.  The one error
 * convention of this layer: a handler sets the status of its answer (200,
 * 404, 409, 422, 429, 503, ...) and always a readable page in the
 * request's language, never JSON; a POST that wrote answers a 303 to the
 * page that follows (page.h: page_redirect).
 *
 * Every answer gets the usual security headers from web_answer, whatever
 * the page: a Content-Security-Policy that allows no script and no inline
 * style (default-src 'none'; style-src 'self'; form-action 'self';
 * frame-ancestors 'none'; base-uri 'none'), X-Content-Type-Options nosniff,
 * Referrer-Policy no-referrer (the private links must not leak)
 * and Cache-Control no-store unless the page set another. */
#ifndef AGENDA_WEB_WEB_H
#define AGENDA_WEB_WEB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"
#include "util/arena.h"
#include "web/i18n.h"

#define WEB_MAX_ARGS    4
#define WEB_MAX_HEADERS 14

typedef struct web_request {
    arena *arena;
    store *store; /* the worker's; NULL when it cannot be opened (answer 503) */
    int64_t now;
    const char *args[WEB_MAX_ARGS]; /* the pattern's captures, decoded */
    size_t n_args;
    /* a header's or query parameter's value, or NULL */
    const char *(*header)(const void *ctx, const char *name);
    const void *header_ctx;
    const char *(*query)(const void *ctx, const char *key);
    const void *query_ctx;
    /* a field of the body sent as a form (POST), or NULL */
    const char *(*form)(const void *ctx, const char *key);
    const void *form_ctx;
    const char *client; /* the client's numeric address ("-": unknown): the
                         * peer, or what a trusted proxy forwarded */
    bool secure;        /* over TLS: the server's, or a trusted proxy's */
    web_lang lang;      /* chosen by web_answer before the handler runs */
    const char *allow;  /* the methods of a path matched with another (405) */
} web_request;

typedef struct web_response {
    unsigned status;
    const char *content_type;
    const char *body; /* in the request's arena */
    size_t len;
    const char *headers[WEB_MAX_HEADERS][2];
    size_t n_headers;
} web_response;

typedef struct web_page {
    const char *method;  /* "GET" or "POST"; HEAD is matched as GET */
    const char *pattern; /* segments; "{x}" captures one */
    void (*handle)(web_request *rq, web_response *rs);
} web_page;

typedef enum web_result {
    WEB_FOUND = 0,
    WEB_NOT_MINE,   /* no page has this path: the API's 404 */
    WEB_BAD_METHOD, /* a page's path with another method */
} web_result;

/* Matches decoded path segments and a method against the table.  On
 * WEB_FOUND, *page is the entry and rq->args its captures (pointing into
 * segs). */
web_result web_match(const char *method, const char *const *segs, size_t n, const web_page **page,
                     web_request *rq);
/* Answers rq with `page` (NULL: 405 for WEB_BAD_METHOD) into rs, security
 * headers included.  rs->body is NULL only when the arena is exhausted
 * (the HTTP layer then answers 503 itself). */
void web_answer(const web_page *page, web_request *rq, web_response *rs);

/* Adds a header to rs (name and value static or in the arena). */
void web_header(web_response *rs, const char *name, const char *value);

/* What the pages of book.c share with the table (web.c). */
void page_book(web_request *rq, web_response *rs);
void page_stylesheet(web_request *rq, web_response *rs);
/* A page of only a heading and a sentence, in rq's language, with status. */
void page_message(web_request *rq, web_response *rs, unsigned status, web_msg title, web_msg text);

#endif

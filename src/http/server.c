/* server.c - libmicrohttpd glue: from bytes on a socket to api_call and back.
 *
 * Design:
 * - A pool of worker threads, each with its own epoll set; each worker opens
 *   its own store connection on first use (thread-local), so requests never
 *   share a database handle.
 * - The raw request target is captured by the URI log callback, before
 *   libmicrohttpd unescapes anything, and parsed by url.c: one decoder for
 *   paths and queries, percent-escapes inside a path segment stay inside it.
 * - Each request owns an arena (freed when the request completes) and a body
 *   buffer with a hard limit; past the limit the body is drained and the
 *   answer is 413.  While a request is answered its arena also holds its
 *   cJSON trees (util/json_mem.h), so a body whose tree outgrows the arena's
 *   limit is a 413 too.
 * - The response is queued only once the whole request has been read, so
 *   connections stay alive between requests.
 * - Every head is checked first (head_refused): the request line and the
 *   head within --max-header-bytes (414, 431), then unambiguous framing
 *   (framing.c: 400), each refusal closing the connection so the bytes
 *   after the head are never parsed as a request.
 * - Every error is the documented JSON (errors.c), the library's own ones
 *   included: see MHD_queue_response below.
 * - Abuse limits: a request must arrive in full within the timeout (the
 *   reaper drops slow senders without a worker ever waiting on them);
 *   repeated failed authentications of one identity from one address get
 *   429 for a while (ratelimit.c); bodies, headers and connections have
 *   hard limits; bodies and arenas of all requests in flight share one
 *   memory budget (503 past it), and freed memory goes back to the system.
 * - Public routes (OWNER_PUBLIC: the SMS gateway's callbacks, a calendar's
 *   iCalendar feed) take no credentials: their handlers check a signature
 *   over the request as sent, or a secret of their own, so they are handed
 *   the raw target, the headers and the body's form fields instead of a
 *   JSON tree.
 * - run_route is the one place a handler's outcome becomes a status: JSON,
 *   text of another type (API_TEXT, with its ETag and Last-Modified when the
 *   handler set them) or 304 (API_NOT_MODIFIED, the same validators, no
 *   body).
 * - Paths other than /api/... may be pages (web/web.h: the booking page):
 *   web_match says so, and the page's answer (HTML, its status and
 *   headers) is sent as it is; any other path is the API's JSON 404.
 * - The access log (optional) never holds credentials or bodies.
 * - TLS (tls.h) when a certificate and key are given: libmicrohttpd with
 *   GnuTLS, TLS 1.2 and 1.3 only, the certificate handed to each handshake
 *   by a callback, so SIGHUP swaps it without dropping a connection; every
 *   answer then carries Strict-Transport-Security.  Plain HTTP on an
 *   address other than loopback starts with a warning.
 * - Signals: SIGINT/SIGTERM/SIGHUP are taken by sigwait in the main thread.
 *   On a stop signal the daemon stops accepting, waits for requests in
 *   flight, then stops.  The caller's on_ready and on_stopping hooks (a
 *   service manager's readiness) run in that thread, once listening and
 *   when a stop signal arrives. */
#include "http/server.h"

#include <assert.h>
#include <dlfcn.h>
#include <errno.h>
#include <malloc.h>
#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>

#include <sodium.h>
#include <unistd.h>

#include "http/accesslog.h"
#include "http/body.h"
#include "http/credentials.h"
#include "http/errors.h"
#include "http/framing.h"
#include "http/metrics.h"
#include "http/ratelimit.h"
#include "http/reaper.h"
#include "http/router.h"
#include "http/tls.h"
#include "http/url.h"
#include "util/buf.h"
#include "util/cidr.h"
#include "util/clock.h"
#include "util/json_mem.h"
#include "util/json_out.h"
#include "web/web.h"

/* A request refused for the memory budget: its answer, and the seconds a
 * client should wait (others' requests finish within that, typically). */
#define BUSY_MESSAGE     "the server is busy with other requests, retry later"
#define BUSY_RETRY_AFTER 1
/* A request that held this much body buffer gives free memory back to the
 * system when it ends (see server_run on malloc's thresholds). */
#define RETURN_MEMORY_FROM ((size_t)1 << 20)

typedef struct server {
    server_config cfg;
    atomic_long in_flight;
    atomic_int stopping; /* set at shutdown: new requests are turned away */
    pthread_mutex_t stores_lock;
    store *stores[SERVER_MAX_THREADS]; /* one per worker (cfg.threads at most) */
    size_t n_stores;
    reaper *reaper;
    ratelimit *auth_failures;
    FILE *access_log;  /* NULL: no access log */
    mem_budget memory; /* request bodies and arenas in flight together */
    struct MHD_Daemon *daemon;
} server;

typedef struct request_ctx {
    arena *arena;
    size_t target_len;
    char *target; /* raw request target, as sent */
    const char *method;
    unsigned status; /* of the answer queued, for the access log */
    struct timespec began;
    int started;
    int too_large;
    int over_budget;   /* the body did not fit the memory budget: 503 */
    size_t counted_as; /* what metrics count it under (metrics.h) */
    /* the client as believed (believe_client): the peer, or the address a
     * trusted proxy forwarded; has_client false until it is known */
    struct sockaddr_storage client;
    bool has_client;
    bool https; /* TLS here, or https at a trusted proxy */
    buf body;   /* up to max_body, on the heap, under the memory budget */
} request_ctx;

/* What the server keeps per connection (libmicrohttpd's socket context). */
typedef struct conn_state {
    reaper_conn *timer;   /* the reaper's record of the connection */
    request_ctx *current; /* the request being read or answered, or NULL */
} conn_state;

static _Thread_local store *worker_store_handle;
/* The one server of the process (signals are process-wide anyway). */
static server the_server;

server_config server_config_default(void)
{
    /* two workers per core, so one waiting on a write's fsync leaves the
     * core to another; never more than the table of stores holds */
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    unsigned threads = 4;
    if (cores > SERVER_MAX_THREADS / 2)
        threads = SERVER_MAX_THREADS;
    else if (cores > 2)
        threads = (unsigned)cores * 2;
    return (server_config){
        .db_url = "agenda.db",
        .listen = "127.0.0.1:8080",
        .threads = threads,
        .max_body = (size_t)32 << 20,
        .connection_timeout = 30,
        .max_connections = 1024,
        .max_header_bytes = 16 * 1024,
        .auth_failures = 20,
        .auth_window = 60,
        .max_memory = (size_t)512 << 20,
        .limits = api_limits_default(),
    };
}

/* The calling worker's store, opened on first use; NULL when the database
 * cannot be opened (the request then answers 503). */
static store *worker_store(server *srv)
{
    if (worker_store_handle)
        return worker_store_handle;
    char *err = NULL;
    store *st = NULL;
    if (store_open(srv->cfg.db_url, &st, &err) != STORE_OK) {
        fprintf(stderr, "agenda: cannot open the store: %s\n", err ? err : "unknown error");
        free(err);
        return NULL;
    }
    pthread_mutex_lock(&srv->stores_lock);
    assert(srv->n_stores < SERVER_MAX_THREADS); /* one store per worker */
    srv->stores[srv->n_stores++] = st;
    pthread_mutex_unlock(&srv->stores_lock);
    worker_store_handle = st;
    return st;
}

/* The server's record of a connection (NULL when it could not be made). */
static conn_state *connection_state(struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return info ? info->socket_context : NULL;
}

/* The reaper's record of the connection a request arrived on. */
static reaper_conn *connection_timer(struct MHD_Connection *conn)
{
    conn_state *cs = connection_state(conn);
    return cs ? cs->timer : NULL;
}

static void *on_request_start(void *cls, const char *uri, struct MHD_Connection *conn)
{
    server *srv = cls;
    request_ctx *ctx = calloc(1, sizeof *ctx);
    if (!ctx)
        return NULL;
    ctx->arena = arena_new(ARENA_DEFAULT_LIMIT);
    ctx->target = ctx->arena ? arena_strdup(ctx->arena, uri) : NULL;
    if (!ctx->target) {
        arena_free(ctx->arena);
        free(ctx);
        return NULL;
    }
    ctx->target_len = strlen(uri);
    arena_use_budget(ctx->arena, &srv->memory);
    buf_init(&ctx->body, srv->cfg.max_body, NULL);
    buf_use_budget(&ctx->body, &srv->memory);
    clock_gettime(CLOCK_MONOTONIC, &ctx->began);
    atomic_fetch_add(&srv->in_flight, 1);
    conn_state *cs = connection_state(conn);
    if (cs)
        cs->current = ctx;
    return ctx;
}

static const struct sockaddr *client_address(struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    return info ? info->client_addr : NULL;
}

/* The 16-byte form (util/cidr.h) of a socket address; false for another
 * family. */
static bool address_bytes(const struct sockaddr *sa, unsigned char out[16])
{
    if (sa && sa->sa_family == AF_INET) {
        cidr_from_ipv4((const unsigned char *)&((const struct sockaddr_in *)sa)->sin_addr, out);
        return true;
    }
    if (sa && sa->sa_family == AF_INET6) {
        memcpy(out, &((const struct sockaddr_in6 *)sa)->sin6_addr, 16);
        return true;
    }
    return false;
}

/* One address of an X-Forwarded-For list ([start, end), blanks around it
 * allowed) as a socket address; false when it is none. */
static bool forwarded_address(const char *start, const char *end, struct sockaddr_storage *out)
{
    while (start < end && (*start == ' ' || *start == '\t'))
        start++;
    while (end > start && (end[-1] == ' ' || end[-1] == '\t'))
        end--;
    char text[INET6_ADDRSTRLEN + 1];
    size_t n = (size_t)(end - start);
    if (n == 0 || n >= sizeof text)
        return false;
    memcpy(text, start, n);
    text[n] = '\0';
    memset(out, 0, sizeof *out);
    struct sockaddr_in *v4 = (struct sockaddr_in *)out;
    struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)out;
    if (inet_pton(AF_INET, text, &v4->sin_addr) == 1) {
        v4->sin_family = AF_INET;
        return true;
    }
    if (inet_pton(AF_INET6, text, &v6->sin6_addr) == 1) {
        v6->sin6_family = AF_INET6;
        return true;
    }
    return false;
}

/* Decides once per request who the client is.  The peer, unless it is one
 * of the trusted proxies (--trusted-proxy): then X-Forwarded-For is read
 * from its right end, each trusted proxy skipped, and the first other
 * address is the client (a list the proxy appended to keeps whatever the
 * client itself claimed on the left, where it is never reached); a
 * malformed entry ends the walk at the last address believed.  And the
 * request came over TLS when the server has it, or when a trusted proxy
 * says X-Forwarded-Proto: https (its last value: what the proxy set). */
static void believe_client(server *srv, struct MHD_Connection *conn, request_ctx *ctx)
{
    if (ctx->has_client)
        return;
    ctx->has_client = true;
    ctx->https = srv->cfg.tls_cert && srv->cfg.tls_key;
    const struct sockaddr *peer = client_address(conn);
    memset(&ctx->client, 0, sizeof ctx->client);
    if (peer)
        memcpy(&ctx->client, peer,
               peer->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
                                           : sizeof(struct sockaddr_in));
    unsigned char bytes[16];
    const cidr_list *trusted = &srv->cfg.trusted_proxies;
    if (trusted->n == 0 || !address_bytes(peer, bytes) || !cidr_list_contains(trusted, bytes))
        return;
    const char *list = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Forwarded-For");
    for (const char *end = list ? list + strlen(list) : NULL; end && end > list;) {
        const char *start = end;
        while (start > list && start[-1] != ',')
            start--;
        struct sockaddr_storage hop;
        if (!forwarded_address(start, end, &hop))
            break;
        ctx->client = hop;
        if (!address_bytes((const struct sockaddr *)&hop, bytes) ||
            !cidr_list_contains(trusted, bytes))
            break; /* the first untrusted hop from the right: the client */
        end = start > list ? start - 1 : list;
    }
    const char *proto = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-Forwarded-Proto");
    if (proto) {
        const char *last = strrchr(proto, ',');
        last = last ? last + 1 : proto;
        while (*last == ' ')
            last++;
        if (strncasecmp(last, "https", 5) == 0 && (last[5] == '\0' || last[5] == ' '))
            ctx->https = true;
    }
}

/* The client's address as believed (believe_client), NULL when unknown. */
static const struct sockaddr *believed_client(server *srv, struct MHD_Connection *conn,
                                              request_ctx *ctx)
{
    believe_client(srv, conn, ctx);
    const struct sockaddr *sa = (const struct sockaddr *)&ctx->client;
    return sa->sa_family == AF_INET || sa->sa_family == AF_INET6 ? sa : NULL;
}

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode code)
{
    server *srv = cls;
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        const union MHD_ConnectionInfo *info =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
        conn_state *cs = calloc(1, sizeof *cs);
        if (cs)
            cs->timer = info ? reaper_track(srv->reaper, info->connect_fd) : NULL;
        *socket_context = cs;
        metrics_count(METRICS_CONNECTIONS_OPENED);
    } else {
        conn_state *cs = *socket_context;
        if (cs) {
            reaper_forget(srv->reaper, cs->timer);
            free(cs);
        }
        *socket_context = NULL;
    }
}

/* Counts the request in the metrics and writes its access log line, if
 * there is a log. */
static void request_log(server *srv, struct MHD_Connection *conn, request_ctx *ctx)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    int64_t micros = (int64_t)(now.tv_sec - ctx->began.tv_sec) * 1000000 +
                     (now.tv_nsec - ctx->began.tv_nsec) / 1000;
    metrics_request(ctx->counted_as, ctx->status, micros);
    if (!srv->access_log)
        return;
    const char *target = accesslog_redact(ctx->arena, ctx->target);
    accesslog_write(srv->access_log, believed_client(srv, conn, ctx),
                    ctx->method ? ctx->method : "-", target ? target : "-", ctx->status, micros);
}

static void on_request_done(void *cls, struct MHD_Connection *conn, void **con_cls,
                            enum MHD_RequestTerminationCode code)
{
    (void)code;
    server *srv = cls;
    request_ctx *ctx = *con_cls;
    conn_state *cs = connection_state(conn);
    reaper_answered(srv->reaper, cs ? cs->timer : NULL);
    if (cs)
        cs->current = NULL;
    if (!ctx)
        return;
    request_log(srv, conn, ctx);
    size_t held = ctx->body.cap;
    buf_free(&ctx->body); /* gives its capacity back to the budget */
    arena_free(ctx->arena);
    free(ctx);
    if (held >= RETURN_MEMORY_FROM)
        malloc_trim(0);
    *con_cls = NULL;
    atomic_fetch_sub(&srv->in_flight, 1);
}

/* Appends a chunk of body, up to max_body; past it, marks the request too
 * large and drops the rest.  The buffer's growth is taken from the memory
 * budget (util/buf.h); when the budget refuses it, marks the request over
 * budget and drops the rest.  Out of memory reads as too large. */
static void body_append(request_ctx *ctx, const char *data, size_t len)
{
    if (ctx->too_large || ctx->over_budget)
        return;
    if (!buf_add(&ctx->body, data, len)) {
        if (ctx->body.state == BUF_OVER_BUDGET)
            ctx->over_budget = 1;
        else
            ctx->too_large = 1;
    }
}

static const char *query_lookup(const void *ctx, const char *key)
{
    return url_param_get(ctx, key);
}

/* A request header of the connection ctx, any case; NULL when absent. */
static const char *header_lookup(const void *ctx, const char *name)
{
    struct MHD_Connection *conn = (struct MHD_Connection *)ctx; /* only read */
    return MHD_lookup_connection_value(conn, MHD_HEADER_KIND, name);
}

/* Headers some answers add. */
typedef struct reply_extra {
    const api_response *rs;          /* X-Total-Count */
    const char *content_type;        /* of a body that is not JSON */
    const char *allow;               /* Allow, on 405 */
    unsigned retry_after;            /* Retry-After, on 429 and 503 */
    bool close;                      /* Connection: close (the rest of the bytes is not read) */
    const char *const (*headers)[2]; /* more headers (a page's: web.h), n_headers of them */
    size_t n_headers;
} reply_extra;

/* Set while this thread queues a response of the server's own (see
 * MHD_queue_response below). */
static _Thread_local bool queuing_own;

/* Queues `text` (malloc'd, taken over; NULL for no body) with the status
 * and headers, and notes the status for the access log. */
static enum MHD_Result send_text(struct MHD_Connection *conn, request_ctx *ctx, unsigned status,
                                 char *text, const reply_extra *x)
{
    size_t len = text ? strlen(text) : 0;
    struct MHD_Response *resp =
        text ? MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE)
             : MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
    if (!resp) {
        free(text);
        return MHD_NO;
    }
    ctx->status = status;
    if (text)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
                                x && x->content_type ? x->content_type
                                                     : "application/json; charset=utf-8");
    if (x && x->rs && x->rs->has_total) {
        char total[24];
        snprintf(total, sizeof total, "%lld", (long long)x->rs->total);
        MHD_add_response_header(resp, "X-Total-Count", total);
    }
    if (x && x->rs && x->rs->etag)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, x->rs->etag);
    if (x && x->rs && x->rs->last_modified > 0) {
        char date[40];
        time_t t = (time_t)x->rs->last_modified;
        struct tm tm;
        if (gmtime_r(&t, &tm) && strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &tm))
            MHD_add_response_header(resp, MHD_HTTP_HEADER_LAST_MODIFIED, date);
    }
    if (x && x->allow && *x->allow)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, x->allow);
    if (x && x->retry_after) {
        char seconds[16];
        snprintf(seconds, sizeof seconds, "%u", x->retry_after);
        MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, seconds);
    }
    for (size_t i = 0; x && i < x->n_headers; i++)
        MHD_add_response_header(resp, x->headers[i][0], x->headers[i][1]);
    if (status == MHD_HTTP_UNAUTHORIZED)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
                                "Basic realm=\"agenda\", charset=\"UTF-8\"");
    /* over TLS, browsers are told to come back over TLS only (two years) */
    if (the_server.cfg.tls_cert)
        MHD_add_response_header(resp, "Strict-Transport-Security", "max-age=63072000");
    if (atomic_load(&the_server.stopping) || (x && x->close))
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
    queuing_own = true;
    enum MHD_Result ret = MHD_queue_response(conn, status, resp);
    queuing_own = false;
    MHD_destroy_response(resp);
    return ret;
}

/* Answers a refusal of the HTTP layer (a status with no api_err) and
 * closes the connection: what follows the refused head is never read. */
static enum MHD_Result send_refusal(struct MHD_Connection *conn, request_ctx *ctx, unsigned status,
                                    const char *message)
{
    arena *outer = json_mem_enter(NULL);
    char *text = http_protocol_error_body(status, message);
    json_mem_leave(outer);
    return send_text(conn, ctx, status, text, &(reply_extra){.close = true});
}

typedef enum MHD_Result (*queue_response_fn)(struct MHD_Connection *, unsigned int,
                                             struct MHD_Response *);
static queue_response_fn library_queue_response;

static void find_library_queue_response(void)
{
    library_queue_response = (queue_response_fn)dlsym(RTLD_NEXT, "MHD_queue_response");
}

/* libmicrohttpd answers some requests itself before the server sees them
 * (a malformed request line or header, a head over its memory pool: 414 or
 * 431, a bad chunk, an unparsable Content-Length, HTTP/2 as text: 505), with
 * an HTML body that cannot be configured.  Its error path queues that answer
 * through the exported MHD_queue_response, so this definition takes the
 * call (the dynamic linker binds the library's call to the program's
 * symbol): the server's own responses pass through untouched (queuing_own),
 * the library's become the documented JSON error with the same status, the
 * connection closed, and are noted for the access log. */
enum MHD_Result MHD_queue_response(struct MHD_Connection *connection, unsigned int status_code,
                                   struct MHD_Response *response)
{
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, find_library_queue_response);
    if (!library_queue_response)
        return MHD_NO;
    if (queuing_own || status_code < 400)
        return library_queue_response(connection, status_code, response);

    server *srv = &the_server;
    arena *outer = json_mem_enter(NULL);
    char *text = http_protocol_error_body(status_code, NULL);
    json_mem_leave(outer);
    struct MHD_Response *json =
        text ? MHD_create_response_from_buffer(strlen(text), text, MHD_RESPMEM_MUST_FREE) : NULL;
    if (!json) {
        free(text);
        return library_queue_response(connection, status_code, response);
    }
    MHD_add_response_header(json, MHD_HTTP_HEADER_CONTENT_TYPE, "application/json; charset=utf-8");
    MHD_add_response_header(json, MHD_HTTP_HEADER_CONNECTION, "close");
    enum MHD_Result ret = library_queue_response(connection, status_code, json);
    MHD_destroy_response(json);
    conn_state *cs = connection_state(connection);
    if (ret == MHD_YES) {
        if (cs && cs->current)
            cs->current->status = status_code; /* logged when it completes */
        else if (srv->access_log)              /* refused before its request line was read */
            accesslog_write(srv->access_log, client_address(connection), "-", "-", status_code, 0);
    }
    return ret;
}

static enum MHD_Result send_error(struct MHD_Connection *conn, request_ctx *ctx, api_err err,
                                  const char *message, const cJSON *errors, const reply_extra *x)
{
    /* Built with malloc, not in the request's arena: the error may be that
     * the arena is full. */
    arena *outer = json_mem_enter(NULL);
    char *text = http_error_body(err, message, errors);
    json_mem_leave(outer);
    return send_text(conn, ctx, http_status_of(err), text, x);
}

/* Parses the body by content type: forms into the same tree as JSON.
 * Returns API_OK with *out (NULL for an empty body) or API_BAD_REQUEST. */
static api_err request_body(struct MHD_Connection *conn, const request_ctx *ctx, cJSON **out,
                            const char **message)
{
    *out = NULL;
    if (ctx->body.len == 0)
        return API_OK;
    const char *type = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Type");
    *out = body_parse(ctx->body.data, ctx->body.len, body_is_form(type), message);
    if (!*out && arena_over_budget(ctx->arena)) {
        /* Not this request's fault: others hold the memory for now. */
        *message = BUSY_MESSAGE;
        return API_UNAVAILABLE;
    }
    if (!*out && arena_exhausted(ctx->arena)) {
        /* Its tree outgrew the request's arena (JSON like [0,0,...] takes
         * 30 times its size as nodes). */
        *message = "request body too large once parsed";
        return API_TOO_LARGE;
    }
    return *out ? API_OK : API_BAD_REQUEST;
}

/* Reads the body of a public route as form fields (whatever its content
 * type: the gateways that call these routes send forms).  Returns API_OK
 * with *out and *n (none for an empty body), else API_BAD_REQUEST, or
 * API_UNAVAILABLE or API_TOO_LARGE for memory, as request_body. */
static api_err request_form(const request_ctx *ctx, api_pair **out, size_t *n, const char **message)
{
    url_param *fields = NULL;
    *out = NULL;
    *n = 0;
    if (url_parse_form(ctx->arena, ctx->body.data, ctx->body.len, &fields, n, message) != 0 ||
        !(*out = arena_calloc(ctx->arena, *n + 1, sizeof **out))) {
        if (arena_over_budget(ctx->arena)) {
            *message = BUSY_MESSAGE; /* others hold the memory for now */
            return API_UNAVAILABLE;
        }
        if (arena_exhausted(ctx->arena)) {
            *message = "request body too large once parsed";
            return API_TOO_LARGE;
        }
        return API_BAD_REQUEST;
    }
    for (size_t i = 0; i < *n; i++)
        (*out)[i] = (api_pair){.name = fields[i].key, .value = fields[i].value};
    return API_OK;
}

/* Runs the route's handler on rq and answers with what it produced. */
static enum MHD_Result run_route(struct MHD_Connection *conn, request_ctx *ctx, api_request *rq,
                                 const api_route *route)
{
    api_response rs = {0};
    api_err err = api_call(route, rq, &rs);
    enum MHD_Result ret;
    if (err != API_OK) {
        ret = send_error(conn, ctx, err, rs.message, rs.errors, NULL);
    } else if (rs.outcome == API_EMPTY) {
        ret = send_text(conn, ctx, MHD_HTTP_NO_CONTENT, NULL, &(reply_extra){.rs = &rs});
    } else if (rs.outcome == API_NOT_MODIFIED) {
        ret = send_text(conn, ctx, MHD_HTTP_NOT_MODIFIED, NULL, &(reply_extra){.rs = &rs});
    } else if (rs.outcome == API_TEXT) {
        assert(rs.text && rs.content_type);
        char *text = strdup(rs.text);
        ret = text ? send_text(conn, ctx, MHD_HTTP_OK, text,
                               &(reply_extra){.rs = &rs, .content_type = rs.content_type})
                   : send_error(conn, ctx, API_INTERNAL, NULL, NULL, NULL);
    } else {
        char *text = rs.body ? json_print(rs.body, NULL) : NULL;
        unsigned status = rs.outcome == API_CREATED    ? MHD_HTTP_CREATED
                          : rs.outcome == API_ACCEPTED ? MHD_HTTP_ACCEPTED
                                                       : MHD_HTTP_OK;
        ret = text ? send_text(conn, ctx, status, text, &(reply_extra){.rs = &rs})
                   : send_error(conn, ctx, API_INTERNAL, NULL, NULL, NULL);
    }
    cJSON_Delete(rs.body);
    cJSON_Delete(rs.errors);
    return ret;
}

/* Answers a request to a public route: no credentials are read (nor
 * failures counted), and the handler gets the request as sent to check its
 * signature: the raw target, the headers and the body's form fields. */
static enum MHD_Result respond_public(server *srv, struct MHD_Connection *conn, request_ctx *ctx,
                                      api_request *rq, const api_route *route)
{
    const char *message = NULL;
    api_pair *form = NULL;
    size_t n_form = 0;
    api_err err = request_form(ctx, &form, &n_form, &message);
    if (err != API_OK)
        return send_error(
            conn, ctx, err, message, NULL,
            &(reply_extra){.retry_after = err == API_UNAVAILABLE ? BUSY_RETRY_AFTER : 0});
    store *st = worker_store(srv);
    if (!st)
        return send_error(conn, ctx, API_UNAVAILABLE, NULL, NULL, NULL);
    rq->store = st;
    rq->now = clock_unix_seconds();
    rq->target = ctx->target;
    rq->header = header_lookup;
    rq->header_ctx = conn;
    rq->form = form;
    rq->n_form = n_form;
    return run_route(conn, ctx, rq, route);
}

/* Answers a request for one of the pages (web.h; page NULL: the path of a
 * page with another method).  The page's store is the worker's, or NULL
 * when it cannot be opened (the page then says so itself). */
static enum MHD_Result respond_page(server *srv, struct MHD_Connection *conn, request_ctx *ctx,
                                    parsed_url *url, const web_page *page, web_request *wrq)
{
    web_response wrs;
    if (ctx->too_large)
        return send_error(conn, ctx, API_TOO_LARGE, "request body too large", NULL, NULL);
    if (ctx->over_budget)
        return send_error(conn, ctx, API_UNAVAILABLE, BUSY_MESSAGE, NULL,
                          &(reply_extra){.retry_after = BUSY_RETRY_AFTER});
    /* A page's form fields (POST): read like a query, from a parsed_url
     * holding them as parameters; a body that is no form has none. */
    parsed_url *form = arena_calloc(ctx->arena, 1, sizeof *form);
    url_param *fields = NULL;
    size_t n_fields = 0;
    const char *message = NULL;
    if (!form)
        return send_error(conn, ctx, API_UNAVAILABLE, BUSY_MESSAGE, NULL,
                          &(reply_extra){.retry_after = BUSY_RETRY_AFTER});
    if (page && ctx->body.len &&
        url_parse_form(ctx->arena, ctx->body.data, ctx->body.len, &fields, &n_fields, &message) ==
            0) {
        for (size_t i = 0; i < n_fields && form->n_params < URL_MAX_PARAMS; i++)
            form->params[form->n_params++] = fields[i];
    }
    char address[NI_MAXHOST] = "";
    const struct sockaddr *client = believed_client(srv, conn, ctx);
    if (!client || getnameinfo(client,
                               client->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
                                                             : sizeof(struct sockaddr_in),
                               address, sizeof address, NULL, 0, NI_NUMERICHOST) != 0)
        strcpy(address, "-");
    wrq->arena = ctx->arena;
    wrq->store = worker_store(srv);
    wrq->now = clock_unix_seconds();
    wrq->header = header_lookup;
    wrq->header_ctx = conn;
    wrq->query = query_lookup;
    wrq->query_ctx = url;
    wrq->form = query_lookup;
    wrq->form_ctx = form;
    wrq->client = address;
    wrq->secure = ctx->https;
    if (wrq->store)
        store_set_actor(wrq->store, &(store_actor){.kind = "booking", .name = "page"});
    web_answer(page, wrq, &wrs);
    if (wrq->store)
        store_set_actor(wrq->store, NULL);
    char *text = wrs.body ? malloc(wrs.len + 1) : NULL;
    if (!text)
        return send_error(conn, ctx, API_UNAVAILABLE, BUSY_MESSAGE, NULL,
                          &(reply_extra){.retry_after = BUSY_RETRY_AFTER});
    memcpy(text, wrs.body, wrs.len);
    text[wrs.len] = '\0';
    assert(strlen(text) == wrs.len); /* pages are text: no NUL inside */
    return send_text(conn, ctx, wrs.status, text,
                     &(reply_extra){.content_type = wrs.content_type,
                                    .headers = (const char *const(*)[2])wrs.headers,
                                    .n_headers = wrs.n_headers});
}

/* Whether the client's address is a loopback one (127.0.0.0/8, ::1, or an
 * IPv4 loopback address mapped into IPv6). */
static bool is_loopback(const struct sockaddr *addr)
{
    if (addr && addr->sa_family == AF_INET)
        return (ntohl(((const struct sockaddr_in *)addr)->sin_addr.s_addr) >> 24) == 127;
    if (addr && addr->sa_family == AF_INET6) {
        const struct in6_addr *a = &((const struct sockaddr_in6 *)addr)->sin6_addr;
        return IN6_IS_ADDR_LOOPBACK(a) || (IN6_IS_ADDR_V4MAPPED(a) && a->s6_addr[12] == 127);
    }
    return false;
}

/* The operator's probes: GET (or HEAD) only, no credentials.  A probe
 * answers from what the process knows, so a load balancer's polling costs
 * almost nothing; /readyz asks the worker's store one trivial query. */
static bool probe_method_refused(struct MHD_Connection *conn, request_ctx *ctx, const char *method,
                                 enum MHD_Result *ret)
{
    if (strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0)
        return false;
    *ret = send_error(conn, ctx, API_METHOD_NOT_ALLOWED, "method not allowed on this route", NULL,
                      &(reply_extra){.allow = "GET, HEAD"});
    return true;
}

static enum MHD_Result answer_health(server *srv, struct MHD_Connection *conn, request_ctx *ctx,
                                     const char *method)
{
    (void)srv;
    enum MHD_Result ret;
    if (probe_method_refused(conn, ctx, method, &ret))
        return ret;
    char *text = strdup("{\"status\":\"ok\"}");
    return text ? send_text(conn, ctx, MHD_HTTP_OK, text, NULL)
                : send_error(conn, ctx, API_INTERNAL, NULL, NULL, NULL);
}

static enum MHD_Result answer_ready(server *srv, struct MHD_Connection *conn, request_ctx *ctx,
                                    const char *method)
{
    enum MHD_Result ret;
    if (probe_method_refused(conn, ctx, method, &ret))
        return ret;
    store *st = worker_store(srv);
    if (!st || store_ping(st) != STORE_OK) {
        if (st)
            store_rollback(st); /* a broken connection is opened again by the next request */
        return send_error(conn, ctx, API_UNAVAILABLE, "the database is unavailable", NULL, NULL);
    }
    char *text = strdup("{\"status\":\"ready\"}");
    return text ? send_text(conn, ctx, MHD_HTTP_OK, text, NULL)
                : send_error(conn, ctx, API_INTERNAL, NULL, NULL, NULL);
}

/* /metrics: from loopback, or anywhere with the configured token as
 * "Authorization: Bearer TOKEN" (compared in constant time). */
static bool metrics_allowed(server *srv, struct MHD_Connection *conn, request_ctx *ctx)
{
    /* the client as believed: behind a proxy on this machine every peer
     * is loopback, and the proxy's clients must not count as such */
    if (is_loopback(believed_client(srv, conn, ctx)))
        return true;
    const char *token = srv->cfg.metrics_token;
    const char *header =
        MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
    if (!token || !header || strncasecmp(header, "Bearer ", 7) != 0)
        return false;
    const char *given = header + 7;
    size_t n = strlen(token);
    return strlen(given) == n && sodium_memcmp(given, token, n) == 0;
}

static enum MHD_Result answer_metrics(server *srv, struct MHD_Connection *conn, request_ctx *ctx,
                                      const char *method)
{
    enum MHD_Result ret;
    if (probe_method_refused(conn, ctx, method, &ret))
        return ret;
    if (!metrics_allowed(srv, conn, ctx))
        return send_error(conn, ctx, API_FORBIDDEN,
                          "metrics are served to loopback, or with the metrics token", NULL, NULL);
    metrics_snapshot snap = {.requests_in_flight = atomic_load(&srv->in_flight)};
    const union MHD_DaemonInfo *info =
        srv->daemon ? MHD_get_daemon_info(srv->daemon, MHD_DAEMON_INFO_CURRENT_CONNECTIONS) : NULL;
    snap.connections_open = info ? (int64_t)info->num_connections : 0;
    api_counters_read(&snap.store_errors, &snap.store_retries);
    store *st = worker_store(srv);
    store_ops ops;
    if (st && store_ops_read(st, clock_unix_seconds(), &ops) == STORE_OK) {
        snap.have_store = true;
        snap.messages_due = ops.messages_due;
        snap.messages_pending = ops.messages_pending;
        snap.messages_failed = ops.messages_failed;
        snap.caldav_links_due = ops.caldav_links_due;
        snap.caldav_links_failing = ops.caldav_links_failing;
        snap.caldav_links_paused = ops.caldav_links_paused;
        snap.imports_due = ops.imports_due;
        snap.imports_failing = ops.imports_failing;
    } else if (st) {
        store_rollback(st);
    }
    buf out;
    buf_init(&out, (size_t)4 << 20, NULL);
    size_t len = 0;
    char *text = metrics_render(&snap, &out) ? buf_take(&out, &len) : NULL;
    buf_free(&out);
    if (!text)
        return send_error(conn, ctx, API_INTERNAL, NULL, NULL, NULL);
    return send_text(conn, ctx, MHD_HTTP_OK, text,
                     &(reply_extra){.content_type = "text/plain; version=0.0.4; charset=utf-8"});
}

typedef enum MHD_Result (*probe_answer)(server *srv, struct MHD_Connection *conn, request_ctx *ctx,
                                        const char *method);
static const struct {
    const char *path;
    metrics_target target;
    probe_answer answer;
} probes[] = {
    {"healthz", METRICS_HEALTH, answer_health},
    {"readyz", METRICS_READY, answer_ready},
    {"metrics", METRICS_SCRAPE, answer_metrics},
};

/* Answers one fully received request. */
static enum MHD_Result respond(server *srv, struct MHD_Connection *conn, request_ctx *ctx,
                               const char *method)
{
    parsed_url url;
    const char *message = NULL;
    char allow[64];
    route_match match;

    if (url_parse(ctx->arena, ctx->target, &url, &message) != 0)
        return send_error(conn, ctx, API_BAD_REQUEST, message, NULL, NULL);
    const char *const *segs = url.segments;
    const web_page *page = NULL;
    web_request wrq = {0};
    if (url.n_segments == 1) {
        for (size_t i = 0; i < sizeof probes / sizeof probes[0]; i++)
            if (strcmp(segs[0], probes[i].path) == 0) {
                ctx->counted_as = probes[i].target;
                return probes[i].answer(srv, conn, ctx, method);
            }
    }
    switch (web_match(method, segs, url.n_segments, &page, &wrq)) {
    case WEB_FOUND:
        ctx->counted_as = METRICS_PAGES;
        return respond_page(srv, conn, ctx, &url, page, &wrq);
    case WEB_BAD_METHOD:
        ctx->counted_as = METRICS_PAGES;
        return respond_page(srv, conn, ctx, &url, NULL, &wrq);
    case WEB_NOT_MINE:
        break;
    }
    if (url.n_segments < 2 || strcmp(segs[0], "api") != 0 || strcmp(segs[1], "v2") != 0)
        return send_error(conn, ctx, API_NOT_FOUND, "no such route", NULL, NULL);
    switch (router_match(method, segs + 2, url.n_segments - 2, &match, allow, sizeof allow)) {
    case ROUTE_FOUND:
        ctx->counted_as = METRICS_ROUTES + (size_t)(match.route - api_routes);
        break;
    case ROUTE_NOT_FOUND:
        return send_error(conn, ctx, API_NOT_FOUND, "no such route", NULL, NULL);
    case ROUTE_BAD_METHOD:
        return send_error(conn, ctx, API_METHOD_NOT_ALLOWED, "method not allowed on this route",
                          NULL, &(reply_extra){.allow = allow});
    }
    if (ctx->too_large)
        return send_error(conn, ctx, API_TOO_LARGE, "request body too large", NULL, NULL);
    if (ctx->over_budget)
        return send_error(conn, ctx, API_UNAVAILABLE, BUSY_MESSAGE, NULL,
                          &(reply_extra){.retry_after = BUSY_RETRY_AFTER});

    api_request rq = {
        .arena = ctx->arena,
        .limits = &srv->cfg.limits,
        .settings = &srv->cfg.settings,
        .owner_id = match.owner_id,
        .has_ref = match.has_ref,
        .ref = match.ref,
        .n_args = match.n_args,
        .query = query_lookup,
        .query_ctx = &url,
    };
    for (size_t i = 0; i < match.n_args; i++)
        rq.args[i] = match.args[i];
    if (match.route->owner == OWNER_PUBLIC)
        return respond_public(srv, conn, ctx, &rq, match.route);

    const char *email = url_param_get(&url, "user_email");
    const char *token = url_param_get(&url, "user_token");
    if (!email && !token) {
        const char *header =
            MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
        if (header && credentials_parse_basic(ctx->arena, header, &email, &token) != 0)
            email = token = NULL;
    }
    /* Failures count per address and claimed identity; a request with no
     * credentials at all (a monitoring probe) is neither counted nor
     * refused (ratelimit.h). */
    const struct sockaddr *client = believed_client(srv, conn, ctx);
    const char *identity = email ? email : token ? "" : NULL;
    int64_t now = clock_unix_seconds();
    unsigned wait = ratelimit_blocked(srv->auth_failures, client, identity, now);
    if (wait) {
        metrics_count(METRICS_AUTH_LIMITED);
        return send_error(conn, ctx, API_TOO_MANY, "too many failed authentications, retry later",
                          NULL, &(reply_extra){.retry_after = wait});
    }
    store *st = worker_store(srv);
    if (!st)
        return send_error(conn, ctx, API_UNAVAILABLE, NULL, NULL, NULL);
    user who;
    api_err err = api_authenticate(st, ctx->arena, email, token, &who);
    if (err == API_UNAUTHORIZED) {
        ratelimit_failed(srv->auth_failures, client, identity, now);
        metrics_count(METRICS_AUTH_FAILED);
    }
    if (err != API_OK)
        return send_error(conn, ctx, err, NULL, NULL, NULL);

    cJSON *body = NULL;
    err = request_body(conn, ctx, &body, &message);
    if (err != API_OK)
        return send_error(
            conn, ctx, err, message, NULL,
            &(reply_extra){.retry_after = err == API_UNAVAILABLE ? BUSY_RETRY_AFTER : 0});

    rq.store = st;
    rq.now = now;
    rq.user = &who;
    rq.body = body;
    enum MHD_Result ret = run_route(conn, ctx, &rq, match.route);
    cJSON_Delete(body);
    return ret;
}
/* What the head check gathers from the headers. */
typedef struct head_scan {
    framing_check framing;
    size_t bytes; /* the header lines, as sent: "name: value" CRLF */
} head_scan;

static enum MHD_Result head_scan_one(void *cls, enum MHD_ValueKind kind, const char *key,
                                     size_t key_size, const char *value, size_t value_size)
{
    (void)kind;
    head_scan *hs = cls;
    framing_add(&hs->framing, key, key_size, value ? value : "", value ? value_size : 0);
    hs->bytes += key_size + 2 + value_size + 2;
    return MHD_YES;
}

/* Checks a request head once it has arrived, before anything else: the
 * request line and then the whole head within --max-header-bytes (414, 431:
 * the library's own pool is larger, so these limits are the server's and
 * answered in JSON), then unambiguous framing (400, see framing.h).  Queues
 * the refusal, closing the connection, and returns true when it refuses. */
static bool head_refused(server *srv, struct MHD_Connection *conn, request_ctx *ctx,
                         const char *method, const char *version, enum MHD_Result *ret)
{
    size_t line = strlen(method) + 1 + ctx->target_len + 1 + strlen(version) + 2;
    if (line > srv->cfg.max_header_bytes) {
        *ret = send_refusal(conn, ctx, MHD_HTTP_URI_TOO_LONG, NULL);
        return true;
    }
    head_scan hs = {.bytes = line + 2};
    framing_begin(&hs.framing);
    MHD_get_connection_values_n(conn, MHD_HEADER_KIND, head_scan_one, &hs);
    if (hs.bytes > srv->cfg.max_header_bytes) {
        *ret = send_refusal(conn, ctx, MHD_HTTP_REQUEST_HEADER_FIELDS_TOO_LARGE, NULL);
        return true;
    }
    const char *fault = framing_end(&hs.framing, version);
    if (fault) {
        *ret = send_refusal(conn, ctx, MHD_HTTP_BAD_REQUEST, fault);
        return true;
    }
    return false;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    (void)url;
    server *srv = cls;
    request_ctx *ctx = *con_cls;
    if (!ctx)
        return MHD_NO; /* out of memory at request start */
    if (!ctx->started) {
        ctx->started = 1;
        ctx->method = method;
        enum MHD_Result refused;
        if (head_refused(srv, conn, ctx, method, version, &refused))
            return refused;
        if (atomic_load(&srv->stopping)) {
            /* Shutting down: requests that arrive on kept-alive connections
             * are refused, and the connection closed, so the ones already in
             * flight can drain. */
            return send_error(conn, ctx, API_UNAVAILABLE, "the server is shutting down", NULL,
                              NULL);
        }
        const char *length =
            MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        unsigned long long declared = length ? strtoull(length, NULL, 10) : 0;
        if (declared > srv->cfg.max_body) {
            /* Answer at once; libmicrohttpd then closes the connection
             * instead of reading a body we would discard. */
            ctx->too_large = 1;
            return send_error(conn, ctx, API_TOO_LARGE, "request body too large", NULL, NULL);
        }
        size_t free_memory = srv->cfg.max_memory - atomic_load(&srv->memory.used);
        if (declared > free_memory) {
            /* A body that cannot fit the budget now is refused before it is
             * read. */
            ctx->over_budget = 1;
            return send_error(conn, ctx, API_UNAVAILABLE, BUSY_MESSAGE, NULL,
                              &(reply_extra){.retry_after = BUSY_RETRY_AFTER, .close = true});
        }
        return MHD_YES;
    }
    if (*upload_data_size) {
        body_append(ctx, upload_data, *upload_data_size);
        *upload_data_size = 0;
        return MHD_YES;
    }
    reaper_answering(srv->reaper, connection_timer(conn));
    arena *outer = json_mem_enter(ctx->arena);
    enum MHD_Result ret = respond(srv, conn, ctx, method);
    json_mem_leave(outer);
    return ret;
}

/* libmicrohttpd's unescaping of the path and query: left undone, since
 * url.c parses the raw target (see the top) and nothing reads libmicrohttpd's
 * copies; it was 2% of a small GET.  Returns the length unchanged. */
static size_t unescape_nothing(void *cls, struct MHD_Connection *conn, char *s)
{
    (void)cls;
    (void)conn;
    return strlen(s);
}

/* Resolves "HOST:PORT" or "[V6]:PORT" into *out; PORT must be a decimal
 * number from 1 to 65535 (getaddrinfo alone would take 99999 modulo 65536).
 * Returns 0 or -1. */
static int listen_resolve(const char *listen, struct sockaddr_storage *out, socklen_t *len)
{
    char host[256];
    const char *colon = strrchr(listen, ':');
    if (!colon || colon == listen || (size_t)(colon - listen) >= sizeof host || !colon[1])
        return -1;
    long port = 0;
    for (const char *p = colon + 1; *p; p++) {
        if (*p < '0' || *p > '9' || port > 65535)
            return -1;
        port = port * 10 + (*p - '0');
    }
    if (port < 1 || port > 65535)
        return -1;
    memcpy(host, listen, (size_t)(colon - listen));
    host[colon - listen] = '\0';
    char *h = host;
    size_t hl = strlen(h);
    if (h[0] == '[' && hl > 2 && h[hl - 1] == ']') {
        h[hl - 1] = '\0';
        h++;
    }
    struct addrinfo hints = {.ai_family = AF_UNSPEC,
                             .ai_socktype = SOCK_STREAM,
                             .ai_flags = AI_NUMERICSERV | AI_PASSIVE};
    struct addrinfo *res = NULL;
    if (getaddrinfo(h, colon + 1, &hints, &res) != 0 || !res)
        return -1;
    memcpy(out, res->ai_addr, res->ai_addrlen);
    *len = res->ai_addrlen;
    freeaddrinfo(res);
    return 0;
}

/* Opens the listening socket on addr; -1 with errno set on failure.  The
 * server binds it itself, so a failure is reported in its own words. */
static int listen_open(const struct sockaddr_storage *addr, socklen_t len)
{
    int fd = socket(addr->ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(fd, (const struct sockaddr *)addr, len) != 0 || listen(fd, 1024) != 0) {
        int saved = errno;
        close(fd);
        errno = saved;
        return -1;
    }
    return fd;
}

/* Raises the open-file limit to its hard maximum: each connection needs
 * its socket and the reaper's duplicate of it. */
static void raise_fd_limit(void)
{
    struct rlimit lim;
    if (getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
        lim.rlim_cur = lim.rlim_max;
        setrlimit(RLIMIT_NOFILE, &lim);
    }
}

/* Opens the access log named by cfg (NULL: none, "-": stderr). */
static int access_log_open(const server_config *cfg, FILE **out)
{
    *out = NULL;
    if (!cfg->access_log)
        return 0;
    if (strcmp(cfg->access_log, "-") == 0) {
        *out = stderr;
        return 0;
    }
    *out = fopen(cfg->access_log, "a");
    if (!*out) {
        fprintf(stderr, "agenda: cannot open the access log '%s'\n", cfg->access_log);
        return -1;
    }
    setvbuf(*out, NULL, _IOLBF, 0);
    return 0;
}

/* Whether addr is a loopback address (127.0.0.0/8, ::1, or an IPv4
 * loopback mapped into IPv6): plain HTTP there never leaves the machine. */
static bool listen_is_loopback(const struct sockaddr_storage *addr)
{
    return is_loopback((const struct sockaddr *)addr);
}

void server_signals(sigset_t *set)
{
    sigemptyset(set);
    sigaddset(set, SIGINT);
    sigaddset(set, SIGTERM);
    sigaddset(set, SIGHUP);
}

void server_block_signals(void)
{
    sigset_t set;
    server_signals(&set);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
}

int server_run(const server_config *cfg)
{
    server *srv = &the_server;
    struct sockaddr_storage addr;
    socklen_t addr_len = 0;
    sigset_t signals;
    struct MHD_Daemon *d = NULL;
    int listen_fd = -1;
    int sig = 0;
    int rc = 1;

    memset(srv, 0, sizeof *srv);
    srv->cfg = *cfg;
    pthread_mutex_init(&srv->stores_lock, NULL);
    if (listen_resolve(cfg->listen, &addr, &addr_len) != 0) {
        fprintf(stderr,
                "agenda: cannot use listen address '%s' (expected HOST:PORT, PORT from 1 to "
                "65535)\n",
                cfg->listen);
        rc = 2;
        goto done;
    }
    if (cfg->threads < 1 || cfg->threads > SERVER_MAX_THREADS) {
        fprintf(stderr, "agenda: the worker threads must number from 1 to %d, not %u\n",
                SERVER_MAX_THREADS, cfg->threads);
        rc = 2;
        goto done;
    }
    listen_fd = listen_open(&addr, addr_len);
    if (listen_fd < 0) {
        fprintf(stderr, "agenda: cannot listen on %s: %s\n", cfg->listen, strerror(errno));
        goto done;
    }
    if (access_log_open(cfg, &srv->access_log) != 0)
        goto done;
    if (!metrics_init()) {
        fprintf(stderr, "agenda: cannot start (out of memory)\n");
        goto done;
    }
    raise_fd_limit();
    json_mem_install();
    srv->memory.limit = cfg->max_memory;
    /* Freed memory goes back to the system: blocks of 128 KiB and more
     * (bodies, the arenas' large blocks) are mmap'd and unmapped when freed
     * (fixing the threshold stops glibc from raising it after large frees
     * and then keeping them in its heaps), and free heap memory past 1 MiB
     * at the top is trimmed. */
    mallopt(M_MMAP_THRESHOLD, 128 * 1024);
    mallopt(M_TRIM_THRESHOLD, 1024 * 1024);
    /* Block the server's signals before any thread starts (the reaper's
     * included: threads inherit the mask), so that only sigwait below
     * receives them, also one sent while the workers are being started. */
    server_block_signals();
    server_signals(&signals);
    srv->auth_failures = ratelimit_new(cfg->auth_failures, cfg->auth_window);
    srv->reaper = reaper_start(cfg->max_connections, cfg->connection_timeout);
    if (!srv->auth_failures || !srv->reaper) {
        fprintf(stderr, "agenda: cannot start (out of memory or threads)\n");
        goto done;
    }

    const tls_files tls = {.cert_path = cfg->tls_cert, .key_path = cfg->tls_key};
    const bool secure = cfg->tls_cert && cfg->tls_key;
    char why[512];
    if (secure && !tls_load(&tls, why, sizeof why)) {
        fprintf(stderr, "agenda: %s\n", why);
        goto done;
    }
    if (!secure && !listen_is_loopback(&addr))
        fprintf(stderr,
                "agenda: warning: plain HTTP on %s, which is not a loopback address:"
                " patient data would cross the network in the clear (use --tls-cert and"
                " --tls-key, or a TLS proxy in front)\n",
                cfg->listen);

    unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ITC | MHD_USE_ERROR_LOG;
    if (addr.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    if (secure)
        flags |= MHD_USE_TLS;
    /* The library's per-connection pool holds the head being read: twice
     * the server's own limit and some, so heads just over that limit reach
     * head_refused and its JSON 431 (larger ones still get a JSON answer,
     * through MHD_queue_response above). */
    size_t pool = cfg->max_header_bytes * 2 + 8192;
    /* the library logs TLS options given without TLS: they go in only with it */
    struct MHD_OptionItem tls_options[] = {
        {MHD_OPTION_HTTPS_CERT_CALLBACK, 0, (void *)tls_certificate_callback()},
        {MHD_OPTION_HTTPS_PRIORITIES, 0, (void *)TLS_PRIORITIES},
        {MHD_OPTION_END, 0, NULL},
    };
    struct MHD_OptionItem no_options[] = {{MHD_OPTION_END, 0, NULL}};
    d = MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, srv, MHD_OPTION_LISTEN_SOCKET, listen_fd,
        MHD_OPTION_THREAD_POOL_SIZE, cfg->threads, MHD_OPTION_URI_LOG_CALLBACK, on_request_start,
        srv, MHD_OPTION_NOTIFY_COMPLETED, on_request_done, srv, MHD_OPTION_NOTIFY_CONNECTION,
        on_connection, srv, MHD_OPTION_CONNECTION_TIMEOUT, cfg->connection_timeout,
        MHD_OPTION_CONNECTION_LIMIT, cfg->max_connections, MHD_OPTION_CONNECTION_MEMORY_LIMIT, pool,
        MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024u, MHD_OPTION_UNESCAPE_CALLBACK, unescape_nothing, NULL,
        MHD_OPTION_ARRAY, secure ? tls_options : no_options, MHD_OPTION_END);
    if (!d) {
        fprintf(stderr, "agenda: cannot start the HTTP server on %s\n", cfg->listen);
        goto done;
    }
    listen_fd = -1; /* the daemon's now */
    srv->daemon = d;
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    fprintf(stderr, "agenda: listening on %s (port %u, %u threads%s)\n", cfg->listen,
            info ? (unsigned)info->port : 0u, cfg->threads, secure ? ", TLS" : "");
    if (cfg->on_ready)
        cfg->on_ready(cfg->hook_arg);

    for (;;) {
        if (sigwait(&signals, &sig) != 0)
            continue;
        if (sig != SIGHUP)
            break;
        if (!secure)
            fprintf(stderr, "agenda: SIGHUP: no certificate to reload (plain HTTP)\n");
        else if (tls_load(&tls, why, sizeof why))
            fprintf(stderr, "agenda: SIGHUP: certificate reloaded from %s\n", cfg->tls_cert);
        else
            fprintf(stderr, "agenda: SIGHUP: kept the certificate in use: %s\n", why);
    }
    fprintf(stderr, "agenda: stopping (signal %d)\n", sig);
    if (cfg->on_stopping)
        cfg->on_stopping(cfg->hook_arg);
    atomic_store(&srv->stopping, 1);
    MHD_quiesce_daemon(d);
    /* Let requests already being read or answered finish. */
    for (int waited_ms = 0; atomic_load(&srv->in_flight) > 0 && waited_ms < 30000;
         waited_ms += 10) {
        struct timespec tick = {0, 10 * 1000 * 1000};
        nanosleep(&tick, NULL);
    }
    rc = 0;
done:
    if (d)
        MHD_stop_daemon(d);
    if (listen_fd >= 0)
        close(listen_fd);
    reaper_stop(srv->reaper);
    ratelimit_free(srv->auth_failures);
    for (size_t i = 0; i < srv->n_stores; i++)
        store_close(srv->stores[i]);
    srv->n_stores = 0;
    pthread_mutex_destroy(&srv->stores_lock);
    if (srv->access_log && srv->access_log != stderr)
        fclose(srv->access_log);
    tls_unload();
    metrics_free();
    if (rc == 0)
        fprintf(stderr, "agenda: stopped\n");
    return rc;
}

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
 * - Abuse limits: a request must arrive in full within the timeout (the
 *   reaper drops slow senders without a worker ever waiting on them);
 *   repeated failed authentications from one address get 429 for a while
 *   (ratelimit.c); bodies, headers and connections have hard limits.
 * - The access log (optional) never holds credentials or bodies.
 * - Shutdown: SIGINT/SIGTERM are taken by sigwait in the main thread; the
 *   daemon stops accepting, waits for requests in flight, then stops. */
#include "http/server.h"

#include <microhttpd.h>
#include <netdb.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "http/accesslog.h"
#include "http/credentials.h"
#include "http/body.h"
#include "http/errors.h"
#include "http/ratelimit.h"
#include "http/reaper.h"
#include "http/router.h"
#include "http/url.h"
#include "util/json_mem.h"
#include "util/json_out.h"

#define MAX_WORKERS 256

typedef struct server {
    server_config cfg;
    atomic_long in_flight;
    atomic_int stopping; /* set at shutdown: new requests are turned away */
    pthread_mutex_t stores_lock;
    store *stores[MAX_WORKERS];
    size_t n_stores;
    reaper *reaper;
    ratelimit *auth_failures;
    FILE *access_log; /* NULL: no access log */
} server;

typedef struct request_ctx {
    arena *arena;
    char *target; /* raw request target, as sent */
    const char *method;
    unsigned status; /* of the answer queued, for the access log */
    struct timespec began;
    int started;
    int too_large;
    char *body;
    size_t body_len;
    size_t body_cap;
} request_ctx;

static _Thread_local store *worker_store_handle;
/* The one server of the process (signals are process-wide anyway). */
static server the_server;

server_config server_config_default(void)
{
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    unsigned threads = cores > 0 ? (unsigned)cores * 2 : 4;
    if (threads < 4)
        threads = 4;
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
    if (srv->n_stores < MAX_WORKERS)
        srv->stores[srv->n_stores++] = st;
    pthread_mutex_unlock(&srv->stores_lock);
    worker_store_handle = st;
    return st;
}

static void *on_request_start(void *cls, const char *uri, struct MHD_Connection *conn)
{
    (void)conn;
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
    clock_gettime(CLOCK_MONOTONIC, &ctx->began);
    atomic_fetch_add(&srv->in_flight, 1);
    return ctx;
}

/* The reaper's record of the connection a request arrived on. */
static reaper_conn *connection_timer(struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return info ? info->socket_context : NULL;
}

static const struct sockaddr *client_address(struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *info =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    return info ? info->client_addr : NULL;
}

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode code)
{
    server *srv = cls;
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        const union MHD_ConnectionInfo *info =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
        *socket_context = info ? reaper_track(srv->reaper, info->connect_fd) : NULL;
    } else {
        reaper_forget(srv->reaper, *socket_context);
        *socket_context = NULL;
    }
}

/* Writes the request's access log line, if there is a log. */
static void request_log(server *srv, struct MHD_Connection *conn, const request_ctx *ctx)
{
    if (!srv->access_log)
        return;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    int64_t micros = (int64_t)(now.tv_sec - ctx->began.tv_sec) * 1000000 +
                     (now.tv_nsec - ctx->began.tv_nsec) / 1000;
    const char *target = accesslog_redact(ctx->arena, ctx->target);
    accesslog_write(srv->access_log, client_address(conn), ctx->method ? ctx->method : "-",
                    target ? target : "-", ctx->status, micros);
}

static void on_request_done(void *cls, struct MHD_Connection *conn, void **con_cls,
                            enum MHD_RequestTerminationCode code)
{
    (void)code;
    server *srv = cls;
    request_ctx *ctx = *con_cls;
    reaper_answered(srv->reaper, connection_timer(conn));
    if (!ctx)
        return;
    request_log(srv, conn, ctx);
    free(ctx->body);
    arena_free(ctx->arena);
    free(ctx);
    *con_cls = NULL;
    atomic_fetch_sub(&srv->in_flight, 1);
}

/* Appends a chunk of body, up to max_body; past it, marks the request too
 * large and drops the rest. */
static void body_append(request_ctx *ctx, size_t max_body, const char *data, size_t len)
{
    if (ctx->too_large)
        return;
    if (len > max_body - ctx->body_len) {
        ctx->too_large = 1;
        return;
    }
    if (ctx->body_len + len + 1 > ctx->body_cap) {
        size_t cap = ctx->body_cap ? ctx->body_cap : 4096;
        while (cap < ctx->body_len + len + 1)
            cap *= 2;
        char *grown = realloc(ctx->body, cap);
        if (!grown) {
            ctx->too_large = 1;
            return;
        }
        ctx->body = grown;
        ctx->body_cap = cap;
    }
    memcpy(ctx->body + ctx->body_len, data, len);
    ctx->body_len += len;
    ctx->body[ctx->body_len] = '\0';
}

static const char *query_lookup(const void *ctx, const char *key)
{
    return url_param_get(ctx, key);
}

/* Headers some answers add. */
typedef struct reply_extra {
    const api_response *rs; /* X-Total-Count */
    const char *allow;      /* Allow, on 405 */
    unsigned retry_after;   /* Retry-After, on 429 */
} reply_extra;

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
                                "application/json; charset=utf-8");
    if (x && x->rs && x->rs->has_total) {
        char total[24];
        snprintf(total, sizeof total, "%lld", (long long)x->rs->total);
        MHD_add_response_header(resp, "X-Total-Count", total);
    }
    if (x && x->allow && *x->allow)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, x->allow);
    if (x && x->retry_after) {
        char seconds[16];
        snprintf(seconds, sizeof seconds, "%u", x->retry_after);
        MHD_add_response_header(resp, MHD_HTTP_HEADER_RETRY_AFTER, seconds);
    }
    if (atomic_load(&the_server.stopping))
        MHD_add_response_header(resp, MHD_HTTP_HEADER_CONNECTION, "close");
    enum MHD_Result ret = MHD_queue_response(conn, status, resp);
    MHD_destroy_response(resp);
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
    if (ctx->body_len == 0)
        return API_OK;
    const char *type = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Type");
    *out = body_parse(ctx->body, ctx->body_len, body_is_form(type), message);
    if (!*out && arena_exhausted(ctx->arena)) {
        /* Its tree outgrew the request's arena (JSON like [0,0,...] takes
         * 30 times its size as nodes). */
        *message = "request body too large once parsed";
        return API_TOO_LARGE;
    }
    return *out ? API_OK : API_BAD_REQUEST;
}

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
    if (url.n_segments < 2 || strcmp(segs[0], "api") != 0 || strcmp(segs[1], "v2") != 0)
        return send_error(conn, ctx, API_NOT_FOUND, "no such route", NULL, NULL);
    switch (router_match(method, segs + 2, url.n_segments - 2, &match, allow, sizeof allow)) {
    case ROUTE_FOUND:
        break;
    case ROUTE_NOT_FOUND:
        return send_error(conn, ctx, API_NOT_FOUND, "no such route", NULL, NULL);
    case ROUTE_BAD_METHOD:
        return send_error(conn, ctx, API_METHOD_NOT_ALLOWED, "method not allowed on this route",
                          NULL, &(reply_extra){.allow = allow});
    }
    if (ctx->too_large)
        return send_error(conn, ctx, API_TOO_LARGE, "request body too large", NULL, NULL);

    const char *email = url_param_get(&url, "user_email");
    const char *token = url_param_get(&url, "user_token");
    if (!email && !token) {
        const char *header =
            MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_AUTHORIZATION);
        if (header && credentials_parse_basic(ctx->arena, header, &email, &token) != 0)
            email = token = NULL;
    }
    const struct sockaddr *client = client_address(conn);
    int64_t now = (int64_t)time(NULL);
    unsigned wait = ratelimit_blocked(srv->auth_failures, client, now);
    if (wait)
        return send_error(conn, ctx, API_TOO_MANY, "too many failed authentications, retry later",
                          NULL, &(reply_extra){.retry_after = wait});
    store *st = worker_store(srv);
    if (!st)
        return send_error(conn, ctx, API_UNAVAILABLE, NULL, NULL, NULL);
    user who;
    api_err err = api_authenticate(st, ctx->arena, email, token, &who);
    if (err == API_UNAUTHORIZED)
        ratelimit_failed(srv->auth_failures, client, now);
    if (err != API_OK)
        return send_error(conn, ctx, err, NULL, NULL, NULL);

    cJSON *body = NULL;
    err = request_body(conn, ctx, &body, &message);
    if (err != API_OK)
        return send_error(conn, ctx, err, message, NULL, NULL);

    api_request rq = {
        .arena = ctx->arena,
        .store = st,
        .limits = &srv->cfg.limits,
        .now = now,
        .user = &who,
        .owner_id = match.owner_id,
        .has_ref = match.has_ref,
        .ref = match.ref,
        .query = query_lookup,
        .query_ctx = &url,
        .body = body,
    };
    api_response rs = {0};
    err = api_call(match.handler, match.owner, &rq, &rs);
    cJSON_Delete(body);

    enum MHD_Result ret;
    if (err != API_OK) {
        ret = send_error(conn, ctx, err, rs.message, rs.errors, NULL);
    } else if (rs.outcome == API_EMPTY) {
        ret = send_text(conn, ctx, MHD_HTTP_NO_CONTENT, NULL, &(reply_extra){.rs = &rs});
    } else {
        char *text = rs.body ? json_print(rs.body, NULL) : NULL;
        unsigned status = rs.outcome == API_CREATED ? MHD_HTTP_CREATED : MHD_HTTP_OK;
        ret = text ? send_text(conn, ctx, status, text, &(reply_extra){.rs = &rs})
                   : send_error(conn, ctx, API_INTERNAL, NULL, NULL, NULL);
    }
    cJSON_Delete(rs.body);
    cJSON_Delete(rs.errors);
    return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_data_size, void **con_cls)
{
    (void)url;
    (void)version;
    server *srv = cls;
    request_ctx *ctx = *con_cls;
    if (!ctx)
        return MHD_NO; /* out of memory at request start */
    if (!ctx->started) {
        ctx->started = 1;
        ctx->method = method;
        if (atomic_load(&srv->stopping)) {
            /* Shutting down: requests that arrive on kept-alive connections
             * are refused, and the connection closed, so the ones already in
             * flight can drain. */
            return send_error(conn, ctx, API_UNAVAILABLE, "the server is shutting down", NULL,
                              NULL);
        }
        const char *length =
            MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
        if (length && strtoull(length, NULL, 10) > srv->cfg.max_body) {
            /* Answer at once; libmicrohttpd then closes the connection
             * instead of reading a body we would discard. */
            ctx->too_large = 1;
            return send_error(conn, ctx, API_TOO_LARGE, "request body too large", NULL, NULL);
        }
        return MHD_YES;
    }
    if (*upload_data_size) {
        body_append(ctx, srv->cfg.max_body, upload_data, *upload_data_size);
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

/* Resolves "HOST:PORT" or "[V6]:PORT" into *out. Returns 0 or -1. */
static int listen_resolve(const char *listen, struct sockaddr_storage *out, socklen_t *len)
{
    char host[256];
    const char *colon = strrchr(listen, ':');
    if (!colon || colon == listen || (size_t)(colon - listen) >= sizeof host || !colon[1])
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

int server_run(const server_config *cfg)
{
    server *srv = &the_server;
    struct sockaddr_storage addr;
    socklen_t addr_len = 0;
    sigset_t stop_signals;
    struct MHD_Daemon *d = NULL;
    int sig = 0;
    int rc = 1;

    memset(srv, 0, sizeof *srv);
    srv->cfg = *cfg;
    pthread_mutex_init(&srv->stores_lock, NULL);
    if (listen_resolve(cfg->listen, &addr, &addr_len) != 0) {
        fprintf(stderr, "agenda: cannot use listen address '%s' (expected HOST:PORT)\n",
                cfg->listen);
        rc = 2;
        goto done;
    }
    if (access_log_open(cfg, &srv->access_log) != 0)
        goto done;
    raise_fd_limit();
    json_mem_install();
    srv->auth_failures = ratelimit_new(cfg->auth_failures, cfg->auth_window);
    srv->reaper = reaper_start(cfg->max_connections, cfg->connection_timeout);
    if (!srv->auth_failures || !srv->reaper) {
        fprintf(stderr, "agenda: cannot start (out of memory or threads)\n");
        goto done;
    }

    /* Block the stop signals before any thread starts, so that only
     * sigwait below receives them. */
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_signals, NULL);
    signal(SIGPIPE, SIG_IGN);

    unsigned flags = MHD_USE_EPOLL_INTERNAL_THREAD | MHD_USE_ITC | MHD_USE_ERROR_LOG;
    if (addr.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    d = MHD_start_daemon(
        flags, 0, NULL, NULL, on_request, srv, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
        MHD_OPTION_THREAD_POOL_SIZE, cfg->threads, MHD_OPTION_URI_LOG_CALLBACK, on_request_start,
        srv, MHD_OPTION_NOTIFY_COMPLETED, on_request_done, srv, MHD_OPTION_NOTIFY_CONNECTION,
        on_connection, srv, MHD_OPTION_CONNECTION_TIMEOUT, cfg->connection_timeout,
        MHD_OPTION_CONNECTION_LIMIT, cfg->max_connections, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
        cfg->max_header_bytes, MHD_OPTION_LISTEN_BACKLOG_SIZE, 1024u, MHD_OPTION_UNESCAPE_CALLBACK,
        unescape_nothing, NULL, MHD_OPTION_END);
    if (!d) {
        fprintf(stderr, "agenda: cannot listen on %s\n", cfg->listen);
        goto done;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(d, MHD_DAEMON_INFO_BIND_PORT);
    fprintf(stderr, "agenda: listening on %s (port %u, %u threads)\n", cfg->listen,
            info ? (unsigned)info->port : 0u, cfg->threads);

    while (sigwait(&stop_signals, &sig) != 0) {
    }
    fprintf(stderr, "agenda: stopping (signal %d)\n", sig);
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
    reaper_stop(srv->reaper);
    ratelimit_free(srv->auth_failures);
    for (size_t i = 0; i < srv->n_stores; i++)
        store_close(srv->stores[i]);
    srv->n_stores = 0;
    pthread_mutex_destroy(&srv->stores_lock);
    if (srv->access_log && srv->access_log != stderr)
        fclose(srv->access_log);
    if (rc == 0)
        fprintf(stderr, "agenda: stopped\n");
    return rc;
}

/* server.h - the HTTP server: configuration and the blocking run loop. */
#ifndef AGENDA_SERVER_H
#define AGENDA_SERVER_H

#include <signal.h>
#include <stddef.h>

#include "api/api.h"
#include "util/cidr.h"

/* The most worker threads a server runs: it keeps each worker's store in a
 * table of this size, to close them all when it stops. */
#define SERVER_MAX_THREADS 256

typedef struct server_config {
    const char *db_url;          /* store location (path or URI) */
    const char *listen;          /* HOST:PORT, [V6]:PORT */
    unsigned threads;            /* worker threads, each with its own store;
                                  * 1 to SERVER_MAX_THREADS */
    size_t max_body;             /* bytes; larger bodies get 413 */
    unsigned connection_timeout; /* seconds a connection may stay idle, and a
                                  * request may take to arrive in full */
    unsigned max_connections;    /* concurrent connections */
    size_t max_header_bytes;     /* request line (414) and whole head (431) */
    unsigned auth_failures;      /* failed logins per address and window; 0: no limit */
    unsigned auth_window;        /* seconds */
    const char *access_log;      /* path, "-" for stderr, NULL for none */
    const char *tls_cert;        /* PEM certificate (and chain) and key: TLS */
    const char *tls_key;         /* when both are set, plain HTTP otherwise */
    cidr_list trusted_proxies;   /* peers whose X-Forwarded-For and -Proto are
                                  * believed (--trusted-proxy); none by default */
    const char *metrics_token;   /* GET /metrics from other than loopback with
                                  * "Authorization: Bearer" this; NULL: none */
    size_t max_memory;           /* bytes of request bodies and arenas in flight
                                  * together; past it 503 with Retry-After */
    api_limits limits;
    api_settings settings; /* what the handlers need of the configuration
                            * file; strings outlive the server */
    /* Told to a service manager (src/service.h); NULL for none.  on_ready
     * runs in server_run's thread once the socket listens and the workers
     * run; on_stopping when a stop signal arrives, before requests in
     * flight are finished.  Both get hook_arg. */
    void (*on_ready)(void *hook_arg);
    void (*on_stopping)(void *hook_arg);
    void *hook_arg;
} server_config;

/* Fills defaults (threads: two per online core, at least 4, at most
 * SERVER_MAX_THREADS; 32 MiB bodies, ...). */
server_config server_config_default(void);

/* The signals the server takes in its main thread with sigwait: SIGINT and
 * SIGTERM stop it, SIGHUP reloads the TLS certificate.  Every thread must
 * have them blocked, so a process that starts threads of its own before
 * server_run blocks them first with server_block_signals (threads inherit
 * the mask); it also ignores SIGPIPE. */
void server_signals(sigset_t *set);
void server_block_signals(void);

/* Runs the server until SIGINT or SIGTERM, then stops accepting, lets
 * in-flight requests finish (up to 30 s) and returns 0.  With TLS, SIGHUP
 * reads the certificate and key again (tls.h).  Returns non-zero, after one
 * line on stderr, when it cannot start (2 for a listen address or a thread
 * count out of range; 1 for a certificate that cannot be used). */
int server_run(const server_config *cfg);

#endif

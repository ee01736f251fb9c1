/* server.h - the HTTP server: configuration and the blocking run loop. */
#ifndef AGENDA_SERVER_H
#define AGENDA_SERVER_H

#include <stddef.h>

#include "api/api.h"

typedef struct server_config {
    const char *db_url;          /* store location (path or URI) */
    const char *listen;          /* HOST:PORT, [V6]:PORT */
    unsigned threads;            /* worker threads, each with its own store */
    size_t max_body;             /* bytes; larger bodies get 413 */
    unsigned connection_timeout; /* seconds a connection may stay idle, and a
                                  * request may take to arrive in full */
    unsigned max_connections;    /* concurrent connections */
    size_t max_header_bytes;     /* request line (414) and whole head (431) */
    unsigned auth_failures;      /* failed logins per address and window; 0: no limit */
    unsigned auth_window;        /* seconds */
    const char *access_log;      /* path, "-" for stderr, NULL for none */
    size_t max_memory;           /* bytes of request bodies and arenas in flight
                                  * together; past it 503 with Retry-After */
    api_limits limits;
} server_config;

/* Fills defaults (threads from the core count, 32 MiB bodies, ...). */
server_config server_config_default(void);

/* Runs the server until SIGINT or SIGTERM, then stops accepting, lets
 * in-flight requests finish (up to 30 s) and returns 0.  Returns non-zero,
 * after one line on stderr, when it cannot start. */
int server_run(const server_config *cfg);

#endif

/* reaper.h - drops connections whose request takes too long to arrive.
 *
 * libmicrohttpd's own timeout closes idle connections, but a client that
 * sends one byte a second is never idle.  The reaper gives each request a
 * deadline: from the moment its connection opened or its previous request
 * was answered, the whole request must arrive within `timeout` seconds.  A
 * late connection is shut down by a thread of its own; slow clients never
 * hold a worker, which only sees complete requests. */
#ifndef AGENDA_REAPER_H
#define AGENDA_REAPER_H

#include <stdbool.h>

typedef struct reaper reaper;
typedef struct reaper_conn reaper_conn;

/* Starts the reaper thread for up to `capacity` connections; NULL on
 * failure. */
reaper *reaper_start(unsigned capacity, unsigned timeout);
/* Stops the thread and frees everything (connections must be forgotten). */
void reaper_stop(reaper *r);

/* Starts timing a new connection.  Keeps its own duplicate of `fd`, so a
 * shutdown can never hit a descriptor number reused by another connection.
 * NULL when it cannot track it (the connection then has only the idle
 * timeout). */
reaper_conn *reaper_track(reaper *r, int fd);
/* The connection closed: stop timing it. NULL is a no-op. */
void reaper_forget(reaper *r, reaper_conn *c);
/* The request has arrived in full and is being answered: not timed. */
void reaper_answering(reaper *r, reaper_conn *c);
/* The answer was sent: the next request's clock starts now. */
void reaper_answered(reaper *r, reaper_conn *c);

#endif

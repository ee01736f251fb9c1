/* ratelimit.h - failed-authentication limits per client address.
 *
 * After `max_failures` failed authentications from one address within a
 * window of `window` seconds, that address is refused (429 with
 * Retry-After) until the window ends, whatever it sends.  Thread-safe. */
#ifndef AGENDA_RATELIMIT_H
#define AGENDA_RATELIMIT_H

#include <stdint.h>
#include <sys/socket.h>

typedef struct ratelimit ratelimit;

/* Returns a limiter, or NULL on OOM.  max_failures 0 disables it. */
ratelimit *ratelimit_new(unsigned max_failures, unsigned window);
void ratelimit_free(ratelimit *rl);
/* Seconds the address must still wait (> 0) when it is refused, else 0. */
unsigned ratelimit_blocked(ratelimit *rl, const struct sockaddr *addr, int64_t now);
/* Counts one failed authentication of the address at `now`. */
void ratelimit_failed(ratelimit *rl, const struct sockaddr *addr, int64_t now);

#endif

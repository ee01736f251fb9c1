/* ratelimit.h - failed-authentication limits per client address and
 * claimed identity.
 *
 * Failures are counted per (address, identity): the identity is the e-mail
 * a request claims (compared without regard to ASCII case; "" when it sent
 * a token but no e-mail).  After `max_failures` failures of one pair within
 * a window of `window` seconds, that pair is refused (429 with Retry-After)
 * until the window ends, valid credentials included, so guessing one
 * user's token is limited while other users behind the same address (a
 * practice's NAT, a proxy) are not affected.  A request that sends no
 * credentials at all is never counted nor refused here.
 *
 * Memory is fixed whatever clients do.  One address may hold counts for at
 * most RATELIMIT_IDENTITIES_PER_ADDRESS identities per window; failures for
 * further identities from it share one count, and once that count reaches
 * the limit the address is refused for every identity that has no count of
 * its own (a client trying many e-mails is limited as one).  Thread-safe. */
#ifndef AGENDA_RATELIMIT_H
#define AGENDA_RATELIMIT_H

#include <stdint.h>
#include <sys/socket.h>

#define RATELIMIT_IDENTITIES_PER_ADDRESS 64

typedef struct ratelimit ratelimit;

/* Returns a limiter, or NULL on OOM.  max_failures 0 disables it. */
ratelimit *ratelimit_new(unsigned max_failures, unsigned window);
void ratelimit_free(ratelimit *rl);
/* Seconds the address must still wait (> 0) before `identity` may try
 * again, else 0. */
unsigned ratelimit_blocked(ratelimit *rl, const struct sockaddr *addr, const char *identity,
                           int64_t now);
/* Counts one failed authentication of `identity` from the address at `now`. */
void ratelimit_failed(ratelimit *rl, const struct sockaddr *addr, const char *identity,
                      int64_t now);

#endif

/* clock.h - the one clock the program reads for Unix time.
 *
 * Stamps (`updated_at`, the `since` lists' reach-back) and "now" come from
 * here, never from time(): on Linux time() reads the kernel's coarse clock,
 * which lags CLOCK_REALTIME by up to a timer tick, so just after a second
 * begins it may still give the previous one.  A client on the same host
 * that reads the precise clock would then see a write stamped before a
 * moment it had already passed. */
#ifndef AGENDA_UTIL_CLOCK_H
#define AGENDA_UTIL_CLOCK_H

#include <stdint.h>

/* The current Unix time in whole seconds, from CLOCK_REALTIME. */
int64_t clock_unix_seconds(void);

#endif

/* clock.h - the one clock the program reads for Unix time.
 *
 * Stamps (`updated_at`, the `since` lists' reach-back), reminders' due
 * times, suggestions and everything else that asks "what time is it" come
 * from here, never from time(): on Linux time() reads the kernel's coarse
 * clock, which lags CLOCK_REALTIME by up to a timer tick, so just after a
 * second begins it may still give the previous one.  A client on the same
 * host that reads the precise clock would then see a write stamped before a
 * moment it had already passed.
 *
 * For tests only, the clock can be a file (`agenda serve --clock-file`): its
 * content, a Unix time in decimal, is "now".  It is re-read when the last
 * read is CLOCK_FILE_REREAD_MS old, so a test moves time by rewriting the
 * file and sees every part of the server follow within that delay, without
 * ever sleeping for real time. */
#ifndef AGENDA_UTIL_CLOCK_H
#define AGENDA_UTIL_CLOCK_H

#include <stdbool.h>
#include <stdint.h>

#define CLOCK_FILE_REREAD_MS 50

/* The current Unix time in whole seconds: CLOCK_REALTIME, or the clock
 * file's value when one is in use.  Thread-safe. */
int64_t clock_unix_seconds(void);

/* Makes `path` the clock from now on (NULL: back to CLOCK_REALTIME).  The
 * path is copied.  Returns false, and sets *err to a static phrase, when the
 * file cannot be read or does not hold a Unix time (digits, an optional
 * fraction that is ignored, white space around); the clock is then
 * unchanged.  Call before starting threads. */
bool clock_use_file(const char *path, const char **err);

/* Milliseconds on a clock that only moves forward (CLOCK_MONOTONIC): for
 * measuring delays and timeouts, which the clock file never affects. */
int64_t clock_monotonic_ms(void);

#endif

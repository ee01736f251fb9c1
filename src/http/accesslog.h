/* accesslog.h - one line per request, with secrets left out.
 *
 * A line: time, client address, method, target, status, duration in
 * microseconds.  The target's query keeps its keys but the values of
 * credentials (user_token, and any key ending in "token" or "password")
 * become "[redacted]", and so does a booking page's private link (the
 * segment after /book/{slug}/a/, and the `move` parameter); the
 * Authorization header is never logged, and neither are bodies, so no
 * token and no patient data reach the log. */
#ifndef AGENDA_ACCESSLOG_H
#define AGENDA_ACCESSLOG_H

#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>

#include "util/arena.h"

/* The target with secret query values replaced, as an arena string (NULL on
 * allocation failure). */
char *accesslog_redact(arena *a, const char *target);

/* Writes one line to `out` (whole-line writes, safe from many threads). */
void accesslog_write(FILE *out, const struct sockaddr *client, const char *method,
                     const char *redacted_target, unsigned status, int64_t micros);

#endif

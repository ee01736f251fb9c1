/* framing.h - refusing request heads whose body length is ambiguous.
 *
 * libmicrohttpd frames a body by the first Content-Length it finds, or by
 * Transfer-Encoding when there is one whatever it says, and ignores the
 * rest; a proxy in front may frame the same bytes otherwise, and what one
 * takes for body the other runs as a second request (request smuggling).
 * The server hands every header of a request head to a framing_check and
 * answers 400, closing the connection, unless it is unambiguous (RFC 9112
 * section 6 and RFC 9110 section 5.1, read strictly: this server is never a
 * proxy, so refusing costs nothing a client may rely on):
 * - every header name is a token (no white space before its colon, no
 *   control characters) and no value holds a NUL, CR or LF;
 * - at most one Content-Length, its value only digits (no sign, list or
 *   white space inside), and not longer than 19 digits;
 * - at most one Transfer-Encoding, exactly "chunked" (any case), only in
 *   HTTP/1.1, and never together with a Content-Length.
 * Pure functions of the bytes given: no allocation, no I/O. */
#ifndef AGENDA_HTTP_FRAMING_H
#define AGENDA_HTTP_FRAMING_H

#include <stdbool.h>
#include <stddef.h>

typedef struct framing_check {
    unsigned content_lengths;
    unsigned transfer_encodings;
    bool chunked;      /* the (only) Transfer-Encoding is "chunked" */
    const char *error; /* the first fault found, NULL while none */
} framing_check;

/* Starts a check (all zero). */
void framing_begin(framing_check *fc);
/* Adds one header as received: name[0..name_len), value[0..value_len)
 * (either may hold NUL bytes; a NUL is a fault).  After the first fault the
 * later headers change nothing. */
void framing_add(framing_check *fc, const char *name, size_t name_len, const char *value,
                 size_t value_len);
/* Ends the check for a request of `version` ("HTTP/1.1", ...).  Returns NULL
 * when the framing is unambiguous, else a static message naming the fault,
 * for a 400 answer. */
const char *framing_end(framing_check *fc, const char *version);

#endif

/* notify.h - what the senders share: libcurl's start, the outcome of one
 * send, and the one-line reasons they write.
 *
 * A sender (smtp.c, sms.c) answers a send_result and writes one line of
 * reason into a buffer of the caller's: the dispatcher retries a TEMPORARY
 * failure with backoff until the appointment starts, and gives up on a
 * PERMANENT one at once (the message itself is at fault: a refused
 * recipient, a number the gateway will not take).  A reason quotes what the
 * peer said (an SMTP reply, the start of an HTTP answer) made printable,
 * since it goes to a log line and into the API's `last_error`; it never
 * holds a password.
 *
 * libcurl must be started once per process, before any thread is made
 * (curl_global_init is not thread-safe): notify_global_init does that. */
#ifndef AGENDA_NOTIFY_NOTIFY_H
#define AGENDA_NOTIFY_NOTIFY_H

#include <stdbool.h>
#include <stddef.h>

typedef enum send_result {
    SEND_OK = 0,
    SEND_TEMPORARY, /* worth trying again later: the peer was unreachable,
                     * slow, busy, or said "later" */
    SEND_PERMANENT, /* will fail again: the message or its recipient is
                     * refused */
} send_result;

/* Starts libcurl (and GnuTLS under it): once, at program start, before any
 * thread exists.  False when it fails (no memory, a TLS library that will
 * not start); nothing may be sent then. */
bool notify_global_init(void);

/* Undoes notify_global_init: once, at exit, after every send has ended. */
void notify_global_cleanup(void);

/* "ok", "temporary" or "permanent". */
const char *send_result_name(send_result r);

/* Appends bytes[0..n) to the NUL-terminated text in err[errlen] as
 * printable text on one line: printable ASCII and whole, valid UTF-8
 * characters as they are; backslash, CR, LF and TAB as \\ \r \n \t; any other
 * byte as \xNN.  What does not fit is cut at a character and marked "...".
 * errlen 0 is allowed (nothing is written). */
void notify_reason_add(char *err, size_t errlen, const char *bytes, size_t n);

/* Replaces each occurrence of `secret` in the NUL-terminated err with
 * "***" (a secret of 1 or 2 bytes with as many stars), so a reason cannot
 * carry it even when a peer echoed it back.  NULL or "" secret: nothing to
 * do. */
void notify_reason_redact(char *err, const char *secret);

#endif

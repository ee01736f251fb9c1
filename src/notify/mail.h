/* mail.h - a patient's email as the bytes an SMTP server takes (RFC 5322
 * and MIME), built without I/O so every byte can be tested.
 *
 * The message:
 *   Date (given Unix time, UTC, "+0000"), From, To, Subject, Message-ID,
 *   MIME-Version, Auto-Submitted: auto-generated (so vacation responders
 *   stay quiet), and a multipart/mixed body of a text/plain part (UTF-8,
 *   quoted-printable) and, when a calendar file is given, a text/calendar
 *   part (method=PUBLISH, base64) named appointment.ics.
 * - From is the configured sender's address with the center's sender name
 *   as display name when one is given (else the configured one).
 * - Message-ID is <KEY@DOMAIN>: KEY the message's idempotency key, DOMAIN
 *   the sender's domain.  A message sent twice (a crash between the send
 *   and its record) carries the same Message-ID, so the copies can be told
 *   for one.  The MIME boundary is derived from the key too: the same key
 *   gives the same bytes.
 * - Header text that is plain ASCII is written as it is, folded at spaces to
 *   78 columns; anything else (non-ASCII, control characters, a line that
 *   cannot be folded short enough, text that looks like an encoded-word)
 *   becomes RFC 2047 encoded-words (UTF-8, "B"), cut between characters and
 *   folded so that no such line passes 76 columns.
 * - Lines end in CRLF; none passes 998 octets (the body's lines are at most
 *   76).  The boundary starts with "=_", which quoted-printable and base64
 *   can never produce, so it cannot occur inside a part.
 * - CR or LF in any header value is refused: it would let a name or a
 *   subject (which patients and staff write) add headers of its own.
 * Addresses are checked as dot-atom local parts and host-name domains,
 * ASCII only (servers without SMTPUTF8 refuse anything else). */
#ifndef AGENDA_NOTIFY_MAIL_H
#define AGENDA_NOTIFY_MAIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/buf.h"

#define MAIL_ADDRESS_MAX 254 /* RFC 5321's path, less its angle brackets */
#define MAIL_NAME_MAX    256 /* bytes of a configured display name */
#define MAIL_KEY_MAX     200 /* bytes of an idempotency key */

typedef struct mail_mailbox {
    char name[MAIL_NAME_MAX + 1]; /* display name as text (unquoted); "" if none */
    char address[MAIL_ADDRESS_MAX + 1];
} mail_mailbox;

/* True when `address` is local@domain: a dot-atom local part of at most 64
 * bytes, a domain of letters, digits and hyphens in dot-separated labels,
 * MAIL_ADDRESS_MAX bytes at most. */
bool mail_address_ok(const char *address);

/* Reads "Name <address>", "\"Name\" <address>" or "address" (the [smtp]
 * `from` setting) into *out.  False and *err (a static English phrase) when
 * the address is not mail_address_ok, the name is not UTF-8, holds a control
 * character or passes MAIL_NAME_MAX, or the text is neither form. */
bool mail_mailbox_parse(const char *text, mail_mailbox *out, const char **err);

typedef struct mail_message {
    const char *from;        /* the [smtp] `from` setting (mail_mailbox_parse) */
    const char *sender_name; /* the center's sender name (UTF-8); NULL or "": the
                              * configured display name */
    const char *to;          /* the recipient's address, nothing else */
    const char *subject;     /* UTF-8, may be "" */
    const char *text;        /* UTF-8; LF or CRLF line ends (sent as CRLF) */
    const char *ics;         /* the calendar file (ics_build); NULL: no attachment */
    size_t ics_len;
    const char *key; /* idempotency key: dot-atom text (letters, digits,
                      * !#$%&'*+-/=?^_`{|}~ and single inner dots), at most
                      * MAIL_KEY_MAX bytes */
    int64_t date;    /* Unix seconds for the Date header, 0 .. 253402300799 */
} mail_message;

/* Appends the message's bytes to `out`.  False and *err (a static English
 * phrase) when a header value holds CR or LF, a text is not UTF-8, an
 * address or the key is malformed, the date is out of range, or `out`
 * fails (its limit or memory); `out` may then hold part of the message. */
bool mail_build(const mail_message *m, buf *out, const char **err);

#endif

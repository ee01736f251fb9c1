/* smtp.h - sending one email through the configured SMTP server (libcurl).
 *
 * One connection per message: connect (smtp:// plain or with STARTTLS as
 * the `starttls` setting says, smtps:// with TLS from the first byte,
 * certificates verified), AUTH when a username is set, MAIL FROM the
 * address of the `from` setting, RCPT TO the one recipient, DATA the bytes
 * mail_build made.  The name in the URL's path, if any, is the one sent
 * with EHLO (smtp://host:587/clinic.example.org; else "localhost").
 *
 * The outcome follows the reply that ended the exchange:
 *   SEND_OK         the server took the message (250 after the data);
 *   SEND_PERMANENT  a 5xx reply to MAIL FROM, RCPT TO or DATA (before or
 *                   after the data), or a recipient address that is not one
 *                   (mail_address_ok): the same message would fail again;
 *   SEND_TEMPORARY  everything else: no connection, TLS failure, a timeout,
 *                   a 4xx reply to anything, a 5xx reply to the greeting,
 *                   EHLO, STARTTLS or AUTH, and 530 (authentication
 *                   required) to anything (the server or its settings are
 *                   at fault, not this message: retried until an operator
 *                   fixes them or the appointment starts).
 * The reason names the command and quotes the server's reply line
 * ("SMTP RCPT: 550 5.1.1 <x@example.org>: Recipient address rejected"), or
 * libcurl's error; never the password.
 *
 * At most SMTP_CONNECT_TIMEOUT_S to connect and SMTP_TIMEOUT_S for the
 * whole exchange.  Safe from any number of threads at once once
 * notify_global_init has run. */
#ifndef AGENDA_NOTIFY_SMTP_H
#define AGENDA_NOTIFY_SMTP_H

#include <stddef.h>

#include "notify/notify.h"
#include "notify/settings.h"

#define SMTP_CONNECT_TIMEOUT_S 10
#define SMTP_TIMEOUT_S         60

/* Sends message_bytes[0..len) (CRLF lines, as mail_build makes them) to
 * to_address (a bare address) through s's server.  Writes the reason of a
 * failure into err[errlen] (one line, truncated to fit; "" on SEND_OK);
 * errlen may be 0.  Nothing is kept after the call.  A missing url or an
 * unusable `from` setting is SEND_TEMPORARY (a configuration to fix). */
send_result smtp_send(const smtp_settings *s, const char *to_address, const char *message_bytes,
                      size_t len, char *err, size_t errlen);

/* What an SMTP reply `code` to `command` (the verb sent: "MAIL", "RCPT",
 * "DATA", "EHLO", "AUTH", ...; "" for the greeting) makes of the send: 2xx
 * and 3xx SEND_OK, 5xx but 530 to MAIL, RCPT or DATA SEND_PERMANENT,
 * anything else SEND_TEMPORARY. */
send_result smtp_reply_result(const char *command, int code);

#endif

/* sms.h - sending one SMS through an HTTP gateway (libcurl), configured by
 * the [sms] section alone: Twilio (a form body, Basic auth, a JSON answer
 * with `sid`) and JSON gateways with a bearer token both fit.
 *
 * The request: the `method` (POST when unset) to `url`, with the configured
 * `header` lines, Basic auth when a username is set, a Content-Type for the
 * `format` unless a header names one, and the body made from the `body`
 * template.  In the template {to} (the number, E.164), {text} (the
 * message), {id} (the message's idempotency key) and {status_url} (where the
 * gateway reports delivery) are replaced by their values escaped for the
 * format: as JSON string content (the template puts the quotes around
 * them; control characters escaped, other text as UTF-8) or
 * form-urlencoded (space as '+').  A placeholder is '{', a name of letters,
 * digits and '_' and '}'; any other brace is the template's own text, so a
 * JSON template needs no escaping.  An unknown name is an error, found when
 * the configuration is read (sms_body_template_check).
 *
 * The outcome follows the HTTP status:
 *   2xx                        SEND_OK; with `id_field` set, the provider's
 *                              id is read from the JSON answer (a dotted
 *                              path; a number in it indexes an array; a
 *                              numeric id becomes its decimal text);
 *   408, 429, 5xx, no answer   SEND_TEMPORARY (connection, TLS, timeout);
 *   any other status           SEND_PERMANENT (the gateway refuses this
 *                              message: a bad number, a rejected text).
 * A configuration the request cannot be made from (no url, a malformed
 * header or method, an unknown placeholder) is SEND_TEMPORARY, so messages
 * wait for it to be fixed.  The reason quotes the status and the start of
 * the answer ("SMS gateway: HTTP 400: {\"code\": 21211, ...}"), made
 * printable; never the password.  Redirects are not followed.
 *
 * At most SMS_CONNECT_TIMEOUT_S to connect and SMS_TIMEOUT_S for the whole
 * request.  Safe from any number of threads at once once
 * notify_global_init has run. */
#ifndef AGENDA_NOTIFY_SMS_H
#define AGENDA_NOTIFY_SMS_H

#include <stdbool.h>
#include <stddef.h>

#include "notify/notify.h"
#include "notify/settings.h"
#include "util/buf.h"

#define SMS_CONNECT_TIMEOUT_S 10
#define SMS_TIMEOUT_S         30
#define SMS_PROVIDER_ID_MAX   128         /* bytes of a provider's message id */
#define SMS_ANSWER_MAX        (64 * 1024) /* bytes of an answer read; more is dropped */
#define SMS_BODY_MAX          (64 * 1024) /* bytes of a request body */
#define SMS_EXCERPT_MAX       200         /* bytes of an answer quoted in a reason */

typedef struct sms_message {
    const char *to;         /* the number, E.164 */
    const char *text;       /* UTF-8 */
    const char *id;         /* the message's idempotency key */
    const char *status_url; /* {public_url}/api/v2/sms/status; NULL: "" */
} sms_message;

/* True when every placeholder of the body template `tpl` is known.  False
 * and *err (a static English phrase) for an unknown one or a NULL
 * template. */
bool sms_body_template_check(const char *tpl, const char **err);

/* Appends the body made from `tpl` for m, escaped for `format`, to out.
 * False and *err (a static English phrase) for an unknown placeholder, a
 * value that is not UTF-8, or when out fails (its limit or memory). */
bool sms_body_expand(const char *tpl, sms_format format, const sms_message *m, buf *out,
                     const char **err);

/* Reads the provider's id at the dotted path `id_field` of the JSON
 * answer[0..len) into out: a string as it is, a number as its decimal text.
 * False and *err (a static English phrase) when the answer is not JSON, the
 * path leads nowhere or to another type, or the id is empty, not UTF-8 text
 * or longer than SMS_PROVIDER_ID_MAX; out is "" then. */
bool sms_answer_id(const char *answer, size_t len, const char *id_field,
                   char out[SMS_PROVIDER_ID_MAX + 1], const char **err);

/* What an HTTP status makes of a send (see above). */
send_result sms_status_result(long status);

/* Sends m through s's gateway.  provider_id gets the id read from the
 * answer ("" when none was read or id_field is unset).  err[errlen] gets
 * the reason of a failure, or on SEND_OK why the id could not be read (""
 * when it could or was not asked for); one line, truncated to fit; errlen
 * may be 0.  Nothing is kept after the call. */
send_result sms_send(const sms_settings *s, const sms_message *m,
                     char provider_id[SMS_PROVIDER_ID_MAX + 1], char *err, size_t errlen);

#endif

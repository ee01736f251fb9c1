/* signature.h - Twilio's request signature (X-Twilio-Signature), which
 * proves that a status callback or an inbound SMS came from the gateway.
 *
 * The signature is base64 (standard alphabet, padded: 28 characters) of
 * HMAC-SHA1 keyed with the shared secret (Twilio's auth token) over the
 * full URL the gateway called (scheme, host, path and query, exactly as
 * configured there) followed by every POST parameter's name and value,
 * without separators, in the order of their names (bytewise; parameters of
 * one name in the order of their values).  The parameters are the decoded
 * form fields of the body.  HMAC-SHA1 comes from GnuTLS (libsodium has no
 * SHA-1), base64 and the constant-time comparison from libsodium. */
#ifndef AGENDA_NOTIFY_SIGNATURE_H
#define AGENDA_NOTIFY_SIGNATURE_H

#include <stdbool.h>
#include <stddef.h>

/* base64 of the 20 bytes of HMAC-SHA1, padded */
#define SIGNATURE_CHARS 28
/* The most bytes of URL and parameters signed: a gateway's callback is a
 * few KiB; anything larger is not one and is refused. */
#define SIGNATURE_DATA_MAX (1024 * 1024)

typedef struct signature_param {
    const char *name; /* decoded, NUL-terminated */
    const char *value;
} signature_param;

/* Writes the signature of url and params[0..n) (in any order; neither is
 * changed) under `secret` into out[SIGNATURE_CHARS + 1].  False and *err (a
 * static English phrase) when the secret is empty, the data is over
 * SIGNATURE_DATA_MAX, memory runs out or GnuTLS refuses. */
bool signature_twilio(const char *secret, const char *url, const signature_param *params, size_t n,
                      char out[SIGNATURE_CHARS + 1], const char **err);

/* True when `header` (the X-Twilio-Signature value; NULL when absent) is the
 * signature of url and params under `secret`, compared in constant time.
 * False on every failure, a NULL or empty secret included. */
bool signature_twilio_valid(const char *secret, const char *url, const signature_param *params,
                            size_t n, const char *header);

#endif

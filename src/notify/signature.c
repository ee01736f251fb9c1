/* signature.c - Twilio's request signature (see signature.h).
 *
 * The parameters are sorted through an array of pointers, so the caller's
 * array keeps its order, and the signed text is laid out in one buffer for
 * gnutls_hmac_fast. */
#include "notify/signature.h"

#include <assert.h>
#include <gnutls/crypto.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"

#define SHA1_BYTES 20

static int param_order(const void *a, const void *b)
{
    const signature_param *x = *(const signature_param *const *)a;
    const signature_param *y = *(const signature_param *const *)b;
    int by_name = strcmp(x->name, y->name); /* strcmp compares bytes unsigned */
    return by_name ? by_name : strcmp(x->value, y->value);
}

bool signature_twilio(const char *secret, const char *url, const signature_param *params, size_t n,
                      char out[SIGNATURE_CHARS + 1], const char **err)
{
    assert(secret != NULL && url != NULL && (params != NULL || n == 0) && out != NULL);
    bool ok = false;
    const char *why = NULL;
    const signature_param **sorted = NULL;
    buf text;
    buf_init(&text, SIGNATURE_DATA_MAX, NULL);
    if (!*secret) {
        why = "no secret to sign with";
        goto done;
    }
    if (n > SIGNATURE_DATA_MAX / 2) { /* each parameter takes a byte at least */
        why = "too much data to sign";
        goto done;
    }
    sorted = malloc((n ? n : 1) * sizeof *sorted);
    if (!sorted) {
        why = "out of memory";
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        assert(params[i].name != NULL && params[i].value != NULL);
        sorted[i] = &params[i];
    }
    qsort(sorted, n, sizeof *sorted, param_order);
    buf_add(&text, url, strlen(url));
    for (size_t i = 0; i < n; i++) {
        buf_add(&text, sorted[i]->name, strlen(sorted[i]->name));
        buf_add(&text, sorted[i]->value, strlen(sorted[i]->value));
    }
    if (text.state != BUF_OK) {
        why = text.state == BUF_TOO_LARGE ? "too much data to sign" : "out of memory";
        goto done;
    }
    unsigned char mac[SHA1_BYTES];
    if (gnutls_hmac_fast(GNUTLS_MAC_SHA1, secret, strlen(secret), text.data ? text.data : "",
                         text.len, mac) < 0) {
        why = "HMAC-SHA1 is not available";
        goto done;
    }
    sodium_bin2base64(out, SIGNATURE_CHARS + 1, mac, sizeof mac, sodium_base64_VARIANT_ORIGINAL);
    ok = true;
done:
    free(sorted);
    buf_free(&text);
    if (err)
        *err = why;
    return ok;
}

bool signature_twilio_valid(const char *secret, const char *url, const signature_param *params,
                            size_t n, const char *header)
{
    char want[SIGNATURE_CHARS + 1];
    const char *err = NULL;
    /* the length of a signature is no secret: only equal lengths are
     * compared, in constant time */
    return secret && header && strlen(header) == SIGNATURE_CHARS &&
           signature_twilio(secret, url, params, n, want, &err) &&
           sodium_memcmp(want, header, SIGNATURE_CHARS) == 0;
}

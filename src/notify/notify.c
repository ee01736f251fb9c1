/* notify.c - libcurl's start and the senders' reasons (see notify.h). */
#include "notify/notify.h"

#include <assert.h>
#include <curl/curl.h>
#include <string.h>

#include "util/utf8.h"

bool notify_global_init(void)
{
    return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
}

void notify_global_cleanup(void)
{
    curl_global_cleanup();
}

const char *send_result_name(send_result r)
{
    switch (r) {
    case SEND_OK:
        return "ok";
    case SEND_TEMPORARY:
        return "temporary";
    case SEND_PERMANENT:
        return "permanent";
    }
    assert(!"a send_result out of range");
    return "?";
}

/* The length of the whole, valid UTF-8 character of 2 to 4 bytes at
 * s[0..n), or 0 when there is none. */
static size_t utf8_char_at(const unsigned char *s, size_t n)
{
    size_t len = s[0] >= 0xF0 ? 4 : s[0] >= 0xE0 ? 3 : s[0] >= 0xC2 ? 2 : 0;
    if (len == 0 || len > n || !utf8_valid((const char *)s, len))
        return 0;
    return len;
}

/* Writes the printable form of the character at s[0..n) into unit[5] and
 * returns its length; *used gets how many bytes of s it stands for. */
static size_t reason_unit(const unsigned char *s, size_t n, char unit[5], size_t *used)
{
    static const char hex[] = "0123456789abcdef";
    size_t len = utf8_char_at(s, n);
    if (len) {
        memcpy(unit, s, len);
        *used = len;
        return len;
    }
    *used = 1;
    unsigned char c = s[0];
    if (c >= 0x20 && c < 0x7f && c != '\\') {
        unit[0] = (char)c;
        return 1;
    }
    unit[0] = '\\';
    switch (c) {
    case '\\':
        unit[1] = '\\';
        return 2;
    case '\r':
        unit[1] = 'r';
        return 2;
    case '\n':
        unit[1] = 'n';
        return 2;
    case '\t':
        unit[1] = 't';
        return 2;
    default:
        unit[1] = 'x';
        unit[2] = hex[c >> 4];
        unit[3] = hex[c & 15];
        return 4;
    }
}

void notify_reason_add(char *err, size_t errlen, const char *bytes, size_t n)
{
    if (errlen == 0)
        return;
    assert(err != NULL && (bytes != NULL || n == 0));
    const unsigned char *s = (const unsigned char *)bytes;
    size_t len = strnlen(err, errlen - 1);
    size_t room = errlen - 1 - len;
    /* the whole of it when it fits; else as much as leaves room for "..." */
    size_t need = 0;
    for (size_t i = 0, used; i < n && need <= room; i += used) {
        char unit[5];
        need += reason_unit(s + i, n - i, unit, &used);
    }
    size_t budget = need <= room ? room : room >= 3 ? room - 3 : 0;
    size_t i = 0;
    while (i < n) {
        char unit[5];
        size_t used;
        size_t k = reason_unit(s + i, n - i, unit, &used);
        if (k > budget)
            break;
        memcpy(err + len, unit, k);
        len += k;
        budget -= k;
        i += used;
    }
    if (i < n) {
        size_t dots = errlen - 1 - len < 3 ? errlen - 1 - len : 3;
        memcpy(err + len, "...", dots);
        len += dots;
    }
    err[len] = '\0';
}

void notify_reason_redact(char *err, const char *secret)
{
    assert(err != NULL);
    if (!secret || !*secret)
        return;
    size_t slen = strlen(secret);
    char *hit = strstr(err, secret);
    while (hit) {
        /* "***" is never longer than what it replaces when the secret has
         * 3 bytes or more; a shorter one is masked in place */
        size_t mask = slen < 3 ? slen : 3;
        memset(hit, '*', mask);
        memmove(hit + mask, hit + slen, strlen(hit + slen) + 1);
        hit = strstr(hit + mask, secret);
    }
}

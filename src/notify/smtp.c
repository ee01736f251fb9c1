/* smtp.c - one email through libcurl's SMTP client (see smtp.h).
 *
 * libcurl reports a refused command with an error code that differs across
 * its versions and folds the reply into a generic message, so the exchange
 * itself is watched: the debug callback sees each command line sent and
 * each reply line received, and keeps the verb of the last command and the
 * first line of the reply to it, until QUIT or RSET closes the exchange.
 * Of what is sent only a known verb is kept: AUTH and the SASL responses
 * that follow it carry credentials. */
#include "notify/smtp.h"

#include <assert.h>
#include <curl/curl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "notify/mail.h"

#define VERB_MAX  16
#define REPLY_MAX 512

typedef struct upload {
    const char *data;
    size_t len, pos;
} upload;

/* What the exchange showed of its end. */
typedef struct exchange {
    char verb[VERB_MAX];   /* of the last command sent; "" before any */
    int code;              /* of the last reply (to verb); 0 for none */
    char reply[REPLY_MAX]; /* its first line, without CRLF */
    bool reply_open;       /* a multi-line reply has more lines coming */
    bool closing;          /* QUIT or RSET was sent: the exchange is over */
} exchange;

static size_t read_message(char *dst, size_t size, size_t nmemb, void *userp)
{
    upload *u = userp;
    size_t room = size * nmemb;
    size_t n = u->len - u->pos < room ? u->len - u->pos : room;
    memcpy(dst, u->data + u->pos, n);
    u->pos += n;
    return n;
}

/* One reply line "ddd text" or "ddd-text" (RFC 5321 4.2). */
static void reply_line(exchange *x, const char *line, size_t n)
{
    while (n && (line[n - 1] == '\r' || line[n - 1] == '\n'))
        n--;
    bool coded = n >= 3 && line[0] >= '1' && line[0] <= '5' && line[1] >= '0' && line[1] <= '9' &&
                 line[2] >= '0' && line[2] <= '9';
    if (!x->reply_open) {
        x->code = coded ? (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0') : 0;
        size_t keep = n < REPLY_MAX - 1 ? n : REPLY_MAX - 1;
        memcpy(x->reply, line, keep);
        x->reply[keep] = '\0';
    }
    x->reply_open = coded && n > 3 && line[3] == '-';
}

/* The SMTP verb a command line starts with, or NULL when the line is not a
 * command (a SASL response inside AUTH, which is credentials). */
static const char *verb_of(const char *line, size_t n)
{
    static const char *const verbs[] = {"EHLO", "HELO", "STARTTLS", "AUTH", "MAIL", "RCPT",
                                        "DATA", "QUIT", "RSET",     "NOOP", "VRFY", "EXPN"};
    for (size_t i = 0; i < sizeof verbs / sizeof verbs[0]; i++) {
        size_t k = strlen(verbs[i]);
        if (n >= k && memcmp(line, verbs[i], k) == 0 &&
            (n == k || line[k] == ' ' || line[k] == '\r'))
            return verbs[i];
    }
    return NULL;
}

static int watch(CURL *h, curl_infotype type, char *data, size_t size, void *userp)
{
    (void)h;
    exchange *x = userp;
    if (x->closing)
        return 0;
    if (type == CURLINFO_HEADER_OUT) {
        const char *verb = verb_of(data, size);
        /* libcurl ends a failed exchange with QUIT at once: keep the
         * refusal that ended it */
        if (verb && (strcmp(verb, "QUIT") == 0 || strcmp(verb, "RSET") == 0)) {
            x->closing = true;
            return 0;
        }
        /* a line that is no command answers a challenge of AUTH: nothing of
         * it is kept */
        snprintf(x->verb, sizeof x->verb, "%s", verb ? verb : "AUTH");
        x->code = 0;
        x->reply[0] = '\0';
        x->reply_open = false;
    } else if (type == CURLINFO_HEADER_IN) {
        /* one line per call as libcurl reads them; split more to be sure */
        while (size) {
            const char *lf = memchr(data, '\n', size);
            size_t n = lf ? (size_t)(lf - data) + 1 : size;
            reply_line(x, data, n);
            data += n;
            size -= n;
        }
    }
    return 0;
}

send_result smtp_reply_result(const char *command, int code)
{
    assert(command != NULL);
    if (code >= 200 && code < 400)
        return SEND_OK;
    /* 530 "authentication required" (RFC 4954) faults the settings, not the
     * message, whatever command it answers */
    if (code >= 500 && code < 600 && code != 530 &&
        (strcmp(command, "MAIL") == 0 || strcmp(command, "RCPT") == 0 ||
         strcmp(command, "DATA") == 0))
        return SEND_PERMANENT;
    return SEND_TEMPORARY;
}

/* err = prefix, then text made printable (notify_reason_add). */
static void reason(char *err, size_t errlen, const char *prefix, const char *text)
{
    if (errlen == 0)
        return;
    err[0] = '\0';
    notify_reason_add(err, errlen, prefix, strlen(prefix));
    notify_reason_add(err, errlen, text, strlen(text));
}

send_result smtp_send(const smtp_settings *s, const char *to_address, const char *message_bytes,
                      size_t len, char *err, size_t errlen)
{
    assert(s != NULL && to_address != NULL && (message_bytes != NULL || len == 0));
    assert(err != NULL || errlen == 0);
    send_result rc = SEND_TEMPORARY;
    CURL *h = NULL;
    struct curl_slist *rcpt = NULL;
    char curl_err[CURL_ERROR_SIZE] = "";
    exchange x = {.verb = ""};
    upload body = {.data = message_bytes, .len = len};
    mail_mailbox from;
    const char *why = NULL;
    if (errlen)
        err[0] = '\0';

    if (!s->url || !*s->url) {
        reason(err, errlen, "SMTP: ", "no server configured");
        goto done;
    }
    if (!s->from || !mail_mailbox_parse(s->from, &from, &why)) {
        reason(err, errlen, "SMTP: the from setting: ", why ? why : "missing");
        goto done;
    }
    if (!mail_address_ok(to_address)) {
        rc = SEND_PERMANENT;
        reason(err, errlen, "SMTP: not a usable recipient address: ", to_address);
        goto done;
    }
    char mail_from[MAIL_ADDRESS_MAX + 3], rcpt_to[MAIL_ADDRESS_MAX + 3];
    snprintf(mail_from, sizeof mail_from, "<%s>", from.address);
    snprintf(rcpt_to, sizeof rcpt_to, "<%s>", to_address);
    h = curl_easy_init();
    rcpt = curl_slist_append(NULL, rcpt_to);
    if (!h || !rcpt) {
        reason(err, errlen, "SMTP: ", "out of memory");
        goto done;
    }
    long use_ssl = s->starttls == SMTP_STARTTLS_REQUIRED   ? (long)CURLUSESSL_ALL
                   : s->starttls == SMTP_STARTTLS_OPTIONAL ? (long)CURLUSESSL_TRY
                                                           : (long)CURLUSESSL_NONE;
    CURLcode set = CURLE_OK;
    set |= curl_easy_setopt(h, CURLOPT_URL, s->url);
    set |= curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
    set |= curl_easy_setopt(h, CURLOPT_USE_SSL, use_ssl);
    set |= curl_easy_setopt(h, CURLOPT_MAIL_FROM, mail_from);
    set |= curl_easy_setopt(h, CURLOPT_MAIL_RCPT, rcpt);
    set |= curl_easy_setopt(h, CURLOPT_UPLOAD, 1L);
    set |= curl_easy_setopt(h, CURLOPT_READFUNCTION, read_message);
    set |= curl_easy_setopt(h, CURLOPT_READDATA, &body);
    set |= curl_easy_setopt(h, CURLOPT_INFILESIZE_LARGE, (curl_off_t)len);
    set |= curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, (long)SMTP_CONNECT_TIMEOUT_S);
    set |= curl_easy_setopt(h, CURLOPT_TIMEOUT, (long)SMTP_TIMEOUT_S);
    set |= curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    set |= curl_easy_setopt(h, CURLOPT_ERRORBUFFER, curl_err);
    set |= curl_easy_setopt(h, CURLOPT_DEBUGFUNCTION, watch);
    set |= curl_easy_setopt(h, CURLOPT_DEBUGDATA, &x);
    set |= curl_easy_setopt(h, CURLOPT_VERBOSE, 1L); /* feeds watch(), prints nothing */
    if (s->username && *s->username) {
        set |= curl_easy_setopt(h, CURLOPT_USERNAME, s->username);
        set |= curl_easy_setopt(h, CURLOPT_PASSWORD, s->password ? s->password : "");
    }
    if (set != CURLE_OK) {
        reason(err, errlen, "SMTP: ", "libcurl refused an option (built without SMTP or TLS?)");
        goto done;
    }

    CURLcode res = curl_easy_perform(h);
    if (res == CURLE_OK) {
        rc = SEND_OK;
    } else if (x.code >= 400) {
        rc = smtp_reply_result(x.verb, x.code);
        char prefix[VERB_MAX + 16];
        snprintf(prefix, sizeof prefix, "SMTP %s: ", *x.verb ? x.verb : "greeting");
        reason(err, errlen, prefix, x.reply);
    } else {
        /* no refusal seen: the connection, TLS or a timeout failed */
        reason(err, errlen, "SMTP: ", *curl_err ? curl_err : curl_easy_strerror(res));
    }
done:
    if (h)
        curl_easy_cleanup(h); /* sends QUIT; watch() may still run */
    curl_slist_free_all(rcpt);
    if (errlen)
        notify_reason_redact(err, s->password);
    return rc;
}

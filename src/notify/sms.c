/* sms.c - one SMS through an HTTP gateway (see sms.h).
 *
 * The body is made in a buffer of SMS_BODY_MAX, the answer read into one
 * of SMS_ANSWER_MAX (the rest of a longer answer is read and dropped, so
 * the status still counts), and the provider's id parsed from it with
 * cJSON (in whatever memory json_mem gives this thread: the tree lives and
 * dies inside sms_answer_id). */
#include "notify/sms.h"

#include <assert.h>
#include <cjson/cJSON.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "util/utf8.h"

/* The length of the placeholder name at s (just after a '{') when a '}'
 * closes it: letters, digits and '_', not starting with a digit; else 0. */
static size_t placeholder_at(const char *s)
{
    size_t n = 0;
    while ((s[n] >= 'a' && s[n] <= 'z') || (s[n] >= 'A' && s[n] <= 'Z') || s[n] == '_' ||
           (n > 0 && s[n] >= '0' && s[n] <= '9'))
        n++;
    return n > 0 && s[n] == '}' ? n : 0;
}

/* The value of placeholder name[0..n) for m (NULL when m is NULL and the
 * name is known: "" stands in), or NULL with *known false. */
static const char *placeholder_value(const char *name, size_t n, const sms_message *m, bool *known)
{
    static const char *const names[] = {"to", "text", "id", "status_url"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (strlen(names[i]) == n && memcmp(names[i], name, n) == 0) {
            *known = true;
            if (!m)
                return "";
            const char *v = i == 0 ? m->to : i == 1 ? m->text : i == 2 ? m->id : m->status_url;
            return v ? v : "";
        }
    }
    *known = false;
    return NULL;
}

static void add_json_string_content(buf *out, const char *v)
{
    static const char hex[] = "0123456789abcdef";
    for (const char *p = v; *p; p++) {
        unsigned char c = (unsigned char)*p;
        switch (c) {
        case '"':
            buf_add(out, "\\\"", 2);
            break;
        case '\\':
            buf_add(out, "\\\\", 2);
            break;
        case '\b':
            buf_add(out, "\\b", 2);
            break;
        case '\f':
            buf_add(out, "\\f", 2);
            break;
        case '\n':
            buf_add(out, "\\n", 2);
            break;
        case '\r':
            buf_add(out, "\\r", 2);
            break;
        case '\t':
            buf_add(out, "\\t", 2);
            break;
        default:
            if (c < 0x20 || c == 0x7f) {
                char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
                buf_add(out, esc, 6);
            } else {
                buf_add_char(out, (char)c);
            }
        }
    }
}

/* application/x-www-form-urlencoded as browsers write it: letters, digits
 * and *-._ as they are, space as '+', every other byte %XX. */
static void add_form_value(buf *out, const char *v)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const char *p = v; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            c == '*' || c == '-' || c == '.' || c == '_') {
            buf_add_char(out, (char)c);
        } else if (c == ' ') {
            buf_add_char(out, '+');
        } else {
            char esc[3] = {'%', hex[c >> 4], hex[c & 15]};
            buf_add(out, esc, 3);
        }
    }
}

/* Walks tpl: with out NULL only checks the placeholders, else appends the
 * expansion.  *err as sms_body_expand. */
static bool expand(const char *tpl, sms_format format, const sms_message *m, buf *out,
                   const char **err)
{
    const char *why = NULL;
    for (const char *p = tpl; *p && !why; p++) {
        size_t n = *p == '{' ? placeholder_at(p + 1) : 0;
        if (n == 0) {
            if (out)
                buf_add_char(out, *p);
            continue;
        }
        bool known;
        const char *v = placeholder_value(p + 1, n, m, &known);
        if (!known) {
            why = "unknown placeholder in the SMS body template (known: {to}, {text}, {id}, "
                  "{status_url})";
        } else if (!utf8_valid(v, strlen(v))) {
            why = "an SMS value is not UTF-8";
        } else if (out && format == SMS_FORMAT_JSON) {
            add_json_string_content(out, v);
        } else if (out) {
            add_form_value(out, v);
        }
        p += n + 1; /* the name and '}' */
    }
    if (!why && out && out->state != BUF_OK)
        why = out->state == BUF_TOO_LARGE ? "SMS request body too large" : "out of memory";
    if (err)
        *err = why;
    return why == NULL;
}

bool sms_body_template_check(const char *tpl, const char **err)
{
    if (!tpl) {
        if (err)
            *err = "no SMS body template";
        return false;
    }
    return expand(tpl, SMS_FORMAT_JSON, NULL, NULL, err);
}

bool sms_body_expand(const char *tpl, sms_format format, const sms_message *m, buf *out,
                     const char **err)
{
    assert(tpl != NULL && m != NULL && out != NULL);
    return expand(tpl, format, m, out, err);
}

/* The child of node named path[0..n): a member of an object, or an element
 * of an array when the name is all digits; NULL when none. */
static const cJSON *child(const cJSON *node, const char *path, size_t n)
{
    char name[256];
    if (n == 0 || n >= sizeof name)
        return NULL;
    memcpy(name, path, n);
    name[n] = '\0';
    if (cJSON_IsObject(node))
        return cJSON_GetObjectItemCaseSensitive(node, name);
    if (cJSON_IsArray(node) && strspn(name, "0123456789") == n && n <= 9)
        return cJSON_GetArrayItem(node, atoi(name));
    return NULL;
}

bool sms_answer_id(const char *answer, size_t len, const char *id_field,
                   char out[SMS_PROVIDER_ID_MAX + 1], const char **err)
{
    assert(answer != NULL && id_field != NULL && out != NULL);
    const char *why = NULL;
    out[0] = '\0';
    cJSON *root = cJSON_ParseWithLength(answer, len);
    if (!root) {
        why = "the gateway's answer is not JSON";
        goto done;
    }
    const cJSON *node = root;
    for (const char *seg = id_field; node;) {
        const char *dot = strchr(seg, '.');
        size_t n = dot ? (size_t)(dot - seg) : strlen(seg);
        node = child(node, seg, n);
        if (!dot)
            break;
        seg = dot + 1;
    }
    if (!node) {
        why = "the gateway's answer has no id_field";
        goto done;
    }
    if (cJSON_IsString(node)) {
        size_t n = strlen(node->valuestring);
        if (n == 0 || n > SMS_PROVIDER_ID_MAX || !utf8_valid(node->valuestring, n)) {
            why = "the provider id is empty, too long or not UTF-8";
            goto done;
        }
        for (size_t i = 0; i < n; i++) {
            if ((unsigned char)node->valuestring[i] < 0x20 || node->valuestring[i] == 0x7f) {
                why = "the provider id holds a control character";
                goto done;
            }
        }
        memcpy(out, node->valuestring, n + 1);
    } else if (cJSON_IsNumber(node)) {
        /* whole numbers that a double holds exactly as integers, else the
         * shortest text that reads back the same */
        double v = node->valuedouble;
        if (v >= -9007199254740992.0 && v <= 9007199254740992.0 && (double)(long long)v == v)
            snprintf(out, SMS_PROVIDER_ID_MAX + 1, "%lld", (long long)v);
        else
            snprintf(out, SMS_PROVIDER_ID_MAX + 1, "%.17g", v);
    } else {
        why = "the gateway's id_field is neither a string nor a number";
        goto done;
    }
done:
    cJSON_Delete(root);
    if (why)
        out[0] = '\0';
    if (err)
        *err = why;
    return why == NULL;
}

send_result sms_status_result(long status)
{
    if (status >= 200 && status < 300)
        return SEND_OK;
    if (status == 408 || status == 429 || (status >= 500 && status < 600))
        return SEND_TEMPORARY;
    return SEND_PERMANENT;
}

static size_t read_answer(char *data, size_t size, size_t nmemb, void *userp)
{
    buf *answer = userp;
    size_t n = size * nmemb;
    size_t room = answer->limit - answer->len;
    buf_add(answer, data, n < room ? n : room);
    return n; /* the rest is dropped, the transfer goes on */
}

/* err = prefix, then text[0..n) made printable. */
static void reason(char *err, size_t errlen, const char *prefix, const char *text, size_t n)
{
    if (errlen == 0)
        return;
    err[0] = '\0';
    notify_reason_add(err, errlen, prefix, strlen(prefix));
    notify_reason_add(err, errlen, text, n);
}

/* "Name: value" with a token name and no CR, LF or NUL. */
static bool header_ok(const char *h)
{
    const char *colon = strchr(h, ':');
    if (!colon || colon == h || strpbrk(h, "\r\n"))
        return false;
    for (const char *p = h; p < colon; p++)
        if (*p <= ' ' || *p >= 0x7f || strchr("()<>@,;\\\"/[]?={}", *p))
            return false;
    return true;
}

static bool method_ok(const char *m)
{
    size_t n = strlen(m);
    return n > 0 && n <= 16 && strspn(m, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") == n;
}

/* Masks in err what configured credentials it may quote: the password and
 * the value of each Authorization header (and its last word: the token of
 * "Bearer TOKEN"). */
static void redact(const sms_settings *s, char *err)
{
    notify_reason_redact(err, s->password);
    for (size_t i = 0; i < s->n_headers; i++) {
        const char *h = s->headers[i];
        if (!h || strncasecmp(h, "authorization:", 14) != 0)
            continue;
        const char *v = h + 14;
        while (*v == ' ' || *v == '\t')
            v++;
        notify_reason_redact(err, v);
        const char *last = strrchr(v, ' ');
        if (last)
            notify_reason_redact(err, last + 1);
    }
}

send_result sms_send(const sms_settings *s, const sms_message *m,
                     char provider_id[SMS_PROVIDER_ID_MAX + 1], char *err, size_t errlen)
{
    assert(s != NULL && m != NULL && provider_id != NULL && (err != NULL || errlen == 0));
    send_result rc = SEND_TEMPORARY;
    CURL *h = NULL;
    struct curl_slist *headers = NULL;
    char curl_err[CURL_ERROR_SIZE] = "";
    const char *why = NULL;
    buf body, answer;
    buf_init(&body, SMS_BODY_MAX, NULL);
    buf_init(&answer, SMS_ANSWER_MAX, NULL);
    const char *method = s->method && *s->method ? s->method : "POST";
    provider_id[0] = '\0';
    if (errlen)
        err[0] = '\0';

    if (!s->url || !*s->url) {
        reason(err, errlen, "SMS gateway: ", "no url configured", 17);
        goto done;
    }
    if (!sms_body_template_check(s->body, &why)) {
        reason(err, errlen, "SMS gateway: ", why, strlen(why));
        goto done;
    }
    if (!method_ok(method)) {
        reason(err, errlen, "SMS gateway: ", "malformed method", 16);
        goto done;
    }
    if (!m->to || !*m->to) {
        rc = SEND_PERMANENT;
        reason(err, errlen, "SMS gateway: ", "no number to send to", 20);
        goto done;
    }
    if (!sms_body_expand(s->body, s->format, m, &body, &why)) {
        rc = SEND_PERMANENT; /* the template was checked: the message is at fault */
        reason(err, errlen, "SMS gateway: ", why, strlen(why));
        goto done;
    }
    bool has_type = false;
    for (size_t i = 0; i < s->n_headers && i < SMS_MAX_HEADERS; i++) {
        if (!s->headers[i] || !header_ok(s->headers[i])) {
            reason(err, errlen, "SMS gateway: ", "malformed header setting", 24);
            goto done;
        }
        has_type |= strncasecmp(s->headers[i], "content-type:", 13) == 0;
        struct curl_slist *more = curl_slist_append(headers, s->headers[i]);
        if (!more) {
            reason(err, errlen, "SMS gateway: ", "out of memory", 13);
            goto done;
        }
        headers = more;
    }
    const char *extra[] = {
        has_type                       ? NULL
        : s->format == SMS_FORMAT_JSON ? "Content-Type: application/json"
                                       : "Content-Type: application/x-www-form-urlencoded",
        "Expect:", /* no 100-continue round trip */
    };
    for (size_t i = 0; i < sizeof extra / sizeof extra[0]; i++) {
        if (!extra[i])
            continue;
        struct curl_slist *more = curl_slist_append(headers, extra[i]);
        if (!more) {
            reason(err, errlen, "SMS gateway: ", "out of memory", 13);
            goto done;
        }
        headers = more;
    }
    h = curl_easy_init();
    if (!h) {
        reason(err, errlen, "SMS gateway: ", "out of memory", 13);
        goto done;
    }
    CURLcode set = CURLE_OK;
    set |= curl_easy_setopt(h, CURLOPT_URL, s->url);
    set |= curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    set |= curl_easy_setopt(h, CURLOPT_POST, 1L);
    set |= curl_easy_setopt(h, CURLOPT_POSTFIELDS, body.data ? body.data : "");
    set |= curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)body.len);
    if (strcmp(method, "POST") != 0)
        set |= curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, method);
    set |= curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    set |= curl_easy_setopt(h, CURLOPT_USERAGENT, "Agenda");
    set |= curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, read_answer);
    set |= curl_easy_setopt(h, CURLOPT_WRITEDATA, &answer);
    set |= curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, (long)SMS_CONNECT_TIMEOUT_S);
    set |= curl_easy_setopt(h, CURLOPT_TIMEOUT, (long)SMS_TIMEOUT_S);
    set |= curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    set |= curl_easy_setopt(h, CURLOPT_ERRORBUFFER, curl_err);
    if (s->username && *s->username) {
        set |= curl_easy_setopt(h, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
        set |= curl_easy_setopt(h, CURLOPT_USERNAME, s->username);
        set |= curl_easy_setopt(h, CURLOPT_PASSWORD, s->password ? s->password : "");
    }
    if (set != CURLE_OK) {
        const char *msg = "libcurl refused an option (built without HTTP or TLS?)";
        reason(err, errlen, "SMS gateway: ", msg, strlen(msg));
        goto done;
    }

    CURLcode res = curl_easy_perform(h);
    if (res != CURLE_OK) {
        const char *msg = *curl_err ? curl_err : curl_easy_strerror(res);
        reason(err, errlen, "SMS gateway: ", msg, strlen(msg));
        goto done;
    }
    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    rc = sms_status_result(status);
    const char *text = answer.data ? answer.data : "";
    if (rc != SEND_OK) {
        char prefix[48];
        snprintf(prefix, sizeof prefix, "SMS gateway: HTTP %ld: ", status);
        size_t n = answer.len < SMS_EXCERPT_MAX ? answer.len : SMS_EXCERPT_MAX;
        while (n > 0 && n < answer.len && ((unsigned char)text[n] & 0xC0) == 0x80)
            n--; /* cut between characters */
        reason(err, errlen, prefix, text, n);
        if (n < answer.len && errlen) /* mark the cut even when it fits */
            notify_reason_add(err, errlen, "...", 3);
    } else if (s->id_field && *s->id_field &&
               !sms_answer_id(text, answer.len, s->id_field, provider_id, &why)) {
        reason(err, errlen, "SMS gateway: sent, but ", why, strlen(why));
    }
done:
    if (h)
        curl_easy_cleanup(h);
    curl_slist_free_all(headers);
    buf_free(&body);
    buf_free(&answer);
    if (errlen)
        redact(s, err);
    return rc;
}

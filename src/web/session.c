/* session.c - the session cookie, form tokens, private links, redirects
 * and local times of page.h. */
#include <assert.h>
#include <inttypes.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "sched/civil.h"
#include "util/parse.h"
#include "web/page.h"

#define SESSION_COOKIE "agenda_book"
#define SESSION_BYTES  32
#define SESSION_CHARS  43 /* URL-safe base64 of 32 bytes, no padding */
#define FORM_SECONDS   3600

void page_unavailable(web_request *rq, web_response *rs)
{
    page_message(rq, rs, 503, MSG_UNAVAILABLE_TITLE, MSG_UNAVAILABLE_TEXT);
    web_header(rs, "Retry-After", "60");
}

void page_redirect(web_response *rs, const char *location)
{
    rs->status = 303;
    rs->body = "";
    rs->len = 0;
    web_header(rs, "Location", location);
}

void page_notice(web_request *rq, web_response *rs, unsigned status, const char *center_name,
                 web_msg title, web_msg text, const char *href, web_msg link)
{
    html h;
    html_begin(&h, PAGE_LIMIT, rq->arena);
    rs->status = status;
    frame_begin(&h, rq, center_name, i18n_text(rq->lang, title), NULL);
    HTML(&h, "<p>{}</p>", i18n_text(rq->lang, text));
    if (href)
        HTML(&h, "<p><a href=\"{}\">{}</a></p>", href, i18n_text(rq->lang, link));
    frame_end(&h, rs);
}

const char *web_cookie(const web_request *rq, const char *name)
{
    const char *header = rq->header(rq->header_ctx, "Cookie");
    size_t len = strlen(name);
    for (const char *p = header; p && *p;) {
        p += strspn(p, " \t;");
        size_t item = strcspn(p, ";");
        if (item > len && strncmp(p, name, len) == 0 && p[len] == '=') {
            const char *v = p + len + 1;
            return arena_strndup(rq->arena, v, item - len - 1);
        }
        p += item;
    }
    return NULL;
}

/* True for SESSION_CHARS URL-safe base64 characters. */
static bool session_well_formed(const char *s)
{
    return s && strlen(s) == SESSION_CHARS &&
           strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") ==
               SESSION_CHARS;
}

const char *web_session_sent(const web_request *rq)
{
    const char *s = web_cookie(rq, SESSION_COOKIE);
    return session_well_formed(s) ? s : NULL;
}

const char *web_session(web_request *rq, web_response *rs)
{
    const char *sent = web_session_sent(rq);
    if (sent)
        return sent;
    unsigned char raw[SESSION_BYTES];
    char *fresh = arena_alloc(rq->arena, SESSION_CHARS + 1);
    if (!fresh)
        return NULL;
    randombytes_buf(raw, sizeof raw);
    sodium_bin2base64(fresh, SESSION_CHARS + 1, raw, sizeof raw,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    const char *cookie = arena_printf(rq->arena, "%s=%s; Path=/book/; HttpOnly; SameSite=Lax%s",
                                      SESSION_COOKIE, fresh, rq->secure ? "; Secure" : "");
    if (!cookie)
        return NULL;
    web_header(rs, "Set-Cookie", cookie);
    return fresh;
}

/* The store's key `name` into key; false when the store failed. */
static bool key_of(web_request *rq, const char *name, unsigned char key[CSRF_KEY_BYTES])
{
    _Static_assert(CSRF_KEY_BYTES == STORE_WEB_KEY_BYTES, "one key size");
    return store_web_key(rq->store, name, rq->now, rq->arena, key) == STORE_OK;
}

bool web_form_token(web_request *rq, const char *session, char out[CSRF_TOKEN_MAX])
{
    unsigned char key[CSRF_KEY_BYTES];
    if (!key_of(rq, "csrf", key))
        return false;
    csrf_make(key, session, rq->now + FORM_SECONDS, out);
    sodium_memzero(key, sizeof key);
    return true;
}

bool web_form_ok(web_request *rq)
{
    unsigned char key[CSRF_KEY_BYTES];
    const char *session = web_session_sent(rq);
    const char *token = rq->form(rq->form_ctx, "csrf");
    bool ok = session && token && key_of(rq, "csrf", key);
    ok = ok && csrf_check(key, session, token, rq->now);
    sodium_memzero(key, sizeof key);
    return ok;
}

const char *web_link_make(web_request *rq, int64_t id, int64_t calendar_id, int64_t expires)
{
    unsigned char key[CSRF_KEY_BYTES];
    char mac[CSRF_TOKEN_MAX], what[64];
    if (!key_of(rq, "link", key))
        return NULL;
    snprintf(what, sizeof what, "link %" PRId64 " %" PRId64, id, calendar_id);
    csrf_make(key, what, expires, mac);
    sodium_memzero(key, sizeof key);
    return arena_printf(rq->arena, "%" PRId64 "-%" PRId64 "-%s", id, calendar_id, mac);
}

bool web_link_read(web_request *rq, const char *token, int64_t *id, int64_t *calendar_id)
{
    unsigned char key[CSRF_KEY_BYTES];
    char part[2][24], what[64];
    const char *p = token;
    for (int i = 0; i < 2; i++) {
        size_t len = p ? strcspn(p, "-") : 0;
        if (!p || len == 0 || len >= sizeof part[i] || p[len] != '-')
            return false;
        memcpy(part[i], p, len);
        part[i][len] = '\0';
        p += len + 1;
    }
    if (!parse_int64(part[0], id) || !parse_int64(part[1], calendar_id) || *id <= 0 ||
        *calendar_id <= 0)
        return false;
    snprintf(what, sizeof what, "link %" PRId64 " %" PRId64, *id, *calendar_id);
    bool ok = key_of(rq, "link", key) && csrf_check(key, what, p, rq->now);
    sodium_memzero(key, sizeof key);
    return ok;
}

int64_t local_day(const tzfile *z, int64_t t)
{
    return civil_floor_div(t + tzfile_offset_at(z, t), 86400);
}

int64_t local_day_start(const tzfile *z, int64_t day)
{
    return tzfile_resolve(z, day * 86400, TZFILE_EARLIEST);
}

const char *day_text(arena *a, int64_t day)
{
    int64_t y;
    int m, d;
    civil_date_from_days(day, &y, &m, &d);
    return arena_printf(a, "%04lld-%02d-%02d", (long long)y, m, d);
}

bool day_parse(const char *text, int64_t *day)
{
    int64_t y = 0, m = 0, d = 0;
    char ys[5], ms[3], ds[3];
    if (!text || strlen(text) != 10 || text[4] != '-' || text[7] != '-' ||
        strspn(text, "0123456789-") != 10)
        return false;
    memcpy(ys, text, 4), ys[4] = '\0';
    memcpy(ms, text + 5, 2), ms[2] = '\0';
    memcpy(ds, text + 8, 2), ds[2] = '\0';
    if (!parse_int64(ys, &y) || !parse_int64(ms, &m) || !parse_int64(ds, &d) || y < 1900 || m < 1 ||
        m > 12 || d < 1 || d > civil_month_length(y, (int)m))
        return false;
    *day = civil_days_from_date(y, (int)m, (int)d);
    return true;
}

const char *date_text(arena *a, web_lang lang, const tzfile *z, int64_t t, bool with_year)
{
    int64_t day = local_day(z, t), y;
    int m, d;
    char out[I18N_DATE_MAX];
    civil_date_from_days(day, &y, &m, &d);
    i18n_date(lang, y, m, d, civil_weekday(day), with_year, out);
    return arena_strdup(a, out);
}

const char *clock_text(arena *a, const tzfile *z, int64_t t)
{
    int64_t local = t + tzfile_offset_at(z, t);
    int64_t minute = civil_floor_div(local, 60) - civil_floor_div(local, 86400) * 1440;
    return arena_printf(a, "%02d:%02d", (int)(minute / 60), (int)(minute % 60));
}

const char *person_name(arena *a, const char *first, const char *last)
{
    return arena_printf(a, "%s%s%s", first ? first : "",
                        first && *first && last && *last ? " " : "", last ? last : "");
}

const char *slot_name(arena *a, web_lang lang, const tzfile *z, int64_t start, int64_t stop,
                      const char *who)
{
    const char *date = date_text(a, lang, z, start, true);
    const char *from = clock_text(a, z, start), *to = clock_text(a, z, stop);
    if (!date || !from || !to)
        return NULL;
    return arena_printf(a, "%s, %s %s %s%s%s", date, from, i18n_text(lang, MSG_TO), to,
                        who ? ", " : "", who ? who : "");
}

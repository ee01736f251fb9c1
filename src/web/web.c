/* web.c - the table of pages and what every answer gets (see web.h). */
#include "web/web.h"

#include "web/page.h"

#include <assert.h>
#include <string.h>

/* clang-format off */
static const web_page pages[] = {
    {"GET", "book/{slug}", page_book},
    {"GET", "book/{slug}/practitioner", page_practitioner},
    {"GET", "book/{slug}/day", page_day},
    {"POST", "book/{slug}/hold", page_hold},
    {"GET", "book/{slug}/details", page_details},
    {"POST", "book/{slug}/details", page_details_post},
    {"POST", "book/{slug}/confirm", page_confirm},
    {"GET", "book/{slug}/a/{token}", page_manage},
    {"POST", "book/{slug}/a/{token}/cancel", page_cancel},
    {"GET", "assets/book.css", page_stylesheet},
};
/* clang-format on */

#define N_PAGES (sizeof pages / sizeof pages[0])

/* Whether segs[0..n) fits `pattern`; fills rq's captures when so. */
static bool fits(const char *pattern, const char *const *segs, size_t n, web_request *rq)
{
    size_t i = 0, n_args = 0;
    const char *p = pattern;
    while (*p && i < n) {
        size_t len = strcspn(p, "/");
        if (p[0] == '{') {
            assert(n_args < WEB_MAX_ARGS);
            if (rq)
                rq->args[n_args] = segs[i];
            n_args++;
        } else if (strlen(segs[i]) != len || strncmp(segs[i], p, len) != 0) {
            return false;
        }
        p += len + (p[len] == '/');
        i++;
    }
    if (*p || i != n)
        return false;
    if (rq)
        rq->n_args = n_args;
    return true;
}

web_result web_match(const char *method, const char *const *segs, size_t n, const web_page **page,
                     web_request *rq)
{
    assert(method && page && rq && (segs || n == 0));
    if (n == 0 || strcmp(segs[0], "api") == 0)
        return WEB_NOT_MINE;
    const char *asked = strcmp(method, "HEAD") == 0 ? "GET" : method;
    web_result result = WEB_NOT_MINE;
    bool get = false, post = false;
    for (size_t i = 0; i < N_PAGES; i++) {
        if (!fits(pages[i].pattern, segs, n, NULL))
            continue;
        if (strcmp(pages[i].method, asked) == 0) {
            fits(pages[i].pattern, segs, n, rq);
            *page = &pages[i];
            return WEB_FOUND;
        }
        get = get || strcmp(pages[i].method, "GET") == 0;
        post = post || strcmp(pages[i].method, "POST") == 0;
        result = WEB_BAD_METHOD;
    }
    rq->allow = get && post ? "GET, HEAD, POST" : get ? "GET, HEAD" : "POST";
    return result;
}

void web_header(web_response *rs, const char *name, const char *value)
{
    assert(rs->n_headers < WEB_MAX_HEADERS);
    rs->headers[rs->n_headers][0] = name;
    rs->headers[rs->n_headers][1] = value;
    rs->n_headers++;
}

void web_answer(const web_page *page, web_request *rq, web_response *rs)
{
    assert(rq && rs);
    *rs = (web_response){.status = 200, .content_type = "text/html; charset=utf-8"};
    /* a form carries the page's language as a field (the switch's choice) */
    const char *lang = rq->query(rq->query_ctx, "lang");
    if (!lang && rq->form)
        lang = rq->form(rq->form_ctx, "lang");
    rq->lang = i18n_choose(lang, rq->header(rq->header_ctx, "Accept-Language"));
    if (!page) {
        page_message(rq, rs, 405, MSG_NOT_FOUND_TITLE, MSG_BAD_METHOD_TEXT);
        web_header(rs, "Allow", rq->allow ? rq->allow : "GET, HEAD");
    } else if (!rq->store && page->handle != page_stylesheet) {
        page_message(rq, rs, 503, MSG_UNAVAILABLE_TITLE, MSG_UNAVAILABLE_TEXT);
    } else {
        page->handle(rq, rs);
    }
    bool cache_set = false;
    for (size_t i = 0; i < rs->n_headers; i++)
        cache_set = cache_set || strcmp(rs->headers[i][0], "Cache-Control") == 0;
    if (!cache_set)
        web_header(rs, "Cache-Control", "no-store");
    web_header(rs, "Content-Security-Policy",
               "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
               "frame-ancestors 'none'; base-uri 'none'");
    web_header(rs, "X-Content-Type-Options", "nosniff");
    web_header(rs, "Referrer-Policy", "no-referrer");
    web_header(rs, "X-Frame-Options", "DENY");
    web_header(rs, "Content-Language", i18n_code(rq->lang));
    web_header(rs, "Vary", "Accept-Language");
}

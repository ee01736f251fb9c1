/* book.c - the patients' booking pages: GET /book/{center_slug} (its first
 * step, choosing a service), the stylesheet every page links, and the
 * plain pages (404, 405, 503).
 *
 * A center's page is off unless its booking settings say on
 * (store/booking.c); off, unknown and never set all answer the same 404
 * page, so the page tells nothing about which centers exist.  The first
 * step lists the services the settings offer as a form of radio buttons
 * that works without JavaScript (a GET to the next step,
 * /book/{center_slug}/practitioner: flow.c).
 * Services of several calendars with the same name and duration are one
 * choice (the practitioner comes next), named with their practitioners;
 * its value is the first such service's id.
 *
 * Every page of the flow is one frame (frame_begin, page.h): the center's
 * name, the language switch (links to the same page with lang= added, the
 * current language marked aria-current), one h1 and the step.  No script; the stylesheet is one
 * file of this program, cached by the browser for an hour. */
#include <assert.h>
#include <string.h>

#include "web/html.h"
#include "web/page.h"
#include "web/web.h"

static const char STYLESHEET[] =
    "*{box-sizing:border-box}"
    "body{margin:0;font:1rem/1.5 system-ui,-apple-system,\"Segoe UI\",Roboto,sans-serif;"
    "color:#1b1b1b;background:#fff}"
    "header,main{max-width:40rem;margin:0 auto;padding:.75rem 1rem}"
    "header{display:flex;flex-wrap:wrap;gap:.5rem;justify-content:space-between;"
    "align-items:center;border-bottom:1px solid #ccc}"
    ".center{margin:0;font-weight:600}"
    ".langs{display:flex;flex-wrap:wrap;gap:.25rem .75rem;margin:0;padding:0;list-style:none}"
    ".langs a{color:#0b4f9c;padding:.25rem 0;display:inline-block}"
    ".langs a[aria-current]{color:#1b1b1b;font-weight:600;text-decoration:none}"
    "h1{font-size:1.5rem;margin:.5rem 0 1rem}"
    ".step{margin:0;color:#555}"
    "fieldset{border:0;margin:0;padding:0}"
    "legend{font-size:1.25rem;font-weight:600;padding:0;margin-bottom:.5rem}"
    ".choices{list-style:none;margin:0 0 1rem;padding:0}"
    ".choices li{margin:0 0 .5rem}"
    ".choices label{display:flex;gap:.75rem;align-items:flex-start;padding:.75rem;"
    "border:1px solid #888;border-radius:.5rem;cursor:pointer}"
    ".choices input{margin-top:.3rem;width:1.25rem;height:1.25rem;flex:none}"
    ".choices span{display:block}"
    ".meta{color:#555}"
    "button{font:inherit;font-weight:600;color:#fff;background:#0b4f9c;border:0;"
    "border-radius:.5rem;padding:.75rem 1.5rem;min-height:2.75rem;width:100%;cursor:pointer}"
    "@media(min-width:30rem){button{width:auto}}"
    ":focus-visible{outline:3px solid #e37400;outline-offset:2px}"
    ".vh,.hp{position:absolute;width:1px;height:1px;margin:-1px;padding:0;overflow:hidden;"
    "clip:rect(0 0 0 0);white-space:nowrap;border:0}"
    ".week{display:grid;grid-template-columns:repeat(auto-fill,minmax(5.5rem,1fr));gap:.5rem;"
    "list-style:none;margin:0 0 1rem;padding:0}"
    ".week a,.week span{display:block;padding:.5rem;border:1px solid #888;border-radius:.5rem;"
    "color:#0b4f9c;text-align:center}"
    ".week span{color:#555;border-style:dashed}"
    ".week a[aria-current]{background:#0b4f9c;color:#fff}"
    ".pager{display:flex;justify-content:space-between;gap:1rem;margin:0 0 1rem}"
    ".pager a{color:#0b4f9c;padding:.5rem 0}"
    ".slots{display:grid;grid-template-columns:repeat(auto-fill,minmax(8.5rem,1fr));gap:.5rem}"
    ".tz,.hint{color:#555}"
    ".field{margin:0 0 1rem}"
    ".field label{display:block;font-weight:600}"
    ".field input{font:inherit;width:100%;padding:.5rem;border:1px solid #666;"
    "border-radius:.25rem;min-height:2.75rem}"
    ".field input[aria-invalid]{border:2px solid #b00020}"
    ".error{color:#b00020;margin:.25rem 0 0}"
    ".alert{border-left:4px solid #b00020;padding:.5rem 1rem;margin:0 0 1rem}"
    ".ok{border-left:4px solid #1b7f3b;padding:.5rem 1rem;margin:0 0 1rem}"
    "dl{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem}"
    "dt{font-weight:600}dd{margin:0}"
    ".link{word-break:break-all}"
    "form.inline{margin:1rem 0}";

void page_stylesheet(web_request *rq, web_response *rs)
{
    (void)rq;
    rs->content_type = "text/css; charset=utf-8";
    rs->body = STYLESHEET;
    rs->len = sizeof STYLESHEET - 1;
    web_header(rs, "Cache-Control", "public, max-age=3600");
}

void frame_begin(html *h, const web_request *rq, const char *center_name, const char *title,
                 const char *self)
{
    HTML(h,
         "<!doctype html><html lang=\"{}\"><head><meta charset=\"utf-8\">"
         "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\"><title>{}",
         i18n_code(rq->lang), title);
    if (center_name)
        HTML(h, " - {}", center_name);
    HTML_MARKUP(h, "</title><link rel=\"stylesheet\" href=\"/assets/book.css\"></head>"
                   "<body><header>");
    if (center_name)
        HTML(h, "<p class=\"center\">{}</p>", center_name);
    HTML(h, "<nav aria-label=\"{}\"><ul class=\"langs\">", i18n_text(rq->lang, MSG_LANGUAGE));
    for (int l = 0; l < LANG_COUNT; l++) {
        const char *code = i18n_code((web_lang)l);
        const char *href =
            arena_printf(rq->arena, "%s%slang=%s", self ? self : "?", self ? "&" : "", code);
        if (!href)
            h->failed = true;
        if ((web_lang)l == rq->lang)
            HTML(h,
                 "<li><a href=\"{}\" hreflang=\"{}\" lang=\"{}\" "
                 "aria-current=\"true\">{}</a></li>",
                 href, code, code, i18n_name((web_lang)l));
        else
            HTML(h, "<li><a href=\"{}\" hreflang=\"{}\" lang=\"{}\">{}</a></li>", href, code, code,
                 i18n_name((web_lang)l));
    }
    HTML(h, "</ul></nav></header><main><h1>{}</h1>", title);
}

void frame_end(html *h, web_response *rs)
{
    HTML_MARKUP(h, "</main></body></html>");
    rs->body = html_finish(h, &rs->len);
}

const char *step_text(web_lang lang, int n, char out[64])
{
    char number[4] = {(char)('0' + n), '\0'};
    assert(n >= 1 && n <= 5);
    return i18n_fill(lang, MSG_STEP, number, out, 64);
}

void page_message(web_request *rq, web_response *rs, unsigned status, web_msg title, web_msg text)
{
    html h;
    html_begin(&h, PAGE_LIMIT, rq->arena);
    rs->status = status;
    frame_begin(&h, rq, NULL, i18n_text(rq->lang, title), NULL);
    HTML(&h, "<p>{}</p>", i18n_text(rq->lang, text));
    frame_end(&h, rs);
}

/* The practitioners of offered[from..to) (one service, several
 * calendars), joined by ", ", in the arena. */
static const char *practitioners(arena *a, const booking_service *offered, size_t from, size_t to)
{
    const char *names = "";
    for (size_t i = from; names && i < to; i++)
        names = arena_printf(a, "%s%s%s %s", names, i > from ? ", " : "",
                             offered[i].first_name ? offered[i].first_name : "",
                             offered[i].last_name ? offered[i].last_name : "");
    return names;
}

void page_book(web_request *rq, web_response *rs)
{
    center c;
    booking_settings bs;
    booking_service *offered = NULL;
    size_t n = 0;
    web_lang lang = rq->lang;
    store_rc rc = store_center_get_by_slug(rq->store, rq->args[0], rq->arena, &c);
    if (rc == STORE_OK)
        rc = store_booking_settings_get(rq->store, c.id, rq->arena, &bs);
    if (rc == STORE_OK && !bs.enabled)
        rc = STORE_NOT_FOUND;
    if (rc == STORE_OK)
        rc = store_booking_services(rq->store, c.id, rq->arena, &offered, &n);
    if (rc == STORE_NOT_FOUND) {
        page_message(rq, rs, 404, MSG_NOT_FOUND_TITLE, MSG_NOT_FOUND_TEXT);
        return;
    }
    if (rc != STORE_OK) {
        page_message(rq, rs, 503, MSG_UNAVAILABLE_TITLE, MSG_UNAVAILABLE_TEXT);
        web_header(rs, "Retry-After", "60");
        return;
    }

    html h;
    char step[64];
    html_begin(&h, PAGE_LIMIT, rq->arena);
    frame_begin(&h, rq, c.name, i18n_text(lang, MSG_BOOK_TITLE), NULL);
    if (n == 0) {
        HTML(&h, "<p>{}</p>", i18n_text(lang, MSG_NO_SERVICES));
        frame_end(&h, rs);
        return;
    }
    HTML(&h,
         "<p class=\"step\">{}</p><form method=\"get\" action=\"/book/{}/practitioner\">"
         "<fieldset><legend>{}</legend><ul class=\"choices\">",
         step_text(lang, 1, step), c.slug, i18n_text(lang, MSG_CHOOSE_SERVICE));
    for (size_t i = 0; i < n;) {
        size_t same = i + 1;
        while (same < n && offered[same].duration == offered[i].duration &&
               strcmp(offered[same].name, offered[i].name) == 0)
            same++;
        const char *id = arena_printf(rq->arena, "s%lld", (long long)offered[i].id);
        const char *minutes = arena_printf(rq->arena, "%lld %s", (long long)offered[i].duration,
                                           i18n_text(lang, MSG_MINUTES));
        const char *who = practitioners(rq->arena, offered, i, same);
        const char *value = id ? id + 1 : NULL;
        if (!id || !minutes || !who) {
            h.failed = true;
            break;
        }
        HTML(&h,
             "<li><label for=\"{}\"><input type=\"radio\" id=\"{}\" name=\"service\" value=\"{}\""
             " required><span><span class=\"name\">{}</span>"
             "<span class=\"meta\">{} · {} {}</span></span></label></li>",
             id, id, value, offered[i].name, minutes, i18n_text(lang, MSG_WITH), who);
        i = same;
    }
    HTML(&h,
         "</ul></fieldset><input type=\"hidden\" name=\"lang\" value=\"{}\">"
         "<button type=\"submit\">{}</button></form>",
         i18n_code(lang), i18n_text(lang, MSG_CONTINUE));
    frame_end(&h, rs);
}

/* page.h - what the booking pages share (book.c, flow.c, manage.c,
 * session.c): the frame of every page, the session cookie and the form
 * tokens, the private links, redirects, and times written in the
 * practice's zone and the page's language.
 *
 * The session.  A browser that reaches a page with a form gets a cookie
 * `agenda_book` (32 random bytes, URL-safe base64; Path=/book/; HttpOnly;
 * SameSite=Lax; Secure when the request came over TLS: the server's own,
 * or a trusted proxy's that says X-Forwarded-Proto: https; web.h secure).  Forms carry a token of
 * that session (csrf.h, key "csrf"); the holds the session places are the session's (its value is
 * the hold's owner key), so a hold can be seen, booked or released only by the browser that placed
 * it.
 *
 * Private links.  /book/{slug}/a/{A}-{C}-{EXPIRES}.{MAC}: appointment A of
 * calendar C, the MAC (csrf.h's, key "link") over "link A C" and EXPIRES,
 * the appointment's start: the link works until the appointment begins.
 * Keys are the store's (store_web_key), so every server of the database
 * accepts the links and tokens of every other. */
#ifndef AGENDA_WEB_PAGE_H
#define AGENDA_WEB_PAGE_H

#include <stdbool.h>
#include <stdint.h>

#include "sched/tzfile.h"
#include "web/csrf.h"
#include "web/html.h"
#include "web/web.h"

/* Far more than any page takes; a page over it fails whole (web.h: 503). */
#define PAGE_LIMIT ((size_t)256 << 10)

/* The frame's start: head, header with the center's name (NULL: none) and
 * the language switch, and main's h1.  The switch links to `self` (a path
 * with its query, NULL: this page) with lang= added. */
void frame_begin(html *h, const web_request *rq, const char *center_name, const char *title,
                 const char *self);
/* Ends the frame and makes it rs's body (NULL when it failed). */
void frame_end(html *h, web_response *rs);
/* "Step n of 5" in lang, into out. */
const char *step_text(web_lang lang, int n, char out[64]);
/* The 503 page, with Retry-After. */
void page_unavailable(web_request *rq, web_response *rs);
/* A 303 to `location` (a path of this server). */
void page_redirect(web_response *rs, const char *location);
/* A page of a heading, a sentence and a link (NULL: none) with `status`. */
void page_notice(web_request *rq, web_response *rs, unsigned status, const char *center_name,
                 web_msg title, web_msg text, const char *href, web_msg link);

/* The value of cookie `name` of the request, or NULL. */
const char *web_cookie(const web_request *rq, const char *name);
/* The request's session (its cookie when well formed), else a new one,
 * set on rs; NULL only when the arena is exhausted. */
const char *web_session(web_request *rq, web_response *rs);
/* The request's session cookie when well formed, else NULL (no new one). */
const char *web_session_sent(const web_request *rq);
/* A form token for `session`, valid an hour; false when the store failed. */
bool web_form_token(web_request *rq, const char *session, char out[CSRF_TOKEN_MAX]);
/* True when the form's `csrf` field is a live token of the request's
 * session cookie. */
bool web_form_ok(web_request *rq);
/* The private link's token of appointment `id` of calendar `calendar_id`,
 * valid until `expires`; NULL when the store failed. */
const char *web_link_make(web_request *rq, int64_t id, int64_t calendar_id, int64_t expires);
/* Reads a private link's token: false when it is malformed, forged or
 * expired at rq->now (or the store failed). */
bool web_link_read(web_request *rq, const char *token, int64_t *id, int64_t *calendar_id);

/* The local day number (days since 1970-01-01) of instant t in zone z. */
int64_t local_day(const tzfile *z, int64_t t);
/* The first instant of local day `day` in z. */
int64_t local_day_start(const tzfile *z, int64_t day);
/* "yyyy-mm-dd" of a local day, in the arena. */
const char *day_text(arena *a, int64_t day);
/* Reads "yyyy-mm-dd" (a real date) into a local day number. */
bool day_parse(const char *text, int64_t *day);
/* The date of t in z and lang ("Tuesday 2 March 2027"). */
const char *date_text(arena *a, web_lang lang, const tzfile *z, int64_t t, bool with_year);
/* "10:20", the wall clock of t in z. */
const char *clock_text(arena *a, const tzfile *z, int64_t t);
/* A slot's full name: "Tuesday 2 March 2027, 10:20 to 10:40, Anna
 * Peeters" (who NULL: without the practitioner). */
const char *slot_name(arena *a, web_lang lang, const tzfile *z, int64_t start, int64_t stop,
                      const char *who);
/* "Anna Peeters" of a calendar's names (either may be NULL). */
const char *person_name(arena *a, const char *first, const char *last);

/* The pages of flow.c and manage.c (web.c's table). */
void page_practitioner(web_request *rq, web_response *rs);
void page_day(web_request *rq, web_response *rs);
void page_hold(web_request *rq, web_response *rs);
void page_details(web_request *rq, web_response *rs);
void page_details_post(web_request *rq, web_response *rs);
void page_confirm(web_request *rq, web_response *rs);
void page_manage(web_request *rq, web_response *rs);
void page_cancel(web_request *rq, web_response *rs);

#endif

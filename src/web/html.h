/* html.h - writing HTML, escaped in one place by construction.
 *
 * A page is written with HTML(h, markup, text...): `markup` must be a
 * string literal (the macros paste "" before it, so anything else does not
 * compile), that is markup the program itself carries, and each `{}` in it
 * is replaced by the next text argument, escaped (& < > " ' become
 * entities), so a text can go between tags or inside a double-quoted
 * attribute alike.  There is no other way to add bytes to a page: what
 * comes from a request, the store or a message table is always a text.
 * Texts are UTF-8 as stored; NULL is written as nothing.
 *
 * Memory comes from the request's arena; a page that outgrows `limit`
 * fails as a whole (html_finish answers NULL), never half written. */
#ifndef AGENDA_WEB_HTML_H
#define AGENDA_WEB_HTML_H

#include <stdbool.h>
#include <stddef.h>

#include "util/arena.h"
#include "util/buf.h"

typedef struct html {
    buf out;
    bool failed;
} html;

void html_begin(html *h, size_t limit, arena *a);
/* The page written so far and its length, or NULL when anything failed. */
const char *html_finish(html *h, size_t *len);
/* Appends `markup` with its n holes filled by texts[0..n), escaped.  The
 * number of holes must be n (an invariant of the program's markup). */
void html_fill_(html *h, const char *markup, const char *const *texts, size_t n);
/* Writes text escaped into out (at most 6 bytes per input byte). */
void html_escape_into(buf *out, const char *text, bool *failed);

#define HTML_MARKUP(h, markup) html_fill_((h), "" markup, NULL, 0)
#define HTML(h, markup, ...)                                                                       \
    html_fill_((h), "" markup, (const char *const[]){__VA_ARGS__},                                 \
               sizeof((const char *const[]){__VA_ARGS__}) / sizeof(const char *))

#endif

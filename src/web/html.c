/* html.c - the page writer of html.h: markup copied, texts escaped. */
#include "web/html.h"

#include <assert.h>
#include <string.h>

void html_begin(html *h, size_t limit, arena *a)
{
    assert(h && a);
    buf_init(&h->out, limit, a);
    h->failed = false;
}

const char *html_finish(html *h, size_t *len)
{
    assert(h && len);
    if (h->failed)
        return NULL;
    const char *page = buf_take(&h->out, len);
    if (!page)
        h->failed = true;
    return page;
}

void html_escape_into(buf *out, const char *text, bool *failed)
{
    for (const char *p = text; p && *p && !*failed; p++) {
        const char *entity = NULL;
        switch (*p) {
        case '&':
            entity = "&amp;";
            break;
        case '<':
            entity = "&lt;";
            break;
        case '>':
            entity = "&gt;";
            break;
        case '"':
            entity = "&quot;";
            break;
        case '\'':
            entity = "&#39;";
            break;
        default:
            break;
        }
        bool ok = entity ? buf_add(out, entity, strlen(entity)) : buf_add_char(out, *p);
        if (!ok)
            *failed = true;
    }
}

void html_fill_(html *h, const char *markup, const char *const *texts, size_t n)
{
    assert(h && markup && (texts || n == 0));
    size_t used = 0;
    const char *p = markup;
    while (!h->failed) {
        const char *hole = strstr(p, "{}");
        size_t len = hole ? (size_t)(hole - p) : strlen(p);
        if (!buf_add(&h->out, p, len)) {
            h->failed = true;
            break;
        }
        if (!hole)
            break;
        if (used == n) { /* more holes than texts: the caller's mistake */
            assert(!"more holes than texts");
            h->failed = true;
            break;
        }
        html_escape_into(&h->out, texts[used++], &h->failed);
        p = hole + 2;
    }
    assert(h->failed || used == n); /* more texts than holes */
}

/* framing.c - refusing ambiguous request framing (see framing.h).
 *
 * Headers are judged one at a time as the server iterates them, so the
 * check needs no copy of the head; the verdict on Transfer-Encoding needs
 * the HTTP version and the Content-Length count, hence framing_end. */
#include "http/framing.h"

#include <assert.h>
#include <string.h>
#include <strings.h>

/* A tchar of RFC 9110 section 5.6.2. */
static bool is_tchar(unsigned char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return true;
    return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

static bool name_is(const char *name, size_t len, const char *want)
{
    return len == strlen(want) && strncasecmp(name, want, len) == 0;
}

void framing_begin(framing_check *fc)
{
    assert(fc != NULL);
    memset(fc, 0, sizeof *fc);
}

void framing_add(framing_check *fc, const char *name, size_t name_len, const char *value,
                 size_t value_len)
{
    assert(fc != NULL);
    if (fc->error)
        return;
    if (name_len == 0) {
        fc->error = "malformed header name";
        return;
    }
    for (size_t i = 0; i < name_len; i++) {
        if (!is_tchar((unsigned char)name[i])) {
            fc->error = "malformed header name";
            return;
        }
    }
    for (size_t i = 0; i < value_len; i++) {
        if (value[i] == '\0' || value[i] == '\r' || value[i] == '\n') {
            fc->error = "malformed header value";
            return;
        }
    }
    if (name_is(name, name_len, "Content-Length")) {
        if (++fc->content_lengths > 1) {
            fc->error = "more than one Content-Length";
            return;
        }
        if (value_len == 0 || value_len > 19) {
            fc->error = "malformed Content-Length";
            return;
        }
        for (size_t i = 0; i < value_len; i++) {
            if (value[i] < '0' || value[i] > '9') {
                fc->error = "malformed Content-Length";
                return;
            }
        }
    } else if (name_is(name, name_len, "Transfer-Encoding")) {
        if (++fc->transfer_encodings > 1) {
            fc->error = "more than one Transfer-Encoding";
            return;
        }
        fc->chunked = name_is(value, value_len, "chunked");
        if (!fc->chunked)
            fc->error = "unsupported Transfer-Encoding (only \"chunked\" alone is accepted)";
    }
}

const char *framing_end(framing_check *fc, const char *version)
{
    assert(fc != NULL);
    if (fc->error)
        return fc->error;
    if (fc->transfer_encodings && fc->content_lengths)
        fc->error = "Transfer-Encoding and Content-Length together";
    else if (fc->transfer_encodings && (!version || strcmp(version, "HTTP/1.1") != 0))
        fc->error = "Transfer-Encoding outside HTTP/1.1";
    return fc->error;
}

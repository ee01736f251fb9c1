/* fuzz_framing.c - libFuzzer harness for request framing: framing_check.
 *
 * Input: a request head as a client sends it.  The first line gives the
 * version (its last space-separated word); every later line up to an empty
 * one is split at its first ':' into name and value (surrounding blanks of
 * the value dropped, as libmicrohttpd does), and handed to framing_add with
 * its exact bytes, NULs included.  Properties checked against a reference
 * written apart from framing.c: an accepted head has at most one
 * Content-Length, of digits only, at most one Transfer-Encoding, equal to
 * "chunked" in any case, only in HTTP/1.1 and never with a Content-Length,
 * and header names made of token characters only; a refused head breaks one
 * of those rules (the check refuses exactly what is ambiguous). */
#include <ctype.h>
#include <stdbool.h>
#include <strings.h>

#include "fuzz.h"
#include "http/framing.h"

typedef struct reference {
    unsigned cl, te;
    bool cl_bad, te_bad, name_bad, value_bad;
} reference;

static bool tchar(unsigned char c)
{
    return isalnum(c) || (c && strchr("!#$%&'*+-.^_`|~", c));
}

static void reference_add(reference *r, const char *name, size_t nl, const char *value,
                          size_t vl)
{
    bool name_ok = nl > 0;
    for (size_t i = 0; i < nl; i++)
        name_ok = name_ok && tchar((unsigned char)name[i]);
    r->name_bad |= !name_ok;
    for (size_t i = 0; i < vl; i++)
        r->value_bad |= value[i] == '\0' || value[i] == '\r' || value[i] == '\n';
    if (nl == 14 && strncasecmp(name, "content-length", 14) == 0) {
        r->cl++;
        bool digits = vl > 0 && vl <= 19;
        for (size_t i = 0; i < vl; i++)
            digits = digits && value[i] >= '0' && value[i] <= '9';
        r->cl_bad |= !digits;
    } else if (nl == 17 && strncasecmp(name, "transfer-encoding", 17) == 0) {
        r->te++;
        r->te_bad |= !(vl == 7 && strncasecmp(value, "chunked", 7) == 0);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *p = (const char *)data, *end = p + size;
    const char *eol = memchr(p, '\n', size);
    if (!eol)
        return 0;
    /* the version: the request line's last word, without the CR */
    const char *line_end = eol > p && eol[-1] == '\r' ? eol - 1 : eol;
    const char *sp = line_end;
    while (sp > p && sp[-1] != ' ')
        sp--;
    char *version = fuzz_cstring((const uint8_t *)sp, (size_t)(line_end - sp));

    framing_check fc;
    framing_begin(&fc);
    reference ref = {0};
    bool faulted = false; /* a fault seen by the reference before this header */
    for (p = eol + 1; p < end;) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *stop = nl ? nl : end;
        const char *le = stop > p && stop[-1] == '\r' ? stop - 1 : stop;
        if (le == p)
            break; /* the empty line ends the head */
        const char *colon = memchr(p, ':', (size_t)(le - p));
        if (colon) {
            const char *v = colon + 1, *ve = le;
            while (v < ve && (*v == ' ' || *v == '\t'))
                v++;
            while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
                ve--;
            framing_add(&fc, p, (size_t)(colon - p), v, (size_t)(ve - v));
            if (!faulted)
                reference_add(&ref, p, (size_t)(colon - p), v, (size_t)(ve - v));
            faulted = ref.name_bad || ref.value_bad || ref.cl > 1 || ref.te > 1 || ref.cl_bad ||
                      ref.te_bad;
        }
        p = nl ? nl + 1 : end;
    }
    const char *fault = framing_end(&fc, version);
    bool ambiguous = faulted || (ref.te && ref.cl) || (ref.te && strcmp(version, "HTTP/1.1") != 0);
    FUZZ_CHECK((fault != NULL) == ambiguous);
    if (!fault) {
        FUZZ_CHECK(ref.cl <= 1 && ref.te <= 1 && !(ref.cl && ref.te));
        FUZZ_CHECK(!ref.te || strcmp(version, "HTTP/1.1") == 0);
    }
    free(version);
    return 0;
}

/* reply.c - the keywords of SMS replies (see reply.h).
 *
 * The body is read one code point at a time and folded: ASCII letters to
 * lower case, the accented Latin-1 letters to their base letter.  Code
 * points that are neither letters nor digits - ASCII and Latin-1
 * punctuation and symbols, white space, general punctuation, arrows and
 * symbols (U+2000-U+2BFF), CJK punctuation, variation selectors and emoji -
 * are trimmed from both ends; any other code point is a letter this reader
 * does not know, so it can never be part of a keyword.  What remains must
 * be exactly a keyword. */
#include "notify/reply.h"

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "util/utf8.h"

/* The longest keyword ("annuleren") and a little more: a longer word is no
 * keyword. */
#define WORD_MAX 16

/* Folding of U+00C0 to U+00FF: the base letter of an accented letter; '*'
 * for a letter without one here (Æ, Þ, ß, æ, þ); ' ' for × and ÷. */
static const char latin1[64 + 1] = "aaaaaa*ceeeeiiii"
                                   "dnooooo ouuuuy**"
                                   "aaaaaa*ceeeeiiii"
                                   "dnooooo ouuuuy*y";

/* How a code point reads: a letter or digit (its folded ASCII character,
 * or '*' for one unknown here), or 0 for something trimmed. */
static char fold(uint32_t cp)
{
    if ((cp >= 'a' && cp <= 'z') || (cp >= '0' && cp <= '9'))
        return (char)cp;
    if (cp >= 'A' && cp <= 'Z')
        return (char)(cp - 'A' + 'a');
    if (cp < 0xC0)
        return 0; /* ASCII and Latin-1 punctuation, symbols, spaces, controls */
    if (cp <= 0xFF)
        return latin1[cp - 0xC0] == ' ' ? 0 : latin1[cp - 0xC0];
    if ((cp >= 0x2000 && cp <= 0x2BFF) || (cp >= 0x3000 && cp <= 0x303F) ||
        (cp >= 0xFE00 && cp <= 0xFE0F) || (cp >= 0x1F000 && cp <= 0x1FAFF))
        return 0;
    return '*';
}

/* Decodes the code point at *p (valid UTF-8) and moves past it. */
static uint32_t next(const unsigned char **p)
{
    const unsigned char *s = *p;
    uint32_t cp;
    int more;
    if (s[0] < 0x80) {
        cp = s[0];
        more = 0;
    } else if (s[0] < 0xE0) {
        cp = s[0] & 0x1F;
        more = 1;
    } else if (s[0] < 0xF0) {
        cp = s[0] & 0x0F;
        more = 2;
    } else {
        cp = s[0] & 0x07;
        more = 3;
    }
    for (int i = 1; i <= more; i++)
        cp = cp << 6 | (s[i] & 0x3F);
    *p = s + 1 + more;
    return cp;
}

reply_intent reply_intent_of(const char *body)
{
    static const char *const confirm[] = {"yes", "oui", "ja", "si", "ok"};
    static const char *const cancel[] = {"no",     "non",     "nee",      "nein",
                                         "cancel", "annuler", "annuleren"};
    char word[WORD_MAX + 1];
    size_t len = 0;
    bool ended = false; /* something trimmable came after the word */
    if (!body || !utf8_valid(body, strlen(body)))
        return REPLY_UNCLEAR;
    for (const unsigned char *p = (const unsigned char *)body; *p;) {
        char c = fold(next(&p));
        if (!c) {
            ended = len > 0;
            continue;
        }
        if (ended || c == '*' || len == WORD_MAX)
            return REPLY_UNCLEAR; /* a second word, an unknown letter, too long */
        word[len++] = c;
    }
    word[len] = '\0';
    for (size_t i = 0; i < sizeof confirm / sizeof confirm[0]; i++)
        if (strcmp(word, confirm[i]) == 0)
            return REPLY_CONFIRM;
    for (size_t i = 0; i < sizeof cancel / sizeof cancel[0]; i++)
        if (strcmp(word, cancel[i]) == 0)
            return REPLY_CANCEL;
    return REPLY_UNCLEAR;
}

const char *reply_intent_name(reply_intent r)
{
    switch (r) {
    case REPLY_CONFIRM:
        return "confirm";
    case REPLY_CANCEL:
        return "cancel";
    case REPLY_UNCLEAR:
        break;
    }
    return "unclear";
}

/* sms_text.c - GSM-7 or UCS-2, and segments (see sms_text.h).
 *
 * The GSM 03.38 default alphabet has 128 positions; one is the escape to
 * the extension table, so 127 characters: 88 of ASCII (letters, digits, LF,
 * CR and the printable signs except ` and the nine of the extension table)
 * and the 39 others listed below.  Two passes over the text: the first
 * decides the encoding (one character outside the alphabet makes it UCS-2),
 * the second fills segments without splitting a two-unit character. */
#include "notify/sms_text.h"

#include <assert.h>

#include "util/utf8.h"

/* Basic-set characters outside ASCII. */
static const uint16_t gsm7_basic_other[] = {
    0x00A3, 0x00A5, 0x00E8, 0x00E9, 0x00F9, 0x00EC, 0x00F2, 0x00C7, 0x00D8, 0x00F8,
    0x00C5, 0x00E5, 0x0394, 0x03A6, 0x0393, 0x039B, 0x03A9, 0x03A0, 0x03A8, 0x03A3,
    0x0398, 0x039E, 0x00C6, 0x00E6, 0x00DF, 0x00C9, 0x00A4, 0x00A1, 0x00C4, 0x00D6,
    0x00D1, 0x00DC, 0x00A7, 0x00BF, 0x00E4, 0x00F6, 0x00F1, 0x00FC, 0x00E0,
};

int sms_text_gsm7_septets(uint32_t cp)
{
    int septets = 0;
    if (cp == '\n' || cp == '\r') {
        septets = 1;
    } else if (cp == '\f' || cp == '^' || cp == '{' || cp == '}' || cp == '\\' || cp == '[' ||
               cp == '~' || cp == ']' || cp == '|' || cp == 0x20AC) {
        septets = 2;
    } else if (cp >= 0x20 && cp < 0x7F) {
        septets = cp == '`' ? 0 : 1;
    } else {
        for (size_t i = 0; i < sizeof gsm7_basic_other / sizeof gsm7_basic_other[0]; i++) {
            if (gsm7_basic_other[i] == cp)
                septets = 1;
        }
    }
    return septets;
}

/* Decodes the code point at s[*i] of valid UTF-8 and moves *i past it. */
static uint32_t next_code_point(const unsigned char *s, size_t *i)
{
    uint32_t c = s[*i];
    size_t n = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
    if (n > 1)
        c &= 0x3Fu >> (n - 1);
    for (size_t k = 1; k < n; k++)
        c = (c << 6) | (s[*i + k] & 0x3Fu);
    *i += n;
    return c;
}

/* The units character cp takes in encoding e. */
static size_t units_of(uint32_t cp, sms_encoding e)
{
    if (e == SMS_UCS2)
        return cp > 0xFFFF ? 2 : 1;
    return (size_t)sms_text_gsm7_septets(cp);
}

bool sms_text_measure(const char *text, size_t len, sms_size *out)
{
    assert((text != NULL || len == 0) && out != NULL);
    bool ok = false;
    if (len > 0 && !utf8_valid(text, len))
        goto done;
    const unsigned char *s = (const unsigned char *)text;
    sms_encoding e = SMS_GSM7;
    for (size_t i = 0; i < len && e == SMS_GSM7;) {
        if (sms_text_gsm7_septets(next_code_point(s, &i)) == 0)
            e = SMS_UCS2;
    }
    size_t single = e == SMS_GSM7 ? SMS_GSM7_SINGLE : SMS_UCS2_SINGLE;
    size_t part = e == SMS_GSM7 ? SMS_GSM7_PART : SMS_UCS2_PART;
    size_t units = 0, segments = 1, filled = 0;
    for (size_t i = 0; i < len;) {
        size_t u = units_of(next_code_point(s, &i), e);
        units += u;
        if (filled + u > part) {
            segments++;
            filled = 0;
        }
        filled += u;
    }
    if (units <= single)
        segments = 1;
    *out = (sms_size){.encoding = e, .units = units, .segments = segments};
    ok = true;
done:
    return ok;
}

const char *sms_text_encoding_name(sms_encoding e)
{
    return e == SMS_UCS2 ? "UCS-2" : "GSM-7";
}

/* sms_text.h - how an SMS text travels: its encoding and segment count.
 *
 * A text whose every character is in the GSM 03.38 alphabet goes as GSM-7:
 * a character of the basic set is one septet, one of the extension table
 * (form feed and ^ { } \ [ ~ ] | €) two (an escape and the character).
 * Any other character makes the whole text UCS-2, counted in UTF-16 code
 * units (a character outside the Basic Multilingual Plane is two).  One
 * message holds 160 septets or 70 units; a longer text is split into
 * segments of 153 septets or 67 units (the rest is the concatenation
 * header).  As phones and gateways do, a segment boundary never splits an
 * escape pair or a surrogate pair: such a character starts the next segment.
 *
 * The API answers a template's encoding and segment count with these, and a
 * center's segment limit is checked against them.  Pure functions. */
#ifndef AGENDA_NOTIFY_SMS_TEXT_H
#define AGENDA_NOTIFY_SMS_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum sms_encoding {
    SMS_GSM7 = 0,
    SMS_UCS2,
} sms_encoding;

#define SMS_GSM7_SINGLE 160 /* septets in a message of one segment */
#define SMS_GSM7_PART   153 /* septets per segment of a longer one */
#define SMS_UCS2_SINGLE 70  /* UTF-16 units in a message of one segment */
#define SMS_UCS2_PART   67  /* UTF-16 units per segment of a longer one */

typedef struct sms_size {
    sms_encoding encoding;
    size_t units;    /* septets (GSM-7) or UTF-16 code units (UCS-2) */
    size_t segments; /* messages the text is sent as; an empty text is 1 */
} sms_size;

/* Measures the UTF-8 text[0..len).  False when it is not valid UTF-8
 * (util/utf8.h's rules); *out is then untouched. */
bool sms_text_measure(const char *text, size_t len, sms_size *out);

/* Septets of code point cp in GSM-7: 1 (basic set), 2 (extension table), or
 * 0 when GSM-7 cannot carry it. */
int sms_text_gsm7_septets(uint32_t cp);

/* "GSM-7" or "UCS-2". */
const char *sms_text_encoding_name(sms_encoding e);

#endif

/* template.h - the texts of patient messages: kinds, channels, built-in
 * defaults in five languages, the choice of language, validation and
 * rendering.
 *
 * A message is one of four kinds (a reminder, a booking confirmation, a
 * change notice, a cancellation notice) sent by one of two channels: an
 * email has a subject and a body, an SMS a body.  A center may replace any
 * (kind, channel, language) with its own template; without one, the
 * built-in default of that language is used.  Defaults exist in en, fr, nl,
 * de and es; they are short, polite texts naming the calendar (the
 * practitioner) and the local date and time, and the SMS ones are written in
 * the GSM-7 alphabet and fit one segment for usual names (the reminder asks
 * for a YES/NO reply in the patient's language, the keywords the reply
 * handler knows).
 *
 * A template is text with placeholders in braces, replaced at rendering:
 *
 *   {patient_name}  the patient's first and last name, with one space
 *   {first_name}    the patient's first name
 *   {last_name}     the patient's last name
 *   {date}          the local date of the start, yyyy-mm-dd
 *   {time}          the local time of the start, HH:MM (24 h)
 *   {calendar}      the calendar's full name: its first and last name
 *   {center}        the center's name
 *   {address}       the center's address from the reminder settings (may be
 *                   empty)
 *
 * "{{" and "}}" are literal braces.  Anything else in braces, or a brace
 * that is not closed or not opened, makes the template invalid:
 * template_check says so with a phrase naming it, before a template is
 * stored, so rendering a stored one cannot fail but for its length.
 *
 * Pure functions (the zone comes from sched/tzfile.h); any thread. */
#ifndef AGENDA_NOTIFY_TEMPLATE_H
#define AGENDA_NOTIFY_TEMPLATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sched/tzfile.h"
#include "util/buf.h"

typedef enum template_kind {
    TEMPLATE_REMINDER = 0,
    TEMPLATE_CONFIRMATION,
    TEMPLATE_CHANGE,
    TEMPLATE_CANCELLATION,
} template_kind;
#define TEMPLATE_KINDS 4

typedef enum template_channel {
    TEMPLATE_EMAIL = 0,
    TEMPLATE_SMS,
} template_channel;
#define TEMPLATE_CHANNELS 2

/* Which text of a message: an email's subject (one line) or a body. */
typedef enum template_part {
    TEMPLATE_SUBJECT = 0,
    TEMPLATE_BODY,
} template_part;

#define TEMPLATE_SUBJECT_MAX 255  /* bytes of a subject template */
#define TEMPLATE_BODY_MAX    8192 /* bytes of a body template */
/* A limit for the buffer a message is rendered into: a body template at
 * its longest with values of a few hundred bytes fits many times over. */
#define TEMPLATE_RENDER_MAX 65536
#define TEMPLATE_ERROR_MAX  256 /* room for template_check's message */

/* "reminder", "confirmation", "change", "cancellation". */
const char *template_kind_name(template_kind k);
/* Reads those names (exact, lower case); false on anything else. */
bool template_kind_parse(const char *s, template_kind *out);
/* "email", "sms". */
const char *template_channel_name(template_channel c);
/* Reads those names (exact, lower case); false on anything else. */
bool template_channel_parse(const char *s, template_channel *out);

/* The languages with built-in defaults, "en", "fr", "nl", "de", "es", as a
 * NULL-terminated list. */
extern const char *const template_default_languages[];

/* Whether language code `lang` (two letters, any case) has built-in
 * defaults.  NULL: false. */
bool template_has_defaults(const char *lang);

/* The built-in template of (k, c) in `lang` (any case): *subject (NULL for
 * an SMS) and *body are static strings.  False, with both NULL, when the
 * language has no defaults. */
bool template_default(template_kind k, template_channel c, const char *lang, const char **subject,
                      const char **body);

/* The language of a message of some (kind, channel): the patient's
 * language_code when the center has a custom template in it (one of
 * custom[0..n_custom), the languages of its templates for that kind and
 * channel) or it has built-in defaults; else the center's default language
 * under the same test; else "en".  Codes compare without regard to case;
 * NULL or "" is no language.  Returns the matching custom[i], a static
 * lower-case code, or "en". */
const char *template_choose_language(const char *patient, const char *center,
                                     const char *const *custom, size_t n_custom);

/* Why a template was refused: a phrase for an API field error or a
 * command-line message, such as "has an unknown placeholder {fist_name}; ..." (it reads
 * after the field's name, as the API's field errors do),
 * and the byte offset in the text it is about. */
typedef struct template_error {
    size_t offset;
    char message[TEMPLATE_ERROR_MAX];
} template_error;

/* Whether `text` is a valid template for `part`: UTF-8, not blank, at most
 * TEMPLATE_SUBJECT_MAX or TEMPLATE_BODY_MAX bytes, braces balanced as
 * above, only known placeholders; a subject is one line (no control
 * character at all), a body has no control character but tab, CR and LF.
 * On false *err says what is wrong, naming the placeholder or the brace and
 * its position (in characters, from 1). */
bool template_check(const char *text, template_part part, template_error *err);

/* What fills the placeholders.  NULL strings are empty. */
typedef struct template_values {
    const char *first_name; /* the patient's */
    const char *last_name;
    const char *calendar_first_name; /* the calendar's (its practitioner's) */
    const char *calendar_last_name;
    const char *center;  /* the center's name */
    const char *address; /* the center's address from the reminder settings */
    int64_t start;       /* the appointment's start (Unix seconds) ... */
    const tzfile *zone;  /* ... shown as local date and time in this zone */
} template_values;

typedef enum template_rc {
    TEMPLATE_OK = 0,
    TEMPLATE_INVALID,   /* text does not pass template_check's brace rules */
    TEMPLATE_TOO_LONG,  /* the result passed out's limit */
    TEMPLATE_NO_MEMORY, /* out's memory (or budget) refused */
} template_rc;

/* Appends the rendering of `text` with values v to out, whose limit the
 * caller chose (TEMPLATE_RENDER_MAX is a fair one).  Values go in as they
 * are, except that in a subject every control character of a value becomes
 * a space, so a subject stays one line.  On failure out holds a partial
 * text (or has failed) and must be discarded. */
template_rc template_render(const char *text, template_part part, const template_values *v,
                            buf *out);

/* Sample values for showing what a template gives (the API answers a new
 * SMS template's encoding and segment count from its sample rendering):
 * a patient Sophie Janssens, a calendar Thomas Peeters, Monday 30 March
 * 2026 at 09:00 local in `zone`, and the center's own name and address
 * (borrowed, as `zone`). */
void template_sample(template_values *v, const char *center, const char *address,
                     const tzfile *zone);

#endif

/* template.c - message texts: defaults, language, checking and rendering
 * (see template.h).
 *
 * One scanner reads a template for both template_check and
 * template_render, so what is accepted is exactly what renders: literal
 * runs, "{{" and "}}", and {name} with a known name.
 *
 * The defaults.  A practice writes to patients politely and briefly: the
 * formal address of each language (you, vous, u, Sie, usted), the
 * practitioner's name, the date and time, and for the email what to do when
 * the patient cannot come.  Emails end with the center's name and address
 * (an empty address leaves an empty last line).  SMS texts keep to the GSM-7
 * alphabet (é, è, à, ä, ö, ü, ñ are in it; ê, ç, á, í, ó, ú are not: "SI"
 * without its accent, Spanish "queda confirmada" rather than "está"), so a
 * reminder with usual names fits one 160-septet segment; test_template.c
 * holds them to that. */
#include "notify/template.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "sched/civil.h"
#include "util/utf8.h"

/* ---- names ---------------------------------------------------------------- */

static const char *const kind_names[TEMPLATE_KINDS] = {"reminder", "confirmation", "change",
                                                       "cancellation"};
static const char *const channel_names[TEMPLATE_CHANNELS] = {"email", "sms"};

const char *template_kind_name(template_kind k)
{
    assert((unsigned)k < TEMPLATE_KINDS);
    return kind_names[k];
}

bool template_kind_parse(const char *s, template_kind *out)
{
    bool found = false;
    for (int k = 0; k < TEMPLATE_KINDS && !found; k++) {
        if (s && strcmp(s, kind_names[k]) == 0) {
            *out = (template_kind)k;
            found = true;
        }
    }
    return found;
}

const char *template_channel_name(template_channel c)
{
    assert((unsigned)c < TEMPLATE_CHANNELS);
    return channel_names[c];
}

bool template_channel_parse(const char *s, template_channel *out)
{
    bool found = false;
    for (int c = 0; c < TEMPLATE_CHANNELS && !found; c++) {
        if (s && strcmp(s, channel_names[c]) == 0) {
            *out = (template_channel)c;
            found = true;
        }
    }
    return found;
}

/* ---- the defaults --------------------------------------------------------- */

#define LANGUAGES 5
const char *const template_default_languages[LANGUAGES + 1] = {"en", "fr", "nl", "de", "es", NULL};

typedef struct text {
    const char *subject; /* NULL for an SMS */
    const char *body;
} text;

#define SIGN_EN "\n\nKind regards,\n{center}\n{address}\n"
#define SIGN_FR "\n\nBien cordialement,\n{center}\n{address}\n"
#define SIGN_NL "\n\nMet vriendelijke groeten,\n{center}\n{address}\n"
#define SIGN_DE "\n\nMit freundlichen Grüßen\n{center}\n{address}\n"
#define SIGN_ES "\n\nAtentamente,\n{center}\n{address}\n"

/* [language][kind][channel], in the orders of template_default_languages
 * and the enums. */
static const text defaults[LANGUAGES][TEMPLATE_KINDS][TEMPLATE_CHANNELS] = {
    /* en */
    {
        {{"Reminder: your appointment on {date} at {time}",
          "Dear {patient_name},\n\n"
          "This is a reminder of your appointment with {calendar} on {date} at {time}.\n\n"
          "If you cannot come, please let us know as soon as possible so that we can offer "
          "the time to another patient." SIGN_EN},
         {NULL, "Reminder: appointment with {calendar} on {date} at {time} ({center}). "
                "Reply YES to confirm or NO to cancel."}},
        {{"Appointment confirmed: {date} at {time}",
          "Dear {patient_name},\n\n"
          "Your appointment with {calendar} on {date} at {time} is confirmed.\n\n"
          "If you cannot come, please let us know as soon as possible." SIGN_EN},
         {NULL, "Your appointment with {calendar} on {date} at {time} is confirmed. {center}"}},
        {{"Appointment changed: {date} at {time}",
          "Dear {patient_name},\n\n"
          "Your appointment has been changed. It is now with {calendar} on {date} at "
          "{time}.\n\n"
          "If this time does not suit you, please contact us." SIGN_EN},
         {NULL, "Your appointment has been changed: {date} at {time} with {calendar}. {center}"}},
        {{"Appointment cancelled: {date} at {time}",
          "Dear {patient_name},\n\n"
          "Your appointment with {calendar} on {date} at {time} has been cancelled.\n\n"
          "Please contact us if you would like a new appointment." SIGN_EN},
         {NULL,
          "Your appointment with {calendar} on {date} at {time} has been cancelled. {center}"}},
    },
    /* fr */
    {
        {{"Rappel : votre rendez-vous le {date} à {time}",
          "Bonjour {patient_name},\n\n"
          "Nous vous rappelons votre rendez-vous avec {calendar} le {date} à {time}.\n\n"
          "En cas d'empêchement, merci de nous prévenir au plus vite afin que nous puissions "
          "proposer ce créneau à un autre patient." SIGN_FR},
         {NULL, "Rappel : RDV avec {calendar} le {date} à {time} ({center}). "
                "Répondez OUI pour confirmer ou NON pour annuler."}},
        {{"Rendez-vous confirmé : {date} à {time}",
          "Bonjour {patient_name},\n\n"
          "Votre rendez-vous avec {calendar} le {date} à {time} est confirmé.\n\n"
          "En cas d'empêchement, merci de nous prévenir au plus vite." SIGN_FR},
         {NULL, "Votre rendez-vous avec {calendar} le {date} à {time} est confirmé. {center}"}},
        {{"Rendez-vous modifié : {date} à {time}",
          "Bonjour {patient_name},\n\n"
          "Votre rendez-vous a été modifié. Il aura lieu avec {calendar} le {date} à "
          "{time}.\n\n"
          "Si ce nouvel horaire ne vous convient pas, merci de nous contacter." SIGN_FR},
         {NULL, "Votre rendez-vous a été modifié : le {date} à {time} avec {calendar}. {center}"}},
        {{"Rendez-vous annulé : {date} à {time}",
          "Bonjour {patient_name},\n\n"
          "Votre rendez-vous avec {calendar} le {date} à {time} a été annulé.\n\n"
          "N'hésitez pas à nous contacter pour prendre un nouveau rendez-vous." SIGN_FR},
         {NULL, "Votre rendez-vous avec {calendar} le {date} à {time} a été annulé. {center}"}},
    },
    /* nl */
    {
        {{"Herinnering: uw afspraak op {date} om {time}",
          "Beste {patient_name},\n\n"
          "Graag herinneren wij u aan uw afspraak bij {calendar} op {date} om {time}.\n\n"
          "Kunt u niet komen? Laat het ons dan zo snel mogelijk weten, zodat we het tijdstip "
          "aan een andere patiënt kunnen geven." SIGN_NL},
         {NULL, "Herinnering: afspraak bij {calendar} op {date} om {time} ({center}). "
                "Bevestig met JA of annuleer met NEE."}},
        {{"Afspraak bevestigd: {date} om {time}",
          "Beste {patient_name},\n\n"
          "Uw afspraak bij {calendar} op {date} om {time} is bevestigd.\n\n"
          "Kunt u niet komen? Laat het ons dan zo snel mogelijk weten." SIGN_NL},
         {NULL, "Uw afspraak bij {calendar} op {date} om {time} is bevestigd. {center}"}},
        {{"Afspraak gewijzigd: {date} om {time}",
          "Beste {patient_name},\n\n"
          "Uw afspraak is gewijzigd. U wordt nu verwacht bij {calendar} op {date} om "
          "{time}.\n\n"
          "Past dit tijdstip u niet? Neem dan contact met ons op." SIGN_NL},
         {NULL, "Uw afspraak is gewijzigd: {date} om {time} bij {calendar}. {center}"}},
        {{"Afspraak geannuleerd: {date} om {time}",
          "Beste {patient_name},\n\n"
          "Uw afspraak bij {calendar} op {date} om {time} is geannuleerd.\n\n"
          "Neem gerust contact met ons op voor een nieuwe afspraak." SIGN_NL},
         {NULL, "Uw afspraak bij {calendar} op {date} om {time} is geannuleerd. {center}"}},
    },
    /* de */
    {
        {{"Erinnerung: Ihr Termin am {date} um {time} Uhr",
          "Guten Tag {patient_name},\n\n"
          "wir erinnern Sie an Ihren Termin bei {calendar} am {date} um {time} Uhr.\n\n"
          "Falls Sie den Termin nicht wahrnehmen können, sagen Sie bitte so früh wie möglich "
          "ab, damit wir ihn anderweitig vergeben können." SIGN_DE},
         {NULL, "Erinnerung: Termin bei {calendar} am {date} um {time} Uhr ({center}). "
                "Bitte mit JA bestätigen oder mit NEIN absagen."}},
        {{"Termin bestätigt: {date} um {time} Uhr",
          "Guten Tag {patient_name},\n\n"
          "Ihr Termin bei {calendar} am {date} um {time} Uhr ist bestätigt.\n\n"
          "Falls Sie verhindert sind, sagen Sie bitte so früh wie möglich ab." SIGN_DE},
         {NULL, "Ihr Termin bei {calendar} am {date} um {time} Uhr ist bestätigt. {center}"}},
        {{"Termin geändert: {date} um {time} Uhr",
          "Guten Tag {patient_name},\n\n"
          "Ihr Termin wurde geändert. Er findet nun bei {calendar} am {date} um {time} Uhr "
          "statt.\n\n"
          "Falls Ihnen dieser Termin nicht passt, melden Sie sich bitte bei uns." SIGN_DE},
         {NULL, "Ihr Termin wurde geändert: {date} um {time} Uhr bei {calendar}. {center}"}},
        {{"Termin abgesagt: {date} um {time} Uhr",
          "Guten Tag {patient_name},\n\n"
          "Ihr Termin bei {calendar} am {date} um {time} Uhr wurde abgesagt.\n\n"
          "Für einen neuen Termin melden Sie sich gerne bei uns." SIGN_DE},
         {NULL, "Ihr Termin bei {calendar} am {date} um {time} Uhr wurde abgesagt. {center}"}},
    },
    /* es */
    {
        {{"Recordatorio: su cita el {date} a las {time}",
          "Estimado/a {patient_name}:\n\n"
          "Le recordamos su cita con {calendar} el {date} a las {time}.\n\n"
          "Si no puede acudir, avísenos lo antes posible para que podamos ofrecer la cita a "
          "otro paciente." SIGN_ES},
         {NULL, "Recordatorio: cita con {calendar} el {date} a las {time} ({center}). "
                "Responda SI para confirmar o NO para cancelar."}},
        {{"Cita confirmada: {date} a las {time}",
          "Estimado/a {patient_name}:\n\n"
          "Su cita con {calendar} el {date} a las {time} está confirmada.\n\n"
          "Si no puede acudir, avísenos lo antes posible." SIGN_ES},
         {NULL, "Su cita con {calendar} el {date} a las {time} queda confirmada. {center}"}},
        {{"Cita modificada: {date} a las {time}",
          "Estimado/a {patient_name}:\n\n"
          "Su cita ha sido modificada. Ahora es con {calendar} el {date} a las {time}.\n\n"
          "Si este horario no le conviene, póngase en contacto con nosotros." SIGN_ES},
         {NULL, "Su cita ha sido modificada: {date} a las {time} con {calendar}. {center}"}},
        {{"Cita cancelada: {date} a las {time}",
          "Estimado/a {patient_name}:\n\n"
          "Su cita con {calendar} el {date} a las {time} ha sido cancelada.\n\n"
          "Si desea una nueva cita, póngase en contacto con nosotros." SIGN_ES},
         {NULL, "Su cita con {calendar} el {date} a las {time} ha sido cancelada. {center}"}},
    },
};

/* Index of lang among the default languages, or -1. */
static int default_index(const char *lang)
{
    int found = -1;
    for (int i = 0; lang && i < LANGUAGES && found < 0; i++) {
        if (strcasecmp(lang, template_default_languages[i]) == 0)
            found = i;
    }
    return found;
}

bool template_has_defaults(const char *lang)
{
    return default_index(lang) >= 0;
}

bool template_default(template_kind k, template_channel c, const char *lang, const char **subject,
                      const char **body)
{
    assert((unsigned)k < TEMPLATE_KINDS && (unsigned)c < TEMPLATE_CHANNELS);
    assert(subject != NULL && body != NULL);
    int i = default_index(lang);
    *subject = i >= 0 ? defaults[i][k][c].subject : NULL;
    *body = i >= 0 ? defaults[i][k][c].body : NULL;
    return i >= 0;
}

/* `lang` as the language of a message, or NULL when it has neither a
 * custom template nor defaults. */
static const char *usable_language(const char *lang, const char *const *custom, size_t n_custom)
{
    const char *found = NULL;
    if (lang && lang[0] != '\0') {
        for (size_t i = 0; i < n_custom && !found; i++) {
            if (custom[i] && strcasecmp(lang, custom[i]) == 0)
                found = custom[i];
        }
        int d = default_index(lang);
        if (!found && d >= 0)
            found = template_default_languages[d];
    }
    return found;
}

const char *template_choose_language(const char *patient, const char *center,
                                     const char *const *custom, size_t n_custom)
{
    assert(custom != NULL || n_custom == 0);
    const char *lang = usable_language(patient, custom, n_custom);
    if (!lang)
        lang = usable_language(center, custom, n_custom);
    return lang ? lang : "en";
}

/* ---- the scanner ---------------------------------------------------------- */

typedef enum placeholder {
    PH_PATIENT_NAME,
    PH_FIRST_NAME,
    PH_LAST_NAME,
    PH_DATE,
    PH_TIME,
    PH_CALENDAR,
    PH_CENTER,
    PH_ADDRESS,
    PH_COUNT,
} placeholder;

static const char *const placeholder_names[PH_COUNT] = {
    "patient_name", "first_name", "last_name", "date", "time", "calendar", "center", "address",
};

#define KNOWN_LIST                                                                                 \
    "{patient_name}, {first_name}, {last_name}, {date}, {time}, {calendar}, {center}, "            \
    "{address}"

/* Longest unknown name quoted in an error. */
#define NAME_SHOWN_MAX 32

typedef enum piece_type {
    PIECE_END,
    PIECE_LITERAL,     /* text[at .. at+len) as is */
    PIECE_PLACEHOLDER, /* a known placeholder */
    PIECE_UNCLOSED,    /* a { with no } before the next { or the end */
    PIECE_UNOPENED,    /* a lone } */
    PIECE_UNKNOWN,     /* {name} with an unknown name at text[at+1 .. at+1+len) */
} piece_type;

typedef struct piece {
    piece_type type;
    size_t at;
    size_t len;
    placeholder ph;
} piece;

/* The piece of text starting at *pos; moves *pos past it. */
static piece next_piece(const char *text, size_t *pos)
{
    size_t i = *pos;
    piece p = {.type = PIECE_END, .at = i};
    char c = text[i];
    if (c == '\0') {
        /* the end */
    } else if ((c == '{' && text[i + 1] == '{') || (c == '}' && text[i + 1] == '}')) {
        p.type = PIECE_LITERAL; /* one brace of the two */
        p.len = 1;
        *pos = i + 2;
    } else if (c == '}') {
        p.type = PIECE_UNOPENED;
        *pos = i + 1;
    } else if (c == '{') {
        size_t j = i + 1;
        while (text[j] != '\0' && text[j] != '}' && text[j] != '{')
            j++;
        if (text[j] != '}') {
            p.type = PIECE_UNCLOSED;
            *pos = i + 1;
        } else {
            p.type = PIECE_UNKNOWN;
            p.len = j - i - 1;
            for (int k = 0; k < PH_COUNT; k++) {
                if (strlen(placeholder_names[k]) == p.len &&
                    memcmp(text + i + 1, placeholder_names[k], p.len) == 0) {
                    p.type = PIECE_PLACEHOLDER;
                    p.ph = (placeholder)k;
                }
            }
            *pos = j + 1;
        }
    } else {
        size_t j = i;
        while (text[j] != '\0' && text[j] != '{' && text[j] != '}')
            j++;
        p.type = PIECE_LITERAL;
        p.len = j - i;
        *pos = j;
    }
    return p;
}

/* ---- checking ------------------------------------------------------------- */

/* The 1-based character (code point) position of byte offset `at` of valid
 * UTF-8. */
static size_t char_position(const char *text, size_t at)
{
    size_t n = 1;
    for (size_t i = 0; i < at; i++) {
        if (((unsigned char)text[i] & 0xC0) != 0x80)
            n++;
    }
    return n;
}

static bool is_control(unsigned char c)
{
    return c < 0x20 || c == 0x7F;
}

/* Fills *err; returns false, for `ok = fail(...)`. */
static bool fail(template_error *err, size_t offset, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static bool fail(template_error *err, size_t offset, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    err->offset = offset;
    vsnprintf(err->message, sizeof err->message, fmt, ap);
    va_end(ap);
    return false;
}

/* The error for {name} at piece p: quoted when short and printable. */
static bool fail_unknown(const char *text, const piece *p, template_error *err)
{
    const char *name = text + p->at + 1;
    bool printable = true;
    for (size_t i = 0; i < p->len; i++)
        printable = printable && !is_control((unsigned char)name[i]);
    size_t shown = p->len;
    if (shown > NAME_SHOWN_MAX) {
        shown = NAME_SHOWN_MAX;
        while (shown > 0 && ((unsigned char)name[shown] & 0xC0) == 0x80)
            shown--; /* not inside a character */
    }
    if (printable)
        fail(err, p->at, "has an unknown placeholder {%.*s%s}; the placeholders are %s", (int)shown,
             name, shown < p->len ? "..." : "", KNOWN_LIST);
    else
        fail(err, p->at, "has an unknown placeholder at character %zu; the placeholders are %s",
             char_position(text, p->at), KNOWN_LIST);
    return false;
}

bool template_check(const char *text, template_part part, template_error *err)
{
    assert(text != NULL && err != NULL);
    size_t max = part == TEMPLATE_SUBJECT ? TEMPLATE_SUBJECT_MAX : TEMPLATE_BODY_MAX;
    size_t len = strlen(text);
    bool ok = true;
    if (len > max)
        ok = fail(err, max, "is longer than %zu bytes", max);
    else if (!utf8_valid(text, len))
        ok = fail(err, 0, "is not valid UTF-8");
    else if (strspn(text, " \t\r\n") == len)
        ok = fail(err, 0, "must not be empty");
    for (size_t i = 0; i < len && ok; i++) {
        unsigned char c = (unsigned char)text[i];
        if (part == TEMPLATE_SUBJECT && is_control(c))
            ok = fail(err, i, "must be a single line (a control character at character %zu)",
                      char_position(text, i));
        else if (is_control(c) && c != '\t' && c != '\n' && c != '\r')
            ok = fail(err, i, "has a control character (U+%04X) at character %zu", c,
                      char_position(text, i));
    }
    for (size_t pos = 0; ok;) {
        piece p = next_piece(text, &pos);
        if (p.type == PIECE_END)
            break;
        if (p.type == PIECE_UNCLOSED)
            ok = fail(err, p.at,
                      "has an unbalanced brace: the { at character %zu is not closed "
                      "(write {{ for a literal brace)",
                      char_position(text, p.at));
        else if (p.type == PIECE_UNOPENED)
            ok = fail(err, p.at,
                      "has an unbalanced brace: the } at character %zu has no opening { "
                      "(write }} for a literal brace)",
                      char_position(text, p.at));
        else if (p.type == PIECE_UNKNOWN)
            ok = fail_unknown(text, &p, err);
    }
    return ok;
}

/* ---- rendering ------------------------------------------------------------ */

/* Appends s, for a subject with control characters as spaces. */
static bool add_value(buf *out, const char *s, template_part part)
{
    bool ok = true;
    if (s && part == TEMPLATE_SUBJECT) {
        for (; *s && ok; s++)
            ok = buf_add_char(out, is_control((unsigned char)*s) ? ' ' : *s);
    } else if (s) {
        ok = buf_add(out, s, strlen(s));
    }
    return ok;
}

/* Appends "first last", leaving out an empty part and its space. */
static bool add_full_name(buf *out, const char *first, const char *last, template_part part)
{
    bool both = first && first[0] && last && last[0];
    return add_value(out, first, part) && (!both || buf_add_char(out, ' ')) &&
           add_value(out, last, part);
}

/* The local date and time of v->start as "yyyy-mm-dd" and "HH:MM". */
static void local_date_time(const template_values *v, char date[32], char clock[8])
{
    assert(v->zone != NULL);
    int64_t t = v->start;
    if (t > TZFILE_TIME_LIMIT)
        t = TZFILE_TIME_LIMIT;
    else if (t < -TZFILE_TIME_LIMIT)
        t = -TZFILE_TIME_LIMIT;
    int64_t local = t + tzfile_offset_at(v->zone, t);
    int64_t days = civil_floor_div(local, CIVIL_DAY_SECONDS);
    int64_t second = local - days * CIVIL_DAY_SECONDS;
    int64_t year = 0;
    int month = 0, day = 0;
    civil_date_from_days(days, &year, &month, &day);
    snprintf(date, 32, "%04lld-%02d-%02d", (long long)year, month, day);
    int minutes = (int)(second / 60);
    clock[0] = (char)('0' + minutes / 600);
    clock[1] = (char)('0' + minutes / 60 % 10);
    clock[2] = ':';
    clock[3] = (char)('0' + minutes % 60 / 10);
    clock[4] = (char)('0' + minutes % 10);
    clock[5] = '\0';
}

template_rc template_render(const char *text, template_part part, const template_values *v,
                            buf *out)
{
    assert(text != NULL && v != NULL && out != NULL);
    char date[32], clock[8];
    local_date_time(v, date, clock);
    template_rc rc = TEMPLATE_OK;
    bool ok = true;
    for (size_t pos = 0; ok && rc == TEMPLATE_OK;) {
        piece p = next_piece(text, &pos);
        if (p.type == PIECE_END)
            break;
        switch (p.type) {
        case PIECE_LITERAL:
            ok = buf_add(out, text + p.at, p.len);
            break;
        case PIECE_PLACEHOLDER:
            switch (p.ph) {
            case PH_PATIENT_NAME:
                ok = add_full_name(out, v->first_name, v->last_name, part);
                break;
            case PH_FIRST_NAME:
                ok = add_value(out, v->first_name, part);
                break;
            case PH_LAST_NAME:
                ok = add_value(out, v->last_name, part);
                break;
            case PH_DATE:
                ok = add_value(out, date, part);
                break;
            case PH_TIME:
                ok = add_value(out, clock, part);
                break;
            case PH_CALENDAR:
                ok = add_full_name(out, v->calendar_first_name, v->calendar_last_name, part);
                break;
            case PH_CENTER:
                ok = add_value(out, v->center, part);
                break;
            case PH_ADDRESS:
                ok = add_value(out, v->address, part);
                break;
            case PH_COUNT:
                assert(false);
                break;
            }
            break;
        case PIECE_END:
        case PIECE_UNCLOSED:
        case PIECE_UNOPENED:
        case PIECE_UNKNOWN:
            rc = TEMPLATE_INVALID;
            break;
        }
    }
    if (!ok)
        rc = out->state == BUF_TOO_LARGE ? TEMPLATE_TOO_LONG : TEMPLATE_NO_MEMORY;
    return rc;
}

void template_sample(template_values *v, const char *center, const char *address,
                     const tzfile *zone)
{
    assert(v != NULL && zone != NULL);
    int64_t wall = civil_days_from_date(2026, 3, 30) * CIVIL_DAY_SECONDS + 9 * 3600;
    *v = (template_values){
        .first_name = "Sophie",
        .last_name = "Janssens",
        .calendar_first_name = "Thomas",
        .calendar_last_name = "Peeters",
        .center = center,
        .address = address,
        .start = tzfile_resolve(zone, wall, TZFILE_EARLIEST),
        .zone = zone,
    };
}

/* i18n.h - the booking pages' texts in en, fr, nl, de and es, and the
 * choice of one for a request.
 *
 * A request's language is its `lang` query parameter (or, without one,
 * its form's `lang` field: every form carries the page's) when it names one
 * of the five (the visible switch on every page links to the same page with
 * it), else the best of its Accept-Language header (highest q, then the
 * order given; a tag counts by its primary subtag, so fr-BE is fr; q=0
 * refuses), else English.  Texts are plain text: pages write them through
 * html.h, escaped like any other. */
#ifndef AGENDA_WEB_I18N_H
#define AGENDA_WEB_I18N_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum web_lang { LANG_EN = 0, LANG_FR, LANG_NL, LANG_DE, LANG_ES, LANG_COUNT } web_lang;

typedef enum web_msg {
    MSG_BOOK_TITLE,      /* the page's heading: "Book an appointment" */
    MSG_CHOOSE_SERVICE,  /* the first step's question */
    MSG_CONTINUE,        /* the submit button */
    MSG_MINUTES,         /* unit after a duration: "min" */
    MSG_WITH,            /* before the practitioners' names: "with" */
    MSG_NO_SERVICES,     /* a page with nothing to book */
    MSG_NOT_FOUND_TITLE, /* 404 */
    MSG_NOT_FOUND_TEXT,
    MSG_UNAVAILABLE_TITLE, /* 503 */
    MSG_UNAVAILABLE_TEXT,
    MSG_BAD_METHOD_TEXT, /* 405 */
    MSG_LANGUAGE,        /* the label of the language switch */
    MSG_STEP,            /* "Step %s of 5" */
    MSG_CHOOSE_PRACTITIONER,
    MSG_ANY,
    MSG_ANY_HINT,
    MSG_CHOOSE_DAY,
    MSG_CHOOSE_TIME,
    MSG_TIMES_IN,
    MSG_ONE_FREE,
    MSG_N_FREE,
    MSG_NONE_FREE,
    MSG_PREV_WEEK,
    MSG_NEXT_WEEK,
    MSG_WEEK,
    MSG_NO_SLOTS_DAY,
    MSG_TO,
    MSG_HOLD_BUTTON,
    MSG_TAKEN_TITLE,
    MSG_TAKEN_TEXT,
    MSG_HELD_UNTIL,
    MSG_TIME_LEFT,
    MSG_YOUR_DETAILS,
    MSG_FIRST_NAME,
    MSG_LAST_NAME,
    MSG_EMAIL,
    MSG_PHONE,
    MSG_BIRTHDATE,
    MSG_HONEYPOT,
    MSG_ERR_REQUIRED,
    MSG_ERR_EMAIL,
    MSG_ERR_PHONE,
    MSG_ERR_DATE,
    MSG_ERR_TOO_LONG,
    MSG_ERR_SUMMARY,
    MSG_CONFIRM_TITLE,
    MSG_CONFIRM_BUTTON,
    MSG_CHANGE_DETAILS,
    MSG_BOOKED_TITLE,
    MSG_YOUR_APPOINTMENT,
    MSG_PRIVATE_LINK,
    MSG_SERVICE,
    MSG_PRACTITIONER,
    MSG_WHEN,
    MSG_CANCEL_BUTTON,
    MSG_MOVE_LINK,
    MSG_CANCELLED,
    MSG_TOO_LATE,
    MSG_EXPIRED_TITLE,
    MSG_EXPIRED_TEXT,
    MSG_CHOOSE_AGAIN,
    MSG_LIMIT_TITLE,
    MSG_LIMIT_TEXT,
    MSG_REFUSED_TEXT,
    MSG_BAD_FORM_TITLE,
    MSG_BAD_FORM_TEXT,
    MSG_START_OVER,
    MSG_MOVE_TITLE,
    MSG_MOVE_BUTTON,
    MSG_MOVED,
    MSG_LINK_GONE_TEXT,
    MSG_COUNT
} web_msg;

/* The text of `msg` in `lang`. */
const char *i18n_text(web_lang lang, web_msg msg);
/* "en", "fr", ... and the language's own name ("Français"). */
const char *i18n_code(web_lang lang);
const char *i18n_name(web_lang lang);
/* The language for a `lang` parameter (NULL: none) and an Accept-Language
 * header (NULL: none), as described above. */
web_lang i18n_choose(const char *lang_param, const char *accept_language);

/* The date in `lang`, e.g. "Tuesday 2 March 2027", "mardi 2 mars 2027",
 * "Dienstag, 2. März 2027" (weekday 0 is Monday; the year when with_year). */
#define I18N_DATE_MAX 64
void i18n_date(web_lang lang, int64_t year, int month, int day, int weekday, bool with_year,
               char out[I18N_DATE_MAX]);
/* The text of `msg` (which has one "%s") with arg in its place, into out
 * (cut at size); returns out. */
const char *i18n_fill(web_lang lang, web_msg msg, const char *arg, char *out, size_t size);

#endif

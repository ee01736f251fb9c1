/* i18n.h - the booking pages' texts in en, fr, nl, de and es, and the
 * choice of one for a request.
 *
 * A request's language is its `lang` query parameter when it names one of
 * the five (the visible switch on every page links to the same page with
 * it), else the best of its Accept-Language header (highest q, then the
 * order given; a tag counts by its primary subtag, so fr-BE is fr; q=0
 * refuses), else English.  Texts are plain text: pages write them through
 * html.h, escaped like any other. */
#ifndef AGENDA_WEB_I18N_H
#define AGENDA_WEB_I18N_H

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
    MSG_STEP,            /* "Step 1 of 4" */
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

#endif

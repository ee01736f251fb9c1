/* i18n.c - the message tables of i18n.h and Accept-Language. */
#include "web/i18n.h"

#include <assert.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const codes[LANG_COUNT] = {"en", "fr", "nl", "de", "es"};
static const char *const names[LANG_COUNT] = {"English", "Français", "Nederlands", "Deutsch",
                                              "Español"};

static const char *const texts[LANG_COUNT][MSG_COUNT] = {
    [LANG_EN] =
        {
            [MSG_BOOK_TITLE] = "Book an appointment",
            [MSG_CHOOSE_SERVICE] = "Choose a service",
            [MSG_CONTINUE] = "Continue",
            [MSG_MINUTES] = "min",
            [MSG_WITH] = "with",
            [MSG_NO_SERVICES] = "No appointment can be booked online here at the moment.",
            [MSG_NOT_FOUND_TITLE] = "Page not found",
            [MSG_NOT_FOUND_TEXT] = "There is no booking page at this address.",
            [MSG_UNAVAILABLE_TITLE] = "Not available",
            [MSG_UNAVAILABLE_TEXT] = "Booking is not available at the moment. Please try "
                                     "again in a few minutes.",
            [MSG_BAD_METHOD_TEXT] = "This address cannot be used that way.",
            [MSG_LANGUAGE] = "Language",
            [MSG_STEP] = "Step 1 of 4",
        },
    [LANG_FR] =
        {
            [MSG_BOOK_TITLE] = "Prendre rendez-vous",
            [MSG_CHOOSE_SERVICE] = "Choisissez une prestation",
            [MSG_CONTINUE] = "Continuer",
            [MSG_MINUTES] = "min",
            [MSG_WITH] = "avec",
            [MSG_NO_SERVICES] = "Aucun rendez-vous ne peut être pris en ligne ici pour le "
                                "moment.",
            [MSG_NOT_FOUND_TITLE] = "Page introuvable",
            [MSG_NOT_FOUND_TEXT] = "Il n'y a pas de page de réservation à cette adresse.",
            [MSG_UNAVAILABLE_TITLE] = "Indisponible",
            [MSG_UNAVAILABLE_TEXT] = "La réservation est indisponible pour le moment. "
                                     "Réessayez dans quelques minutes.",
            [MSG_BAD_METHOD_TEXT] = "Cette adresse ne s'utilise pas ainsi.",
            [MSG_LANGUAGE] = "Langue",
            [MSG_STEP] = "Étape 1 sur 4",
        },
    [LANG_NL] =
        {
            [MSG_BOOK_TITLE] = "Een afspraak maken",
            [MSG_CHOOSE_SERVICE] = "Kies een dienst",
            [MSG_CONTINUE] = "Verder",
            [MSG_MINUTES] = "min",
            [MSG_WITH] = "bij",
            [MSG_NO_SERVICES] = "Hier kan op dit moment geen afspraak online gemaakt worden.",
            [MSG_NOT_FOUND_TITLE] = "Pagina niet gevonden",
            [MSG_NOT_FOUND_TEXT] = "Op dit adres is er geen boekingspagina.",
            [MSG_UNAVAILABLE_TITLE] = "Niet beschikbaar",
            [MSG_UNAVAILABLE_TEXT] = "Boeken is op dit moment niet mogelijk. Probeer het over "
                                     "enkele minuten opnieuw.",
            [MSG_BAD_METHOD_TEXT] = "Dit adres kan zo niet gebruikt worden.",
            [MSG_LANGUAGE] = "Taal",
            [MSG_STEP] = "Stap 1 van 4",
        },
    [LANG_DE] =
        {
            [MSG_BOOK_TITLE] = "Einen Termin buchen",
            [MSG_CHOOSE_SERVICE] = "Wählen Sie eine Leistung",
            [MSG_CONTINUE] = "Weiter",
            [MSG_MINUTES] = "Min.",
            [MSG_WITH] = "bei",
            [MSG_NO_SERVICES] = "Hier kann derzeit kein Termin online gebucht werden.",
            [MSG_NOT_FOUND_TITLE] = "Seite nicht gefunden",
            [MSG_NOT_FOUND_TEXT] = "Unter dieser Adresse gibt es keine Buchungsseite.",
            [MSG_UNAVAILABLE_TITLE] = "Nicht verfügbar",
            [MSG_UNAVAILABLE_TEXT] = "Die Buchung ist derzeit nicht möglich. Bitte versuchen "
                                     "Sie es in einigen Minuten erneut.",
            [MSG_BAD_METHOD_TEXT] = "Diese Adresse kann so nicht verwendet werden.",
            [MSG_LANGUAGE] = "Sprache",
            [MSG_STEP] = "Schritt 1 von 4",
        },
    [LANG_ES] =
        {
            [MSG_BOOK_TITLE] = "Pedir cita",
            [MSG_CHOOSE_SERVICE] = "Elija un servicio",
            [MSG_CONTINUE] = "Continuar",
            [MSG_MINUTES] = "min",
            [MSG_WITH] = "con",
            [MSG_NO_SERVICES] = "Por ahora no se puede pedir cita en línea aquí.",
            [MSG_NOT_FOUND_TITLE] = "Página no encontrada",
            [MSG_NOT_FOUND_TEXT] = "No hay ninguna página de reservas en esta dirección.",
            [MSG_UNAVAILABLE_TITLE] = "No disponible",
            [MSG_UNAVAILABLE_TEXT] = "Las reservas no están disponibles por ahora. Vuelva a "
                                     "intentarlo en unos minutos.",
            [MSG_BAD_METHOD_TEXT] = "Esta dirección no se puede usar así.",
            [MSG_LANGUAGE] = "Idioma",
            [MSG_STEP] = "Paso 1 de 4",
        },
};

const char *i18n_text(web_lang lang, web_msg msg)
{
    assert(lang < LANG_COUNT && msg < MSG_COUNT && texts[lang][msg]);
    return texts[lang][msg];
}

const char *i18n_code(web_lang lang)
{
    assert(lang < LANG_COUNT);
    return codes[lang];
}

const char *i18n_name(web_lang lang)
{
    assert(lang < LANG_COUNT);
    return names[lang];
}

/* The language whose code is the primary subtag of tag[0..len), or
 * LANG_COUNT. */
static web_lang lang_of(const char *tag, size_t len)
{
    size_t primary = 0;
    while (primary < len && tag[primary] != '-')
        primary++;
    for (int i = 0; i < LANG_COUNT && primary == 2; i++) {
        if (strncasecmp(tag, codes[i], 2) == 0)
            return (web_lang)i;
    }
    return LANG_COUNT;
}

/* The q of one Accept-Language item's parameters (1 when absent; 0 for
 * anything unreadable, which refuses). */
static double quality(const char *params, size_t len)
{
    const char *q = NULL;
    for (size_t i = 0; i + 1 < len; i++) {
        if ((params[i] == 'q' || params[i] == 'Q') && params[i + 1] == '=') {
            q = params + i + 2;
            break;
        }
    }
    if (!q)
        return 1.0;
    char *end = NULL;
    double v = strtod(q, &end);
    return end == q || v < 0 || v > 1 ? 0 : v;
}

web_lang i18n_choose(const char *lang_param, const char *accept_language)
{
    if (lang_param) {
        web_lang l = lang_of(lang_param, strlen(lang_param));
        if (l != LANG_COUNT && strlen(lang_param) == 2)
            return l;
    }
    web_lang best = LANG_EN;
    double best_q = 0;
    for (const char *p = accept_language; p && *p;) {
        size_t item = strcspn(p, ",");
        size_t tag_len = strcspn(p, ";,");
        while (tag_len && (*p == ' ' || *p == '\t'))
            p++, tag_len--, item--;
        size_t trimmed = tag_len;
        while (trimmed && (p[trimmed - 1] == ' ' || p[trimmed - 1] == '\t'))
            trimmed--;
        web_lang l = lang_of(p, trimmed);
        double q = quality(p + tag_len, item - tag_len);
        if (l != LANG_COUNT && q > best_q)
            best = l, best_q = q;
        p += item + (p[item] == ',');
    }
    return best;
}

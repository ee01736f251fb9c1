/* i18n.c - the message tables of i18n.h and Accept-Language. */
#include "web/i18n.h"

#include <assert.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const char *const codes[LANG_COUNT] = {"en", "fr", "nl", "de", "es"};
static const char *const names[LANG_COUNT] = {"English", "Français", "Nederlands", "Deutsch",
                                              "Español"};

static const char *const texts[LANG_COUNT][MSG_COUNT] =
    {
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
                [MSG_STEP] = "Step %s of 5",
                [MSG_CHOOSE_PRACTITIONER] = "Choose a practitioner",
                [MSG_ANY] = "Any practitioner",
                [MSG_ANY_HINT] = "the earliest free times of all of them",
                [MSG_CHOOSE_DAY] = "Choose a day",
                [MSG_CHOOSE_TIME] = "Choose a time",
                [MSG_TIMES_IN] = "All times are in the practice's time zone (%s).",
                [MSG_ONE_FREE] = "1 free time",
                [MSG_N_FREE] = "%s free times",
                [MSG_NONE_FREE] = "no free time",
                [MSG_PREV_WEEK] = "Previous week",
                [MSG_NEXT_WEEK] = "Next week",
                [MSG_WEEK] = "Days of the week",
                [MSG_NO_SLOTS_DAY] = "There is no free time on this day.",
                [MSG_TO] = "to",
                [MSG_HOLD_BUTTON] = "Take this time",
                [MSG_TAKEN_TITLE] = "This time is no longer free",
                [MSG_TAKEN_TEXT] =
                    "Someone else took this time a moment ago. Here are the nearest free times.",
                [MSG_HELD_UNTIL] = "This time is held for you until %s.",
                [MSG_TIME_LEFT] = "Time left: about %s min.",
                [MSG_YOUR_DETAILS] = "Your details",
                [MSG_FIRST_NAME] = "First name",
                [MSG_LAST_NAME] = "Last name",
                [MSG_EMAIL] = "Email",
                [MSG_PHONE] = "Phone",
                [MSG_BIRTHDATE] = "Date of birth (optional)",
                [MSG_HONEYPOT] = "Leave this field empty",
                [MSG_ERR_REQUIRED] = "Please fill this in.",
                [MSG_ERR_EMAIL] = "Please enter a valid email address.",
                [MSG_ERR_PHONE] = "Please enter a valid phone number.",
                [MSG_ERR_DATE] = "Please enter a valid date of birth (yyyy-mm-dd).",
                [MSG_ERR_TOO_LONG] = "This is too long.",
                [MSG_ERR_SUMMARY] = "Please correct the fields marked below.",
                [MSG_CONFIRM_TITLE] = "Check and confirm",
                [MSG_CONFIRM_BUTTON] = "Confirm the appointment",
                [MSG_CHANGE_DETAILS] = "Change my details",
                [MSG_BOOKED_TITLE] = "Your appointment is booked",
                [MSG_YOUR_APPOINTMENT] = "Your appointment",
                [MSG_PRIVATE_LINK] =
                    "Keep this private link: with it you can cancel or move your appointment.",
                [MSG_SERVICE] = "Service",
                [MSG_PRACTITIONER] = "Practitioner",
                [MSG_WHEN] = "When",
                [MSG_CANCEL_BUTTON] = "Cancel the appointment",
                [MSG_MOVE_LINK] = "Move the appointment",
                [MSG_CANCELLED] = "This appointment is cancelled.",
                [MSG_TOO_LATE] =
                    "It is too late to change this appointment online. Please call the practice.",
                [MSG_EXPIRED_TITLE] = "Your time is no longer held",
                [MSG_EXPIRED_TEXT] =
                    "A chosen time is held for a few minutes only. Please choose a time again.",
                [MSG_CHOOSE_AGAIN] = "Choose a time again",
                [MSG_LIMIT_TITLE] = "Too many attempts",
                [MSG_LIMIT_TEXT] = "Too many bookings were tried from this connection. Please try "
                                   "again later or call the practice.",
                [MSG_REFUSED_TEXT] =
                    "This appointment cannot be booked online. Please call the practice.",
                [MSG_BAD_FORM_TITLE] = "Please try again",
                [MSG_BAD_FORM_TEXT] = "This form has expired or did not come from this site. "
                                      "Please go back to the booking page and try again.",
                [MSG_START_OVER] = "Back to the booking page",
                [MSG_MOVE_TITLE] = "Move your appointment",
                [MSG_MOVE_BUTTON] = "Move to this time",
                [MSG_MOVED] = "Your appointment has been moved.",
                [MSG_LINK_GONE_TEXT] = "This link is no longer valid.",
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
                [MSG_STEP] = "Étape %s sur 5",
                [MSG_CHOOSE_PRACTITIONER] = "Choisissez un praticien",
                [MSG_ANY] = "N'importe quel praticien",
                [MSG_ANY_HINT] = "les premières heures libres de chacun",
                [MSG_CHOOSE_DAY] = "Choisissez un jour",
                [MSG_CHOOSE_TIME] = "Choisissez une heure",
                [MSG_TIMES_IN] = "Toutes les heures sont à l'heure du cabinet (%s).",
                [MSG_ONE_FREE] = "1 heure libre",
                [MSG_N_FREE] = "%s heures libres",
                [MSG_NONE_FREE] = "aucune heure libre",
                [MSG_PREV_WEEK] = "Semaine précédente",
                [MSG_NEXT_WEEK] = "Semaine suivante",
                [MSG_WEEK] = "Jours de la semaine",
                [MSG_NO_SLOTS_DAY] = "Il n'y a pas d'heure libre ce jour-là.",
                [MSG_TO] = "à",
                [MSG_HOLD_BUTTON] = "Prendre cette heure",
                [MSG_TAKEN_TITLE] = "Cette heure n'est plus libre",
                [MSG_TAKEN_TEXT] = "Quelqu'un d'autre vient de prendre cette heure. Voici les "
                                   "heures libres les plus proches.",
                [MSG_HELD_UNTIL] = "Cette heure vous est réservée jusqu'à %s.",
                [MSG_TIME_LEFT] = "Temps restant : environ %s min.",
                [MSG_YOUR_DETAILS] = "Vos coordonnées",
                [MSG_FIRST_NAME] = "Prénom",
                [MSG_LAST_NAME] = "Nom",
                [MSG_EMAIL] = "E-mail",
                [MSG_PHONE] = "Téléphone",
                [MSG_BIRTHDATE] = "Date de naissance (facultatif)",
                [MSG_HONEYPOT] = "Laissez ce champ vide",
                [MSG_ERR_REQUIRED] = "Veuillez remplir ce champ.",
                [MSG_ERR_EMAIL] = "Veuillez entrer une adresse e-mail valide.",
                [MSG_ERR_PHONE] = "Veuillez entrer un numéro de téléphone valide.",
                [MSG_ERR_DATE] = "Veuillez entrer une date de naissance valide (aaaa-mm-jj).",
                [MSG_ERR_TOO_LONG] = "C'est trop long.",
                [MSG_ERR_SUMMARY] = "Veuillez corriger les champs indiqués ci-dessous.",
                [MSG_CONFIRM_TITLE] = "Vérifiez et confirmez",
                [MSG_CONFIRM_BUTTON] = "Confirmer le rendez-vous",
                [MSG_CHANGE_DETAILS] = "Modifier mes coordonnées",
                [MSG_BOOKED_TITLE] = "Votre rendez-vous est pris",
                [MSG_YOUR_APPOINTMENT] = "Votre rendez-vous",
                [MSG_PRIVATE_LINK] =
                    "Gardez ce lien privé : il permet d'annuler ou de déplacer votre rendez-vous.",
                [MSG_SERVICE] = "Prestation",
                [MSG_PRACTITIONER] = "Praticien",
                [MSG_WHEN] = "Quand",
                [MSG_CANCEL_BUTTON] = "Annuler le rendez-vous",
                [MSG_MOVE_LINK] = "Déplacer le rendez-vous",
                [MSG_CANCELLED] = "Ce rendez-vous est annulé.",
                [MSG_TOO_LATE] = "Il est trop tard pour modifier ce rendez-vous en ligne. Veuillez "
                                 "appeler le cabinet.",
                [MSG_EXPIRED_TITLE] = "Votre heure n'est plus réservée",
                [MSG_EXPIRED_TEXT] = "Une heure choisie n'est réservée que quelques minutes. "
                                     "Veuillez choisir à nouveau.",
                [MSG_CHOOSE_AGAIN] = "Choisir une autre heure",
                [MSG_LIMIT_TITLE] = "Trop de tentatives",
                [MSG_LIMIT_TEXT] = "Trop de réservations ont été tentées depuis cette connexion. "
                                   "Réessayez plus tard ou appelez le cabinet.",
                [MSG_REFUSED_TEXT] =
                    "Ce rendez-vous ne peut pas être pris en ligne. Veuillez appeler le cabinet.",
                [MSG_BAD_FORM_TITLE] = "Veuillez réessayer",
                [MSG_BAD_FORM_TEXT] = "Ce formulaire a expiré ou ne vient pas de ce site. "
                                      "Retournez à la page de réservation et réessayez.",
                [MSG_START_OVER] = "Retour à la page de réservation",
                [MSG_MOVE_TITLE] = "Déplacer votre rendez-vous",
                [MSG_MOVE_BUTTON] = "Déplacer à cette heure",
                [MSG_MOVED] = "Votre rendez-vous a été déplacé.",
                [MSG_LINK_GONE_TEXT] = "Ce lien n'est plus valable.",
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
                [MSG_STEP] = "Stap %s van 5",
                [MSG_CHOOSE_PRACTITIONER] = "Kies een zorgverlener",
                [MSG_ANY] = "Om het even wie",
                [MSG_ANY_HINT] = "de eerste vrije uren van allemaal",
                [MSG_CHOOSE_DAY] = "Kies een dag",
                [MSG_CHOOSE_TIME] = "Kies een uur",
                [MSG_TIMES_IN] = "Alle uren zijn in de tijdzone van de praktijk (%s).",
                [MSG_ONE_FREE] = "1 vrij uur",
                [MSG_N_FREE] = "%s vrije uren",
                [MSG_NONE_FREE] = "geen vrij uur",
                [MSG_PREV_WEEK] = "Vorige week",
                [MSG_NEXT_WEEK] = "Volgende week",
                [MSG_WEEK] = "Dagen van de week",
                [MSG_NO_SLOTS_DAY] = "Er is geen vrij uur op deze dag.",
                [MSG_TO] = "tot",
                [MSG_HOLD_BUTTON] = "Dit uur nemen",
                [MSG_TAKEN_TITLE] = "Dit uur is niet meer vrij",
                [MSG_TAKEN_TEXT] =
                    "Iemand anders nam dit uur net. Dit zijn de dichtstbijzijnde vrije uren.",
                [MSG_HELD_UNTIL] = "Dit uur wordt voor u vastgehouden tot %s.",
                [MSG_TIME_LEFT] = "Resterende tijd: ongeveer %s min.",
                [MSG_YOUR_DETAILS] = "Uw gegevens",
                [MSG_FIRST_NAME] = "Voornaam",
                [MSG_LAST_NAME] = "Achternaam",
                [MSG_EMAIL] = "E-mail",
                [MSG_PHONE] = "Telefoon",
                [MSG_BIRTHDATE] = "Geboortedatum (optioneel)",
                [MSG_HONEYPOT] = "Laat dit veld leeg",
                [MSG_ERR_REQUIRED] = "Vul dit in.",
                [MSG_ERR_EMAIL] = "Vul een geldig e-mailadres in.",
                [MSG_ERR_PHONE] = "Vul een geldig telefoonnummer in.",
                [MSG_ERR_DATE] = "Vul een geldige geboortedatum in (jjjj-mm-dd).",
                [MSG_ERR_TOO_LONG] = "Dit is te lang.",
                [MSG_ERR_SUMMARY] = "Verbeter de velden hieronder.",
                [MSG_CONFIRM_TITLE] = "Controleer en bevestig",
                [MSG_CONFIRM_BUTTON] = "Afspraak bevestigen",
                [MSG_CHANGE_DETAILS] = "Mijn gegevens wijzigen",
                [MSG_BOOKED_TITLE] = "Uw afspraak is gemaakt",
                [MSG_YOUR_APPOINTMENT] = "Uw afspraak",
                [MSG_PRIVATE_LINK] =
                    "Bewaar deze privélink: hiermee kunt u uw afspraak annuleren of verplaatsen.",
                [MSG_SERVICE] = "Dienst",
                [MSG_PRACTITIONER] = "Zorgverlener",
                [MSG_WHEN] = "Wanneer",
                [MSG_CANCEL_BUTTON] = "Afspraak annuleren",
                [MSG_MOVE_LINK] = "Afspraak verplaatsen",
                [MSG_CANCELLED] = "Deze afspraak is geannuleerd.",
                [MSG_TOO_LATE] =
                    "Het is te laat om deze afspraak online te wijzigen. Bel de praktijk.",
                [MSG_EXPIRED_TITLE] = "Uw uur wordt niet meer vastgehouden",
                [MSG_EXPIRED_TEXT] =
                    "Een gekozen uur wordt maar enkele minuten vastgehouden. Kies opnieuw een uur.",
                [MSG_CHOOSE_AGAIN] = "Opnieuw een uur kiezen",
                [MSG_LIMIT_TITLE] = "Te veel pogingen",
                [MSG_LIMIT_TEXT] = "Er werden te veel boekingen geprobeerd vanaf deze verbinding. "
                                   "Probeer later opnieuw of bel de praktijk.",
                [MSG_REFUSED_TEXT] =
                    "Deze afspraak kan niet online gemaakt worden. Bel de praktijk.",
                [MSG_BAD_FORM_TITLE] = "Probeer opnieuw",
                [MSG_BAD_FORM_TEXT] = "Dit formulier is verlopen of komt niet van deze site. Ga "
                                      "terug naar de boekingspagina en probeer opnieuw.",
                [MSG_START_OVER] = "Terug naar de boekingspagina",
                [MSG_MOVE_TITLE] = "Uw afspraak verplaatsen",
                [MSG_MOVE_BUTTON] = "Naar dit uur verplaatsen",
                [MSG_MOVED] = "Uw afspraak is verplaatst.",
                [MSG_LINK_GONE_TEXT] = "Deze link is niet meer geldig.",
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
                [MSG_STEP] = "Schritt %s von 5",
                [MSG_CHOOSE_PRACTITIONER] = "Wählen Sie eine Behandlerin oder einen Behandler",
                [MSG_ANY] = "Beliebig",
                [MSG_ANY_HINT] = "die frühesten freien Zeiten aller",
                [MSG_CHOOSE_DAY] = "Wählen Sie einen Tag",
                [MSG_CHOOSE_TIME] = "Wählen Sie eine Uhrzeit",
                [MSG_TIMES_IN] = "Alle Zeiten in der Zeitzone der Praxis (%s).",
                [MSG_ONE_FREE] = "1 freie Zeit",
                [MSG_N_FREE] = "%s freie Zeiten",
                [MSG_NONE_FREE] = "keine freie Zeit",
                [MSG_PREV_WEEK] = "Vorherige Woche",
                [MSG_NEXT_WEEK] = "Nächste Woche",
                [MSG_WEEK] = "Tage der Woche",
                [MSG_NO_SLOTS_DAY] = "An diesem Tag gibt es keine freie Zeit.",
                [MSG_TO] = "bis",
                [MSG_HOLD_BUTTON] = "Diese Zeit nehmen",
                [MSG_TAKEN_TITLE] = "Diese Zeit ist nicht mehr frei",
                [MSG_TAKEN_TEXT] = "Jemand anderes hat diese Zeit gerade genommen. Hier sind die "
                                   "nächsten freien Zeiten.",
                [MSG_HELD_UNTIL] = "Diese Zeit ist für Sie reserviert bis %s.",
                [MSG_TIME_LEFT] = "Verbleibende Zeit: etwa %s Min.",
                [MSG_YOUR_DETAILS] = "Ihre Angaben",
                [MSG_FIRST_NAME] = "Vorname",
                [MSG_LAST_NAME] = "Nachname",
                [MSG_EMAIL] = "E-Mail",
                [MSG_PHONE] = "Telefon",
                [MSG_BIRTHDATE] = "Geburtsdatum (optional)",
                [MSG_HONEYPOT] = "Dieses Feld leer lassen",
                [MSG_ERR_REQUIRED] = "Bitte ausfüllen.",
                [MSG_ERR_EMAIL] = "Bitte geben Sie eine gültige E-Mail-Adresse ein.",
                [MSG_ERR_PHONE] = "Bitte geben Sie eine gültige Telefonnummer ein.",
                [MSG_ERR_DATE] = "Bitte geben Sie ein gültiges Geburtsdatum ein (JJJJ-MM-TT).",
                [MSG_ERR_TOO_LONG] = "Das ist zu lang.",
                [MSG_ERR_SUMMARY] = "Bitte korrigieren Sie die markierten Felder.",
                [MSG_CONFIRM_TITLE] = "Prüfen und bestätigen",
                [MSG_CONFIRM_BUTTON] = "Termin bestätigen",
                [MSG_CHANGE_DETAILS] = "Meine Angaben ändern",
                [MSG_BOOKED_TITLE] = "Ihr Termin ist gebucht",
                [MSG_YOUR_APPOINTMENT] = "Ihr Termin",
                [MSG_PRIVATE_LINK] = "Bewahren Sie diesen privaten Link auf: Damit können Sie "
                                     "Ihren Termin absagen oder verschieben.",
                [MSG_SERVICE] = "Leistung",
                [MSG_PRACTITIONER] = "Behandler",
                [MSG_WHEN] = "Wann",
                [MSG_CANCEL_BUTTON] = "Termin absagen",
                [MSG_MOVE_LINK] = "Termin verschieben",
                [MSG_CANCELLED] = "Dieser Termin ist abgesagt.",
                [MSG_TOO_LATE] = "Dieser Termin kann online nicht mehr geändert werden. Bitte "
                                 "rufen Sie die Praxis an.",
                [MSG_EXPIRED_TITLE] = "Ihre Zeit ist nicht mehr reserviert",
                [MSG_EXPIRED_TEXT] = "Eine gewählte Zeit wird nur einige Minuten reserviert. Bitte "
                                     "wählen Sie erneut.",
                [MSG_CHOOSE_AGAIN] = "Erneut eine Zeit wählen",
                [MSG_LIMIT_TITLE] = "Zu viele Versuche",
                [MSG_LIMIT_TEXT] = "Von dieser Verbindung wurden zu viele Buchungen versucht. "
                                   "Bitte versuchen Sie es später oder rufen Sie die Praxis an.",
                [MSG_REFUSED_TEXT] = "Dieser Termin kann nicht online gebucht werden. Bitte rufen "
                                     "Sie die Praxis an.",
                [MSG_BAD_FORM_TITLE] = "Bitte erneut versuchen",
                [MSG_BAD_FORM_TEXT] = "Dieses Formular ist abgelaufen oder stammt nicht von dieser "
                                      "Seite. Bitte kehren Sie zur Buchungsseite zurück.",
                [MSG_START_OVER] = "Zurück zur Buchungsseite",
                [MSG_MOVE_TITLE] = "Ihren Termin verschieben",
                [MSG_MOVE_BUTTON] = "Auf diese Zeit verschieben",
                [MSG_MOVED] = "Ihr Termin wurde verschoben.",
                [MSG_LINK_GONE_TEXT] = "Dieser Link ist nicht mehr gültig.",
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
                [MSG_STEP] = "Paso %s de 5",
                [MSG_CHOOSE_PRACTITIONER] = "Elija un profesional",
                [MSG_ANY] = "Cualquier profesional",
                [MSG_ANY_HINT] = "las primeras horas libres de todos",
                [MSG_CHOOSE_DAY] = "Elija un día",
                [MSG_CHOOSE_TIME] = "Elija una hora",
                [MSG_TIMES_IN] = "Todas las horas están en la zona horaria de la consulta (%s).",
                [MSG_ONE_FREE] = "1 hora libre",
                [MSG_N_FREE] = "%s horas libres",
                [MSG_NONE_FREE] = "ninguna hora libre",
                [MSG_PREV_WEEK] = "Semana anterior",
                [MSG_NEXT_WEEK] = "Semana siguiente",
                [MSG_WEEK] = "Días de la semana",
                [MSG_NO_SLOTS_DAY] = "No hay ninguna hora libre este día.",
                [MSG_TO] = "a",
                [MSG_HOLD_BUTTON] = "Tomar esta hora",
                [MSG_TAKEN_TITLE] = "Esta hora ya no está libre",
                [MSG_TAKEN_TEXT] = "Otra persona acaba de tomar esta hora. Estas son las horas "
                                   "libres más cercanas.",
                [MSG_HELD_UNTIL] = "Esta hora se le reserva hasta las %s.",
                [MSG_TIME_LEFT] = "Tiempo restante: unos %s min.",
                [MSG_YOUR_DETAILS] = "Sus datos",
                [MSG_FIRST_NAME] = "Nombre",
                [MSG_LAST_NAME] = "Apellidos",
                [MSG_EMAIL] = "Correo electrónico",
                [MSG_PHONE] = "Teléfono",
                [MSG_BIRTHDATE] = "Fecha de nacimiento (opcional)",
                [MSG_HONEYPOT] = "Deje este campo vacío",
                [MSG_ERR_REQUIRED] = "Rellene este campo.",
                [MSG_ERR_EMAIL] = "Introduzca un correo electrónico válido.",
                [MSG_ERR_PHONE] = "Introduzca un número de teléfono válido.",
                [MSG_ERR_DATE] = "Introduzca una fecha de nacimiento válida (aaaa-mm-dd).",
                [MSG_ERR_TOO_LONG] = "Es demasiado largo.",
                [MSG_ERR_SUMMARY] = "Corrija los campos indicados abajo.",
                [MSG_CONFIRM_TITLE] = "Revise y confirme",
                [MSG_CONFIRM_BUTTON] = "Confirmar la cita",
                [MSG_CHANGE_DETAILS] = "Cambiar mis datos",
                [MSG_BOOKED_TITLE] = "Su cita está reservada",
                [MSG_YOUR_APPOINTMENT] = "Su cita",
                [MSG_PRIVATE_LINK] =
                    "Guarde este enlace privado: con él puede anular o cambiar su cita.",
                [MSG_SERVICE] = "Servicio",
                [MSG_PRACTITIONER] = "Profesional",
                [MSG_WHEN] = "Cuándo",
                [MSG_CANCEL_BUTTON] = "Anular la cita",
                [MSG_MOVE_LINK] = "Cambiar la cita",
                [MSG_CANCELLED] = "Esta cita está anulada.",
                [MSG_TOO_LATE] =
                    "Ya es tarde para cambiar esta cita en línea. Llame a la consulta.",
                [MSG_EXPIRED_TITLE] = "Su hora ya no está reservada",
                [MSG_EXPIRED_TEXT] =
                    "Una hora elegida solo se reserva unos minutos. Elija de nuevo.",
                [MSG_CHOOSE_AGAIN] = "Elegir otra hora",
                [MSG_LIMIT_TITLE] = "Demasiados intentos",
                [MSG_LIMIT_TEXT] = "Se intentaron demasiadas reservas desde esta conexión. "
                                   "Inténtelo más tarde o llame a la consulta.",
                [MSG_REFUSED_TEXT] =
                    "Esta cita no se puede reservar en línea. Llame a la consulta.",
                [MSG_BAD_FORM_TITLE] = "Inténtelo de nuevo",
                [MSG_BAD_FORM_TEXT] = "Este formulario ha caducado o no procede de este sitio. "
                                      "Vuelva a la página de reservas e inténtelo de nuevo.",
                [MSG_START_OVER] = "Volver a la página de reservas",
                [MSG_MOVE_TITLE] = "Cambiar su cita",
                [MSG_MOVE_BUTTON] = "Cambiar a esta hora",
                [MSG_MOVED] = "Su cita ha sido cambiada.",
                [MSG_LINK_GONE_TEXT] = "Este enlace ya no es válido.",
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

/* Day and month names, weekday 0 Monday; written lower case where the
 * language does. */
static const char *const weekdays[LANG_COUNT][7] = {
    [LANG_EN] = {"Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"},
    [LANG_FR] = {"lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"},
    [LANG_NL] = {"maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag"},
    [LANG_DE] = {"Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"},
    [LANG_ES] = {"lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"},
};
static const char *const months[LANG_COUNT][12] = {
    [LANG_EN] = {"January", "February", "March", "April", "May", "June", "July", "August",
                 "September", "October", "November", "December"},
    [LANG_FR] = {"janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août",
                 "septembre", "octobre", "novembre", "décembre"},
    [LANG_NL] = {"januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus",
                 "september", "oktober", "november", "december"},
    [LANG_DE] = {"Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September",
                 "Oktober", "November", "Dezember"},
    [LANG_ES] = {"enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
                 "septiembre", "octubre", "noviembre", "diciembre"},
};

void i18n_date(web_lang lang, int64_t year, int month, int day, int weekday, bool with_year,
               char out[I18N_DATE_MAX])
{
    assert(lang < LANG_COUNT && month >= 1 && month <= 12 && weekday >= 0 && weekday < 7);
    const char *wd = weekdays[lang][weekday], *mo = months[lang][month - 1];
    char y[24] = "";
    if (with_year)
        snprintf(y, sizeof y, " %lld", (long long)year);
    switch (lang) {
    case LANG_DE:
        snprintf(out, I18N_DATE_MAX, "%s, %d. %s%s", wd, day, mo, y);
        break;
    case LANG_ES:
        snprintf(out, I18N_DATE_MAX, "%s, %d de %s%s%s", wd, day, mo, with_year ? " de" : "", y);
        break;
    case LANG_EN:
    case LANG_FR:
    case LANG_NL:
    case LANG_COUNT:
        snprintf(out, I18N_DATE_MAX, "%s %d %s%s", wd, day, mo, y);
        break;
    }
}

const char *i18n_fill(web_lang lang, web_msg msg, const char *arg, char *out, size_t size)
{
    const char *text = i18n_text(lang, msg);
    const char *hole = strstr(text, "%s");
    assert(hole && size > 0); /* the tables' invariant for these messages */
    snprintf(out, size, "%.*s%s%s", (int)(hole - text), text, arg, hole + 2);
    return out;
}

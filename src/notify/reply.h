/* reply.h - what a patient's SMS reply says: yes, no, or something else.
 *
 * The reminder SMS asks for a one-word answer in the patient's language;
 * these words are understood, in every language alike (none of them means
 * yes in one language and no in another, so a patient answering in another
 * language than their file's is understood too):
 *
 *   confirm  yes, oui, ja, si, ok
 *   cancel   no, non, nee, nein, cancel, annuler, annuleren
 *
 * The whole reply must be that one word: case and accents do not count
 * ("Sí", "OUI"), nor punctuation, symbols, emoji and white space around it
 * ("¡Sí!", "Yes.", "ok 👍").  Anything more ("Oui merci", "No problem, I'll
 * be there") is unclear: a practice reads it rather than the server
 * guessing, and "no" inside a sentence must never cancel.  Pure; any
 * thread. */
#ifndef AGENDA_NOTIFY_REPLY_H
#define AGENDA_NOTIFY_REPLY_H

typedef enum reply_intent {
    REPLY_UNCLEAR = 0,
    REPLY_CONFIRM,
    REPLY_CANCEL,
} reply_intent;

/* What the NUL-terminated reply body says; NULL and text that is not valid
 * UTF-8 are unclear. */
reply_intent reply_intent_of(const char *body);

/* "unclear", "confirm", "cancel". */
const char *reply_intent_name(reply_intent r);

#endif

/* fields.h - typed reading and validation of the fields of one JSON object.
 *
 * Every resource reads its input through these helpers, so the rules are the
 * same everywhere: numbers and timestamps may come as JSON numbers or as
 * strings of digits (form bodies only have strings), booleans as true/false
 * or "true"/"false"/"1"/"0", and unknown fields are ignored.
 *
 * Each reader returns what it found.  On FIELD_INVALID it has recorded a
 * message in `fe` under `fe->prefix` + name (e.g. "patients[3].birthdate"),
 * so a handler can read every field, then check fe->count once.
 *
 * Lookups are case-sensitive; a NULL or non-object `obj` reads as absent.
 * String results point into `obj` (they live as long as the tree) unless a
 * reader says it stores a copy in fe->arena.  Every typed reader (number,
 * timestamp, boolean, date, color, language) reads "" as null, the only null
 * a form can send; fields_string returns "" and its caller decides. */
#ifndef AGENDA_FIELDS_H
#define AGENDA_FIELDS_H

#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdint.h>

#include "util/arena.h"

typedef enum field_state {
    FIELD_ABSENT = 0, /* the key is not there */
    FIELD_NULL,       /* JSON null */
    FIELD_SET,        /* a valid value was stored in *out */
    FIELD_INVALID,    /* recorded in fe */
} field_state;

typedef struct field_errors {
    arena *arena;
    cJSON *errors;      /* {"prefix+field": "problem"}; created on first error */
    const char *prefix; /* "" or e.g. "patients[3]." */
    int count;
} field_errors;

/* Records a problem for `name` (the prefix is added) and increments
 * fe->count.  fe->errors is created on first use and belongs to the caller
 * (free it with cJSON_Delete or hand it on).  When a field already has a
 * message, the first one is kept (the count still grows); when memory runs
 * out, the message may be lost but the count is never. */
void fields_error(field_errors *fe, const char *name, const char *problem);

/* Hard ceiling on any string field, in bytes. */
#define FIELD_MAX_STRING 4096

/* A string; a JSON number is accepted when its source text (body.c keeps it
 * in valuestring) is an integer literal, and gives exactly that text
 * (698 -> "698", 9007199254740993 -> "9007199254740993", -5 -> "-5"); a
 * fraction or exponent (1.5, 1e3, 1.0) is invalid.  A number without source
 * text qualifies when integral within +-2^53 and is rendered in fe->arena.
 * Booleans, arrays and objects are invalid, and so are strings with NUL or
 * over FIELD_MAX_STRING bytes.  (cJSON ends a string at an escaped "\u0000",
 * so a NUL can only be refused by the body reader before cJSON sees it; form
 * bodies refuse "%00".)  "" is FIELD_SET: each field says what blank means. */
field_state fields_string(const cJSON *obj, const char *name, field_errors *fe, const char **out);
/* A text that may not be blank (fields_is_blank), read as fields_string:
 * blank text or null is invalid ("can't be blank"), and so is an absent
 * field when `required` ("is required"); else absent is FIELD_ABSENT.  For
 * the identifiers and names a client must give (patients' and appointments'
 * remote_id, services' name). */
field_state fields_nonblank(const cJSON *obj, const char *name, bool required, field_errors *fe,
                            const char **out);
/* A whole number: a JSON number whose text is an integer literal (no
 * fraction or exponent: 1e3 and 1.0 are invalid; -0 is 0), or a string of
 * decimal digits with optional leading '-' (no spaces, '+', or exponent);
 * either within int64, else invalid.  An empty string reads as FIELD_NULL
 * (a form body's only way to say null). */
field_state fields_int(const cJSON *obj, const char *name, field_errors *fe, int64_t *out);
/* Unix seconds: as fields_int, and within 0 .. 253402300799 (year 9999). */
field_state fields_timestamp(const cJSON *obj, const char *name, field_errors *fe, int64_t *out);
/* true/false, or the strings "true"/"false"/"1"/"0" (exactly, lower-case).
 * JSON numbers are invalid.  An empty string reads as FIELD_NULL. */
field_state fields_bool(const cJSON *obj, const char *name, field_errors *fe, bool *out);
/* A real calendar date yyyy-mm-dd (leap years checked, Gregorian rule), years
 * 1000-9999; stored as given.  An empty string reads as FIELD_NULL. */
field_state fields_date(const cJSON *obj, const char *name, field_errors *fe, const char **out);
/* #rrggbb (hex, either case; stored as given). An empty string is FIELD_NULL. */
field_state fields_color(const cJSON *obj, const char *name, field_errors *fe, const char **out);
/* Two ASCII letters, stored lower-case (a copy in fe->arena). An empty string
 * is FIELD_NULL. */
field_state fields_language(const cJSON *obj, const char *name, field_errors *fe, const char **out);

/* True when s is a color #rrggbb (hex digits, either case); false for
 * NULL.  (Whole numbers and dates are read by util/parse.h.) */
bool fields_is_color(const char *s);

/* The object a body is about: body[name] when it is an object (the
 * documented envelope, {"patient": {...}}), else the body itself when it is
 * an object without a `name` key (fields at the top level), else NULL (not
 * an object, or an envelope key whose value is not an object, like
 * {"patient": "abc"} or {"patient": null}). */
const cJSON *fields_unwrap(const cJSON *body, const char *name);

/* True when s is empty or only white space: ASCII space, tab, LF, VT, FF,
 * CR, and the other characters of Unicode's White_Space property (NBSP,
 * U+2000-U+200A, U+3000, ...).  s is UTF-8. */
bool fields_is_blank(const char *s);

#endif

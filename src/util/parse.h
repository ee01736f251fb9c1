/* parse.h - whole numbers and calendar dates read from text: command-line
 * options, query parameters and the JSON fields of api/fields.c all read
 * them with these, so the rules are the same everywhere.
 *
 * Pure functions: no allocation, no locale, no errno; NULL input is refused. */
#ifndef AGENDA_PARSE_H
#define AGENDA_PARSE_H

#include <stdbool.h>
#include <stdint.h>

/* Parses a whole decimal number: an optional '-', then one or more ASCII
 * digits (leading zeros allowed), nothing else (no '+', white space or
 * exponent), within int64 (INT64_MIN included).  Returns false for NULL,
 * empty input, junk or overflow, and then leaves *out untouched; out may be
 * NULL to check only. */
bool parse_int64(const char *s, int64_t *out);

/* True when s is a real calendar date yyyy-mm-dd: exactly ten characters,
 * years 1000-9999, month lengths and leap years by the Gregorian rule.
 * False for NULL. */
bool parse_is_date(const char *s);

#endif

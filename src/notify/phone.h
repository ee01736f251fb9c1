/* phone.h - phone numbers to E.164, through libphonenumber.
 *
 * Patients' numbers are typed by people: "0470 12 34 56", "+32 470 12 34
 * 56", "0032 470/12.34.56".  An SMS gateway wants E.164 ("+32470123456").
 * libphonenumber (Google's metadata for every country, Debian's
 * libphonenumber-dev) parses a number in the center's default country and
 * tells whether it is a valid number at all; it is C++, so phone.cc wraps
 * it behind this plain C header.  No exception crosses the wrapper, and it
 * may be called from any thread (the library's metadata is one immutable
 * singleton). */
#ifndef AGENDA_NOTIFY_PHONE_H
#define AGENDA_NOTIFY_PHONE_H

#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

/* '+', at most 15 digits (ITU-T E.164) and the NUL. */
#define PHONE_E164_MAX 17

/* Longest input considered; anything longer is refused unread. */
#define PHONE_INPUT_MAX 64

/* Writes number as E.164 into out.  A number without a leading + (or 00
 * and the like) is read as a national number of default_region, a
 * two-letter ISO 3166 country code in either case ("BE"; NULL or "" for
 * none: only international numbers are read then).  An extension is
 * dropped.  False, with out = "", when number is NULL, longer than
 * PHONE_INPUT_MAX, unparseable, not a valid number for its country
 * (libphonenumber's IsValidNumber: a known length and prefix), when the
 * region is not two letters, or when anything fails inside the library. */
bool phone_to_e164(const char *number, const char *default_region, char out[PHONE_E164_MAX]);

#ifdef __cplusplus
}
#endif

#endif

/* civil.h - the proleptic Gregorian calendar as day numbers: pure integer
 * arithmetic, no tables, no time zones.
 *
 * A day number counts days since 1970-01-01 (negative before it); an instant
 * or a local time in seconds becomes one with civil_floor_div(t,
 * CIVIL_DAY_SECONDS).  Used by the zone reader (rule dates), the slot engine
 * (local days) and the tests' independent models. */
#ifndef AGENDA_SCHED_CIVIL_H
#define AGENDA_SCHED_CIVIL_H

#include <stdbool.h>
#include <stdint.h>

#define CIVIL_DAY_SECONDS 86400

/* a / b rounded towards minus infinity (b > 0). */
int64_t civil_floor_div(int64_t a, int64_t b);

/* Days since 1970-01-01 of a date (month 1..12, day 1..31; out-of-range days
 * simply count on). */
int64_t civil_days_from_date(int64_t year, int month, int day);
/* The date of a day number; the inverse of civil_days_from_date. */
void civil_date_from_days(int64_t days, int64_t *year, int *month, int *day);
/* Day of the week of a day number: 0 is Monday ... 6 is Sunday. */
int civil_weekday(int64_t days);

bool civil_is_leap(int64_t year);
/* Days in month m (1..12) of `year`. */
int civil_month_length(int64_t year, int m);

#endif

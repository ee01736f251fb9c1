/* week.h - a calendar's weekly opening hours: the type, the text forms
 * ("monday", "08:30", "monday 08:30-12:00") and the rules a schedule obeys.
 *
 * The API (api/hours.c) and the command line (agenda hours) read and write
 * schedules through these, so both accept and print exactly the same forms.
 * Pure functions, no I/O. */
#ifndef AGENDA_SCHED_WEEK_H
#define AGENDA_SCHED_WEEK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* One range of the weekly schedule, in the local time of the calendar's
 * center: day 0 is Monday; start and stop are minutes after local midnight,
 * 0 <= start < stop <= 1440 (1440 is "24:00"). */
typedef struct opening_hour {
    int day;
    int start;
    int stop;
} opening_hour;

/* Longest absence or opening accepted: ten years, enough for any leave. */
#define RANGE_MAX_SECONDS ((int64_t)10 * 366 * 24 * 3600)

/* "monday" .. "sunday" for day 0 .. 6. */
const char *week_day_name(int day);
/* Parses a lower-case English day name into 0 (monday) .. 6. */
bool week_parse_day(const char *s, int *out);
/* Parses "HH:MM" into minutes after midnight; "24:00" only when `is_stop`. */
bool week_parse_time(const char *s, bool is_stop, int *out);
/* Writes minutes after midnight (0..1440) as "HH:MM". */
void week_format_time(int minutes, char out[6]);

/* Room for the longest range text, "wednesday 08:30-12:00" and its NUL. */
#define WEEK_RANGE_TEXT 24
/* Writes a range as "monday 08:30-12:00", the form week_parse_range reads. */
void week_format_range(const opening_hour *h, char out[WEEK_RANGE_TEXT]);
/* Parses "monday 08:30-12:00" (stop may be 24:00, after start). */
bool week_parse_range(const char *text, opening_hour *out);
/* Sorts by day and start; false, with *bad the index of an offending range,
 * when two ranges of one day overlap (touching is fine). */
bool week_check(opening_hour *hours, size_t n, size_t *bad);

#endif

/* week.c - weekly opening hours: text forms and the overlap rule (see
 * week.h). */
#include "sched/week.h"

#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const day_names[7] = {"monday", "tuesday",  "wednesday", "thursday",
                                         "friday", "saturday", "sunday"};

const char *week_day_name(int day)
{
    assert(day >= 0 && day < 7);
    return day_names[day];
}

bool week_parse_day(const char *s, int *out)
{
    for (int d = 0; d < 7; d++) {
        if (strcmp(s, day_names[d]) == 0) {
            *out = d;
            return true;
        }
    }
    return false;
}

bool week_parse_time(const char *s, bool is_stop, int *out)
{
    if (strlen(s) != 5 || s[2] != ':')
        return false;
    for (int i = 0; i < 5; i++) {
        if (i != 2 && (s[i] < '0' || s[i] > '9'))
            return false;
    }
    int h = (s[0] - '0') * 10 + (s[1] - '0');
    int m = (s[3] - '0') * 10 + (s[4] - '0');
    if (m > 59 || h > 24 || (h == 24 && (m != 0 || !is_stop)))
        return false;
    *out = h * 60 + m;
    return true;
}

void week_format_time(int minutes, char out[6])
{
    assert(minutes >= 0 && minutes <= 1440);
    int h = minutes / 60, m = minutes % 60;
    /* written by hand: with asserts compiled out, gcc cannot bound a
     * "%02d:%02d" by itself and refuses the build (-Wformat-truncation) */
    out[0] = (char)('0' + h / 10 % 10);
    out[1] = (char)('0' + h % 10);
    out[2] = ':';
    out[3] = (char)('0' + m / 10);
    out[4] = (char)('0' + m % 10);
    out[5] = '\0';
}

void week_format_range(const opening_hour *h, char out[WEEK_RANGE_TEXT])
{
    char start[6], stop[6];
    week_format_time(h->start, start);
    week_format_time(h->stop, stop);
    snprintf(out, WEEK_RANGE_TEXT, "%s %s-%s", week_day_name(h->day), start, stop);
}

bool week_parse_range(const char *text, opening_hour *out)
{
    char day[16], start[6], stop[6];
    int used = 0;
    if (sscanf(text, "%15[a-z] %5[0-9:]-%5[0-9:]%n", day, start, stop, &used) != 3 ||
        text[used] != '\0' || text[strlen(day)] != ' ')
        return false;
    return week_parse_day(day, &out->day) && week_parse_time(start, false, &out->start) &&
           week_parse_time(stop, true, &out->stop) && out->stop > out->start;
}

static int week_compare(const void *a, const void *b)
{
    const opening_hour *x = a, *y = b;
    if (x->day != y->day)
        return x->day - y->day;
    return x->start - y->start;
}

bool week_check(opening_hour *hours, size_t n, size_t *bad)
{
    if (n < 2)
        return true; /* nothing to sort or compare (qsort wants a non-NULL base) */
    qsort(hours, n, sizeof *hours, week_compare);
    for (size_t i = 1; i < n; i++) {
        if (hours[i].day == hours[i - 1].day && hours[i].start < hours[i - 1].stop) {
            *bad = i;
            return false;
        }
    }
    return true;
}

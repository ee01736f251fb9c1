/* civil.c - Gregorian day numbers (see civil.h).
 *
 * days_from_civil and civil_from_days are Howard Hinnant's algorithms: exact
 * for every date whose day count fits, by counting 400-year eras of 146,097
 * days from a year that starts in March (so the leap day ends the year). */
#include "sched/civil.h"

#include <assert.h>

int64_t civil_floor_div(int64_t a, int64_t b)
{
    assert(b > 0);
    int64_t q = a / b;
    return (a % b < 0) ? q - 1 : q;
}

int64_t civil_days_from_date(int64_t year, int month, int day)
{
    assert(month >= 1 && month <= 12);
    int64_t y = year - (month <= 2);
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t mp = (month + 9) % 12;
    int64_t doy = (153 * mp + 2) / 5 + day - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void civil_date_from_days(int64_t days, int64_t *year, int *month, int *day)
{
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *year = yoe + era * 400 + (m <= 2);
    *month = m;
    *day = (int)(doy - (153 * mp + 2) / 5 + 1);
}

int civil_weekday(int64_t days)
{
    /* 1970-01-01 was a Thursday (3 when Monday is 0) */
    return (int)((days % 7 + 7 + 3) % 7);
}

bool civil_is_leap(int64_t year)
{
    return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

int civil_month_length(int64_t year, int m)
{
    static const int len[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    assert(m >= 1 && m <= 12);
    return len[m - 1] + (m == 2 && civil_is_leap(year));
}

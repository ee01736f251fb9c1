/* parse.c - whole numbers and calendar dates from text (see parse.h).
 *
 * parse_int64 accumulates as a negative number, whose range includes
 * INT64_MIN, so the overflow check is one comparison per digit and never
 * overflows itself.  parse_is_date checks the shape first, then the day
 * against its month's length. */
#include "util/parse.h"

#include <string.h>

bool parse_int64(const char *s, int64_t *out)
{
    if (!s)
        return false;
    bool negative = *s == '-';
    if (negative)
        s++;
    if (*s == '\0')
        return false;
    int64_t acc = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return false;
        int digit = *s - '0';
        if (acc < (INT64_MIN + digit) / 10)
            return false;
        acc = acc * 10 - digit;
    }
    if (!negative) {
        if (acc == INT64_MIN)
            return false;
        acc = -acc;
    }
    if (out)
        *out = acc;
    return true;
}

/* The number of d decimal digits at s, or -1 when one is not a digit. */
static int parse_digits(const char *s, int d)
{
    int v = 0;
    for (int i = 0; i < d; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

bool parse_is_date(const char *s)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return false;
    int y = parse_digits(s, 4), m = parse_digits(s + 5, 2), d = parse_digits(s + 8, 2);
    if (y < 1000 || m < 1 || m > 12 || d < 1)
        return false;
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    int max = days[m - 1] + (m == 2 && leap ? 1 : 0);
    return d <= max;
}

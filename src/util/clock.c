/* clock.c - Unix time from CLOCK_REALTIME (see clock.h). */
#include "util/clock.h"

#include <assert.h>
#include <time.h>

int64_t clock_unix_seconds(void)
{
    struct timespec ts;
    int rc = clock_gettime(CLOCK_REALTIME, &ts);
    assert(rc == 0); /* CLOCK_REALTIME always exists */
    (void)rc;
    return (int64_t)ts.tv_sec;
}

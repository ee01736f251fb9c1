/* fuzz_expand.c - libFuzzer harness for iCalendar expansion (sync/expand.c):
 * what a remote calendar sends, through libical, to busy intervals.
 *
 * Input: the iCalendar text (cut at the first NUL, as a download is read).
 * Properties checked on an accepted text: the intervals are non-empty,
 * overlap the horizon, are sorted by start, number at most
 * EXPAND_MAX_INTERVALS, and come from at most EXPAND_MAX_EVENTS events; a
 * refused text gives a message and no intervals. */
#include <string.h>

#include "fuzz.h"
#include "sched/tzfile.h"
#include "sync/expand.h"
#include "util/arena.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const tzfile *zone;
    if (!zone && tzfile_get("Europe/Brussels", &zone) != TZFILE_OK)
        abort();
    char *text = fuzz_cstring(data, size);
    arena *a = arena_new(256u << 20);
    FUZZ_CHECK(a != NULL);
    const char *owners[] = {"mailto:owner@example.org"};
    const expand_options o = {.zone = zone,
                              .from = 1780000000,
                              .to = 1780000000 + 400 * 86400,
                              .owners = owners,
                              .n_owners = 1};
    expand_result r;
    char err[256];
    expand_rc rc = expand_ics(text, strlen(text), &o, a, &r, err, sizeof err);
    if (rc == EXPAND_OK) {
        FUZZ_CHECK(r.n <= EXPAND_MAX_INTERVALS && r.events <= EXPAND_MAX_EVENTS);
        for (size_t i = 0; i < r.n; i++) {
            FUZZ_CHECK(r.busy[i].start < r.busy[i].stop);
            FUZZ_CHECK(r.busy[i].stop > o.from && r.busy[i].start < o.to);
            FUZZ_CHECK(r.busy[i].item != NULL);
            FUZZ_CHECK(i == 0 || r.busy[i - 1].start <= r.busy[i].start);
        }
    } else {
        FUZZ_CHECK(err[0] != '\0' && r.n == 0 && r.busy == NULL);
    }
    arena_free(a);
    free(text);
    return 0;
}

/* tzfile.h - time zones read from the system tz database, without the C
 * library's global TZ state.
 *
 * The server is multi-threaded, so setenv("TZ")/tzset()/localtime() are off
 * limits: they share one process-wide zone.  Instead a zone is loaded from
 * its TZif file (RFC 8536: versions 1 to 4) under $TZDIR, else
 * /usr/share/zoneinfo, into an immutable `tzfile` that any number of threads
 * may query at once.  A zone answers two questions:
 *
 *   - the UTC offset in effect at an instant (tzfile_offset_at);
 *   - the instants at which the wall clock reads a given local time
 *     (tzfile_local_to_utc): none in a spring-forward gap, one normally, two
 *     in a fall-back repeat (earliest first).
 *
 * Time scales.  An instant is Unix seconds (UTC, no leap seconds).  A local
 * time is "wall seconds": the seconds since 1970-01-01T00:00:00 of the local
 * calendar, as if that calendar were UTC; civil_days_from_date() (civil.h) builds one
 * from a date.  local = instant + offset(instant).
 *
 * After the file's last transition the POSIX TZ string of the TZif footer
 * (e.g. "CET-1CEST,M3.5.0,M10.5.0/3", "IST-5:30", "<-02>2<-01>,M3.5.0/-1,...")
 * decides, so far-future years follow the rule rather than freezing.
 *
 * Loading is defensive: names that could leave the database directory are
 * refused, files are read up to TZFILE_MAX_BYTES, every count and index is
 * checked against the data actually present, and anything malformed is
 * refused with an error code.  Files with leap-second records (the "right/"
 * zones) are refused too: the server counts POSIX seconds.
 *
 * Every request needs its center's zone, so tzfile_get() keeps a
 * process-wide cache (a mutex and a bounded table).  Cached zones live until
 * the process exits; the cache never frees one a thread may still use. */
#ifndef AGENDA_TZFILE_H
#define AGENDA_TZFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct tzfile tzfile;

typedef enum tzfile_rc {
    TZFILE_OK = 0,
    TZFILE_BAD_NAME,    /* empty, too long, or characters that could escape the directory */
    TZFILE_NOT_FOUND,   /* no such regular file, or it cannot be read */
    TZFILE_TOO_BIG,     /* larger than TZFILE_MAX_BYTES */
    TZFILE_MALFORMED,   /* not a valid TZif file, or a bad footer */
    TZFILE_UNSUPPORTED, /* leap-second records, or an unknown TZif version */
    TZFILE_NO_MEMORY,
    TZFILE_CACHE_FULL, /* TZFILE_CACHE_MAX distinct zones already cached */
} tzfile_rc;

#define TZFILE_NAME_MAX    64                  /* longest accepted zone name */
#define TZFILE_MAX_BYTES   ((size_t)128 << 10) /* largest accepted TZif file */
#define TZFILE_CACHE_MAX   1024                /* distinct zones tzfile_get() keeps */
#define TZFILE_MAX_MATCHES 2                   /* instants one local time can have */

/* Instants and local times are clamped to this range (about +-35 million
 * years) so that no computation overflows. */
#define TZFILE_TIME_LIMIT ((int64_t)1 << 50)

/* Loads zone `name` (e.g. "Europe/Brussels") from $TZDIR or
 * /usr/share/zoneinfo.  On TZFILE_OK *out is a new zone the caller frees
 * with tzfile_free(); on error *out is NULL. */
tzfile_rc tzfile_load(const char *name, tzfile **out);

/* True when `name` is a real IANA zone or link name: one that $TZDIR's (or
 * /usr/share/zoneinfo's) tzdata.zi defines ("Europe/Brussels", "UTC",
 * "Etc/GMT+5", "US/Eastern"), and not "Factory".  Other files of that
 * directory (localtime, posixrules, posix/..., right/..., zone.tab,
 * leapseconds) are refused.  Without a readable tzdata.zi, a safe name that
 * is none of those files is accepted. */
bool tzfile_is_iana_name(const char *name);

/* Parses TZif data held in memory (len <= TZFILE_MAX_BYTES); `name` is only
 * recorded (tzfile_name) and must be at most TZFILE_NAME_MAX bytes.  Same
 * ownership and errors as tzfile_load.  The data is not referenced after the
 * call. */
tzfile_rc tzfile_parse(const char *name, const unsigned char *data, size_t len, tzfile **out);

/* Frees a zone from tzfile_load/tzfile_parse.  NULL is a no-op.  Never pass
 * a zone obtained from tzfile_get. */
void tzfile_free(tzfile *z);

/* The shared, cached zone `name`, loading it on first use.  Thread-safe.
 * On TZFILE_OK *out stays valid until the process exits and must not be
 * freed; failures are not cached (a later call tries again). */
tzfile_rc tzfile_get(const char *name, const tzfile **out);

/* The name given when the zone was loaded. */
const char *tzfile_name(const tzfile *z);

/* A short English description of rc, for logs. */
const char *tzfile_strerror(tzfile_rc rc);

/* The UTC offset, in seconds east of Greenwich, in effect at instant t. */
int32_t tzfile_offset_at(const tzfile *z, int64_t t);

/* Writes the instants at which the wall clock reads `local`, earliest
 * first, into out[0..n) and returns n: 0 when `local` falls in a gap
 * (spring forward), 2 in a repeat (fall back), otherwise 1. */
size_t tzfile_local_to_utc(const tzfile *z, int64_t local, int64_t out[TZFILE_MAX_MATCHES]);

/* Which instant tzfile_resolve picks when a local time occurs twice. */
typedef enum tzfile_pick {
    TZFILE_EARLIEST,
    TZFILE_LATEST,
} tzfile_pick;

/* One instant for `local`: the earliest or latest of a repeat, as `pick`
 * says; a local time inside a gap resolves to the first instant after the
 * gap (the transition itself), so 02:30 on a day the clocks jump from 02:00
 * to 03:00 gives the instant of 03:00. */
int64_t tzfile_resolve(const tzfile *z, int64_t local, tzfile_pick pick);

#endif

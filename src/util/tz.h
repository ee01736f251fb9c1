/* tz.h - time zone names. */
#ifndef AGENDA_TZ_H
#define AGENDA_TZ_H

#include <stdbool.h>

/* True when `name` is an IANA zone known to the system's tz database
 * (a TZif file under /usr/share/zoneinfo, or $TZDIR).  Rejects names that
 * could escape the database directory. */
bool tz_is_known(const char *name);

#endif

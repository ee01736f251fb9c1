/* admin.h - the admin commands, split by concern: centers, calendars, users
 * and grants (admin_accounts.c); weekly hours, absences and extra openings
 * (admin_schedule.c); patient messages (admin_reminders.c); the booking page
 * (admin_booking.c); calendar sync's key and CalDAV links (admin_sync.c);
 * calendar feeds (admin_feeds.c); backups (admin_backup.c); a patient's data
 * (admin_patients.c); demo data
 * (admin_demo.c); and what they
 * all share, with `migrate`, which is nothing more (admin.c).
 *
 * Every command validates all of its arguments before it opens the store,
 * and writes in one transaction, so a refused command changes nothing.
 * Output on success is what a script needs (an id, a token); every failure
 * is one line on stderr and a non-zero exit: 2 for bad usage, 1 otherwise. */
#ifndef AGENDA_ADMIN_H
#define AGENDA_ADMIN_H

#include <stdbool.h>

#include "store/store.h"
#include "util/arena.h"

/* The commands; each takes the arguments after its name and returns the
 * process's exit status. */
int admin_center(int argc, char **argv);
int admin_calendar(int argc, char **argv);
int admin_user(int argc, char **argv);
int admin_hours(int argc, char **argv);
int admin_absence(int argc, char **argv);
int admin_opening(int argc, char **argv);
int admin_reminders(int argc, char **argv);
int admin_booking(int argc, char **argv); /* admin_booking.c */
int admin_keygen(int argc, char **argv);
int admin_caldav(int argc, char **argv);
int admin_feed(int argc, char **argv);    /* admin_feeds.c */
int admin_backup(int argc, char **argv);  /* admin_backup.c */
int admin_restore(int argc, char **argv); /* admin_backup.c */
int admin_patient(int argc, char **argv); /* admin_patients.c */
int admin_audit(int argc, char **argv);   /* admin_audit.c */
int admin_demo(int argc, char **argv);
int admin_migrate(int argc, char **argv);

/* What a command works with once its arguments are valid: the store and a
 * scratch arena for what it reads. */
typedef struct admin_session {
    store *st;
    arena *a;
} admin_session;

/* Opens and migrates the store at `url` and makes the arena.  Returns false
 * after one line on stderr (and with nothing left open) when it cannot. */
bool admin_session_open(admin_session *s, const char *url);
/* Names the command line being run (main's argc and argv) for the audit
 * log of every session opened afterwards. */
void admin_set_command(int argc, char **argv);
/* Ends a command: when rc is not STORE_OK, prints one line about `what`
 * ("center" gives "center not found"; "a user with this email" gives "a
 * user with this email already exists"), unless `what` is NULL because the
 * failure was reported already.  Then closes the store and frees the arena.
 * Returns the exit status: 0 for STORE_OK, else 1. */
int admin_session_close(admin_session *s, store_rc rc, const char *what);

#endif

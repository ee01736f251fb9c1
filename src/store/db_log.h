/* db_log.h - the log lines and open errors of the database drivers
 * (db_sqlite.c, db_pg.c), written in one place.
 *
 * A driver's failure is logged as one line on stderr (db.h):
 *   agenda: store: ENGINE: MESSAGE (CAUSE) in "SQL"
 * MESSAGE is the engine's own message and CAUSE its code, each as the
 * driver chose them, and SQL the start of the statement's text.  Bound
 * values are never passed here: a driver leaves out whatever of its
 * engine's output could quote one (PostgreSQL's DETAIL, say).  Every piece
 * is put on one line (control characters and runs of white space become one
 * space) and cut with "..." at a fixed length. */
#ifndef AGENDA_STORE_DB_LOG_H
#define AGENDA_STORE_DB_LOG_H

#include <stddef.h>

/* Copies `in` (NULL: "") into out[size], size > 4, on one line: control
 * characters and runs of white space become one space, none leads; cut
 * with "..." when too long. */
void db_log_one_line(const char *in, char *out, size_t size);

/* Logs one failure line (see the top) for `engine` ("sqlite",
 * "postgres"). */
void db_log_failure(const char *engine, const char *message, const char *cause, const char *sql);

/* Sets *err (when err is not NULL) to a malloc'd "what: detail" on one
 * line, cut as db_log_one_line does (NULL when out of memory). */
void db_log_set_error(char **err, const char *what, const char *detail);

#endif

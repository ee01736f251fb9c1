/* ops.c - what an operator's probes read of the store: whether it answers
 * (the server's readiness) and the backlog and failures of the background
 * work (metrics).
 *
 * The counts are one statement of subqueries, each on the index its queue
 * already has (messages_due, caldav_links_due, calendar_imports_due) or on
 * small tables (links, imports), so a scrape every few seconds costs
 * little even with a large outbox; the failed messages are counted in
 * messages_center, the partial index of the states past pending. */
#include <assert.h>

#include "store/internal.h"

/* A read of the database itself (the schema's version, by its primary key):
 * on SQLite `SELECT 1` never touches the file, so a database gone bad would
 * still answer it. */
static const char SQL_PING[] = "SELECT COALESCE(MAX(version), 0) FROM schema_migrations";

/* now (due messages), now (their leases), now (links), now (imports); the
 * failed messages' predicate repeats messages_center's word for word, so
 * both engines read that partial index */
static const char SQL_OPS[] =
    "SELECT (SELECT COUNT(*) FROM messages WHERE state = 'pending' AND due_at <= ?"
    " AND (lease_until IS NULL OR lease_until <= ?)),"
    " (SELECT COUNT(*) FROM messages WHERE state = 'pending'),"
    " (SELECT COUNT(*) FROM messages WHERE state <> 'pending' AND state = 'failed'),"
    " (SELECT COUNT(*) FROM caldav_links WHERE state = 'active' AND due_at <= ?),"
    " (SELECT COUNT(*) FROM caldav_links WHERE attempts > 0),"
    " (SELECT COUNT(*) FROM caldav_links WHERE state = 'paused'),"
    " (SELECT COUNT(*) FROM calendar_imports WHERE due_at <= ?),"
    " (SELECT COUNT(*) FROM calendar_imports WHERE attempts > 0)";

store_rc store_ping(store *st)
{
    assert(st);
    int64_t one = 0;
    const store_rows q = {SQL_PING, sizeof one, store_read_id};
    return store_row_get(st->db, &q, NULL, 0, NULL, &one);
}

static store_rc read_ops(db_stmt *s, arena *a, void *row)
{
    (void)a;
    store_ops *o = row;
    *o = (store_ops){
        .messages_due = db_column_int64(s, 0),
        .messages_pending = db_column_int64(s, 1),
        .messages_failed = db_column_int64(s, 2),
        .caldav_links_due = db_column_int64(s, 3),
        .caldav_links_failing = db_column_int64(s, 4),
        .caldav_links_paused = db_column_int64(s, 5),
        .imports_due = db_column_int64(s, 6),
        .imports_failing = db_column_int64(s, 7),
    };
    return STORE_OK;
}

store_rc store_ops_read(store *st, int64_t now, store_ops *out)
{
    assert(st && out);
    const store_rows q = {SQL_OPS, sizeof *out, read_ops};
    const store_value binds[] = {STORE_INT64(now), STORE_INT64(now), STORE_INT64(now),
                                 STORE_INT64(now)};
    return store_row_get(st->db, &q, binds, 4, NULL, out);
}

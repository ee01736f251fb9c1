/* housekeeping.c - the platform's periodic upkeep, as rows of the
 * `housekeeping` table (migrate.c, migration 15) claimed with a lease like
 * any background work (lease.c): one server runs a job at a time, a killed
 * server's lease lapses, and the job records when it ran and what it did.
 *
 * The one job so far: tombstones of deleted patients are removed once
 * older than the retention.  A tombstone holds nothing personal (the
 * deletion erased it: patients.c) but the remote_id the practice software
 * gave, and exists so `since` pollers learn of the deletion; past the
 * retention a poller is expected to have seen it.  Nothing references a
 * deleted patient (its appointments were unlinked at the deletion), so the
 * row goes whole.  Appointment tombstones stay: messages and sync items
 * name them. */
#include <assert.h>
#include <stdio.h>

#include "store/internal.h"

static const char SQL_CLAIM_SQLITE[] =
    "UPDATE housekeeping SET lease_owner = ?, lease_until = ?"
    " WHERE id IN (SELECT id FROM housekeeping WHERE due_at <= ?"
    " AND (lease_until IS NULL OR lease_until <= ?) ORDER BY id LIMIT ?) RETURNING id";
static const char SQL_CLAIM_POSTGRES[] =
    "UPDATE housekeeping SET lease_owner = ?, lease_until = ?"
    " WHERE id IN (SELECT id FROM housekeeping WHERE due_at <= ?"
    " AND (lease_until IS NULL OR lease_until <= ?) ORDER BY id LIMIT ?"
    " FOR UPDATE SKIP LOCKED) RETURNING id";
static const store_lease_queue housekeeping_queue = {
    .claim_sqlite = SQL_CLAIM_SQLITE,
    .claim_postgres = SQL_CLAIM_POSTGRES,
};

/* the lease must still be the caller's: id, owner */
static const char SQL_STILL_MINE[] = "SELECT id FROM housekeeping WHERE id = ? AND lease_owner = ?";
/* patient tombstones updated (deleted) before the cutoff: counted, then
 * removed, in one transaction */
#define OLD_TOMBSTONES " FROM patients WHERE deleted = 1 AND updated_at < ?"
static const char SQL_COUNT_PATIENTS[] = "SELECT COUNT(*)" OLD_TOMBSTONES;
static const char SQL_PURGE_PATIENTS[] = "DELETE" OLD_TOMBSTONES;
/* next due, now, the outcome, id, owner */
static const char SQL_DONE[] =
    "UPDATE housekeeping SET due_at = ?, last_run = ?, last_result = ?, lease_owner = NULL,"
    " lease_until = NULL WHERE id = ? AND lease_owner = ?";

store_rc store_housekeeping_claim(store *st, const char *owner, int64_t now, int64_t lease_seconds,
                                  size_t max, arena *a, int64_t **ids, size_t *n)
{
    return store_lease_claim(st, &housekeeping_queue, owner, now, lease_seconds, max, a, ids, n);
}

store_rc store_housekeeping_run(store *st, int64_t id, const char *owner, int64_t now,
                                int64_t tombstone_seconds, int64_t *purged)
{
    assert(st && owner && tombstone_seconds > 0 && purged);
    store_op op;
    int64_t mine = 0, changed = 0;
    char result[64];
    *purged = 0;
    store_rc rc = store_op_begin(st, &op, STORE_OP_WRITE);
    if (rc != STORE_OK)
        goto done;
    const store_rows still = {SQL_STILL_MINE, sizeof mine, store_read_id};
    const store_value lease[] = {STORE_INT64(id), STORE_TEXT(owner)};
    if ((rc = store_row_get(st->db, &still, lease, 2, NULL, &mine)) != STORE_OK)
        goto done; /* NOT_FOUND: the lease lapsed and another server has it */
    assert(id == HOUSEKEEPING_PURGE_TOMBSTONES);
    const store_value cutoff[] = {STORE_INT64(now - tombstone_seconds)};
    const store_rows count = {SQL_COUNT_PATIENTS, sizeof changed, store_read_id};
    if ((rc = store_row_get(st->db, &count, cutoff, 1, NULL, &changed)) != STORE_OK ||
        (changed &&
         (rc = store_write_run(st->db, SQL_PURGE_PATIENTS, cutoff, 1, NULL, NULL)) != STORE_OK))
        goto done;
    snprintf(result, sizeof result, "%lld patient tombstones removed", (long long)changed);
    const store_value finish[] = {STORE_INT64(now + HOUSEKEEPING_INTERVAL), STORE_INT64(now),
                                  STORE_TEXT(result), STORE_INT64(id), STORE_TEXT(owner)};
    rc = store_write_run(st->db, SQL_DONE, finish, 5, NULL, NULL);
done:
    rc = store_op_end(st, &op, rc);
    if (rc == STORE_OK)
        *purged = changed;
    return rc;
}

/* lease.c - claiming background work with a lease (see internal.h): one
 * statement per claim, picked by engine, returning the ids it took.
 *
 * The claim is a single UPDATE ... RETURNING, so it is atomic on its own:
 * on SQLite it runs under the write lock (no two claims interleave), on
 * PostgreSQL its subquery locks the rows it picks and skips locked ones, so
 * concurrent claims from other servers take other rows instead of waiting
 * for these. */
#include <assert.h>

#include "store/internal.h"

store_rc store_lease_claim(store *st, const store_lease_queue *q, const char *owner, int64_t now,
                           int64_t lease_seconds, size_t max, arena *a, int64_t **ids, size_t *n)
{
    assert(st && q && owner && a && ids && n && lease_seconds > 0 && max > 0);
    const store_rows claim = {db_engine_of(st->db) == DB_ENGINE_POSTGRES ? q->claim_postgres
                                                                         : q->claim_sqlite,
                              sizeof(int64_t), store_read_id};
    const store_value binds[] = {STORE_TEXT(owner), STORE_INT64(now + lease_seconds),
                                 STORE_INT64(now), STORE_INT64(now), STORE_INT64((int64_t)max)};
    return store_rows_run(st->db, &claim, binds, 5, a, (void **)ids, n);
}

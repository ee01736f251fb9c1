/* store.c - connections, explicit transactions, and the helpers the store's
 * modules share (units of work, arena copies, reading and writing rows,
 * paging, bulk statements).
 *
 * store_open picks the driver from the URL (db.h) and opens one connection;
 * the store struct is just that connection.  Transaction state is never
 * mirrored in C: it is asked of the engine (db_in_transaction), because an
 * engine may end a transaction on its own after an I/O error, and a stale
 * flag would then send COMMIT or ROLLBACK into the void. */
#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/internal.h"
#include "util/buf.h"

const char *store_rc_name(store_rc rc)
{
    switch (rc) {
    case STORE_OK:
        return "ok";
    case STORE_NOT_FOUND:
        return "not found";
    case STORE_CONFLICT:
        return "conflict";
    case STORE_UNAVAILABLE:
        return "unavailable";
    case STORE_RETRY:
        return "retry";
    case STORE_ERROR:
        return "error";
    }
    return "unknown";
}

/* ---- connection ------------------------------------------------------- */

store_rc store_open(const char *url, store **out, char **err)
{
    assert(url && out);
    if (err)
        *err = NULL;
    store_rc rc = STORE_OK;
    db *d = NULL;
    store *st = NULL;

    const db_driver *driver = db_driver_for(url);
    assert(driver != NULL);
    rc = driver->open(url, &d, err);
    if (rc != STORE_OK)
        goto done;
    st = calloc(1, sizeof *st);
    if (!st) {
        if (err)
            *err = strdup("out of memory");
        rc = STORE_ERROR;
        goto done;
    }
    st->db = d;
    d = NULL;
    *out = st;
done:
    db_close(d);
    return rc;
}

void store_close(store *st)
{
    if (!st)
        return;
    if (db_in_transaction(st->db))
        (void)db_control_run(st->db, DB_ROLLBACK);
    db_close(st->db);
    free(st);
}

/* ---- explicit transactions -------------------------------------------- */

/* What follows the outermost commit (rc its outcome): the write-ahead log
 * emptied after an erasure (store_erased).  Returns rc. */
static store_rc after_commit(store *st, store_rc rc)
{
    if (rc == STORE_OK && st->erased && db_engine_of(st->db) == DB_ENGINE_SQLITE)
        (void)db_exec(st->db, "PRAGMA wal_checkpoint(TRUNCATE)");
    st->erased = false;
    return rc;
}

store_rc store_begin(store *st)
{
    assert(st);
    if (db_in_transaction(st->db)) {
        fprintf(stderr, "agenda: store: store_begin inside a transaction\n");
        return STORE_ERROR;
    }
    return db_control_run(st->db, DB_BEGIN_WRITE);
}

store_rc store_commit(store *st)
{
    assert(st);
    if (!db_in_transaction(st->db)) {
        fprintf(stderr, "agenda: store: store_commit without a transaction\n");
        return STORE_ERROR;
    }
    return after_commit(st, db_control_run(st->db, DB_COMMIT));
}

void store_rollback(store *st)
{
    assert(st);
    if (db_in_transaction(st->db))
        (void)db_control_run(st->db, DB_ROLLBACK);
    st->erased = false;
}

/* ---- units of work ---------------------------------------------------- */

store_rc store_op_begin(store *st, store_op *op, store_op_kind kind)
{
    assert(st && op);
    *op = (store_op){.kind = kind};
    store_rc rc = STORE_OK;
    if (db_in_transaction(st->db)) {
        if (kind == STORE_OP_WRITE) {
            rc = db_control_run(st->db, DB_SAVEPOINT);
            op->savepoint = rc == STORE_OK;
        }
    } else {
        rc = db_control_run(st->db, kind == STORE_OP_WRITE ? DB_BEGIN_WRITE : DB_BEGIN_READ);
        op->began = rc == STORE_OK;
    }
    return rc;
}

void store_erased(store *st)
{
    st->erased = true;
}

store_rc store_op_end(store *st, store_op *op, store_rc rc)
{
    assert(st && op);
    /* The engine may have ended the transaction itself after an error. */
    bool open = db_in_transaction(st->db);
    if (op->began && open) {
        if (rc == STORE_OK)
            rc = db_control_run(st->db, DB_COMMIT);
        if (rc != STORE_OK && db_in_transaction(st->db))
            (void)db_control_run(st->db, DB_ROLLBACK);
        rc = after_commit(st, rc);
    } else if (op->savepoint && open) {
        if (rc != STORE_OK)
            (void)db_control_run(st->db, DB_ROLLBACK_TO);
        store_rc released = db_control_run(st->db, DB_RELEASE);
        if (rc == STORE_OK)
            rc = released;
    } else if ((op->began || op->savepoint) && rc == STORE_OK) {
        fprintf(stderr, "agenda: store: transaction ended by the engine\n");
        rc = STORE_ERROR;
    }
    op->began = op->savepoint = false;
    return rc;
}

/* ---- row helpers ------------------------------------------------------ */

store_rc store_out_of_memory(const char *where)
{
    fprintf(stderr, "agenda: store: out of memory (arena full) in %s\n", where);
    return STORE_ERROR;
}

store_rc store_column_text(db_stmt *s, int col, arena *a, const char **out)
{
    const char *v = db_column_text(s, col);
    *out = NULL;
    if (!v && db_column_is_null(s, col))
        return STORE_OK;
    if (!v) {
        fprintf(stderr, "agenda: store: out of memory (driver) in column text\n");
        return STORE_ERROR;
    }
    char *copy = arena_strdup(a, v);
    if (!copy)
        return store_out_of_memory("column text");
    *out = copy;
    return STORE_OK;
}

void store_page_window(const list_query *q, int64_t *limit, int64_t *offset)
{
    assert(q->page >= 0);
    if (q->page == 0) {
        *limit = INT64_MAX;
        *offset = 0;
        return;
    }
    assert(q->per_page > 0);
    *limit = q->per_page;
    /* a page past any possible row saturates instead of overflowing */
    *offset = q->page - 1 > INT64_MAX / q->per_page ? INT64_MAX : (q->page - 1) * q->per_page;
}

size_t store_page_rows(int64_t total, int64_t limit, int64_t offset)
{
    if (total <= offset)
        return 0;
    int64_t rows = total - offset < limit ? total - offset : limit;
    return (size_t)rows;
}

store_rc store_step_write(db_stmt *s, bool *row, int64_t *id)
{
    bool got = false;
    store_rc rc = db_step(s, &got);
    if (rc == STORE_OK && got && id)
        *id = db_column_int64(s, 0);
    /* step to the end: outside a transaction the statement commits there */
    bool more = got;
    while (rc == STORE_OK && more)
        rc = db_step(s, &more);
    if (row)
        *row = got;
    return rc;
}

/* Row arrays grow in the request's arena, whose own limit is the one that
 * matters: the buffer's limit only keeps its arithmetic from overflowing. */
#define ROWS_LIMIT (SIZE_MAX / 2)

/* Steps s to its end, reading each row with `read` into an arena array of
 * row_size-byte rows (room for `expect` rows made first): *out (NULL when
 * empty) and *n. */
static store_rc read_rows(db_stmt *s, size_t row_size, store_row_reader read, size_t expect,
                          arena *a, void **out, size_t *n)
{
    assert(row_size > 0 && read);
    buf rows;
    bool row = false;
    store_rc rc = STORE_OK;
    buf_init(&rows, ROWS_LIMIT, a);
    if (expect && (expect > ROWS_LIMIT / row_size || !buf_reserve(&rows, expect * row_size)))
        rc = store_out_of_memory("row array");
    while (rc == STORE_OK && (rc = db_step(s, &row)) == STORE_OK && row) {
        void *next = buf_extend(&rows, row_size);
        rc = next ? read(s, a, next) : store_out_of_memory("row array");
    }
    if (rc == STORE_OK) {
        *n = rows.len / row_size;
        *out = *n ? rows.data : NULL;
    }
    return rc;
}

void store_bind_values(db_stmt *s, int first, const store_value *values, int n)
{
    assert(values || n == 0);
    for (int i = 0; i < n; i++) {
        switch (values[i].kind) {
        case STORE_VALUE_INT64:
            db_bind_int64(s, first + i, values[i].int64);
            break;
        case STORE_VALUE_TEXT:
            db_bind_text(s, first + i, values[i].text);
            break;
        case STORE_VALUE_BLOB:
            db_bind_blob(s, first + i, values[i].blob, values[i].size);
            break;
        case STORE_VALUE_NULL:
            db_bind_null(s, first + i);
            break;
        }
    }
}

store_rc store_write_run(db *d, const char *sql, const store_value *binds, int n_binds, bool *row,
                         int64_t *id)
{
    assert(d && sql);
    db_stmt *s = NULL;
    store_rc rc = db_prepare(d, sql, &s);
    if (rc == STORE_OK) {
        store_bind_values(s, 1, binds, n_binds);
        rc = store_step_write(s, row, id);
    }
    db_reset(s);
    return rc;
}

store_rc store_rows_run(db *d, const store_rows *q, const store_value *binds, int n_binds, arena *a,
                        void **out, size_t *n)
{
    assert(d && q && q->sql && a && out && n);
    db_stmt *s = NULL;
    *out = NULL;
    store_rc rc = db_prepare(d, q->sql, &s);
    if (rc == STORE_OK) {
        store_bind_values(s, 1, binds, n_binds);
        rc = read_rows(s, q->row_size, q->read, 0, a, out, n);
    }
    db_reset(s);
    return rc;
}

store_rc store_row_get(db *d, const store_rows *q, const store_value *binds, int n_binds, arena *a,
                       void *row)
{
    assert(d && q && q->sql && q->read && row);
    db_stmt *s = NULL;
    bool found = false;
    store_rc rc = db_prepare(d, q->sql, &s);
    if (rc == STORE_OK) {
        store_bind_values(s, 1, binds, n_binds);
        rc = db_step(s, &found);
    }
    if (rc == STORE_OK)
        rc = found ? q->read(s, a, row) : STORE_NOT_FOUND;
    db_reset(s);
    return rc;
}

store_rc store_read_id(db_stmt *s, arena *a, void *row)
{
    (void)a;
    *(int64_t *)row = db_column_int64(s, 0);
    return STORE_OK;
}

store_rc store_write_row(db *d, const char *sql, const store_value *binds, int n_binds)
{
    bool row = false;
    store_rc rc = store_write_run(d, sql, binds, n_binds, &row, NULL);
    return rc == STORE_OK && !row ? STORE_NOT_FOUND : rc;
}

/* Binds l->binds to the leading placeholders of s. */
static void list_bind(db_stmt *s, const store_list *l)
{
    for (int i = 0; i < l->n_binds; i++)
        db_bind_int64(s, i + 1, l->binds[i]);
}

store_rc store_list_run(store *st, const store_list *l, const list_query *q, arena *a, void **out,
                        size_t *n, int64_t *total)
{
    assert(st && l && q && a && out && n && total);
    store_op op;
    db_stmt *s = NULL;
    bool row = false;
    int64_t count = 0, limit = 0, offset = 0;
    void *rows = NULL;
    size_t got = 0, expect = 0;
    store_page_window(q, &limit, &offset);
    store_rc rc = store_op_begin(st, &op, STORE_OP_READ);
    if (rc != STORE_OK)
        goto done;

    rc = db_prepare(st->db, l->count_sql, &s);
    if (rc != STORE_OK)
        goto done;
    list_bind(s, l);
    rc = db_step(s, &row);
    if (rc != STORE_OK)
        goto done;
    assert(row);
    count = db_column_int64(s, 0);
    db_reset(s);
    s = NULL;

    expect = store_page_rows(count, limit, offset);
    if (expect == 0)
        goto done; /* nothing on this page: skip the rows query */
    rc = db_prepare(st->db, l->rows_sql, &s);
    if (rc != STORE_OK)
        goto done;
    list_bind(s, l);
    db_bind_int64(s, l->n_binds + 1, limit);
    db_bind_int64(s, l->n_binds + 2, offset);
    rc = read_rows(s, l->row_size, l->read, expect, a, &rows, &got);
done:
    db_reset(s);
    rc = store_op_end(st, &op, rc);
    if (rc == STORE_OK) {
        *out = rows;
        *n = got;
        *total = count;
    }
    return rc;
}

store_rc store_page_run(store *st, const char *count_sql, const store_rows *rows_q,
                        const store_value *binds, int n_binds, const list_query *q, arena *a,
                        void **out, size_t *n, int64_t *total)
{
    assert(st && count_sql && rows_q && (binds || n_binds == 0) && q && a && out && n && total);
    assert(n_binds >= 0 && n_binds <= STORE_PAGE_MAX_BINDS);
    store_op op;
    int64_t count = 0, limit = 0, offset = 0;
    void *rows = NULL;
    size_t got = 0;
    store_value all[STORE_PAGE_MAX_BINDS + 2];
    store_page_window(q, &limit, &offset);
    store_rc rc = store_op_begin(st, &op, STORE_OP_READ);
    if (rc != STORE_OK)
        goto done;
    const store_rows count_q = {count_sql, sizeof count, store_read_id};
    rc = store_row_get(st->db, &count_q, binds, n_binds, NULL, &count);
    if (rc != STORE_OK || store_page_rows(count, limit, offset) == 0)
        goto done; /* nothing on this page: skip the rows query */
    for (int i = 0; i < n_binds; i++)
        all[i] = binds[i];
    all[n_binds] = STORE_INT64(limit);
    all[n_binds + 1] = STORE_INT64(offset);
    rc = store_rows_run(st->db, rows_q, all, n_binds + 2, a, &rows, &got);
done:
    rc = store_op_end(st, &op, rc);
    if (rc == STORE_OK) {
        *out = rows;
        *n = got;
        *total = count;
    }
    return rc;
}

store_rc store_get_by_ref(store *st, const char *by_id, const char *by_remote_id, int64_t owner,
                          const object_ref *ref, arena *a,
                          store_rc (*read)(db_stmt *s, arena *a, void *row), void *row)
{
    assert(st && ref && a && read && row);
    const store_rows q = {ref->remote_id ? by_remote_id : by_id, 0, read};
    const store_value by_remote[] = {STORE_INT64(owner), STORE_TEXT(ref->remote_id)};
    const store_value by_number[] = {STORE_INT64(ref->id), STORE_INT64(owner)};
    return store_row_get(st->db, &q, ref->remote_id ? by_remote : by_number, 2, a, row);
}

store_rc store_touch_appointments(store *st, const char *sql, int64_t now, int64_t id,
                                  const char *const *values, int n)
{
    assert(st && sql && (values || n == 0) && n <= 2);
    store_value binds[6] = {STORE_INT64(now), STORE_INT64(id), STORE_INT64(now), STORE_INT64(id)};
    for (int i = 0; i < n; i++)
        binds[4 + i] = STORE_TEXT(values[i]);
    return store_write_run(st->db, sql, binds, 4 + n, NULL, NULL);
}

/* ---- bulk statements -------------------------------------------------- */

store_rc store_bulk_run(store *st, const store_bulk *b, size_t *rows)
{
    assert(st && b && b->sql && b->bind && b->per_row > 0);
    db_stmt *s = NULL;
    size_t got = 0;
    store_rc rc = STORE_OK;
    for (size_t base = 0; base < b->n && rc == STORE_OK; base += STORE_BULK_ROWS) {
        size_t end = b->n - base < STORE_BULK_ROWS ? b->n : base + STORE_BULK_ROWS;
        rc = db_prepare(st->db, b->sql, &s);
        if (rc != STORE_OK)
            break;
        for (int i = 0; i < b->n_lead; i++)
            db_bind_int64(s, i + 1, b->lead[i]);
        for (size_t k = base; k < end; k++)
            b->bind(s, b->n_lead + 1 + (int)(k - base) * b->per_row, b->items, k);
        for (int i = 0; i < b->n_trail; i++)
            db_bind_int64(s, b->n_lead + STORE_BULK_ROWS * b->per_row + 1 + i, b->trail[i]);
        bool row = false;
        while ((rc = db_step(s, &row)) == STORE_OK && row) {
            got++;
            if (b->row && (rc = b->row(s, b->ctx)) != STORE_OK)
                break;
        }
        db_reset(s);
        s = NULL;
    }
    if (rows)
        *rows = got;
    return rc;
}

/* store_get_many's collection of the rows its lookups return: `found`
 * grows as read_rows' array does; rows and n describe it once complete. */
typedef struct many_rows {
    const store_many *m;
    arena *a;
    buf found;
    const void *rows;
    size_t n;
} many_rows;

static store_rc many_row(db_stmt *s, void *ctx)
{
    many_rows *r = ctx;
    void *next = buf_extend(&r->found, r->m->row_size);
    return next ? r->m->read(s, r->a, next) : store_out_of_memory("row array");
}

/* store_get_many's binds: the id or the remote_id of the k-th ref of the
 * kind the statement looks up (items is a ref_pick). */
typedef struct ref_pick {
    const object_ref *refs;
    const size_t *picked;
} ref_pick;

static void bind_ref_id(db_stmt *s, int first, const void *items, size_t k)
{
    const ref_pick *p = items;
    db_bind_int64(s, first, p->refs[p->picked[k]].id);
}

static void bind_ref_remote_id(db_stmt *s, int first, const void *items, size_t k)
{
    const ref_pick *p = items;
    db_bind_text(s, first, p->refs[p->picked[k]].remote_id);
}

static int cmp_row_id(const void *x, const void *y)
{
    int64_t a = *(const int64_t *)x, b = *(const int64_t *)y; /* id comes first in a row */
    return (a > b) - (a < b);
}

static const char *row_remote_id(const void *row, size_t offset)
{
    return *(const char *const *)((const char *)row + offset);
}

/* strcmp with NULL first. */
static int cmp_text(const char *a, const char *b)
{
    if (!a || !b)
        return (a != NULL) - (b != NULL);
    return strcmp(a, b);
}

/* qsort_r's order of rows by remote_id; arg points to its offset. */
static int cmp_row_remote_id(const void *x, const void *y, void *arg)
{
    size_t offset = *(const size_t *)arg;
    return cmp_text(row_remote_id(x, offset), row_remote_id(y, offset));
}

/* The row of rows[0..n) (sorted by the key ref uses: remote_id when it has
 * one, else id) that ref names, or NULL. */
static const void *find_row(const many_rows *r, const object_ref *ref)
{
    size_t lo = 0, hi = r->n, size = r->m->row_size, offset = r->m->remote_id_offset;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const void *row = (const char *)r->rows + mid * size;
        int c = ref->remote_id ? cmp_text(row_remote_id(row, offset), ref->remote_id)
                               : cmp_row_id(row, &ref->id);
        if (c == 0)
            return row;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* Looks up the refs that `picked` lists (all of one kind) with `sql`, into
 * r, sorted by that kind's key. */
static store_rc get_many_of_kind(store *st, const char *sql, int64_t owner, const ref_pick *pick,
                                 size_t n, bool by_remote_id, many_rows *r)
{
    buf_init(&r->found, ROWS_LIMIT, r->a);
    if (n == 0)
        return STORE_OK;
    const store_bulk b = {
        .sql = sql,
        .trail = &owner,
        .n_trail = 1,
        .per_row = 1,
        .items = pick,
        .n = n,
        .bind = by_remote_id ? bind_ref_remote_id : bind_ref_id,
        .row = many_row,
        .ctx = r,
    };
    store_rc rc = store_bulk_run(st, &b, NULL);
    if (rc != STORE_OK)
        return rc;
    r->rows = r->found.data;
    r->n = r->found.len / r->m->row_size;
    if (r->n > 1 && by_remote_id)
        qsort_r(r->found.data, r->n, r->m->row_size, cmp_row_remote_id,
                (void *)&r->m->remote_id_offset);
    else if (r->n > 1)
        qsort(r->found.data, r->n, r->m->row_size, cmp_row_id);
    return rc;
}

store_rc store_get_many(store *st, const store_many *m, int64_t owner, const object_ref *refs,
                        size_t n, arena *a, void *out, bool *found)
{
    assert(st && m && (refs || n == 0) && a && (out || n == 0) && (found || n == 0));
    store_rc rc = STORE_OK;
    size_t n_ids = 0, n_remote = 0;
    size_t *ids = n ? arena_alloc(a, n * sizeof *ids) : NULL;
    size_t *remote = n ? arena_alloc(a, n * sizeof *remote) : NULL;
    many_rows by_id = {.m = m, .a = a}, by_remote = {.m = m, .a = a};
    if (n && (!ids || !remote))
        return store_out_of_memory("bulk lookup");
    for (size_t i = 0; i < n; i++) {
        found[i] = false;
        if (refs[i].remote_id)
            remote[n_remote++] = i;
        else
            ids[n_ids++] = i;
    }
    const ref_pick id_pick = {refs, ids}, remote_pick = {refs, remote};
    if ((rc = get_many_of_kind(st, m->by_ids, owner, &id_pick, n_ids, false, &by_id)) != STORE_OK ||
        (rc = get_many_of_kind(st, m->by_remote_ids, owner, &remote_pick, n_remote, true,
                               &by_remote)) != STORE_OK)
        return rc;
    for (size_t i = 0; i < n; i++) {
        const void *row = find_row(refs[i].remote_id ? &by_remote : &by_id, &refs[i]);
        if (row) {
            memcpy((char *)out + i * m->row_size, row, m->row_size);
            found[i] = true;
        }
    }
    return rc;
}

/* store_bulk_insert's collection of the returned ids. */
typedef struct id_list {
    int64_t *ids;
    size_t n, cap;
} id_list;

static store_rc id_row(db_stmt *s, void *ctx)
{
    id_list *l = ctx;
    if (l->n == l->cap) {
        fprintf(stderr, "agenda: store: a bulk insert returned more rows than it was given\n");
        return STORE_ERROR;
    }
    l->ids[l->n++] = db_column_int64(s, 0);
    return STORE_OK;
}

store_rc store_bulk_insert(store *st, const store_bulk *b, arena *a, int64_t **ids)
{
    assert(st && b && a && ids && !b->row);
    id_list l = {.cap = b->n};
    *ids = NULL;
    if (b->n == 0)
        return STORE_OK;
    l.ids = arena_alloc(a, b->n * sizeof *l.ids);
    if (!l.ids)
        return store_out_of_memory("bulk insert");
    store_bulk run = *b;
    run.row = id_row;
    run.ctx = &l;
    store_rc rc = store_bulk_run(st, &run, NULL);
    if (rc == STORE_OK && l.n != b->n) {
        fprintf(stderr, "agenda: store: a bulk insert returned fewer rows than it was given\n");
        rc = STORE_ERROR;
    }
    /* Both engines give ids out in increasing order as they insert the
     * VALUES rows, in order; RETURNING need not list them in that order. */
    if (rc == STORE_OK && l.n > 1)
        qsort(l.ids, l.n, sizeof *l.ids, cmp_row_id);
    if (rc == STORE_OK)
        *ids = l.ids;
    return rc;
}

store_rc store_pick_split(void *rows, size_t row_size, size_t n, arena *a, store_pick *old,
                          store_pick *fresh)
{
    assert((rows || n == 0) && a && old && fresh);
    size_t *o = arena_alloc(a, (n + 1) * sizeof *o), *f = arena_alloc(a, (n + 1) * sizeof *f);
    *old = (store_pick){.rows = rows, .row_size = row_size, .picked = o};
    *fresh = (store_pick){.rows = rows, .row_size = row_size, .picked = f};
    if (!o || !f)
        return store_out_of_memory("bulk write");
    for (size_t i = 0; i < n; i++) {
        if (*(const int64_t *)((const char *)rows + i * row_size)) /* the id */
            o[old->n++] = i;
        else
            f[fresh->n++] = i;
    }
    return STORE_OK;
}

/* The items of a bulk statement binding store_pick rows through a
 * store_row_values. */
typedef struct pick_values {
    const store_pick *pick;
    store_row_values values;
    int per_row;
} pick_values;

static void bind_pick_values(db_stmt *s, int first, const void *items, size_t k)
{
    const pick_values *p = items;
    store_value v[STORE_ROW_VALUES_MAX];
    assert(p->per_row <= STORE_ROW_VALUES_MAX);
    p->values(store_picked(p->pick, k), v);
    store_bind_values(s, first, v, p->per_row);
}

store_rc store_write_picks(store *st, const store_writes *w, const store_pick *old,
                           const store_pick *fresh, int64_t now, arena *a)
{
    assert(st && w && old && fresh && a);
    const int64_t stamps[] = {now, now};
    const pick_values touched = {old, w->touch_values, w->touch_per_row},
                      updated = {old, w->update_values, w->update_per_row},
                      inserted = {fresh, w->insert_values, w->insert_per_row};
    size_t n_updated = 0;
    int64_t *ids = NULL;
    store_rc rc = STORE_OK;
    if (w->touch) {
        const store_bulk touch = {.sql = w->touch,
                                  .lead = stamps,
                                  .n_lead = 2,
                                  .per_row = w->touch_per_row,
                                  .items = &touched,
                                  .n = old->n,
                                  .bind = bind_pick_values};
        if ((rc = store_bulk_run(st, &touch, NULL)) != STORE_OK)
            return rc;
    }
    const store_bulk update = {.sql = w->update,
                               .per_row = w->update_per_row,
                               .items = &updated,
                               .n = old->n,
                               .bind = bind_pick_values};
    if ((rc = store_bulk_run(st, &update, &n_updated)) != STORE_OK)
        return rc;
    if (n_updated != old->n)
        return STORE_NOT_FOUND;
    const store_bulk insert = {.sql = w->insert,
                               .per_row = w->insert_per_row,
                               .items = &inserted,
                               .n = fresh->n,
                               .bind = bind_pick_values};
    if ((rc = store_bulk_insert(st, &insert, a, &ids)) != STORE_OK)
        return rc;
    for (size_t k = 0; k < fresh->n; k++)
        *(int64_t *)store_picked(fresh, k) = ids[k];
    return rc;
}

store_rc store_write_many(store *st, const store_writes *w, void *rows, size_t row_size, size_t n,
                          int64_t now, arena *a)
{
    store_pick old, fresh;
    store_rc rc = store_pick_split(rows, row_size, n, a, &old, &fresh);
    return rc == STORE_OK ? store_write_picks(st, w, &old, &fresh, now, a) : rc;
}

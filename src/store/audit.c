/* audit.c - who created, changed or deleted which patient or appointment,
 * and when: the audit log (migrate.c, migration 16).
 *
 * The store's connection carries its actor (store_set_actor): the API user
 * of a request, an admin command, a public route (the SMS gateway's
 * callbacks), the booking page, calendar sync, or "system".  Every write of
 * patients and appointments adds its rows in the same unit of work as the
 * write, so the log and the data never disagree: one row per object
 * written, with the action and no value of the object (the log outlives an
 * erasure, so it must hold nothing personal of the patient).  A
 * collection's rows go in one bulk statement; the one index is by object,
 * for "what happened to this appointment"; a user's history is read
 * newest first without one (an operator's occasional question). */
#include <assert.h>
#include <stdio.h>
#include <string.h>

#include "store/internal.h"

/* at, actor_kind, actor_user_id, actor, action, object_kind, object_id */
#define AUDIT_ROW "(" BULK_INT ", ?, " BULK_INT ", ?, ?, ?, " BULK_INT ")"
static const char SQL_AUDIT_INSERT[] =
    "INSERT INTO audit_log (at, actor_kind, actor_user_id, actor, action, object_kind, object_id)"
    " SELECT column1, column2, column3, column4, column5, column6, column7"
    " FROM (VALUES " BULK_LIST(AUDIT_ROW) ") AS v WHERE column1 IS NOT NULL";

#define AUDIT_COLUMNS "id, at, actor_kind, actor_user_id, actor, action, object_kind, object_id"
static const char SQL_BY_OBJECT[] =
    "SELECT " AUDIT_COLUMNS " FROM audit_log"
    " WHERE object_kind = ? AND object_id = ? ORDER BY id DESC LIMIT ?";
static const char SQL_BY_ACTOR[] =
    "SELECT " AUDIT_COLUMNS " FROM audit_log WHERE actor = ? ORDER BY id DESC LIMIT ?";
static const char SQL_ALL[] = "SELECT " AUDIT_COLUMNS " FROM audit_log ORDER BY id DESC LIMIT ?";

void store_set_actor(store *st, const store_actor *who)
{
    assert(st);
    const store_actor system = {.kind = "system", .name = ""};
    if (!who)
        who = &system;
    assert(who->kind && who->name && !strchr(who->kind, ' '));
    snprintf(st->actor_kind, sizeof st->actor_kind, "%s", who->kind);
    snprintf(st->actor_name, sizeof st->actor_name, "%s", who->name);
    for (char *c = st->actor_name; *c; c++)
        if (*c == ' ' || *c == '\n')
            *c = '_'; /* one word: `agenda audit` prints space-separated fields */
    st->actor_user_id = who->user_id;
}

/* One bulk statement's view of the objects: their ids and actions. */
typedef struct audit_batch {
    const store *st;
    int64_t at;
    const char *object_kind;
    const int64_t *ids;
    const char *const *actions; /* per object, or NULL: `action` for all */
    const char *action;
} audit_batch;

static void bind_audit(db_stmt *s, int first, const void *items, size_t k)
{
    const audit_batch *b = items;
    db_bind_int64(s, first, b->at);
    db_bind_text(s, first + 1, b->st->actor_kind[0] ? b->st->actor_kind : "system");
    if (b->st->actor_user_id)
        db_bind_int64(s, first + 2, b->st->actor_user_id);
    else
        db_bind_null(s, first + 2);
    db_bind_text(s, first + 3, b->st->actor_name);
    db_bind_text(s, first + 4, b->actions ? b->actions[k] : b->action);
    db_bind_text(s, first + 5, b->object_kind);
    db_bind_int64(s, first + 6, b->ids[k]);
}

store_rc store_audit(store *st, const char *object_kind, const int64_t *ids,
                     const char *const *actions, const char *action, size_t n, int64_t at)
{
    assert(st && object_kind && (ids || n == 0) && (actions || action));
    if (n == 0)
        return STORE_OK;
    const audit_batch batch = {.st = st,
                               .at = at,
                               .object_kind = object_kind,
                               .ids = ids,
                               .actions = actions,
                               .action = action};
    const store_bulk insert = {
        .sql = SQL_AUDIT_INSERT, .per_row = 7, .items = &batch, .n = n, .bind = bind_audit};
    return store_bulk_run(st, &insert, NULL);
}

static store_rc read_entry(db_stmt *s, arena *a, void *row)
{
    audit_entry *e = row;
    store_rc rc;
    e->id = db_column_int64(s, 0);
    e->at = db_column_int64(s, 1);
    e->actor_user_id = db_column_int64(s, 3);
    e->object_id = db_column_int64(s, 7);
    if ((rc = store_column_text(s, 2, a, &e->actor_kind)) != STORE_OK ||
        (rc = store_column_text(s, 4, a, &e->actor)) != STORE_OK ||
        (rc = store_column_text(s, 5, a, &e->action)) != STORE_OK ||
        (rc = store_column_text(s, 6, a, &e->object_kind)) != STORE_OK)
        return rc;
    return STORE_OK;
}

store_rc store_audit_list(store *st, const audit_filter *f, arena *a, audit_entry **out, size_t *n)
{
    assert(st && f && a && out && n && f->limit > 0);
    if (f->object_kind) {
        const store_rows q = {SQL_BY_OBJECT, sizeof(audit_entry), read_entry};
        const store_value binds[] = {STORE_TEXT(f->object_kind), STORE_INT64(f->object_id),
                                     STORE_INT64(f->limit)};
        return store_rows_run(st->db, &q, binds, 3, a, (void **)out, n);
    }
    if (f->actor) {
        const store_rows q = {SQL_BY_ACTOR, sizeof(audit_entry), read_entry};
        const store_value binds[] = {STORE_TEXT(f->actor), STORE_INT64(f->limit)};
        return store_rows_run(st->db, &q, binds, 2, a, (void **)out, n);
    }
    const store_rows q = {SQL_ALL, sizeof(audit_entry), read_entry};
    const store_value binds[] = {STORE_INT64(f->limit)};
    return store_rows_run(st->db, &q, binds, 1, a, (void **)out, n);
}

/* accounts.c - centers, calendars (with specialities), users and grants.
 *
 * Who may see what is decided here by joins with `grants`: a user reaches a
 * center through a grant, and a calendar through its center's grant, so a
 * center or calendar outside the grants reads exactly like a missing one
 * (NOT_FOUND).  Uniqueness (slugs, emails, speciality names, grants) is left
 * to the database's unique keys; a violation comes back as STORE_CONFLICT
 * from the db layer, and a reference to a missing row (foreign key) as
 * STORE_NOT_FOUND.  Calls of several statements run as one unit of work
 * (internal.h), so they are atomic and read one snapshot.
 *
 * Emails are case-insensitive: they are stored, and looked up, with their
 * ASCII letters lower-cased (store_email_fold), so the unique key on
 * users.email holds regardless of case (migration 5 folded older rows). */
#include <assert.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/internal.h"

/* ---- SQL -------------------------------------------------------------- */

static const char SQL_CENTER_INSERT[] =
    "INSERT INTO centers (name, slug, timezone) VALUES (?, ?, ?) RETURNING id";
static const char SQL_CENTER_GET[] = "SELECT id, name, slug, timezone FROM centers WHERE id = ?";
static const char SQL_CENTERS_FOR_USER[] = "SELECT c.id, c.name, c.slug, c.timezone"
                                           " FROM grants g JOIN centers c ON c.id = g.center_id"
                                           " WHERE g.user_id = ? ORDER BY c.id";

#define CALENDAR_COLUMNS "k.id, k.center_id, k.first_name, k.last_name, k.slug, k.slot_step"

static const char SQL_CALENDAR_INSERT[] =
    "INSERT INTO calendars (center_id, first_name, last_name, slug, slot_step)"
    " VALUES (?, ?, ?, ?, ?) RETURNING id";
static const char SQL_SPECIALITY_ADD[] =
    "INSERT INTO specialities (name) VALUES (?) ON CONFLICT (name) DO NOTHING";
static const char SQL_SPECIALITY_ID[] = "SELECT id FROM specialities WHERE name = ?";
static const char SQL_CALENDAR_LINK[] =
    "INSERT INTO calendar_specialities (calendar_id, speciality_id) VALUES (?, ?)"
    " ON CONFLICT DO NOTHING";
static const char SQL_CALENDAR_GET[] =
    "SELECT " CALENDAR_COLUMNS " FROM calendars k WHERE k.id = ?";
static const char SQL_CALENDAR_SPECIALITIES[] =
    "SELECT cs.calendar_id, s.id, s.name FROM calendar_specialities cs"
    " JOIN specialities s ON s.id = cs.speciality_id"
    " WHERE cs.calendar_id = ? ORDER BY s.id";
static const char SQL_CALENDARS_FOR_USER[] =
    "SELECT " CALENDAR_COLUMNS " FROM grants g JOIN calendars k ON k.center_id = g.center_id"
    " WHERE g.user_id = ? ORDER BY k.id";
static const char SQL_SPECIALITIES_FOR_USER[] =
    "SELECT cs.calendar_id, s.id, s.name FROM grants g"
    " JOIN calendars k ON k.center_id = g.center_id"
    " JOIN calendar_specialities cs ON cs.calendar_id = k.id"
    " JOIN specialities s ON s.id = cs.speciality_id"
    " WHERE g.user_id = ? ORDER BY cs.calendar_id, s.id";
static const char SQL_USER_CALENDAR[] =
    "SELECT " CALENDAR_COLUMNS " FROM calendars k JOIN grants g ON g.center_id = k.center_id"
    " WHERE k.id = ? AND g.user_id = ?";

static const char SQL_USER_INSERT[] =
    "INSERT INTO users (email, token_hash, disabled) VALUES (?, ?, ?) RETURNING id";
static const char SQL_USER_BY_EMAIL[] =
    "SELECT id, email, token_hash, disabled FROM users WHERE email = ?";
static const char SQL_USER_SET_TOKEN[] =
    "UPDATE users SET token_hash = ?, disabled = 0 WHERE id = ? RETURNING id";
static const char SQL_USER_DISABLE[] = "UPDATE users SET disabled = 1 WHERE id = ? RETURNING id";

static const char SQL_GRANT_ADD[] =
    "INSERT INTO grants (user_id, center_id) VALUES (?, ?) ON CONFLICT DO NOTHING";
static const char SQL_GRANT_REMOVE[] =
    "DELETE FROM grants WHERE user_id = ? AND center_id = ? RETURNING user_id";

#define DEFAULT_SLOT_STEP 15

/* ---- centers ---------------------------------------------------------- */

/* Reads the center columns (id, name, slug, timezone) into *row (a
 * center). */
static store_rc read_center(db_stmt *s, arena *a, void *row)
{
    center *out = row;
    store_rc rc = STORE_OK;
    out->id = db_column_int64(s, 0);
    if ((rc = store_column_text(s, 1, a, &out->name)) != STORE_OK ||
        (rc = store_column_text(s, 2, a, &out->slug)) != STORE_OK ||
        (rc = store_column_text(s, 3, a, &out->timezone)) != STORE_OK)
        return rc;
    return STORE_OK;
}

store_rc store_center_create(store *st, center *c)
{
    assert(st && c && c->name && c->slug && c->timezone);
    db_stmt *s = NULL;
    store_rc rc = db_prepare(st->db, SQL_CENTER_INSERT, &s);
    if (rc != STORE_OK)
        goto done;
    db_bind_text(s, 1, c->name);
    db_bind_text(s, 2, c->slug);
    db_bind_text(s, 3, c->timezone);
    rc = store_step_write(s, NULL, &c->id);
done:
    db_reset(s);
    return rc;
}

store_rc store_center_get(store *st, int64_t center_id, arena *a, center *out)
{
    assert(st && a && out);
    db_stmt *s = NULL;
    bool row = false;
    store_rc rc = db_prepare(st->db, SQL_CENTER_GET, &s);
    if (rc != STORE_OK)
        goto done;
    db_bind_int64(s, 1, center_id);
    rc = db_step(s, &row);
    if (rc != STORE_OK)
        goto done;
    rc = row ? read_center(s, a, out) : STORE_NOT_FOUND;
done:
    db_reset(s);
    return rc;
}

store_rc store_centers_for_user(store *st, int64_t user_id, arena *a, center **out, size_t *n)
{
    assert(st && a && out && n);
    const store_rows q = {
        .sql = SQL_CENTERS_FOR_USER,
        .binds = (const store_value[]){STORE_INT64(user_id)},
        .n_binds = 1,
        .row_size = sizeof(center),
        .read = read_center,
    };
    void *rows = NULL;
    store_rc rc = store_rows_run(st->db, &q, a, &rows, n);
    if (rc == STORE_OK)
        *out = rows;
    return rc;
}

/* ---- calendars -------------------------------------------------------- */

/* Reads the CALENDAR_COLUMNS into *row (a calendar), without
 * specialities. */
static store_rc read_calendar(db_stmt *s, arena *a, void *row)
{
    calendar *out = row;
    store_rc rc = STORE_OK;
    *out = (calendar){0};
    out->id = db_column_int64(s, 0);
    out->center_id = db_column_int64(s, 1);
    if ((rc = store_column_text(s, 2, a, &out->first_name)) != STORE_OK ||
        (rc = store_column_text(s, 3, a, &out->last_name)) != STORE_OK ||
        (rc = store_column_text(s, 4, a, &out->slug)) != STORE_OK)
        return rc;
    out->slot_step = (int)db_column_int64(s, 5);
    return STORE_OK;
}

/* A speciality with the calendar it belongs to: a row of
 * SQL_CALENDAR_SPECIALITIES and SQL_SPECIALITIES_FOR_USER. */
typedef struct calendar_speciality {
    int64_t calendar_id;
    speciality speciality;
} calendar_speciality;

/* Reads (calendar id, speciality id, name) into *row (a
 * calendar_speciality). */
static store_rc read_calendar_speciality(db_stmt *s, arena *a, void *row)
{
    calendar_speciality *out = row;
    out->calendar_id = db_column_int64(s, 0);
    out->speciality.id = db_column_int64(s, 1);
    return store_column_text(s, 2, a, &out->speciality.name);
}

/* Reads the specialities `sql` selects for `owner` (a calendar or a user),
 * ordered by calendar then speciality, and hands each of the calendars
 * rows[0..count) (ordered by id) its run of them, as an arena array. */
static store_rc attach_specialities(db *d, const char *sql, int64_t owner, arena *a, calendar *rows,
                                    size_t count)
{
    const store_rows q = {
        .sql = sql,
        .binds = (const store_value[]){STORE_INT64(owner)},
        .n_binds = 1,
        .row_size = sizeof(calendar_speciality),
        .read = read_calendar_speciality,
    };
    void *found = NULL;
    size_t n = 0;
    store_rc rc = store_rows_run(d, &q, a, &found, &n);
    if (rc != STORE_OK)
        return rc;
    const calendar_speciality *links = found;
    speciality *all = n ? arena_alloc(a, n * sizeof *all) : NULL;
    if (n && !all)
        return store_out_of_memory("specialities");
    for (size_t j = 0; j < n; j++)
        all[j] = links[j].speciality;
    /* both lists are ordered by calendar id */
    size_t j = 0;
    for (size_t i = 0; i < count; i++) {
        while (j < n && links[j].calendar_id < rows[i].id)
            j++;
        size_t first = j;
        while (j < n && links[j].calendar_id == rows[i].id)
            j++;
        rows[i].specialities = j > first ? &all[first] : NULL;
        rows[i].n_specialities = j - first;
    }
    return STORE_OK;
}

/* Sets *id to the id of the speciality `name`, creating it when new. */
static store_rc speciality_id(db *d, const char *name, int64_t *id)
{
    db_stmt *s = NULL;
    bool row = false;
    store_rc rc = db_prepare(d, SQL_SPECIALITY_ADD, &s);
    if (rc != STORE_OK)
        goto done;
    db_bind_text(s, 1, name);
    rc = store_step_write(s, NULL, NULL);
    db_reset(s);
    s = NULL;
    if (rc != STORE_OK)
        goto done;

    rc = db_prepare(d, SQL_SPECIALITY_ID, &s);
    if (rc != STORE_OK)
        goto done;
    db_bind_text(s, 1, name);
    rc = db_step(s, &row);
    if (rc != STORE_OK)
        goto done;
    if (!row) { /* only if another writer's row is not visible to us yet */
        fprintf(stderr, "agenda: store: speciality vanished after insert\n");
        rc = STORE_ERROR;
        goto done;
    }
    *id = db_column_int64(s, 0);
done:
    db_reset(s);
    return rc;
}

/* Links calendar_id with speciality_id (idempotent). */
static store_rc link_speciality(db *d, int64_t calendar_id, int64_t speciality_id)
{
    db_stmt *s = NULL;
    store_rc rc = db_prepare(d, SQL_CALENDAR_LINK, &s);
    if (rc != STORE_OK)
        goto done;
    db_bind_int64(s, 1, calendar_id);
    db_bind_int64(s, 2, speciality_id);
    rc = store_step_write(s, NULL, NULL);
done:
    db_reset(s);
    return rc;
}

store_rc store_calendar_create(store *st, calendar *k)
{
    assert(st && k && k->first_name && k->last_name && k->slug);
    assert(k->n_specialities == 0 || k->specialities);
    store_op op;
    db_stmt *s = NULL;
    int64_t id = 0;
    int slot_step = k->slot_step > 0 ? k->slot_step : DEFAULT_SLOT_STEP;
    store_rc rc = store_op_begin(st, &op, STORE_OP_WRITE);
    if (rc != STORE_OK)
        goto done;

    rc = db_prepare(st->db, SQL_CALENDAR_INSERT, &s);
    if (rc != STORE_OK)
        goto done;
    db_bind_int64(s, 1, k->center_id);
    db_bind_text(s, 2, k->first_name);
    db_bind_text(s, 3, k->last_name);
    db_bind_text(s, 4, k->slug);
    db_bind_int64(s, 5, slot_step);
    rc = store_step_write(s, NULL, &id);
    if (rc != STORE_OK)
        goto done;

    for (size_t i = 0; i < k->n_specialities; i++) {
        assert(k->specialities[i].name);
        rc = speciality_id(st->db, k->specialities[i].name, &k->specialities[i].id);
        if (rc != STORE_OK)
            goto done;
        rc = link_speciality(st->db, id, k->specialities[i].id);
        if (rc != STORE_OK)
            goto done;
    }
done:
    db_reset(s);
    rc = store_op_end(st, &op, rc);
    if (rc == STORE_OK) {
        k->id = id;
        k->slot_step = slot_step;
    }
    return rc;
}

/* Reads the one calendar `sql` selects, its placeholders bound to
 * binds[0..n_binds), with its specialities, in one read snapshot. */
static store_rc calendar_read_one(store *st, const char *sql, const int64_t *binds, int n_binds,
                                  arena *a, calendar *out)
{
    store_op op;
    db_stmt *s = NULL;
    bool row = false;
    store_rc rc = store_op_begin(st, &op, STORE_OP_READ);
    if (rc != STORE_OK)
        goto done;
    rc = db_prepare(st->db, sql, &s);
    if (rc != STORE_OK)
        goto done;
    for (int i = 0; i < n_binds; i++)
        db_bind_int64(s, i + 1, binds[i]);
    rc = db_step(s, &row);
    if (rc != STORE_OK)
        goto done;
    if (!row) {
        rc = STORE_NOT_FOUND;
        goto done;
    }
    rc = read_calendar(s, a, out);
    db_reset(s);
    s = NULL;
    if (rc != STORE_OK)
        goto done;
    rc = attach_specialities(st->db, SQL_CALENDAR_SPECIALITIES, out->id, a, out, 1);
done:
    db_reset(s);
    return store_op_end(st, &op, rc);
}

store_rc store_calendar_get(store *st, int64_t calendar_id, arena *a, calendar *out)
{
    assert(st && a && out);
    const int64_t binds[] = {calendar_id};
    return calendar_read_one(st, SQL_CALENDAR_GET, binds, 1, a, out);
}

store_rc store_user_calendar(store *st, int64_t user_id, int64_t calendar_id, arena *a,
                             calendar *out)
{
    assert(st && a && out);
    const int64_t binds[] = {calendar_id, user_id};
    return calendar_read_one(st, SQL_USER_CALENDAR, binds, 2, a, out);
}

store_rc store_calendars_for_user(store *st, int64_t user_id, arena *a, calendar **out, size_t *n)
{
    assert(st && a && out && n);
    store_op op;
    const store_rows q = {
        .sql = SQL_CALENDARS_FOR_USER,
        .binds = (const store_value[]){STORE_INT64(user_id)},
        .n_binds = 1,
        .row_size = sizeof(calendar),
        .read = read_calendar,
    };
    void *rows = NULL;
    size_t count = 0;
    store_rc rc = store_op_begin(st, &op, STORE_OP_READ);
    if (rc != STORE_OK)
        goto done;
    rc = store_rows_run(st->db, &q, a, &rows, &count);
    if (rc != STORE_OK)
        goto done;
    rc = attach_specialities(st->db, SQL_SPECIALITIES_FOR_USER, user_id, a, rows, count);
    if (rc != STORE_OK)
        goto done;
    *out = rows;
    *n = count;
done:
    return store_op_end(st, &op, rc);
}

/* ---- users ------------------------------------------------------------ */

void store_email_fold(char *s)
{
    for (; *s; s++)
        if (*s >= 'A' && *s <= 'Z')
            *s = (char)(*s - 'A' + 'a');
}

store_rc store_user_create(store *st, user *u)
{
    assert(st && u && u->email);
    db_stmt *s = NULL;
    char *email = strdup(u->email);
    store_rc rc = email ? db_prepare(st->db, SQL_USER_INSERT, &s) : STORE_ERROR;
    if (rc != STORE_OK)
        goto done;
    store_email_fold(email);
    db_bind_text(s, 1, email);
    db_bind_blob(s, 2, u->token_hash, sizeof u->token_hash);
    db_bind_int64(s, 3, u->disabled ? 1 : 0);
    rc = store_step_write(s, NULL, &u->id);
done:
    db_reset(s);
    free(email);
    return rc;
}

store_rc store_user_get_by_email(store *st, const char *email, arena *a, user *out)
{
    assert(st && email && a && out);
    db_stmt *s = NULL;
    bool row = false;
    size_t len = 0;
    char *folded = arena_strdup(a, email);
    store_rc rc =
        folded ? db_prepare(st->db, SQL_USER_BY_EMAIL, &s) : store_out_of_memory("user lookup");
    if (rc != STORE_OK)
        goto done;
    store_email_fold(folded);
    db_bind_text(s, 1, folded);
    rc = db_step(s, &row);
    if (rc != STORE_OK)
        goto done;
    if (!row) {
        rc = STORE_NOT_FOUND;
        goto done;
    }
    out->id = db_column_int64(s, 0);
    rc = store_column_text(s, 1, a, &out->email);
    if (rc != STORE_OK)
        goto done;
    const void *hash = db_column_blob(s, 2, &len);
    if (!hash || len != sizeof out->token_hash) {
        fprintf(stderr, "agenda: store: user %lld has a malformed token hash\n",
                (long long)out->id);
        rc = STORE_ERROR;
        goto done;
    }
    memcpy(out->token_hash, hash, sizeof out->token_hash);
    out->disabled = db_column_int64(s, 3) != 0;
done:
    db_reset(s);
    return rc;
}

/* Runs a one-row update `sql` bound to (optional hash, then) user_id;
 * NOT_FOUND when it touched no row. */
static store_rc user_update(store *st, const char *sql, const unsigned char *hash, size_t hash_len,
                            int64_t user_id)
{
    db_stmt *s = NULL;
    bool row = false;
    int i = 1;
    store_rc rc = db_prepare(st->db, sql, &s);
    if (rc != STORE_OK)
        goto done;
    if (hash)
        db_bind_blob(s, i++, hash, hash_len);
    db_bind_int64(s, i, user_id);
    rc = store_step_write(s, &row, NULL);
    if (rc == STORE_OK && !row)
        rc = STORE_NOT_FOUND;
done:
    db_reset(s);
    return rc;
}

store_rc store_user_set_token(store *st, int64_t user_id, const unsigned char hash[32])
{
    assert(st && hash);
    return user_update(st, SQL_USER_SET_TOKEN, hash, 32, user_id);
}

store_rc store_user_disable(store *st, int64_t user_id)
{
    assert(st);
    return user_update(st, SQL_USER_DISABLE, NULL, 0, user_id);
}

/* ---- grants ----------------------------------------------------------- */

/* Runs `sql` bound to (user_id, center_id); *row tells whether it returned
 * a row.  For writes, the statement is stepped to its end. */
static store_rc grant_run(store *st, const char *sql, int64_t user_id, int64_t center_id, bool *row)
{
    db_stmt *s = NULL;
    store_rc rc = db_prepare(st->db, sql, &s);
    if (rc != STORE_OK)
        goto done;
    db_bind_int64(s, 1, user_id);
    db_bind_int64(s, 2, center_id);
    rc = store_step_write(s, row, NULL);
done:
    db_reset(s);
    return rc;
}

store_rc store_grant_add(store *st, int64_t user_id, int64_t center_id)
{
    assert(st);
    /* a missing user or center fails the foreign key: NOT_FOUND */
    return grant_run(st, SQL_GRANT_ADD, user_id, center_id, NULL);
}

store_rc store_grant_remove(store *st, int64_t user_id, int64_t center_id)
{
    assert(st);
    bool row = false;
    store_rc rc = grant_run(st, SQL_GRANT_REMOVE, user_id, center_id, &row);
    return rc == STORE_OK && !row ? STORE_NOT_FOUND : rc;
}

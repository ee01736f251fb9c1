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
#include "util/clock.h"

/* ---- SQL -------------------------------------------------------------- */

static const char SQL_CENTER_INSERT[] =
    "INSERT INTO centers (name, slug, timezone) VALUES (?, ?, ?) RETURNING id";
static const char SQL_CENTER_GET[] = "SELECT id, name, slug, timezone FROM centers WHERE id = ?";
static const char SQL_CENTER_BY_SLUG[] =
    "SELECT id, name, slug, timezone FROM centers WHERE slug = ?";
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

/* Runs the write `sql` and its audit row (object_kind, the id the write
 * returned or `object_id`, action) in one unit of work.  one_row: the
 * write must change a row (NOT_FOUND otherwise), as store_write_row. */
static store_rc write_audited(store *st, const char *sql, const store_value *binds, int n_binds,
                              bool one_row, int64_t *returned, const char *object_kind,
                              int64_t object_id, const char *action)
{
    store_op op;
    store_rc rc = store_op_begin(st, &op, STORE_OP_WRITE);
    if (rc == STORE_OK)
        rc = one_row ? store_write_row(st->db, sql, binds, n_binds)
                     : store_write_run(st->db, sql, binds, n_binds, NULL, returned);
    if (rc == STORE_OK) {
        int64_t id = returned ? *returned : object_id;
        rc = store_audit(st, object_kind, &id, NULL, action, 1, clock_unix_seconds());
    }
    return store_op_end(st, &op, rc);
}

store_rc store_center_create(store *st, center *c)
{
    assert(st && c && c->name && c->slug && c->timezone);
    const store_value binds[] = {STORE_TEXT(c->name), STORE_TEXT(c->slug), STORE_TEXT(c->timezone)};
    return write_audited(st, SQL_CENTER_INSERT, binds, 3, false, &c->id, "center", 0, "create");
}

store_rc store_center_get(store *st, int64_t center_id, arena *a, center *out)
{
    assert(st && a && out);
    const store_rows q = {SQL_CENTER_GET, sizeof(center), read_center};
    const store_value binds[] = {STORE_INT64(center_id)};
    return store_row_get(st->db, &q, binds, 1, a, out);
}

store_rc store_center_get_by_slug(store *st, const char *slug, arena *a, center *out)
{
    assert(st && slug && a && out);
    const store_rows q = {SQL_CENTER_BY_SLUG, sizeof(center), read_center};
    const store_value binds[] = {STORE_TEXT(slug)};
    return store_row_get(st->db, &q, binds, 1, a, out);
}

static const store_rows centers_of_user = {SQL_CENTERS_FOR_USER, sizeof(center), read_center};

store_rc store_centers_for_user(store *st, int64_t user_id, arena *a, center **out, size_t *n)
{
    assert(st && a && out && n);
    const store_value binds[] = {STORE_INT64(user_id)};
    void *rows = NULL;
    store_rc rc = store_rows_run(st->db, &centers_of_user, binds, 1, a, &rows, n);
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

static const store_rows specialities_of_calendar = {
    SQL_CALENDAR_SPECIALITIES, sizeof(calendar_speciality), read_calendar_speciality};
static const store_rows specialities_of_user = {
    SQL_SPECIALITIES_FOR_USER, sizeof(calendar_speciality), read_calendar_speciality};

/* Reads the specialities q selects for `owner` (a calendar or a user),
 * ordered by calendar then speciality, and hands each of the calendars
 * rows[0..count) (ordered by id) its run of them, as an arena array. */
static store_rc attach_specialities(db *d, const store_rows *q, int64_t owner, arena *a,
                                    calendar *rows, size_t count)
{
    const store_value binds[] = {STORE_INT64(owner)};
    void *found = NULL;
    size_t n = 0;
    store_rc rc = store_rows_run(d, q, binds, 1, a, &found, &n);
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
    const store_rows q = {SQL_SPECIALITY_ID, sizeof(int64_t), store_read_id};
    const store_value binds[] = {STORE_TEXT(name)};
    store_rc rc = store_write_run(d, SQL_SPECIALITY_ADD, binds, 1, NULL, NULL);
    if (rc == STORE_OK)
        rc = store_row_get(d, &q, binds, 1, NULL, id);
    if (rc == STORE_NOT_FOUND) { /* only if another writer's row is not visible to us yet */
        fprintf(stderr, "agenda: store: speciality vanished after insert\n");
        rc = STORE_ERROR;
    }
    return rc;
}

store_rc store_calendar_create(store *st, calendar *k)
{
    assert(st && k && k->first_name && k->last_name && k->slug);
    assert(k->n_specialities == 0 || k->specialities);
    store_op op;
    int64_t id = 0;
    int slot_step = k->slot_step > 0 ? k->slot_step : DEFAULT_SLOT_STEP;
    const store_value binds[] = {STORE_INT64(k->center_id), STORE_TEXT(k->first_name),
                                 STORE_TEXT(k->last_name), STORE_TEXT(k->slug),
                                 STORE_INT64(slot_step)};
    store_rc rc = store_op_begin(st, &op, STORE_OP_WRITE);
    if (rc == STORE_OK)
        rc = store_write_run(st->db, SQL_CALENDAR_INSERT, binds, 5, NULL, &id);
    for (size_t i = 0; rc == STORE_OK && i < k->n_specialities; i++) {
        assert(k->specialities[i].name);
        rc = speciality_id(st->db, k->specialities[i].name, &k->specialities[i].id);
        if (rc == STORE_OK) {
            const store_value link[] = {STORE_INT64(id), STORE_INT64(k->specialities[i].id)};
            rc = store_write_run(st->db, SQL_CALENDAR_LINK, link, 2, NULL, NULL);
        }
    }
    if (rc == STORE_OK)
        rc = store_audit(st, "calendar", &id, NULL, "create", 1, clock_unix_seconds());
    rc = store_op_end(st, &op, rc);
    if (rc == STORE_OK) {
        k->id = id;
        k->slot_step = slot_step;
    }
    return rc;
}

/* Reads the one calendar `sql` selects, its placeholders bound to
 * binds[0..n_binds), with its specialities, in one read snapshot. */
static store_rc calendar_read_one(store *st, const char *sql, const store_value *binds, int n_binds,
                                  arena *a, calendar *out)
{
    store_op op;
    const store_rows q = {sql, sizeof(calendar), read_calendar};
    store_rc rc = store_op_begin(st, &op, STORE_OP_READ);
    if (rc == STORE_OK)
        rc = store_row_get(st->db, &q, binds, n_binds, a, out);
    if (rc == STORE_OK)
        rc = attach_specialities(st->db, &specialities_of_calendar, out->id, a, out, 1);
    return store_op_end(st, &op, rc);
}

store_rc store_calendar_get(store *st, int64_t calendar_id, arena *a, calendar *out)
{
    assert(st && a && out);
    const store_value binds[] = {STORE_INT64(calendar_id)};
    return calendar_read_one(st, SQL_CALENDAR_GET, binds, 1, a, out);
}

store_rc store_user_calendar(store *st, int64_t user_id, int64_t calendar_id, arena *a,
                             calendar *out)
{
    assert(st && a && out);
    const store_value binds[] = {STORE_INT64(calendar_id), STORE_INT64(user_id)};
    return calendar_read_one(st, SQL_USER_CALENDAR, binds, 2, a, out);
}

static const store_rows calendars_of_user = {SQL_CALENDARS_FOR_USER, sizeof(calendar),
                                             read_calendar};

store_rc store_calendars_for_user(store *st, int64_t user_id, arena *a, calendar **out, size_t *n)
{
    assert(st && a && out && n);
    store_op op;
    const store_value binds[] = {STORE_INT64(user_id)};
    void *rows = NULL;
    size_t count = 0;
    store_rc rc = store_op_begin(st, &op, STORE_OP_READ);
    if (rc != STORE_OK)
        goto done;
    rc = store_rows_run(st->db, &calendars_of_user, binds, 1, a, &rows, &count);
    if (rc != STORE_OK)
        goto done;
    rc = attach_specialities(st->db, &specialities_of_user, user_id, a, rows, count);
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
    char *email = strdup(u->email);
    if (!email)
        return STORE_ERROR;
    store_email_fold(email);
    const store_value binds[] = {STORE_TEXT(email), STORE_BLOB(u->token_hash, sizeof u->token_hash),
                                 STORE_INT64(u->disabled ? 1 : 0)};
    store_rc rc = write_audited(st, SQL_USER_INSERT, binds, 3, false, &u->id, "user", 0, "create");
    free(email);
    return rc;
}

/* Reads (id, email, token_hash, disabled) into *row (a user). */
static store_rc read_user(db_stmt *s, arena *a, void *row)
{
    user *out = row;
    const void *hash = NULL;
    size_t len = 0;
    out->id = db_column_int64(s, 0);
    store_rc rc = store_column_text(s, 1, a, &out->email);
    if (rc == STORE_OK)
        rc = db_column_blob(s, 2, &hash, &len);
    if (rc != STORE_OK)
        return rc;
    if (!hash || len != sizeof out->token_hash) {
        fprintf(stderr, "agenda: store: user %lld has a malformed token hash\n",
                (long long)out->id);
        return STORE_ERROR;
    }
    memcpy(out->token_hash, hash, sizeof out->token_hash);
    out->disabled = db_column_int64(s, 3) != 0;
    return STORE_OK;
}

store_rc store_user_get_by_email(store *st, const char *email, arena *a, user *out)
{
    assert(st && email && a && out);
    const store_rows q = {SQL_USER_BY_EMAIL, sizeof(user), read_user};
    char *folded = arena_strdup(a, email);
    if (!folded)
        return store_out_of_memory("user lookup");
    store_email_fold(folded);
    const store_value binds[] = {STORE_TEXT(folded)};
    return store_row_get(st->db, &q, binds, 1, a, out);
}

store_rc store_user_set_token(store *st, int64_t user_id, const unsigned char hash[32])
{
    assert(st && hash);
    const store_value binds[] = {STORE_BLOB(hash, 32), STORE_INT64(user_id)};
    return write_audited(st, SQL_USER_SET_TOKEN, binds, 2, true, NULL, "user", user_id, "token");
}

store_rc store_user_disable(store *st, int64_t user_id)
{
    assert(st);
    const store_value binds[] = {STORE_INT64(user_id)};
    return write_audited(st, SQL_USER_DISABLE, binds, 1, true, NULL, "user", user_id, "disable");
}

/* ---- grants ----------------------------------------------------------- */

store_rc store_grant_add(store *st, int64_t user_id, int64_t center_id)
{
    assert(st);
    const store_value binds[] = {STORE_INT64(user_id), STORE_INT64(center_id)};
    /* a missing user or center fails the foreign key: NOT_FOUND */
    return write_audited(st, SQL_GRANT_ADD, binds, 2, false, NULL, "user", user_id, "grant");
}

store_rc store_grant_remove(store *st, int64_t user_id, int64_t center_id)
{
    assert(st);
    const store_value binds[] = {STORE_INT64(user_id), STORE_INT64(center_id)};
    return write_audited(st, SQL_GRANT_REMOVE, binds, 2, true, NULL, "user", user_id, "revoke");
}

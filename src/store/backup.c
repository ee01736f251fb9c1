/* backup.c - copies of a live SQLite database, and putting one back.
 *
 * Backup.  SQLite's online backup API copies the database page by page.
 * Run as one step (sqlite3_backup_step with -1) it reads every page inside
 * one read transaction, so the copy is one snapshot: it holds every write
 * committed before the step began and none that commits during it.  In WAL
 * mode readers do not block writers, so a running server keeps serving
 * while the copy is made (only checkpoints wait for the reader).  The copy
 * is written to a temporary file beside the target, switched out of WAL
 * mode (one self-contained file), checked (PRAGMA integrity_check, and the
 * schema is one this program knows), synced, then renamed over the target:
 * a crash or a failed check leaves the target as it was, never half a copy.
 *
 * Restore.  The file to restore is checked the same way first.  It is then
 * copied into the database with the same API, under the destination's write
 * lock, so a connection that has the database open sees the old content or
 * the new one, never a mix; an existing database is only replaced when the
 * caller says so.  The restored database is checked again, and migrated the
 * next time the program opens it, like any older database.
 *
 * PostgreSQL has its own tools (pg_dump, or base backups with WAL archiving
 * for point-in-time recovery): these calls refuse its URLs.
 *
 * Errors: every call returns STORE_OK, or STORE_ERROR with one line in err
 * (no trailing newline) and nothing changed at the destination. */
#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/internal.h"

/* Pages copied per backup step; -1 is all of them in one read transaction
 * (see the head comment). */
#define BACKUP_ALL_PAGES (-1)
/* How long a backup or restore waits for a lock a writer holds. */
#define BACKUP_BUSY_MS 10000

/* Sets err to the formatted line; returns STORE_ERROR. */
__attribute__((format(printf, 3, 4))) static store_rc fail(char *err, size_t errlen,
                                                           const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return STORE_ERROR;
}

/* Opens an existing database file (never creates one). */
static store_rc open_existing(const char *path, sqlite3 **out, char *err, size_t errlen)
{
    *out = NULL;
    struct stat sb;
    if (stat(path, &sb) != 0)
        return fail(err, errlen, "%s: %s", path, strerror(errno));
    if (!S_ISREG(sb.st_mode))
        return fail(err, errlen, "%s: not a file", path);
    int code = sqlite3_open_v2(path, out, SQLITE_OPEN_READWRITE, NULL);
    if (code != SQLITE_OK) {
        store_rc rc = fail(err, errlen, "%s: %s", path, sqlite3_errstr(code));
        sqlite3_close(*out);
        *out = NULL;
        return rc;
    }
    sqlite3_busy_timeout(*out, BACKUP_BUSY_MS);
    return STORE_OK;
}

/* The database's integrity, and that its schema is one this program knows
 * (an Agenda database, not newer than the program). */
static store_rc check_database(sqlite3 *d, const char *what, char *err, size_t errlen)
{
    sqlite3_stmt *s = NULL;
    store_rc rc = STORE_OK;
    int code = sqlite3_prepare_v2(d, "PRAGMA integrity_check", -1, &s, NULL);
    if (code != SQLITE_OK) {
        rc = fail(err, errlen, "%s: %s", what, sqlite3_errmsg(d));
        goto done;
    }
    code = sqlite3_step(s);
    const char *answer = code == SQLITE_ROW ? (const char *)sqlite3_column_text(s, 0) : NULL;
    if (!answer || strcmp(answer, "ok") != 0) {
        rc = fail(err, errlen, "%s fails its integrity check: %s", what,
                  answer ? answer : sqlite3_errmsg(d));
        goto done;
    }
    sqlite3_finalize(s);
    s = NULL;
    code = sqlite3_prepare_v2(d, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations", -1, &s,
                              NULL);
    if (code != SQLITE_OK || sqlite3_step(s) != SQLITE_ROW) {
        rc = fail(err, errlen, "%s is not an Agenda database (no schema_migrations)", what);
        goto done;
    }
    int64_t version = sqlite3_column_int64(s, 0);
    if (version > store_schema_version())
        rc = fail(err, errlen,
                  "%s has schema version %lld, newer than this program's (%lld): use a newer "
                  "agenda",
                  what, (long long)version, (long long)store_schema_version());
done:
    sqlite3_finalize(s);
    return rc;
}

/* Copies every page of src into dst in one step (one snapshot of src). */
static store_rc copy_pages(sqlite3 *dst, sqlite3 *src, const char *what, char *err, size_t errlen)
{
    sqlite3_backup *b = sqlite3_backup_init(dst, "main", src, "main");
    if (!b)
        return fail(err, errlen, "%s: %s", what, sqlite3_errmsg(dst));
    int code = sqlite3_backup_step(b, BACKUP_ALL_PAGES);
    int finished = sqlite3_backup_finish(b);
    if (code != SQLITE_DONE)
        return fail(err, errlen, "%s: %s", what, sqlite3_errstr(code));
    if (finished != SQLITE_OK)
        return fail(err, errlen, "%s: %s", what, sqlite3_errstr(finished));
    return STORE_OK;
}

/* fsync of a path (a file, or a directory after a rename). */
static store_rc sync_path(const char *path, char *err, size_t errlen)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0)
        return fail(err, errlen, "%s: %s", path, strerror(errno));
    store_rc rc = fsync(fd) == 0 ? STORE_OK : fail(err, errlen, "%s: %s", path, strerror(errno));
    close(fd);
    return rc;
}

store_rc store_backup(const char *db_url, const char *to, char *err, size_t errlen)
{
    assert(db_url && to && err);
    store_rc rc = STORE_OK;
    sqlite3 *src = NULL, *dst = NULL;
    char *tmp = NULL, *dir_copy = NULL;
    int fd = -1;
    if (db_url_is_postgres(db_url))
        return fail(err, errlen,
                    "backup copies SQLite databases; for PostgreSQL use pg_dump (README, "
                    "\"Backups\")");
    size_t len = strlen(to) + sizeof ".agenda-backup-XXXXXX";
    tmp = malloc(len);
    dir_copy = strdup(to);
    if (!tmp || !dir_copy) {
        rc = fail(err, errlen, "out of memory");
        goto done;
    }
    if ((rc = open_existing(db_url, &src, err, errlen)) != STORE_OK ||
        (rc = check_database(src, db_url, err, errlen)) != STORE_OK)
        goto done;
    snprintf(tmp, len, "%s.agenda-backup-XXXXXX", to);
    fd = mkstemp(tmp);
    if (fd < 0) {
        rc = fail(err, errlen, "%s: %s", to, strerror(errno));
        free(tmp);
        tmp = NULL; /* nothing to remove */
        goto done;
    }
    close(fd);
    if (sqlite3_open_v2(tmp, &dst, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
        rc = fail(err, errlen, "%s: %s", to, sqlite3_errmsg(dst));
        goto done;
    }
    /* the copy keeps the source's page size and WAL flag: one file instead */
    if ((rc = copy_pages(dst, src, db_url, err, errlen)) != STORE_OK)
        goto done;
    if (sqlite3_exec(dst, "PRAGMA journal_mode = DELETE", NULL, NULL, NULL) != SQLITE_OK) {
        rc = fail(err, errlen, "%s: %s", to, sqlite3_errmsg(dst));
        goto done;
    }
    if ((rc = check_database(dst, "the copy", err, errlen)) != STORE_OK)
        goto done;
    sqlite3_close(dst);
    dst = NULL;
    if ((rc = sync_path(tmp, err, errlen)) != STORE_OK)
        goto done;
    if (rename(tmp, to) != 0) {
        rc = fail(err, errlen, "%s: %s", to, strerror(errno));
        goto done;
    }
    free(tmp);
    tmp = NULL; /* it is the target now */
    rc = sync_path(dirname(dir_copy), err, errlen);
done:
    sqlite3_close(dst);
    sqlite3_close(src);
    if (tmp)
        unlink(tmp);
    free(tmp);
    free(dir_copy);
    return rc;
}

/* Whether the database holds any table (an empty file, or a new one, does
 * not). */
static store_rc has_tables(sqlite3 *d, bool *any, char *err, size_t errlen)
{
    sqlite3_stmt *s = NULL;
    store_rc rc = STORE_OK;
    if (sqlite3_prepare_v2(d, "SELECT COUNT(*) FROM sqlite_schema WHERE type = 'table'", -1, &s,
                           NULL) != SQLITE_OK ||
        sqlite3_step(s) != SQLITE_ROW)
        rc = fail(err, errlen, "%s", sqlite3_errmsg(d));
    else
        *any = sqlite3_column_int64(s, 0) > 0;
    sqlite3_finalize(s);
    return rc;
}

store_rc store_restore(const char *from, const char *db_url, bool replace, char *err, size_t errlen)
{
    assert(from && db_url && err);
    store_rc rc = STORE_OK;
    sqlite3 *src = NULL, *dst = NULL;
    bool existing = false;
    if (db_url_is_postgres(db_url))
        return fail(err, errlen,
                    "restore writes SQLite databases; for PostgreSQL use pg_restore (README, "
                    "\"Backups\")");
    struct stat sb;
    const bool created = stat(db_url, &sb) != 0 && errno == ENOENT;
    if ((rc = open_existing(from, &src, err, errlen)) != STORE_OK ||
        (rc = check_database(src, from, err, errlen)) != STORE_OK)
        goto done;
    if (sqlite3_open_v2(db_url, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
        SQLITE_OK) {
        rc = fail(err, errlen, "%s: %s", db_url, sqlite3_errmsg(dst));
        goto done;
    }
    sqlite3_busy_timeout(dst, BACKUP_BUSY_MS);
    if ((rc = has_tables(dst, &existing, err, errlen)) != STORE_OK)
        goto done;
    if (existing && !replace) {
        rc = fail(err, errlen,
                  "%s already holds a database: --replace puts the backup in its place", db_url);
        goto done;
    }
    if ((rc = copy_pages(dst, src, from, err, errlen)) != STORE_OK ||
        (rc = check_database(dst, db_url, err, errlen)) != STORE_OK)
        goto done;
done:
    sqlite3_close(dst);
    sqlite3_close(src);
    if (rc != STORE_OK && created)
        unlink(db_url); /* a file this call made: nothing was there before */
    return rc;
}

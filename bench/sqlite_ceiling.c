/* sqlite_ceiling.c - the store's ceiling for `make bench` (scenario 5).
 *
 * Inserts the patient rows the benchmark's patients_collections requests
 * carry straight into SQLite from C: one prepared INSERT, transactions of
 * 1,000 rows, the same database settings as the server (WAL,
 * synchronous=FULL, foreign keys on) and the server's own schema (the
 * harness creates the file with `agenda migrate` and one center).  What this
 * program reaches is the most the server could write through the same store.
 *
 *   sqlite_ceiling DB CENTER_ID ROWS [PREFIX]
 *
 * Prints one line of JSON: {"rows": N, "seconds": S, "rows_per_s": R}.
 * The row generator matches bench/run.py and bench/wrk/patients_post.lua. */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */

#include <inttypes.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BATCH 1000

static const char insert_sql[] =
    "INSERT INTO patients (center_id, remote_id, first_name, last_name, email, phone_number,"
    " birthdate, address, notes, language_code, deleted, updated_at)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, 0, ?)";

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int fail(sqlite3 *db, const char *what)
{
    fprintf(stderr, "sqlite_ceiling: %s: %s\n", what, db ? sqlite3_errmsg(db) : "out of memory");
    sqlite3_close(db);
    return 1;
}

static int exec(sqlite3 *db, const char *sql)
{
    return sqlite3_exec(db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
}

/* Binds row i's fields, generated as the harness generates them. */
static int bind_row(sqlite3_stmt *st, int64_t center, const char *prefix, long i, int64_t now)
{
    static const char *const languages[] = {"fr", "nl", "en"};
    char remote_id[64], first[32], last[32], email[96], phone[24], birth[16], address[64];
    snprintf(remote_id, sizeof remote_id, "%s%ld", prefix, i);
    snprintf(first, sizeof first, "First%ld", i);
    snprintf(last, sizeof last, "Last%ld", i);
    snprintf(email, sizeof email, "%s@example.com", remote_id);
    snprintf(phone, sizeof phone, "+32470%06ld", i % 1000000);
    snprintf(birth, sizeof birth, "%04ld-%02ld-%02ld", 1930 + i % 90, 1 + i % 12, 1 + i % 28);
    snprintf(address, sizeof address, "Rue de la Loi %ld, 1000 Brussels", 1 + i % 200);
    int rc = sqlite3_bind_int64(st, 1, center);
    rc |= sqlite3_bind_text(st, 2, remote_id, -1, SQLITE_TRANSIENT);
    rc |= sqlite3_bind_text(st, 3, first, -1, SQLITE_TRANSIENT);
    rc |= sqlite3_bind_text(st, 4, last, -1, SQLITE_TRANSIENT);
    rc |= sqlite3_bind_text(st, 5, email, -1, SQLITE_TRANSIENT);
    rc |= sqlite3_bind_text(st, 6, phone, -1, SQLITE_TRANSIENT);
    rc |= sqlite3_bind_text(st, 7, birth, -1, SQLITE_TRANSIENT);
    rc |= sqlite3_bind_text(st, 8, address, -1, SQLITE_TRANSIENT);
    rc |= sqlite3_bind_text(st, 9, languages[i % 3], -1, SQLITE_STATIC);
    rc |= sqlite3_bind_int64(st, 10, now);
    return rc == SQLITE_OK ? 0 : -1;
}

int main(int argc, char **argv)
{
    if (argc < 4 || argc > 5) {
        fprintf(stderr, "usage: sqlite_ceiling DB CENTER_ID ROWS [PREFIX]\n");
        return 2;
    }
    int64_t center = strtoll(argv[2], NULL, 10);
    long rows = strtol(argv[3], NULL, 10);
    const char *prefix = argc == 5 ? argv[4] : "c";
    if (center <= 0 || rows <= 0) {
        fprintf(stderr, "sqlite_ceiling: CENTER_ID and ROWS must be positive\n");
        return 2;
    }

    sqlite3 *db = NULL;
    if (sqlite3_open_v2(argv[1], &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, NULL) !=
        SQLITE_OK)
        return fail(db, "open");
    sqlite3_busy_timeout(db, 10000);
    if (exec(db, "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;"
                 " PRAGMA foreign_keys = ON") != 0)
        return fail(db, "pragmas");
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, insert_sql, -1, &st, NULL) != SQLITE_OK)
        return fail(db, "prepare");

    int64_t now = (int64_t)time(NULL);
    double t0 = now_seconds();
    for (long i = 0; i < rows; i++) {
        if (i % BATCH == 0 && exec(db, "BEGIN IMMEDIATE") != 0)
            return fail(db, "begin");
        if (bind_row(st, center, prefix, i, now) != 0 || sqlite3_step(st) != SQLITE_DONE)
            return fail(db, "insert");
        sqlite3_reset(st);
        if ((i % BATCH == BATCH - 1 || i == rows - 1) && exec(db, "COMMIT") != 0)
            return fail(db, "commit");
    }
    double seconds = now_seconds() - t0;
    sqlite3_finalize(st);
    sqlite3_close(db);
    printf("{\"rows\": %ld, \"seconds\": %.6f, \"rows_per_s\": %.1f}\n", rows, seconds,
           (double)rows / seconds);
    return 0;
}

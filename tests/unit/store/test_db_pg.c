/* test_db_pg.c - the PostgreSQL driver (store/db_pg.c) where the store's
 * API cannot reach it: a bytea the driver cannot hold (libpq out of memory)
 * is an error logged as such, not SQL NULL.  PostgreSQL only: the suite is
 * empty unless AGENDA_TEST_PG_URL is set (fixture.h). */
#include <dlfcn.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../suites.h"
#include "fixture.h"

/* While set, libpq's PQunescapeBytea, which the PostgreSQL driver calls to
 * read a bytea, fails as it does when out of memory.  The driver is linked
 * into this program, so it calls this definition; the real one is found
 * with RTLD_NEXT. */
static atomic_bool unescape_fails;

unsigned char *PQunescapeBytea(const unsigned char *strtext, size_t *retbuflen)
{
    unsigned char *(*real)(const unsigned char *, size_t *) = NULL;
    if (atomic_load(&unescape_fails))
        return NULL;
    *(void **)&real = dlsym(RTLD_NEXT, "PQunescapeBytea");
    return real ? real(strtext, retbuflen) : NULL;
}

/* A bytea the driver cannot hold is an error of its own, logged as out of
 * memory, not read as SQL NULL (which the token hash check would log as a
 * malformed hash). */
START_TEST(pg_a_blob_out_of_memory_is_not_a_malformed_hash)
{
    user u = {.email = "oom@example.org"};
    memset(u.token_hash, 0x5a, sizeof u.token_hash);
    ck_assert_int_eq(store_user_create(st, &u), STORE_OK);
    FILE *log = tmpfile();
    ck_assert_ptr_nonnull(log);
    fflush(stderr);
    int saved = dup(STDERR_FILENO);
    ck_assert_int_ge(dup2(fileno(log), STDERR_FILENO), 0);
    atomic_store(&unescape_fails, true);
    user out;
    store_rc rc = store_user_get_by_email(st, "oom@example.org", A, &out);
    atomic_store(&unescape_fails, false);
    fflush(stderr);
    dup2(saved, STDERR_FILENO);
    close(saved);
    char text[512] = {0};
    rewind(log);
    size_t n = fread(text, 1, sizeof text - 1, log);
    fclose(log);
    text[n] = '\0';
    ck_assert_int_eq(rc, STORE_ERROR);
    ck_assert_msg(strstr(text, "out of memory") && !strstr(text, "malformed"), "logged: %s", text);
    /* and the next read is whole again */
    ck_assert_int_eq(store_user_get_by_email(st, "oom@example.org", A, &out), STORE_OK);
    ck_assert_mem_eq(out.token_hash, u.token_hash, sizeof u.token_hash);
}
END_TEST

static void add_pg_tests(TCase *tc)
{
    tcase_add_test(tc, pg_a_blob_out_of_memory_is_not_a_malformed_hash);
}

Suite *suite_db_pg(void)
{
    return store_suite("db_pg", NULL, add_pg_tests);
}

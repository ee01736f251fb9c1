/* test_stmt_cache.c - the drivers' statement cache: lookups by address,
 * growth, and release of every entry. */
#include <check.h>

#include "../suites.h"
#include "store/stmt_cache.h"

#define N 500

static char texts[N]; /* N distinct addresses, as N static SQL texts would be */
static int statements[N];
static int released;

static void count_release(void *stmt)
{
    ck_assert_ptr_nonnull(stmt);
    released++;
}

START_TEST(entries_are_found_by_address_through_growth)
{
    stmt_cache c = {0};
    ck_assert_ptr_null(stmt_cache_find(&c, &texts[0]));
    for (int i = 0; i < N; i++) {
        ck_assert(stmt_cache_add(&c, &texts[i], &statements[i]));
        /* every earlier entry survives each regrowth of the table */
        ck_assert_ptr_eq(stmt_cache_find(&c, &texts[i / 2]), &statements[i / 2]);
    }
    ck_assert_uint_eq(c.n_used, N);
    ck_assert_uint_ge(c.n_slots * 3, c.n_used * 4);
    for (int i = 0; i < N; i++)
        ck_assert_ptr_eq(stmt_cache_find(&c, &texts[i]), &statements[i]);
    /* the same text at another address is another key */
    static const char other[] = "";
    ck_assert_ptr_null(stmt_cache_find(&c, other));

    released = 0;
    stmt_cache_clear(&c, count_release);
    ck_assert_int_eq(released, N);
    ck_assert_uint_eq(c.n_slots, 0);
    ck_assert_ptr_null(stmt_cache_find(&c, &texts[0]));
}
END_TEST

Suite *suite_stmt_cache(void)
{
    Suite *s = suite_create("stmt_cache");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, entries_are_found_by_address_through_growth);
    suite_add_tcase(s, tc);
    return s;
}

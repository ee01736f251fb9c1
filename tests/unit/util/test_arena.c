/* test_arena.c - the per-request pool: alignment, growth, limits, reset. */
#include <check.h>
#include <stdint.h>
#include <string.h>

#include "../suites.h"
#include "util/arena.h"

START_TEST(allocations_are_aligned_and_distinct)
{
    arena *a = arena_new(ARENA_DEFAULT_LIMIT);
    ck_assert_ptr_nonnull(a);
    char *p = arena_alloc(a, 3);
    char *q = arena_alloc(a, 5);
    ck_assert_ptr_nonnull(p);
    ck_assert_ptr_nonnull(q);
    ck_assert_uint_eq((uintptr_t)q % _Alignof(max_align_t), 0);
    ck_assert_ptr_ne(p, q);
    arena_free(a);
}
END_TEST

START_TEST(large_allocations_get_their_own_block)
{
    arena *a = arena_new(ARENA_DEFAULT_LIMIT);
    char *big = arena_alloc(a, 3 << 20);
    ck_assert_ptr_nonnull(big);
    memset(big, 'x', 3 << 20);
    char *small = arena_strdup(a, "after");
    ck_assert_str_eq(small, "after");
    arena_free(a);
}
END_TEST

START_TEST(limit_is_a_hard_ceiling)
{
    arena *a = arena_new(64 * 1024);
    ck_assert_ptr_nonnull(arena_alloc(a, 1000));
    ck_assert(!arena_exhausted(a));
    ck_assert_ptr_null(arena_alloc(a, 100 * 1024));
    ck_assert(arena_exhausted(a));
    /* smaller requests still succeed after a refused one */
    ck_assert_ptr_nonnull(arena_alloc(a, 100));
    ck_assert(arena_exhausted(a)); /* until a reset */
    arena_reset(a);
    ck_assert(!arena_exhausted(a));
    arena_free(a);
}
END_TEST

START_TEST(strings_and_printf)
{
    arena *a = arena_new(ARENA_DEFAULT_LIMIT);
    ck_assert_ptr_null(arena_strdup(a, NULL));
    ck_assert_str_eq(arena_strndup(a, "abcdef", 3), "abc");
    ck_assert_str_eq(arena_printf(a, "%s[%d]", "patients", 42), "patients[42]");
    arena_free(a);
}
END_TEST

START_TEST(reset_keeps_the_arena_usable)
{
    arena *a = arena_new(ARENA_DEFAULT_LIMIT);
    for (int i = 0; i < 1000; i++)
        ck_assert_ptr_nonnull(arena_alloc(a, 1024));
    arena_reset(a);
    ck_assert_str_eq(arena_strdup(a, "again"), "again");
    arena_free(a);
}
END_TEST

START_TEST(a_shared_budget_bounds_arenas_together)
{
    mem_budget budget = {.limit = (size_t)3 << 20};
    arena *a = arena_new(ARENA_DEFAULT_LIMIT), *b = arena_new(ARENA_DEFAULT_LIMIT);
    arena_use_budget(a, &budget);
    arena_use_budget(b, &budget);
    ck_assert_ptr_nonnull(arena_alloc(a, (size_t)2 << 20));
    ck_assert_ptr_null(arena_alloc(b, (size_t)2 << 20)); /* over what is left */
    ck_assert(arena_exhausted(b) && arena_over_budget(b));
    ck_assert(!arena_over_budget(a));
    ck_assert_ptr_nonnull(arena_alloc(b, 4096)); /* what fits still does */
    arena_free(a);                               /* gives its part back */
    arena_reset(b);
    ck_assert(!arena_over_budget(b));
    ck_assert_ptr_nonnull(arena_alloc(b, (size_t)2 << 20));
    arena_free(b);
    ck_assert_uint_eq(atomic_load(&budget.used), 0);
    ck_assert(!mem_budget_take(&budget, ((size_t)3 << 20) + 1));
    ck_assert(mem_budget_take(&budget, (size_t)3 << 20));
    mem_budget_give(&budget, (size_t)3 << 20);
}
END_TEST

Suite *suite_arena(void)
{
    Suite *s = suite_create("arena");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, allocations_are_aligned_and_distinct);
    tcase_add_test(tc, large_allocations_get_their_own_block);
    tcase_add_test(tc, limit_is_a_hard_ceiling);
    tcase_add_test(tc, strings_and_printf);
    tcase_add_test(tc, reset_keeps_the_arena_usable);
    tcase_add_test(tc, a_shared_budget_bounds_arenas_together);
    suite_add_tcase(s, tc);
    return s;
}

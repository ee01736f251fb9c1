/* test_buf.c - the growable buffer: contents and NUL, the hard limit (and
 * that a failure sticks), the arena backing, zeroed rows appended, the
 * memory budget, and handing the data over. */
#include <check.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../suites.h"
#include "util/buf.h"

START_TEST(grows_and_stays_terminated)
{
    buf b;
    buf_init(&b, 1 << 20, NULL);
    ck_assert_ptr_null(b.data);
    for (int i = 0; i < 1000; i++)
        ck_assert(buf_add(&b, "abcdefghij", 10));
    ck_assert_uint_eq(b.len, 10000);
    ck_assert_uint_ge(b.cap, b.len + 1);
    ck_assert_int_eq(b.data[b.len], '\0');
    ck_assert(buf_add_char(&b, 'z'));
    ck_assert_int_eq(b.data[10000], 'z');
    ck_assert_int_eq(memcmp(b.data + 9990, "abcdefghijz", 12), 0);
    size_t len = 0;
    char *text = buf_take(&b, &len);
    ck_assert_uint_eq(len, 10001);
    ck_assert_ptr_null(b.data);
    ck_assert_uint_eq(b.len, 0);
    free(text);
}
END_TEST

START_TEST(the_limit_is_hard_and_failure_sticks)
{
    buf b;
    buf_init(&b, 8, NULL);
    ck_assert(buf_add(&b, "12345678", 8)); /* exactly the limit */
    ck_assert_uint_le(b.cap, 9);           /* never more memory than the limit needs */
    ck_assert(!buf_add_char(&b, '9'));
    ck_assert_int_eq(b.state, BUF_TOO_LARGE);
    ck_assert_str_eq(b.data, "12345678"); /* untouched */
    ck_assert(!buf_add(&b, "", 0));       /* failed for good */
    ck_assert_ptr_null(buf_take(&b, NULL));
    ck_assert_ptr_null(b.data);

    buf_init(&b, 4, NULL);
    ck_assert(!buf_add(&b, "12345", 5)); /* one add past the limit at once */
    ck_assert(!buf_reserve(&b, (size_t)-1));
    buf_free(&b);
}
END_TEST

START_TEST(empty_takes_an_empty_string)
{
    buf b;
    buf_init(&b, 16, NULL);
    size_t len = 99;
    char *s = buf_take(&b, &len);
    ck_assert_ptr_nonnull(s);
    ck_assert_str_eq(s, "");
    ck_assert_uint_eq(len, 0);
    free(s);
    buf_free(NULL);
}
END_TEST

START_TEST(arena_backed)
{
    arena *a = arena_new(64 << 10);
    buf b;
    buf_init(&b, 1 << 20, a);
    for (int i = 0; i < 100; i++)
        ck_assert(buf_add(&b, "0123456789", 10));
    ck_assert_str_eq(b.data + 990, "0123456789");
    char *kept = buf_take(&b, NULL); /* the arena's: not freed by us */
    ck_assert_uint_eq(strlen(kept), 1000);
    /* the arena's own limit fails the buffer as memory */
    buf_init(&b, 1 << 20, a);
    char block[4096] = {0};
    bool ok = true;
    for (int i = 0; i < 64 && ok; i++)
        ok = buf_add(&b, block, sizeof block);
    ck_assert(!ok);
    ck_assert_int_eq(b.state, BUF_NO_MEMORY);
    buf_free(&b);
    arena_free(a);
}
END_TEST

/* Rows appended as the store reads them: zeroed, aligned in an arena, and
 * kept across growth. */
START_TEST(extend_appends_zeroed_rows)
{
    typedef struct row {
        long long id;
        const char *name;
    } row;
    arena *a = arena_new(1 << 20);
    buf b;
    buf_init(&b, (size_t)1 << 30, a);
    for (long long i = 0; i < 1000; i++) {
        row *r = buf_extend(&b, sizeof *r);
        ck_assert_ptr_nonnull(r);
        ck_assert_int_eq(r->id, 0);
        ck_assert_ptr_null(r->name);
        ck_assert_uint_eq((uintptr_t)r % _Alignof(row), 0);
        r->id = i;
    }
    ck_assert_uint_eq(b.len, 1000 * sizeof(row));
    const row *rows = (const row *)b.data;
    for (long long i = 0; i < 1000; i++)
        ck_assert_int_eq(rows[i].id, i);
    ck_assert_ptr_null(buf_extend(&b, (size_t)1 << 30)); /* past the limit */
    ck_assert_int_eq(b.state, BUF_TOO_LARGE);
    arena_free(a);
}
END_TEST

/* Growth is taken from the budget before it is allocated, a refusal fails
 * the buffer (contents untouched, nothing left taken), and buf_free gives
 * back every byte. */
START_TEST(budget_counts_the_capacity)
{
    mem_budget m = {.limit = 3000};
    buf b;
    buf_init(&b, 1 << 20, NULL);
    buf_use_budget(&b, &m);
    ck_assert(buf_add(&b, "abc", 3));
    ck_assert_uint_eq(atomic_load(&m.used), b.cap);
    char block[1500] = {0};
    ck_assert(buf_add(&b, block, sizeof block));
    ck_assert_uint_eq(atomic_load(&m.used), b.cap);
    size_t before = b.cap;
    ck_assert(!buf_add(&b, block, sizeof block)); /* 4096 bytes would pass 3000 */
    ck_assert_int_eq(b.state, BUF_OVER_BUDGET);
    ck_assert_uint_eq(b.cap, before);
    ck_assert_uint_eq(atomic_load(&m.used), before);
    ck_assert_uint_eq(b.len, 1503);
    buf_free(&b);
    ck_assert_uint_eq(atomic_load(&m.used), 0);
    /* still under the budget after buf_free: a new round counts again */
    ck_assert(buf_add(&b, "x", 1));
    ck_assert_uint_eq(atomic_load(&m.used), b.cap);
    buf_free(&b);
    ck_assert_uint_eq(atomic_load(&m.used), 0);
}
END_TEST

Suite *suite_buf(void)
{
    Suite *s = suite_create("buf");
    TCase *tc = tcase_create("buf");
    tcase_add_test(tc, grows_and_stays_terminated);
    tcase_add_test(tc, the_limit_is_hard_and_failure_sticks);
    tcase_add_test(tc, empty_takes_an_empty_string);
    tcase_add_test(tc, arena_backed);
    tcase_add_test(tc, extend_appends_zeroed_rows);
    tcase_add_test(tc, budget_counts_the_capacity);
    suite_add_tcase(s, tc);
    return s;
}

/* test_json_mem.c - cJSON allocating from the current arena, and from malloc
 * outside any. */
#include <check.h>
#include <cjson/cJSON.h>

#include "../suites.h"
#include "util/json_mem.h"

static void setup(void)
{
    json_mem_install();
}

static void teardown(void)
{
    cJSON_InitHooks(NULL);
}

START_TEST(trees_inside_an_arena_are_bounded_by_its_limit)
{
    arena *a = arena_new(64 * 1024);
    ck_assert_ptr_nonnull(a);
    arena *outer = json_mem_enter(a);
    ck_assert_ptr_null(outer);
    cJSON *list = cJSON_CreateArray();
    ck_assert_ptr_nonnull(list);
    int made = 0;
    for (int i = 0; i < 100000; i++) {
        cJSON *n = cJSON_CreateString("from the arena");
        if (!n)
            break;
        cJSON_AddItemToArray(list, n);
        made++;
    }
    /* 64 KiB hold a few hundred nodes, not 100,000 */
    ck_assert_int_gt(made, 100);
    ck_assert_int_lt(made, 2000);
    ck_assert(arena_exhausted(a));
    cJSON_Delete(list); /* frees nothing inside; the arena goes whole */
    json_mem_leave(outer);
    arena_free(a);
}
END_TEST

START_TEST(parse_inside_an_arena_fails_cleanly_at_the_limit)
{
    arena *a = arena_new(16 * 1024);
    arena *outer = json_mem_enter(a);
    ck_assert_ptr_null(cJSON_Parse("[0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,"
                                   "0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,"
                                   "0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,"
                                   "0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,"
                                   "0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,"
                                   "0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,"
                                   "0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,"
                                   "0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0]"));
    ck_assert(arena_exhausted(a));
    json_mem_leave(outer);
    /* outside the arena the same text parses, with malloc */
    cJSON *t = cJSON_Parse("[0,0,0]");
    ck_assert_ptr_nonnull(t);
    ck_assert_int_eq(cJSON_GetArraySize(t), 3);
    cJSON_Delete(t);
    arena_free(a);
}
END_TEST

START_TEST(scopes_nest_and_restore)
{
    arena *a = arena_new(ARENA_DEFAULT_LIMIT);
    arena *b = arena_new(ARENA_DEFAULT_LIMIT);
    arena *outer = json_mem_enter(a);
    arena *inner = json_mem_enter(b);
    ck_assert_ptr_eq(inner, a);
    cJSON *in_b = cJSON_CreateString("b");
    json_mem_leave(inner);
    /* back in a: leaving b's scope did not end a's */
    cJSON *in_a = cJSON_CreateString("a");
    ck_assert_str_eq(in_b->valuestring, "b");
    ck_assert_str_eq(in_a->valuestring, "a");
    json_mem_leave(outer);
    /* a tree made with no arena is malloc'd and freed normally */
    cJSON *plain = cJSON_CreateString("plain");
    ck_assert_ptr_nonnull(plain);
    cJSON_Delete(plain);
    arena_free(b);
    arena_free(a);
}
END_TEST

Suite *suite_json_mem(void)
{
    Suite *s = suite_create("json_mem");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, trees_inside_an_arena_are_bounded_by_its_limit);
    tcase_add_test(tc, parse_inside_an_arena_fails_cleanly_at_the_limit);
    tcase_add_test(tc, scopes_nest_and_restore);
    suite_add_tcase(s, tc);
    return s;
}

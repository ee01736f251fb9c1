/* test_url.c - request target parsing: segment splitting and decoding, query
 * parameters, percent-escapes and the fixed limits; form bodies read as flat
 * fields (for signed callbacks). */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "../suites.h"
#include "http/url.h"

static arena *a;

static void setup(void)
{
    a = arena_new(ARENA_DEFAULT_LIMIT);
    ck_assert_ptr_nonnull(a);
}

static void teardown(void)
{
    arena_free(a);
    a = NULL;
}

/* Parses `target`, expecting success. */
static parsed_url parse_ok(const char *target)
{
    parsed_url u;
    const char *err = NULL;
    ck_assert_msg(url_parse(a, target, &u, &err) == 0, "%s: %s", target, err ? err : "");
    return u;
}

/* Parses `target`, expecting failure with a message. */
static void parse_fails(const char *target)
{
    parsed_url u;
    const char *err = NULL;
    ck_assert_msg(url_parse(a, target, &u, &err) == -1, "accepted %s", target);
    ck_assert_ptr_nonnull(err);
    ck_assert_uint_eq(u.n_segments, 0);
    ck_assert_uint_eq(u.n_params, 0);
}

START_TEST(segments_are_split_and_decoded)
{
    parsed_url u = parse_ok("/api/v2//centers/1/patients/remote_id:a%2Fb?user_email=a%40b.c&x=1+2");
    ck_assert_uint_eq(u.n_segments, 6);
    ck_assert_str_eq(u.segments[0], "api");
    ck_assert_str_eq(u.segments[1], "v2");
    ck_assert_str_eq(u.segments[2], "centers");
    ck_assert_str_eq(u.segments[3], "1");
    ck_assert_str_eq(u.segments[4], "patients");
    ck_assert_str_eq(u.segments[5], "remote_id:a/b"); /* %2F stays inside the segment */
    ck_assert_uint_eq(u.n_params, 2);
    ck_assert_str_eq(url_param_get(&u, "user_email"), "a@b.c");
    ck_assert_str_eq(url_param_get(&u, "x"), "1 2");
}
END_TEST

START_TEST(repeated_and_trailing_slashes_add_nothing)
{
    parsed_url u = parse_ok("///api////v2///");
    ck_assert_uint_eq(u.n_segments, 2);
    ck_assert_str_eq(u.segments[0], "api");
    ck_assert_str_eq(u.segments[1], "v2");
    u = parse_ok("/");
    ck_assert_uint_eq(u.n_segments, 0);
    u = parse_ok("");
    ck_assert_uint_eq(u.n_segments, 0);
    ck_assert_uint_eq(u.n_params, 0);
}
END_TEST

START_TEST(plus_in_a_segment_is_a_plus)
{
    parsed_url u = parse_ok("/a+b/c%20d/%2b?q=a%2Bb+c");
    ck_assert_str_eq(u.segments[0], "a+b");
    ck_assert_str_eq(u.segments[1], "c d");
    ck_assert_str_eq(u.segments[2], "+");
    ck_assert_str_eq(url_param_get(&u, "q"), "a+b c");
}
END_TEST

START_TEST(dot_segments_are_ordinary)
{
    parsed_url u = parse_ok("/a/../b/./c");
    ck_assert_uint_eq(u.n_segments, 5);
    ck_assert_str_eq(u.segments[1], "..");
    ck_assert_str_eq(u.segments[3], ".");
}
END_TEST

START_TEST(query_lookup_and_edge_cases)
{
    parsed_url u = parse_ok("/p?a=1&a=2&&=skipped&flag&empty=&k%20ey=v%3D1&eq=a=b");
    ck_assert_uint_eq(u.n_params, 6);
    ck_assert_str_eq(url_param_get(&u, "a"), "1"); /* the first of repeats */
    ck_assert_str_eq(u.params[1].key, "a");
    ck_assert_str_eq(u.params[1].value, "2");
    ck_assert_str_eq(url_param_get(&u, "flag"), "");
    ck_assert_str_eq(url_param_get(&u, "empty"), "");
    ck_assert_str_eq(url_param_get(&u, "k ey"), "v=1");
    ck_assert_str_eq(url_param_get(&u, "eq"), "a=b");
    ck_assert_ptr_null(url_param_get(&u, ""));
    ck_assert_ptr_null(url_param_get(&u, "missing"));
    ck_assert_ptr_null(url_param_get(&u, "A")); /* keys are case-sensitive */
    ck_assert_ptr_null(url_param_get(NULL, "a"));
    ck_assert_ptr_null(url_param_get(&u, NULL));
}
END_TEST

START_TEST(empty_query_and_fragment)
{
    parsed_url u = parse_ok("/p?");
    ck_assert_uint_eq(u.n_segments, 1);
    ck_assert_uint_eq(u.n_params, 0);
    u = parse_ok("/p?a=1#frag?b=2&c=3");
    ck_assert_uint_eq(u.n_params, 1);
    ck_assert_str_eq(url_param_get(&u, "a"), "1");
    ck_assert_ptr_null(url_param_get(&u, "b"));
    u = parse_ok("/p/q#/r?s=1");
    ck_assert_uint_eq(u.n_segments, 2);
    ck_assert_uint_eq(u.n_params, 0);
    /* a '?' inside the query is data */
    u = parse_ok("/p?a=b?c");
    ck_assert_str_eq(url_param_get(&u, "a"), "b?c");
}
END_TEST

START_TEST(bad_escapes_are_errors)
{
    parse_fails("/a%");
    parse_fails("/a%2");
    parse_fails("/a%zz");
    parse_fails("/a%2g/b");
    parse_fails("/a%00b");
    parse_fails("/a?x=%");
    parse_fails("/a?x=%4");
    parse_fails("/a?x=%G0");
    parse_fails("/a?x=%00");
    parse_fails("/a?%00=1");
    parse_fails("/a?%zz");
    /* hex digits of either case are fine */
    parsed_url u = parse_ok("/%4a%4A?%6b=%6C");
    ck_assert_str_eq(u.segments[0], "JJ");
    ck_assert_str_eq(url_param_get(&u, "k"), "l");
}
END_TEST

START_TEST(segment_limit)
{
    char target[256] = "";
    for (int i = 0; i < URL_MAX_SEGMENTS; i++)
        strcat(target, "/s");
    parsed_url u = parse_ok(target);
    ck_assert_uint_eq(u.n_segments, URL_MAX_SEGMENTS);
    strcat(target, "/one-more");
    parse_fails(target);
    /* empty segments do not count */
    char slashes[256] = "";
    for (int i = 0; i < URL_MAX_SEGMENTS; i++)
        strcat(slashes, "//s/");
    u = parse_ok(slashes);
    ck_assert_uint_eq(u.n_segments, URL_MAX_SEGMENTS);
}
END_TEST

START_TEST(param_limit)
{
    char target[1024] = "/p?";
    for (int i = 0; i < URL_MAX_PARAMS; i++)
        snprintf(target + strlen(target), sizeof target - strlen(target), "k%d=%d&", i, i);
    parsed_url u = parse_ok(target);
    ck_assert_uint_eq(u.n_params, URL_MAX_PARAMS);
    ck_assert_str_eq(url_param_get(&u, "k63"), "63");
    /* skipped empty keys do not count */
    strcat(target, "&&=x&");
    u = parse_ok(target);
    ck_assert_uint_eq(u.n_params, URL_MAX_PARAMS);
    strcat(target, "last=1");
    parse_fails(target);
}
END_TEST

START_TEST(decode_directly)
{
    ck_assert_str_eq(url_decode(a, "a+b%20c", 7, 1), "a b c");
    ck_assert_str_eq(url_decode(a, "a+b%20c", 7, 0), "a+b c");
    ck_assert_str_eq(url_decode(a, "abc%41", 3, 0), "abc"); /* only s[0..len) */
    ck_assert_str_eq(url_decode(a, "", 0, 1), "");
    ck_assert_str_eq(url_decode(a, "%C3%A9", 6, 0), "\xc3\xa9");
    ck_assert_ptr_null(url_decode(a, "abc%41", 5, 0)); /* escape cut by len */
    ck_assert_ptr_null(url_decode(a, "a\0b", 3, 0));   /* raw NUL */
    ck_assert_ptr_null(url_decode(a, "%00", 3, 0));
    char buf[8];
    ck_assert_int_eq(url_decode_into(buf, "x%2By", 5, 1), 0);
    ck_assert_str_eq(buf, "x+y");
    ck_assert_int_eq(url_decode_into(buf, "%%41", 4, 1), -1);
}
END_TEST

START_TEST(full_arena_is_an_error)
{
    arena *tiny = arena_new(64);
    ck_assert_ptr_nonnull(tiny);
    parsed_url u;
    const char *err = NULL;
    ck_assert_int_eq(url_parse(tiny, "/centers/1/patients", &u, &err), -1);
    ck_assert_str_eq(err, "out of memory");
    ck_assert_ptr_null(url_decode(tiny, "abc", 3, 0));
    arena_free(tiny);
}
END_TEST

START_TEST(form_bodies_are_flat_fields_in_order)
{
    static const char body[] = "MessageSid=SM1&Body=Oui+merci%21&a%5Bb%5D=1&&=x&flag&Body=2";
    url_param *f = NULL;
    size_t n = 99;
    const char *err = NULL;
    ck_assert_int_eq(url_parse_form(a, body, strlen(body), &f, &n, &err), 0);
    ck_assert_uint_eq(n, 5);
    ck_assert_str_eq(f[0].key, "MessageSid");
    ck_assert_str_eq(f[0].value, "SM1");
    ck_assert_str_eq(f[1].value, "Oui merci!");
    ck_assert_str_eq(f[2].key, "a[b]"); /* no bracket syntax */
    ck_assert_str_eq(f[3].key, "flag");
    ck_assert_str_eq(f[3].value, "");
    ck_assert_str_eq(f[4].key, "Body"); /* repeated keys are kept */
    ck_assert_str_eq(f[4].value, "2");
    ck_assert_int_eq(url_parse_form(a, NULL, 0, &f, &n, &err), 0);
    ck_assert_uint_eq(n, 0);
}
END_TEST

START_TEST(bad_form_bodies_are_errors)
{
    static const char *const bad[] = {"a=%zz", "a=%00", "a=%C3", "%FF=1"};
    url_param *f = NULL;
    size_t n = 0;
    const char *err = NULL;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err = NULL;
        ck_assert_msg(url_parse_form(a, bad[i], strlen(bad[i]), &f, &n, &err) == -1, "%s", bad[i]);
        ck_assert_ptr_nonnull(err);
        ck_assert_ptr_null(f);
        ck_assert_uint_eq(n, 0);
    }
    char *many = arena_alloc(a, URL_MAX_FORM_FIELDS * 4 + 8);
    ck_assert_ptr_nonnull(many);
    many[0] = '\0';
    for (int i = 0; i < URL_MAX_FORM_FIELDS; i++)
        strcat(many, "k=&");
    ck_assert_int_eq(url_parse_form(a, many, strlen(many), &f, &n, &err), 0);
    ck_assert_uint_eq(n, URL_MAX_FORM_FIELDS);
    strcat(many, "k=");
    ck_assert_int_eq(url_parse_form(a, many, strlen(many), &f, &n, &err), -1);
    ck_assert_str_eq(err, "too many form fields");
}
END_TEST

Suite *suite_url(void)
{
    Suite *s = suite_create("url");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, segments_are_split_and_decoded);
    tcase_add_test(tc, repeated_and_trailing_slashes_add_nothing);
    tcase_add_test(tc, plus_in_a_segment_is_a_plus);
    tcase_add_test(tc, dot_segments_are_ordinary);
    tcase_add_test(tc, query_lookup_and_edge_cases);
    tcase_add_test(tc, empty_query_and_fragment);
    tcase_add_test(tc, bad_escapes_are_errors);
    tcase_add_test(tc, segment_limit);
    tcase_add_test(tc, param_limit);
    tcase_add_test(tc, decode_directly);
    tcase_add_test(tc, full_arena_is_an_error);
    tcase_add_test(tc, form_bodies_are_flat_fields_in_order);
    tcase_add_test(tc, bad_form_bodies_are_errors);
    suite_add_tcase(s, tc);
    return s;
}

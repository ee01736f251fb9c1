/* test_credentials.c - HTTP Basic credentials: the scheme, strict base64, the split
 * at the first ':', and every refusal. */
#include <check.h>
#include <string.h>

#include "../suites.h"
#include "http/credentials.h"

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

/* Expects `header` to decode to email and token. */
static void basic_ok(const char *header, const char *email, const char *token)
{
    const char *e = NULL, *t = NULL;
    ck_assert_msg(credentials_parse_basic(a, header, &e, &t) == 0, "refused %s", header);
    ck_assert_str_eq(e, email);
    ck_assert_str_eq(t, token);
}

/* Expects `header` to be refused without touching the outputs. */
static void basic_fails(const char *header)
{
    const char *e = "untouched", *t = "untouched";
    ck_assert_msg(credentials_parse_basic(a, header, &e, &t) == -1, "accepted %s", header);
    ck_assert_str_eq(e, "untouched");
    ck_assert_str_eq(t, "untouched");
}

START_TEST(happy_path)
{
    /* "joris@example.com:s3cret" */
    basic_ok("Basic am9yaXNAZXhhbXBsZS5jb206czNjcmV0", "joris@example.com", "s3cret");
}
END_TEST

START_TEST(scheme_is_case_insensitive_and_spaces_are_flexible)
{
    basic_ok("basic dTp0", "u", "t");
    basic_ok("BASIC dTp0", "u", "t");
    basic_ok("bAsIc    dTp0", "u", "t");
    basic_ok("Basic dTp0  ", "u", "t"); /* trailing whitespace */
    basic_ok("Basic dTp0\t", "u", "t");
}
END_TEST

START_TEST(token_may_contain_colons)
{
    /* "a@b.c:to:ken:" */
    basic_ok("Basic YUBiLmM6dG86a2VuOg==", "a@b.c", "to:ken:");
}
END_TEST

START_TEST(empty_parts_are_decoded_not_judged)
{
    basic_ok("Basic Og==", "", "");         /* ":" */
    basic_ok("Basic dTo=", "u", "");        /* "u:" */
    basic_ok("Basic OnQ=", "", "t");        /* ":t" */
    basic_ok("Basic dTp0dA==", "u", "tt");  /* two padding characters */
    basic_ok("Basic dTp0dHQ=", "u", "ttt"); /* one */
}
END_TEST

START_TEST(other_schemes_and_shapes_are_refused)
{
    basic_fails(NULL);
    basic_fails("");
    basic_fails("Basic");
    basic_fails("Basic ");
    basic_fails("Basic    ");
    basic_fails("Bearer dTp0");
    basic_fails("Basicx dTp0");
    basic_fails("BasicdTp0");
    basic_fails("Basic\tdTp0");
    basic_fails(" Basic dTp0");
    basic_fails("Digest username=\"u\"");
}
END_TEST

START_TEST(malformed_base64_is_refused)
{
    basic_fails("Basic dTp0d");     /* length not a multiple of 4 */
    basic_fails("Basic dTp0dA");    /* padding missing */
    basic_fails("Basic dTp0dA=");   /* padding short */
    basic_fails("Basic dTp0dA==="); /* too much padding */
    basic_fails("Basic dT=0");      /* '=' in the middle */
    basic_fails("Basic ====");
    basic_fails("Basic dTp0 dTp0");  /* space inside */
    basic_fails("Basic dTp0\ndTp0"); /* newline inside */
    basic_fails("Basic dT-0");       /* URL-safe alphabet */
    basic_fails("Basic dT_0");
    basic_fails("Basic dTp0dB=="); /* non-zero bits under the padding */
    basic_fails("Basic dTp0dHR=");
    /* bytes past ASCII, which libsodium 1.0.18 would read as letters */
    basic_fails("Basic dTp0\xc7HR0");
    basic_fails("Basic \x80Tp0");
}
END_TEST

START_TEST(decoded_text_is_checked)
{
    basic_fails("Basic dXNlcg=="); /* "user": no ':' */
    basic_fails("Basic dQA6dA=="); /* "u\0:t" */
    basic_fails("Basic dTp0AA=="); /* "u:t\0" */
}
END_TEST

START_TEST(length_limit)
{
    /* 1024 decoded bytes pass, 1025 do not; the encoder is tiny and local */
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (size_t total = 1023; total <= 1026; total++) {
        unsigned char raw[1100];
        memset(raw, 'x', total);
        raw[0] = 'u';
        raw[1] = ':';
        char header[1600] = "Basic ";
        size_t o = strlen(header);
        for (size_t i = 0; i < total; i += 3) {
            unsigned v = raw[i] << 16;
            if (i + 1 < total)
                v |= raw[i + 1] << 8;
            if (i + 2 < total)
                v |= raw[i + 2];
            header[o++] = alphabet[v >> 18 & 63];
            header[o++] = alphabet[v >> 12 & 63];
            header[o++] = i + 1 < total ? alphabet[v >> 6 & 63] : '=';
            header[o++] = i + 2 < total ? alphabet[v & 63] : '=';
        }
        header[o] = '\0';
        if (total <= 1024) {
            const char *e = NULL, *t = NULL;
            ck_assert_int_eq(credentials_parse_basic(a, header, &e, &t), 0);
            ck_assert_str_eq(e, "u");
            ck_assert_uint_eq(strlen(t), total - 2);
        } else {
            basic_fails(header);
        }
    }
    /* a huge header is refused before any decoding */
    static char huge[1 << 16];
    memcpy(huge, "Basic ", 6);
    memset(huge + 6, 'A', sizeof huge - 7);
    basic_fails(huge);
}
END_TEST

START_TEST(full_arena_is_a_refusal)
{
    arena *tiny = arena_new(64);
    const char *e = NULL, *t = NULL;
    ck_assert_int_eq(credentials_parse_basic(tiny, "Basic dTp0", &e, &t), -1);
    arena_free(tiny);
}
END_TEST

Suite *suite_credentials(void)
{
    Suite *s = suite_create("credentials");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, happy_path);
    tcase_add_test(tc, scheme_is_case_insensitive_and_spaces_are_flexible);
    tcase_add_test(tc, token_may_contain_colons);
    tcase_add_test(tc, empty_parts_are_decoded_not_judged);
    tcase_add_test(tc, other_schemes_and_shapes_are_refused);
    tcase_add_test(tc, malformed_base64_is_refused);
    tcase_add_test(tc, decoded_text_is_checked);
    tcase_add_test(tc, length_limit);
    tcase_add_test(tc, full_arena_is_a_refusal);
    suite_add_tcase(s, tc);
    return s;
}

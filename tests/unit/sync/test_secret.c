/* test_secret.c - the sync key file and sealed passwords (sync/secret.c):
 * keygen writes 0600 and never overwrites, a loaded key opens what it
 * sealed and nothing else, a changed or foreign value is refused, and the
 * file's form and permissions are checked. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../suites.h"
#include "sync/secret.h"

static char tmp[64];
static char key_path[128];
static arena *a;

static void setup(void)
{
    snprintf(tmp, sizeof tmp, "/tmp/agenda-secret-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(tmp));
    snprintf(key_path, sizeof key_path, "%s/key", tmp);
    a = arena_new(1 << 20);
}

static void teardown(void)
{
    unlink(key_path);
    rmdir(tmp);
    arena_free(a);
}

static void write_text(const char *text, mode_t mode)
{
    unlink(key_path);
    FILE *f = fopen(key_path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
    chmod(key_path, mode);
}

START_TEST(keygen_writes_a_private_key_once)
{
    char err[256];
    struct stat sb;
    ck_assert_msg(secret_key_generate(key_path, err, sizeof err), "%s", err);
    ck_assert_int_eq(stat(key_path, &sb), 0);
    ck_assert_int_eq(sb.st_mode & 0777, 0600);
    ck_assert_int_eq(sb.st_size, 65);
    FILE *f = fopen(key_path, "r");
    char before[80] = "", after[80] = "";
    ck_assert_ptr_nonnull(fgets(before, sizeof before, f));
    fclose(f);
    ck_assert(!secret_key_generate(key_path, err, sizeof err));
    ck_assert_ptr_nonnull(strstr(err, "never overwritten"));
    f = fopen(key_path, "r");
    ck_assert_ptr_nonnull(fgets(after, sizeof after, f));
    fclose(f);
    ck_assert_str_eq(before, after);
}
END_TEST

START_TEST(a_password_opens_under_its_key_only)
{
    char err[256];
    ck_assert(secret_key_generate(key_path, err, sizeof err));
    secret_key *k = secret_key_load(key_path, err, sizeof err);
    ck_assert_msg(k != NULL, "%s", err);
    char *s1 = secret_seal(k, "hunter2 with spaces", a);
    char *s2 = secret_seal(k, "hunter2 with spaces", a);
    ck_assert_ptr_nonnull(s1);
    ck_assert_str_ne(s1, s2); /* a nonce per seal */
    ck_assert_ptr_null(strstr(s1, "hunter2"));
    char *p = secret_open(k, s1);
    ck_assert_str_eq(p, "hunter2 with spaces");
    secret_password_free(p);

    /* a changed byte, another format, another key: refused */
    char *changed = arena_strdup(a, s1);
    changed[10] = changed[10] == 'A' ? 'B' : 'A';
    ck_assert_ptr_null(secret_open(k, changed));
    ck_assert_ptr_null(secret_open(k, "2.abc"));
    ck_assert_ptr_null(secret_open(k, "1.!!!"));
    ck_assert_ptr_null(secret_open(k, "1."));
    unlink(key_path);
    ck_assert(secret_key_generate(key_path, err, sizeof err));
    secret_key *other = secret_key_load(key_path, err, sizeof err);
    ck_assert_ptr_null(secret_open(other, s1));

    /* too long to seal */
    char *longer = calloc(1, SECRET_PASSWORD_MAX + 2);
    memset(longer, 'x', SECRET_PASSWORD_MAX + 1);
    ck_assert_ptr_null(secret_seal(k, longer, a));
    longer[SECRET_PASSWORD_MAX] = '\0';
    char *max = secret_seal(k, longer, a);
    p = secret_open(k, max);
    ck_assert_str_eq(p, longer);
    secret_password_free(p);
    free(longer);
    secret_key_free(k);
    secret_key_free(other);
}
END_TEST

START_TEST(a_bad_key_file_is_refused)
{
    char err[256];
    ck_assert_ptr_null(secret_key_load(key_path, err, sizeof err));
    ck_assert_ptr_nonnull(strstr(err, "cannot open the key file"));
    write_text("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n", 0644);
    ck_assert_ptr_null(secret_key_load(key_path, err, sizeof err));
    ck_assert_ptr_nonnull(strstr(err, "open to other users"));
    write_text("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n", 0640);
    secret_key *k = secret_key_load(key_path, err, sizeof err);
    ck_assert_msg(k != NULL, "%s", err);
    secret_key_free(k);
    static const char *const bad[] = {
        "", "0123", "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdeg\n",
        "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef00\n"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        write_text(bad[i], 0600);
        ck_assert_ptr_null(secret_key_load(key_path, err, sizeof err));
        ck_assert_msg(strstr(err, "not a key file"), "%zu: %s", i, err);
        ck_assert_ptr_null(strstr(err, "0123"));
    }
}
END_TEST

Suite *suite_secret(void)
{
    Suite *s = suite_create("secret");
    TCase *tc = tcase_create("secret");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, keygen_writes_a_private_key_once);
    tcase_add_test(tc, a_password_opens_under_its_key_only);
    tcase_add_test(tc, a_bad_key_file_is_refused);
    suite_add_tcase(s, tc);
    return s;
}

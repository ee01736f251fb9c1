/* test_db_log.c - the drivers' log lines: one line whatever the input, cut
 * at a fixed length, the line's layout, and the open errors. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../suites.h"
#include "store/db_log.h"

START_TEST(one_line_collapses_white_space_and_controls)
{
    char out[64];
    db_log_one_line("  duplicate key\n\tvalue \r\n violates\x01unique  ", out, sizeof out);
    ck_assert_str_eq(out, "duplicate key value violates unique");
    db_log_one_line(NULL, out, sizeof out);
    ck_assert_str_eq(out, "");
    db_log_one_line("\n\n", out, sizeof out);
    ck_assert_str_eq(out, "");
}
END_TEST

START_TEST(one_line_cuts_with_an_ellipsis)
{
    char out[16];
    db_log_one_line("SELECT id, name FROM centers WHERE id = ?", out, sizeof out);
    ck_assert_str_eq(out, "SELECT id,...");
    ck_assert_uint_lt(strlen(out), sizeof out);
    db_log_one_line("0123456789a", out, sizeof out); /* fits: not cut */
    ck_assert_str_eq(out, "0123456789a");
}
END_TEST

/* The whole line as stderr gets it: engine, message, cause, statement. */
START_TEST(failure_is_one_line_on_stderr)
{
    FILE *captured = tmpfile();
    ck_assert_ptr_nonnull(captured);
    fflush(stderr);
    int saved = dup(STDERR_FILENO);
    ck_assert_int_ge(saved, 0);
    ck_assert_int_ge(dup2(fileno(captured), STDERR_FILENO), 0);
    db_log_failure("postgres", "relation \"x\"\ndoes not exist", "SQLSTATE 42P01",
                   "SELECT *\n  FROM x");
    fflush(stderr);
    dup2(saved, STDERR_FILENO);
    close(saved);
    char line[256] = {0};
    rewind(captured);
    size_t n = fread(line, 1, sizeof line - 1, captured);
    fclose(captured);
    line[n] = '\0';
    ck_assert_str_eq(line, "agenda: store: postgres: relation \"x\" does not exist (SQLSTATE 42P01)"
                           " in \"SELECT * FROM x\"\n");
}
END_TEST

START_TEST(set_error_is_one_line)
{
    char *err = NULL;
    db_log_set_error(&err, "cannot open", "unable to\nopen database file");
    ck_assert_ptr_nonnull(err);
    ck_assert_str_eq(err, "cannot open: unable to open database file");
    free(err);
    db_log_set_error(NULL, "ignored", "when err is NULL");
}
END_TEST

Suite *suite_db_log(void)
{
    Suite *s = suite_create("db_log");
    TCase *tc = tcase_create("db_log");
    tcase_add_test(tc, one_line_collapses_white_space_and_controls);
    tcase_add_test(tc, one_line_cuts_with_an_ellipsis);
    tcase_add_test(tc, failure_is_one_line_on_stderr);
    tcase_add_test(tc, set_error_is_one_line);
    suite_add_tcase(s, tc);
    return s;
}

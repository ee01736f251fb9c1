/* main.c - runs every unit-test suite (Check).  One suite per source file,
 * in tests/unit/ mirroring src/.  Set CK_RUN_SUITE=name to run one. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>

#include "suites.h"

int main(void)
{
    Suite *(*const all[])(void) = {
#define SUITE(name) name,
        UNIT_SUITES
#undef SUITE
    };
    SRunner *runner = srunner_create(NULL);
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        srunner_add_suite(runner, all[i]());
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

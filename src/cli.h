/* cli.h - option parsing for the command line (`--name value` or
 * `--name=value`) and its one-line errors, shared by `serve` (main.c) and the
 * admin commands (admin.h). */
#ifndef AGENDA_CLI_H
#define AGENDA_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CLI_MAX_VALUES 32
/* The exit status of a command refused for bad usage (1 is any other
 * failure). */
#define EXIT_USAGE 2
#define COUNT(a)   (sizeof(a) / sizeof((a)[0]))

typedef struct cli_option {
    const char *name; /* without the dashes */
    bool repeatable;  /* may be given several times */
    const char *values[CLI_MAX_VALUES];
    size_t n;
} cli_option;

/* Parses argv[0..argc) against opts.  Returns 0, or -1 after printing one
 * line on stderr (unknown option, missing value, repeated option,
 * positional argument). */
int cli_parse(int argc, char **argv, cli_option *opts, size_t n_opts);
/* The (last) value of option `name`, or `fallback`. */
const char *cli_get(const cli_option *opts, size_t n_opts, const char *name, const char *fallback);
/* Like cli_get, but prints one line and returns NULL when it is absent. */
const char *cli_require(const cli_option *opts, size_t n_opts, const char *name);
/* Parses a positive integer option value; prints one line on failure. */
bool cli_positive(const char *name, const char *value, int64_t *out);
/* A required option that is a positive id (cli_require then cli_positive);
 * false after one line on stderr. */
bool cli_require_id(const cli_option *opts, size_t n_opts, const char *name, int64_t *out);

/* Prints "agenda: <message>" as one line on stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* The database location: --db, else $AGENDA_DB, else agenda.db. */
const char *cli_db(const cli_option *opts, size_t n_opts);

#endif

/* cli.c - the command line's option parser and error printing. */
#include "cli.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/parse.h"

void cli_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("agenda: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

int cli_parse(int argc, char **argv, cli_option *opts, size_t n_opts)
{
    for (int i = 0; i < argc; i++) {
        const char *arg = argv[i];
        if (strncmp(arg, "--", 2) != 0 || !arg[2]) {
            cli_error("unexpected argument '%s'", arg);
            return -1;
        }
        const char *name = arg + 2;
        const char *eq = strchr(name, '=');
        size_t name_len = eq ? (size_t)(eq - name) : strlen(name);
        cli_option *opt = NULL;
        for (size_t k = 0; k < n_opts; k++) {
            if (strlen(opts[k].name) == name_len && strncmp(opts[k].name, name, name_len) == 0)
                opt = &opts[k];
        }
        if (!opt) {
            cli_error("unknown option '--%.*s'", (int)name_len, name);
            return -1;
        }
        const char *value = eq ? eq + 1 : NULL;
        if (!value) {
            if (i + 1 >= argc) {
                cli_error("option '--%s' needs a value", opt->name);
                return -1;
            }
            value = argv[++i];
        }
        if (opt->n && !opt->repeatable) {
            cli_error("option '--%s' is given twice", opt->name);
            return -1;
        }
        if (opt->n >= CLI_MAX_VALUES) {
            cli_error("option '--%s' is given too many times", opt->name);
            return -1;
        }
        opt->values[opt->n++] = value;
    }
    return 0;
}

const char *cli_get(const cli_option *opts, size_t n_opts, const char *name, const char *fallback)
{
    for (size_t k = 0; k < n_opts; k++) {
        if (strcmp(opts[k].name, name) == 0 && opts[k].n)
            return opts[k].values[opts[k].n - 1];
    }
    return fallback;
}

const char *cli_require(const cli_option *opts, size_t n_opts, const char *name)
{
    const char *v = cli_get(opts, n_opts, name, NULL);
    if (!v)
        cli_error("missing required option '--%s'", name);
    return v;
}

bool cli_positive(const char *name, const char *value, int64_t *out)
{
    if (!parse_int64(value, out) || *out <= 0) {
        cli_error("option '--%s' must be a positive whole number, not '%s'", name, value);
        return false;
    }
    return true;
}

bool cli_require_id(const cli_option *opts, size_t n_opts, const char *name, int64_t *out)
{
    const char *value = cli_require(opts, n_opts, name);
    return value && cli_positive(name, value, out);
}

const char *cli_db(const cli_option *opts, size_t n_opts)
{
    const char *env = getenv("AGENDA_DB");
    return cli_get(opts, n_opts, "db", env && *env ? env : "agenda.db");
}

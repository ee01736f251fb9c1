/* admin_backup.c - `backup` and `restore` of a SQLite database (the store's
 * backup.c does the work; README "Backups").
 *
 * `agenda backup --db DB --to PATH` exits 0 only when the copy is complete,
 * checked and in place; a running server keeps serving meanwhile.
 * `agenda restore --from PATH [--db DB] [--replace on]` checks the copy and
 * puts it in place; over an existing database only with --replace on (stop
 * the servers first: they would carry on with the restored data, but
 * anything they held in flight is lost).  Neither opens the store through
 * store_open: a backup must not migrate the database it copies, and a
 * restored one is migrated by the next command or server that opens it. */
#include <stdio.h>
#include <string.h>

#include "admin.h"
#include "cli.h"
#include "store/store.h"

int admin_backup(int argc, char **argv)
{
    cli_option o[] = {{.name = "db"}, {.name = "to"}};
    char err[1024];
    if (cli_parse(argc, argv, o, COUNT(o)) != 0)
        return EXIT_USAGE;
    const char *to = cli_require(o, COUNT(o), "to");
    if (!to)
        return EXIT_USAGE;
    if (store_backup(cli_db(o, COUNT(o)), to, err, sizeof err) != STORE_OK) {
        cli_error("backup failed: %s", err);
        return 1;
    }
    return 0;
}

int admin_restore(int argc, char **argv)
{
    cli_option o[] = {{.name = "db"}, {.name = "from"}, {.name = "replace"}};
    char err[1024];
    if (cli_parse(argc, argv, o, COUNT(o)) != 0)
        return EXIT_USAGE;
    const char *from = cli_require(o, COUNT(o), "from");
    if (!from)
        return EXIT_USAGE;
    const char *replace = cli_get(o, COUNT(o), "replace", "off");
    if (strcmp(replace, "on") != 0 && strcmp(replace, "off") != 0) {
        cli_error("option '--replace' must be on or off, not '%s'", replace);
        return EXIT_USAGE;
    }
    if (store_restore(from, cli_db(o, COUNT(o)), strcmp(replace, "on") == 0, err, sizeof err) !=
        STORE_OK) {
        cli_error("restore failed: %s", err);
        return 1;
    }
    return 0;
}

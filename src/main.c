/* main.c - the `agenda` command: `serve` runs the HTTP API; the other
 * commands administer accounts (see admin.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "http/server.h"
#include "store/store.h"
#include "util/token.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const char usage[] =
    "usage: agenda <command> [options]\n"
    "\n"
    "  serve [--db DB] [--listen HOST:PORT] [--threads N] [--max-body BYTES]\n"
    "        [--max-collection N] [--timeout SECONDS] [--max-connections N]\n"
    "  demo [--db DB] [--listen HOST:PORT]      create demo data, print a curl line\n"
    "  migrate [--db DB]                        bring the schema up to date\n"
    "  center add --name NAME --slug SLUG [--timezone ZONE]\n"
    "  calendar add --center ID --first-name F --last-name L --slug SLUG\n"
    "               [--speciality NAME]...\n"
    "  user add --email EMAIL                   prints the new user's token\n"
    "  user grant --email EMAIL --center ID\n"
    "  user revoke --email EMAIL [--center ID]  without --center: disable the token\n"
    "  user reset-token --email EMAIL           prints a new token\n"
    "  hours set --calendar ID [--range \"monday 08:30-12:00\"]... [--step MINUTES]\n"
    "  hours list --calendar ID\n"
    "  absence add --calendar ID --start UNIX --stop UNIX [--title TEXT]\n"
    "  absence list --calendar ID | absence remove --calendar ID --id N\n"
    "  opening add|list|remove ...             the same, for extra openings\n"
    "\n"
    "DB is a file path (SQLite); defaults to $AGENDA_DB, then agenda.db.\n"
    "HOST:PORT defaults to $AGENDA_LISTEN, then 127.0.0.1:8080.\n";

static int serve(int argc, char **argv)
{
    cli_option o[] = {{.name = "db"},
                      {.name = "listen"},
                      {.name = "threads"},
                      {.name = "max-body"},
                      {.name = "max-collection"},
                      {.name = "timeout"},
                      {.name = "max-connections"}};
    if (cli_parse(argc, argv, o, COUNT(o)) != 0)
        return 2;
    server_config cfg = server_config_default();
    const char *env_listen = getenv("AGENDA_LISTEN");
    cfg.db_url = cli_db(o, COUNT(o));
    cfg.listen =
        cli_get(o, COUNT(o), "listen", env_listen && *env_listen ? env_listen : cfg.listen);

    int64_t v = 0;
    const char *arg;
    if ((arg = cli_get(o, COUNT(o), "threads", NULL))) {
        if (!cli_positive("threads", arg, &v))
            return 2;
        if (v > 256) {
            cli_error("option '--threads' must be at most 256");
            return 2;
        }
        cfg.threads = (unsigned)v;
    }
    if ((arg = cli_get(o, COUNT(o), "max-body", NULL))) {
        if (!cli_positive("max-body", arg, &v))
            return 2;
        cfg.max_body = (size_t)v;
    }
    if ((arg = cli_get(o, COUNT(o), "max-collection", NULL))) {
        if (!cli_positive("max-collection", arg, &v))
            return 2;
        cfg.limits.max_collection = v;
    }
    if ((arg = cli_get(o, COUNT(o), "timeout", NULL))) {
        if (!cli_positive("timeout", arg, &v))
            return 2;
        cfg.connection_timeout = (unsigned)v;
    }
    if ((arg = cli_get(o, COUNT(o), "max-connections", NULL))) {
        if (!cli_positive("max-connections", arg, &v))
            return 2;
        cfg.max_connections = (unsigned)v;
    }

    /* Migrate once before serving, so workers find the schema ready and a
     * database that cannot be opened is reported at start. */
    store *st = NULL;
    char *err = NULL;
    if (store_open(cfg.db_url, &st, &err) != STORE_OK) {
        cli_error("cannot open the database: %s", err ? err : "unknown error");
        free(err);
        return 1;
    }
    store_rc rc = store_migrate(st);
    store_close(st);
    if (rc != STORE_OK) {
        cli_error("cannot migrate the database schema (%s)", store_rc_name(rc));
        return 1;
    }
    return server_run(&cfg);
}

int main(int argc, char **argv)
{
    static const struct {
        const char *name;
        int (*run)(int argc, char **argv);
    } commands[] = {
        {"serve", serve},         {"demo", admin_demo},         {"migrate", admin_migrate},
        {"center", admin_center}, {"calendar", admin_calendar}, {"user", admin_user},
        {"hours", admin_hours},          {"absence", admin_absence},
        {"opening", admin_opening},
    };
    if (!token_init()) {
        cli_error("cannot initialise libsodium");
        return 1;
    }
    if (argc < 2 || strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0 ||
        strcmp(argv[1], "-h") == 0) {
        fputs(usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    for (size_t i = 0; i < COUNT(commands); i++) {
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].run(argc - 2, argv + 2);
    }
    cli_error("unknown command '%s' (try 'agenda help')", argv[1]);
    return 2;
}

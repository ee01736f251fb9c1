/* admin.c - what every admin command shares (see admin.h): a session that
 * opens and migrates the store with a scratch arena (its writes audited as
 * the admin command's: admin_set_command), and one way to end it,
 * which turns a store failure into its one line on stderr and the exit
 * status.  `agenda migrate` lives here because it is exactly a session
 * opened and closed: opening migrates. */
#include "admin.h"

#include <stdio.h>
#include <stdlib.h>

#include "cli.h"

/* The command being run, as the audit log names it: its words joined by
 * '-' ("patient-export"), so a line of `agenda audit` splits on spaces
 * (admin_set_command). */
static char command[96] = "agenda";

void admin_set_command(int argc, char **argv)
{
    /* the command and its verb, if the second word is one (not an option) */
    bool verb = argc > 2 && argv[2][0] != '-';
    snprintf(command, sizeof command, "%s%s%s", argc > 1 ? argv[1] : "agenda", verb ? "-" : "",
             verb ? argv[2] : "");
    for (char *c = command; *c; c++)
        if (*c == ' ')
            *c = '-';
}

bool admin_session_open(admin_session *s, const char *url)
{
    char *err = NULL;
    *s = (admin_session){0};
    s->a = arena_new(ARENA_DEFAULT_LIMIT);
    if (!s->a) {
        cli_error("out of memory");
        return false;
    }
    if (store_open(url, &s->st, &err) != STORE_OK) {
        cli_error("cannot open the database: %s", err ? err : "unknown error");
        free(err);
    } else if (store_migrate(s->st) != STORE_OK) {
        cli_error("cannot migrate the database schema");
    } else {
        store_set_actor(s->st, &(store_actor){.kind = "admin", .name = command});
        return true;
    }
    store_close(s->st);
    arena_free(s->a);
    *s = (admin_session){0};
    return false;
}

int admin_session_close(admin_session *s, store_rc rc, const char *what)
{
    if (rc != STORE_OK && what) {
        switch (rc) {
        case STORE_CONFLICT:
            cli_error("%s already exists", what);
            break;
        case STORE_NOT_FOUND:
            cli_error("%s not found", what);
            break;
        default:
            cli_error("database error (%s) while writing %s", store_rc_name(rc), what);
            break;
        }
    }
    store_close(s->st);
    arena_free(s->a);
    *s = (admin_session){0};
    return rc == STORE_OK ? 0 : 1;
}

int admin_migrate(int argc, char **argv)
{
    cli_option o[] = {{.name = "db"}};
    admin_session s;
    if (cli_parse(argc, argv, o, COUNT(o)) != 0)
        return EXIT_USAGE;
    if (!admin_session_open(&s, cli_db(o, COUNT(o))))
        return 1;
    return admin_session_close(&s, STORE_OK, NULL);
}

/* admin_audit.c - `agenda audit`: the audit log (store/audit.c), newest
 * first, of one object, of one user, or all of it.
 *
 * One line per entry: id, time (Unix seconds), actor kind, actor (the
 * user's email, the command, the route; "-" when none), action, object
 * kind, object id.  Nothing is written. */
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "admin.h"
#include "cli.h"
#include "store/store.h"

#define AUDIT_LIMIT_DEFAULT 100
#define AUDIT_LIMIT_MAX     1000000

/* "patient:12", "appointment:57", ... into the filter; false after one
 * line. */
static bool parse_object(const char *arg, audit_filter *f)
{
    static const char *const kinds[] = {"patient", "appointment", "center", "calendar", "user"};
    const char *colon = strchr(arg, ':');
    for (size_t i = 0; colon && i < COUNT(kinds); i++)
        if ((size_t)(colon - arg) == strlen(kinds[i]) &&
            strncmp(arg, kinds[i], strlen(kinds[i])) == 0) {
            f->object_kind = kinds[i];
            return cli_positive("object", colon + 1, &f->object_id);
        }
    cli_error("option '--object' must be KIND:ID (patient, appointment, center, calendar or user),"
              " not '%s'",
              arg);
    return false;
}

/* agenda audit [--object KIND:ID | --user EMAIL] [--limit N] [--db DB] */
int admin_audit(int argc, char **argv)
{
    cli_option o[] = {{.name = "db"}, {.name = "object"}, {.name = "user"}, {.name = "limit"}};
    if (cli_parse(argc, argv, o, COUNT(o)) != 0)
        return EXIT_USAGE;
    audit_filter f = {.limit = AUDIT_LIMIT_DEFAULT};
    const char *object = cli_get(o, COUNT(o), "object", NULL);
    const char *user = cli_get(o, COUNT(o), "user", NULL);
    const char *limit = cli_get(o, COUNT(o), "limit", NULL);
    if (object && user) {
        cli_error("give --object or --user, not both");
        return EXIT_USAGE;
    }
    if ((object && !parse_object(object, &f)) || (limit && !cli_positive("limit", limit, &f.limit)))
        return EXIT_USAGE;
    if (f.limit > AUDIT_LIMIT_MAX) {
        cli_error("option '--limit' must be at most %d", AUDIT_LIMIT_MAX);
        return EXIT_USAGE;
    }
    char email[256];
    if (user) {
        /* emails are kept with their ASCII letters in lower case */
        size_t n = strlen(user);
        if (n == 0 || n >= sizeof email) {
            cli_error("option '--user' must be an email of at most 255 bytes");
            return EXIT_USAGE;
        }
        for (size_t i = 0; i <= n; i++)
            email[i] = (char)tolower((unsigned char)user[i]);
        f.actor = email;
    }
    admin_session s;
    if (!admin_session_open(&s, cli_db(o, COUNT(o))))
        return 1;
    audit_entry *rows = NULL;
    size_t n = 0;
    store_rc rc = store_audit_list(s.st, &f, s.a, &rows, &n);
    for (size_t i = 0; rc == STORE_OK && i < n; i++) {
        const audit_entry *e = &rows[i];
        printf("%" PRId64 " %" PRId64 " %s %s %s %s %" PRId64 "\n", e->id, e->at, e->actor_kind,
               e->actor && *e->actor ? e->actor : "-", e->action, e->object_kind, e->object_id);
    }
    return admin_session_close(&s, rc, NULL);
}

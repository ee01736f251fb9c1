/* admin_feeds.c - `agenda feed ...`: a calendar's iCalendar feeds from the
 * command line.  Imported feeds (read-only addresses fetched by the sync
 * worker as busy time, sync/import.c):
 *
 *   agenda feed import --calendar ID --url URL [--interval SECONDS] [--config PATH]
 *       adds one and prints its id; fetched by a running server within a
 *       second, then every interval (default 900 s, 60 to 86400).  An
 *       address whose host resolves to an internal address is refused
 *       unless the configuration's [sync] allow_networks has it
 *       (sync/netguard.h; --config or $AGENDA_CONFIG);
 *   agenda feed imports --calendar ID
 *       one line per import: id, the address's scheme and host (the rest
 *       may be a secret), then key=value fields;
 *   agenda feed unimport --id N
 *       removes it and its busy time.
 *
 * The outgoing feed, the one calendar apps subscribe to (sync/feed.c):
 *
 *   agenda feed create --calendar ID [--patient-names on|off]
 *       gives the calendar's feed a new secret token (making the feed when
 *       there is none) and prints it, alone on its line: shown this once,
 *       only its hash is stored, and the previous token stops working at
 *       once.  --patient-names sets the option (names in the events'
 *       titles); without it the option stays as it was (off for a new feed);
 *   agenda feed revoke --calendar ID
 *       removes the feed: its token stops working.
 *
 * The verbs are a table.  Rules as every admin command's (admin.h):
 * arguments checked before the store is opened, one line on stderr and a
 * non-zero exit for a refusal, nothing changed. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin.h"
#include "cli.h"
#include "config.h"
#include "sync/feed.h"
#include "sync/fetch.h"
#include "sync/import.h"
#include "sync/netguard.h"
#include "util/clock.h"
#include "util/parse.h"
#include "util/token.h"

static int feed_import(int argc, char **argv)
{
    cli_option o[] = {{.name = "db"},
                      {.name = "calendar"},
                      {.name = "url"},
                      {.name = "interval"},
                      {.name = "config"}};
    if (cli_parse(argc, argv, o, COUNT(o)) != 0)
        return EXIT_USAGE;
    calendar_import im = {.url = cli_require(o, COUNT(o), "url"),
                          .interval = IMPORT_INTERVAL_DEFAULT};
    const char *cal = cli_require(o, COUNT(o), "calendar");
    const char *why = NULL;
    if (!cal || !im.url || !cli_positive("calendar", cal, &im.calendar_id))
        return EXIT_USAGE;
    const char *interval = cli_get(o, COUNT(o), "interval", NULL);
    if (interval && (!parse_int64(interval, &im.interval) || im.interval < IMPORT_INTERVAL_MIN ||
                     im.interval > IMPORT_INTERVAL_MAX)) {
        cli_error("option '--interval' must be a whole number of seconds from %d to %d, not '%s'",
                  IMPORT_INTERVAL_MIN, IMPORT_INTERVAL_MAX, interval);
        return EXIT_USAGE;
    }
    if (!fetch_url_ok(im.url, &why)) {
        cli_error("option '--url' %s", why);
        return EXIT_USAGE;
    }
    /* the networks the address may be in: [sync] allow_networks */
    const char *env = getenv("AGENDA_CONFIG");
    const char *config_path = cli_get(o, COUNT(o), "config", env && *env ? env : NULL);
    agenda_config conf;
    char err[512];
    config_defaults(&conf);
    if (config_path && !config_load(config_path, &conf, err, sizeof err)) {
        cli_error("%s", err);
        return 1;
    }
    netguard_allow(&conf.sync_allow);
    config_free(&conf);
    admin_session s;
    if (!admin_session_open(&s, cli_db(o, COUNT(o))))
        return 1;
    store_rc rc = STORE_OK;
    switch (import_add(s.st, &im, s.a, &rc, &why)) {
    case IMPORT_ADDED:
        printf("%" PRId64 "\n", im.id);
        break;
    case IMPORT_TOO_MANY:
        cli_error("calendar %" PRId64 " imports %d feeds already", im.calendar_id,
                  IMPORT_PER_CALENDAR_MAX);
        return admin_session_close(&s, STORE_ERROR, NULL);
    case IMPORT_STORE:
        return admin_session_close(&s, rc,
                                   rc == STORE_CONFLICT ? "an import of this address for the "
                                                          "calendar"
                                                        : "calendar");
    case IMPORT_ADDRESS_REFUSED:
        cli_error("option '--url': %s", why);
        return admin_session_close(&s, STORE_ERROR, NULL);
    case IMPORT_BAD_URL:
    case IMPORT_BAD_INTERVAL:
        break; /* checked above */
    }
    return admin_session_close(&s, rc, NULL);
}

/* A time for a listing: its Unix seconds, or "never". */
static const char *when(int64_t t, arena *a)
{
    return t ? arena_printf(a, "%" PRId64, t) : "never";
}

static int feed_imports(int argc, char **argv)
{
    cli_option o[] = {{.name = "db"}, {.name = "calendar"}};
    if (cli_parse(argc, argv, o, COUNT(o)) != 0)
        return EXIT_USAGE;
    int64_t calendar_id = 0;
    if (!cli_require_id(o, COUNT(o), "calendar", &calendar_id))
        return EXIT_USAGE;
    admin_session s;
    if (!admin_session_open(&s, cli_db(o, COUNT(o))))
        return 1;
    calendar k;
    calendar_import *rows = NULL;
    size_t n = 0;
    store_rc rc = store_calendar_get(s.st, calendar_id, s.a, &k);
    if (rc != STORE_OK)
        return admin_session_close(&s, rc, "calendar");
    rc = store_import_list(s.st, calendar_id, s.a, &rows, &n);
    for (size_t i = 0; rc == STORE_OK && i < n; i++) {
        const calendar_import *im = &rows[i];
        printf("%" PRId64 " %s interval=%" PRId64 " next=%" PRId64
               " last_success=%s attempts=%" PRId64 " events=%" PRId64 " intervals=%" PRId64
               " last_error=%s\n",
               im->id, import_url_shown(im->url, s.a), im->interval, im->due_at,
               when(im->last_success, s.a), im->attempts, im->events, im->intervals,
               im->last_error ? im->last_error : "none");
    }
    return admin_session_close(&s, rc, "calendar");
}

static int feed_unimport(int argc, char **argv)
{
    cli_option o[] = {{.name = "db"}, {.name = "id"}};
    if (cli_parse(argc, argv, o, COUNT(o)) != 0)
        return EXIT_USAGE;
    int64_t id = 0;
    if (!cli_require_id(o, COUNT(o), "id", &id))
        return EXIT_USAGE;
    admin_session s;
    if (!admin_session_open(&s, cli_db(o, COUNT(o))))
        return 1;
    return admin_session_close(&s, store_import_remove(s.st, 0, id), "import");
}

static int feed_create(int argc, char **argv)
{
    cli_option o[] = {{.name = "db"}, {.name = "calendar"}, {.name = "patient-names"}};
    if (cli_parse(argc, argv, o, COUNT(o)) != 0)
        return EXIT_USAGE;
    int64_t calendar_id = 0;
    if (!cli_require_id(o, COUNT(o), "calendar", &calendar_id))
        return EXIT_USAGE;
    feed_names names = FEED_NAMES_KEEP;
    const char *flag = cli_get(o, COUNT(o), "patient-names", NULL);
    if (flag && strcmp(flag, "on") == 0)
        names = FEED_NAMES_ON;
    else if (flag && strcmp(flag, "off") == 0)
        names = FEED_NAMES_OFF;
    else if (flag) {
        cli_error("option '--patient-names' must be on or off, not '%s'", flag);
        return EXIT_USAGE;
    }
    admin_session s;
    if (!admin_session_open(&s, cli_db(o, COUNT(o))))
        return 1;
    char token[TOKEN_CHARS + 1];
    calendar_feed f;
    store_rc rc = feed_issue(s.st, calendar_id, names, clock_unix_seconds(), token, &f);
    if (rc == STORE_OK)
        printf("%s\n", token);
    return admin_session_close(&s, rc, "calendar");
}

static int feed_revoke(int argc, char **argv)
{
    cli_option o[] = {{.name = "db"}, {.name = "calendar"}};
    if (cli_parse(argc, argv, o, COUNT(o)) != 0)
        return EXIT_USAGE;
    int64_t calendar_id = 0;
    if (!cli_require_id(o, COUNT(o), "calendar", &calendar_id))
        return EXIT_USAGE;
    admin_session s;
    if (!admin_session_open(&s, cli_db(o, COUNT(o))))
        return 1;
    return admin_session_close(&s, store_feed_remove(s.st, calendar_id), "feed");
}

/* agenda feed VERB ... */
int admin_feed(int argc, char **argv)
{
    static const struct {
        const char *verb;
        int (*run)(int argc, char **argv);
    } verbs[] = {
        {"create", feed_create},   {"revoke", feed_revoke},     {"import", feed_import},
        {"imports", feed_imports}, {"unimport", feed_unimport},
    };
    for (size_t i = 0; argc >= 1 && i < COUNT(verbs); i++) {
        if (strcmp(argv[0], verbs[i].verb) == 0)
            return verbs[i].run(argc - 1, argv + 1);
    }
    cli_error("usage: agenda feed create --calendar ID [--patient-names on|off] | "
              "revoke --calendar ID | import --calendar ID --url URL [--interval SECONDS] "
              "[--config PATH] | "
              "imports --calendar ID | unimport --id N [--db DB]");
    return EXIT_USAGE;
}

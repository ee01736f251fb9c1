/* main.c - the `agenda` command: `serve` runs the HTTP API; the other
 * commands administer accounts, schedules and demo data (see admin.h). */
#include <assert.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin.h"
#include "cli.h"
#include "config.h"
#include "service.h"
#include "util/clock.h"
#include "http/server.h"
#include "notify/dispatch.h"
#include "notify/notify.h"
#include "store/store.h"
#include "sync/dav.h"
#include "sync/netguard.h"
#include "sync/secret.h"
#include "sync/worker.h"
#include "util/parse.h"
#include "util/token.h"

static const char usage[] =
    "usage: agenda <command> [options]\n"
    "\n"
    "  serve [--db DB] [--listen HOST:PORT] [--threads N] [--access-log PATH|-]\n"
    "        [--tls-cert PATH --tls-key PATH] [--trusted-proxy CIDR]...\n"
    "        [--max-body BYTES] [--max-collection N] [--max-header-bytes BYTES]\n"
    "        [--timeout SECONDS] [--max-connections N]\n"
    "        [--auth-failures N] [--auth-window SECONDS] [--max-memory BYTES]\n"
    "        [--config PATH] [--clock-file PATH] [--dispatch on|off] [--sync on|off]\n"
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
    "  reminders set --center ID [--rule \"CHANNEL LEAD\"]... [--quiet HH:MM-HH:MM|none]\n"
    "            [--language CODE] [--sender-name NAME] [--address TEXT] [--country CC]\n"
    "            [--confirmation on|off] [--change-notice on|off]\n"
    "            [--cancellation-notice on|off] [--change-delay SECONDS]\n"
    "            [--sms-segments N] [--sms-fallback-email on|off]\n"
    "  reminders list --center ID               the center's messages, one per line\n"
    "  booking enable --center ID [--calendar ID]... [--service ID]... [--horizon DAYS]\n"
    "            [--notice MINUTES] [--max-bookings N] [--hold SECONDS]\n"
    "                                           turn the patients' booking page on\n"
    "  booking disable --center ID | booking show --center ID\n"
    "  keygen PATH                              write a new sync key file (mode 0600)\n"
    "  caldav link --calendar ID --url URL --username USER [--config PATH]\n"
    "                                           the password: one line on standard input\n"
    "  caldav unlink --calendar ID | caldav status --calendar ID\n"
    "  caldav sync --calendar ID [--config PATH]     push and pull now\n"
    "  feed create --calendar ID [--patient-names on|off]   prints the feed's new secret token\n"
    "  feed revoke --calendar ID\n"
    "  feed import --calendar ID --url URL [--interval SECONDS] [--config PATH]   prints the "
    "import's id\n"
    "  feed imports --calendar ID | feed unimport --id N\n"
    "  backup [--db DB] --to PATH               a checked copy of a live SQLite database\n"
    "  restore --from PATH [--db DB] [--replace on]   put a backup in place\n"
    "  patient export --center ID --remote-id X  everything held about a patient, as JSON\n"
    "  audit [--object KIND:ID | --user EMAIL] [--limit N]   who changed what, newest\n"
    "        first (KIND: patient, appointment, center, calendar, user)\n"
    "\n"
    "DB is a file path (SQLite) or a PostgreSQL URL (postgres://USER@HOST/NAME or\n"
    "postgresql://..., or a libpq \"host=... dbname=...\" string); defaults to\n"
    "$AGENDA_DB, then agenda.db.\n"
    "HOST:PORT defaults to $AGENDA_LISTEN, then 127.0.0.1:8080; PORT is 1 to 65535.\n"
    "--config names the INI configuration file (default $AGENDA_CONFIG; README\n"
    "\"Configuration file\").  --clock-file is for tests only: the server's \"now\"\n"
    "is the Unix time written in that file ($AGENDA_CLOCK_FILE does the same for\n"
    "every command).\n";

/* A numeric option of `serve`: its name, its range and where it goes. */
typedef struct serve_number {
    const char *name;
    int64_t min, max;
    void (*set)(server_config *cfg, int64_t v);
} serve_number;

static void set_threads(server_config *c, int64_t v)
{
    c->threads = (unsigned)v;
}
static void set_max_body(server_config *c, int64_t v)
{
    c->max_body = (size_t)v;
}
static void set_max_collection(server_config *c, int64_t v)
{
    c->limits.max_collection = v;
}
static void set_timeout(server_config *c, int64_t v)
{
    c->connection_timeout = (unsigned)v;
}
static void set_max_connections(server_config *c, int64_t v)
{
    c->max_connections = (unsigned)v;
}
static void set_max_header_bytes(server_config *c, int64_t v)
{
    c->max_header_bytes = (size_t)v;
}
static void set_auth_failures(server_config *c, int64_t v)
{
    c->auth_failures = (unsigned)v;
}
static void set_auth_window(server_config *c, int64_t v)
{
    c->auth_window = (unsigned)v;
}

static void set_max_memory(server_config *c, int64_t v)
{
    c->max_memory = (size_t)v;
}

static const serve_number serve_numbers[] = {
    {"threads", 1, SERVER_MAX_THREADS, set_threads},
    {"max-body", 1024, (int64_t)1 << 32, set_max_body},
    {"max-collection", 1, 10000000, set_max_collection},
    {"timeout", 1, 86400, set_timeout},
    {"max-connections", 1, 100000, set_max_connections},
    {"max-header-bytes", 4096, 1 << 24, set_max_header_bytes},
    {"auth-failures", 0, 1000000, set_auth_failures},
    {"auth-window", 1, 86400, set_auth_window},
    {"max-memory", (int64_t)16 << 20, (int64_t)1 << 40, set_max_memory},
};

static int serve(int argc, char **argv)
{
    enum { FIXED_OPTIONS = 10 };
    cli_option o[FIXED_OPTIONS + COUNT(serve_numbers)] = {
        {.name = "db"},         {.name = "listen"},
        {.name = "access-log"}, {.name = "config"},
        {.name = "clock-file"}, {.name = "dispatch"},
        {.name = "sync"},       {.name = "tls-cert"},
        {.name = "tls-key"},    {.name = "trusted-proxy", .repeatable = true}};
    for (size_t i = 0; i < COUNT(serve_numbers); i++)
        o[FIXED_OPTIONS + i].name = serve_numbers[i].name;
    if (cli_parse(argc, argv, o, COUNT(o)) != 0)
        return EXIT_USAGE;
    server_config cfg = server_config_default();
    const char *env_listen = getenv("AGENDA_LISTEN");
    cfg.db_url = cli_db(o, COUNT(o));
    cfg.listen =
        cli_get(o, COUNT(o), "listen", env_listen && *env_listen ? env_listen : cfg.listen);
    cfg.access_log = cli_get(o, COUNT(o), "access-log", NULL);
    for (size_t i = 0; i < COUNT(serve_numbers); i++) {
        const serve_number *n = &serve_numbers[i];
        const char *arg = cli_get(o, COUNT(o), n->name, NULL);
        int64_t v = 0;
        if (!arg)
            continue;
        if (!parse_int64(arg, &v) || v < n->min || v > n->max) {
            cli_error("option '--%s' must be a whole number from %lld to %lld, not '%s'", n->name,
                      (long long)n->min, (long long)n->max, arg);
            return EXIT_USAGE;
        }
        n->set(&cfg, v);
    }
    const char *clock_file = cli_get(o, COUNT(o), "clock-file", NULL);
    const char *clock_err = NULL;
    if (clock_file && !clock_use_file(clock_file, &clock_err)) {
        cli_error("%s: %s", clock_file, clock_err);
        return EXIT_USAGE;
    }
    const char *env_config = getenv("AGENDA_CONFIG");
    const char *config_path =
        cli_get(o, COUNT(o), "config", env_config && *env_config ? env_config : NULL);
    agenda_config conf;
    config_defaults(&conf);
    char config_err[512];
    if (config_path && !config_load(config_path, &conf, config_err, sizeof config_err)) {
        cli_error("%s", config_err);
        return EXIT_USAGE;
    }
    cfg.metrics_token = conf.metrics_token;
    /* --trusted-proxy (repeatable, each a network or a list) replaces the file's list */
    cfg.trusted_proxies = conf.trusted_proxies;
    const cli_option *proxies = &o[FIXED_OPTIONS - 1];
    assert(strcmp(proxies->name, "trusted-proxy") == 0);
    if (proxies->n) {
        cfg.trusted_proxies.n = 0;
        for (size_t i = 0; i < proxies->n; i++) {
            cidr_list one;
            char why[160];
            if (!cidr_parse_list(proxies->values[i], &one, why, sizeof why)) {
                cli_error("option '--trusted-proxy': %s", why);
                config_free(&conf);
                return EXIT_USAGE;
            }
            if (cfg.trusted_proxies.n + one.n > CIDR_LIST_MAX) {
                cli_error("option '--trusted-proxy': more than %d networks", CIDR_LIST_MAX);
                config_free(&conf);
                return EXIT_USAGE;
            }
            memcpy(&cfg.trusted_proxies.nets[cfg.trusted_proxies.n], one.nets,
                   one.n * sizeof one.nets[0]);
            cfg.trusted_proxies.n += one.n;
        }
    }
    cfg.tls_cert = cli_get(o, COUNT(o), "tls-cert", conf.tls_cert);
    cfg.tls_key = cli_get(o, COUNT(o), "tls-key", conf.tls_key);
    if (!cfg.tls_cert != !cfg.tls_key) {
        cli_error("TLS needs both a certificate and a key (--tls-cert and --tls-key, or tls_cert"
                  " and tls_key in [server])");
        config_free(&conf);
        return EXIT_USAGE;
    }
    const char *dispatch_arg = cli_get(o, COUNT(o), "dispatch", NULL);
    if (dispatch_arg && strcmp(dispatch_arg, "on") != 0 && strcmp(dispatch_arg, "off") != 0) {
        cli_error("option '--dispatch' must be on or off, not '%s'", dispatch_arg);
        config_free(&conf);
        return EXIT_USAGE;
    }
    if (dispatch_arg)
        conf.dispatch = strcmp(dispatch_arg, "on") == 0;
    const char *sync_arg = cli_get(o, COUNT(o), "sync", NULL);
    if (sync_arg && strcmp(sync_arg, "on") != 0 && strcmp(sync_arg, "off") != 0) {
        cli_error("option '--sync' must be on or off, not '%s'", sync_arg);
        config_free(&conf);
        return EXIT_USAGE;
    }
    if (sync_arg)
        conf.sync = strcmp(sync_arg, "on") == 0;

    /* The sync key is read once, at start: a configured key that cannot be
     * read stops the server here rather than failing every link later. */
    secret_key *sync_key = NULL;
    if (conf.sync_key_file &&
        !(sync_key = secret_key_load(conf.sync_key_file, config_err, sizeof config_err))) {
        cli_error("%s", config_err);
        config_free(&conf);
        return 1;
    }
    if (!dav_global_init()) {
        cli_error("cannot initialise libcurl");
        secret_key_free(sync_key);
        config_free(&conf);
        return 1;
    }
    netguard_allow(&conf.sync_allow); /* before any thread: links, imports, the worker */
    cfg.settings = (api_settings){.sms_secret = conf.sms.on ? conf.sms.secret : NULL,
                                  .public_url = conf.public_url,
                                  .sync_key = sync_key};

    /* Migrate once before serving, so workers find the schema ready and a
     * database that cannot be opened is reported at start. */
    store *st = NULL;
    char *err = NULL;
    if (store_open(cfg.db_url, &st, &err) != STORE_OK) {
        cli_error("cannot open the database: %s", err ? err : "unknown error");
        free(err);
        secret_key_free(sync_key);
        config_free(&conf);
        return 1;
    }
    store_rc rc = store_migrate(st);
    store_close(st);
    if (rc != STORE_OK) {
        cli_error("cannot migrate the database schema (%s)", store_rc_name(rc));
        secret_key_free(sync_key);
        config_free(&conf);
        return 1;
    }
    /* The dispatcher sends the outbox's messages from threads of its own,
     * each with its own store, while the server answers requests. */
    dispatcher *messages = NULL;
    const dispatch_config dcfg = {.db_url = cfg.db_url,
                                  .smtp = &conf.smtp,
                                  .sms = &conf.sms,
                                  .public_url = conf.public_url,
                                  .threads = 2};
    char dispatch_err[256];
    /* The sync worker fetches imported feeds (and later talks CalDAV) from
     * a thread of its own, with its own store. */
    sync_worker *syncer = NULL;
    const sync_config scfg = {.db_url = cfg.db_url,
                              .threads = 1,
                              .timeout = conf.sync_timeout,
                              .key = sync_key,
                              .tombstone_days = conf.tombstone_days};
    char sync_err[256];
    if ((conf.dispatch || conf.sync) && !notify_global_init()) {
        cli_error("cannot initialise libcurl");
        secret_key_free(sync_key);
        config_free(&conf);
        return 1;
    }
    /* The server takes its signals with sigwait in this thread: the
     * dispatcher's and the sync worker's threads must inherit them blocked. */
    server_block_signals();
    if (conf.dispatch && !dispatch_start(&dcfg, &messages, dispatch_err, sizeof dispatch_err)) {
        cli_error("cannot start the message dispatcher: %s", dispatch_err);
        secret_key_free(sync_key);
        config_free(&conf);
        return 1;
    }
    if (conf.sync && !sync_start(&scfg, &syncer, sync_err, sizeof sync_err)) {
        cli_error("cannot start the sync worker: %s", sync_err);
        dispatch_stop(messages);
        config_free(&conf);
        return 1;
    }
    service_notifier *svc = service_new(cfg.db_url);
    cfg.on_ready = service_ready;
    cfg.on_stopping = service_stopping;
    cfg.hook_arg = svc;
    int status = server_run(&cfg);
    service_free(svc);
    sync_stop(syncer);
    dispatch_stop(messages);
    secret_key_free(sync_key);
    config_free(&conf);
    return status;
}

int main(int argc, char **argv)
{
    static const struct {
        const char *name;
        int (*run)(int argc, char **argv);
    } commands[] = {
        {"serve", serve},
        {"demo", admin_demo},
        {"migrate", admin_migrate},
        {"center", admin_center},
        {"calendar", admin_calendar},
        {"user", admin_user},
        {"hours", admin_hours},
        {"absence", admin_absence},
        {"opening", admin_opening},
        {"reminders", admin_reminders},
        {"booking", admin_booking},
        {"keygen", admin_keygen},
        {"caldav", admin_caldav},
        {"feed", admin_feed},
        {"backup", admin_backup},
        {"restore", admin_restore},
        {"patient", admin_patient},
        {"audit", admin_audit},
    };
    if (!token_init()) {
        cli_error("cannot initialise libsodium");
        return 1;
    }
    /* For tests, every command can read "now" from a clock file, as `serve
     * --clock-file` does, so the admin commands agree with the server. */
    const char *clock_env = getenv("AGENDA_CLOCK_FILE");
    const char *clock_err = NULL;
    if (clock_env && *clock_env && !clock_use_file(clock_env, &clock_err)) {
        cli_error("%s: %s", clock_env, clock_err);
        return EXIT_USAGE;
    }
    if (argc < 2 || strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0 ||
        strcmp(argv[1], "-h") == 0) {
        fputs(usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? EXIT_USAGE : 0;
    }
    admin_set_command(argc, argv);
    for (size_t i = 0; i < COUNT(commands); i++) {
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].run(argc - 2, argv + 2);
    }
    cli_error("unknown command '%s' (try 'agenda help')", argv[1]);
    return EXIT_USAGE;
}

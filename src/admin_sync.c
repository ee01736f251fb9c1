/* admin_sync.c - calendar sync from the command line: `keygen` (the key
 * CalDAV passwords are sealed with) and `caldav link`, `caldav unlink`,
 * `caldav status` (one calendar's link to a CalDAV collection).
 *
 * `caldav link` reads the password from standard input (one line, so it
 * never shows in the process list or the shell's history), refuses at once
 * without a key ([sync] key_file in the configuration file: --config or
 * $AGENDA_CONFIG), and checks the collection with the password
 * (sync/link.h) before it opens the store for writing: a wrong URL or
 * password stores nothing.  The password is sealed (sync/secret.h) and
 * wiped from memory; no output or error line ever contains it.
 *
 * `caldav sync` runs one push and pull of the link now, in this process,
 * under the link's lease (sync/engine.h), with the removal guard lifted:
 * exit 0 when it succeeded, else one line on stderr and 1.  It needs the
 * key, as linking does, to open the password, and each remote request may
 * take the configuration's [server] sync_timeout, as in the server.
 *
 * `caldav status` prints `key value` lines (README "Calendar sync"); times
 * are Unix seconds, and "-" stands for none.  The sealed password is never
 * printed. */
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin.h"
#include "cli.h"
#include "config.h"
#include "store/caldav.h"
#include "sync/dav.h"
#include "sync/engine.h"
#include "sync/link.h"
#include "sync/netguard.h"
#include "sync/secret.h"
#include "util/clock.h"

/* agenda keygen PATH */
int admin_keygen(int argc, char **argv)
{
    char err[512];
    if (argc != 1 || strncmp(argv[0], "--", 2) == 0) {
        cli_error("usage: agenda keygen PATH");
        return EXIT_USAGE;
    }
    if (!secret_key_generate(argv[0], err, sizeof err)) {
        cli_error("%s", err);
        return 1;
    }
    return 0;
}

/* Loads the configuration's key into *key (and its [server] sync_timeout
 * into *timeout when not NULL) and makes its [sync] allow_networks this
 * process's (sync/netguard.h); false after one line. */
static bool load_key_and_timeout(const cli_option *o, size_t n_opts, secret_key **key,
                                 int64_t *timeout)
{
    const char *env = getenv("AGENDA_CONFIG");
    const char *path = cli_get(o, n_opts, "config", env && *env ? env : NULL);
    agenda_config conf;
    char err[512];
    bool ok = false;
    config_defaults(&conf);
    if (path && !config_load(path, &conf, err, sizeof err)) {
        cli_error("%s", err);
        return false;
    }
    netguard_allow(&conf.sync_allow);
    if (!conf.sync_key_file)
        cli_error("no key to seal the password with: set [sync] key_file in the configuration "
                  "file (--config or $AGENDA_CONFIG); 'agenda keygen PATH' writes a key");
    else if (!(*key = secret_key_load(conf.sync_key_file, err, sizeof err)))
        cli_error("%s", err);
    else
        ok = true;
    if (timeout)
        *timeout = conf.sync_timeout;
    config_free(&conf);
    return ok;
}

static bool load_key(const cli_option *o, size_t n_opts, secret_key **key)
{
    return load_key_and_timeout(o, n_opts, key, NULL);
}

/* Reads one line from standard input into out (without its line end);
 * false after one line on stderr. */
static bool read_password(char *out, size_t outlen)
{
    if (!fgets(out, (int)outlen, stdin)) {
        cli_error("no password on standard input (one line)");
        return false;
    }
    size_t len = strcspn(out, "\r\n");
    if (out[len] == '\0' && len == outlen - 1) {
        sodium_memzero(out, outlen);
        cli_error("the password is longer than %d bytes", SECRET_PASSWORD_MAX);
        return false;
    }
    out[len] = '\0';
    if (len == 0) {
        cli_error("no password on standard input (one line)");
        return false;
    }
    return true;
}

static int caldav_link_command(const cli_option *o, size_t n_opts, int64_t calendar_id)
{
    const char *url = cli_require(o, n_opts, "url");
    const char *username = url ? cli_require(o, n_opts, "username") : NULL;
    if (!url || !username)
        return EXIT_USAGE;
    secret_key *key = NULL;
    char password[SECRET_PASSWORD_MAX + 2];
    admin_session s;
    int status = 1;
    if (!load_key(o, n_opts, &key))
        return 1;
    if (!read_password(password, sizeof password)) {
        secret_key_free(key);
        return 1;
    }
    if (!admin_session_open(&s, cli_db(o, n_opts)))
        goto wipe;
    calendar k;
    store_rc rc = store_calendar_get(s.st, calendar_id, s.a, &k);
    if (rc != STORE_OK) {
        status = admin_session_close(&s, rc, "calendar");
        goto wipe;
    }
    link_check check;
    if (!dav_global_init()) {
        cli_error("cannot initialise libcurl");
        status = admin_session_close(&s, STORE_OK, NULL) + 1;
        goto wipe;
    }
    if (!link_check_collection(url, username, password, s.a, &check)) {
        cli_error("%s", check.message);
        status = admin_session_close(&s, STORE_OK, NULL) + 1;
        goto wipe;
    }
    caldav_link l = {.calendar_id = calendar_id,
                     .url = url,
                     .username = username,
                     .password_sealed = secret_seal(key, password, s.a),
                     .sync_collection = check.sync_collection};
    rc = l.password_sealed ? store_caldav_link_set(s.st, &l, clock_unix_seconds()) : STORE_ERROR;
    status = admin_session_close(&s, rc, "calendar");
wipe:
    sodium_memzero(password, sizeof password);
    secret_key_free(key);
    return status;
}

static void print_time(const char *key, int64_t t)
{
    if (t)
        printf("%s %lld\n", key, (long long)t);
    else
        printf("%s -\n", key);
}

static void print_text(const char *key, const char *v)
{
    printf("%s %s\n", key, v && *v ? v : "-");
}

static int caldav_status_command(const cli_option *o, size_t n_opts, int64_t calendar_id)
{
    admin_session s;
    caldav_link l;
    int64_t items = 0;
    if (!admin_session_open(&s, cli_db(o, n_opts)))
        return 1;
    store_rc rc = store_caldav_link_get(s.st, calendar_id, s.a, &l);
    if (rc == STORE_NOT_FOUND)
        return admin_session_close(&s, rc, "the calendar's CalDAV link");
    if (rc == STORE_OK)
        rc = store_caldav_item_count(s.st, calendar_id, &items);
    if (rc != STORE_OK)
        return admin_session_close(&s, rc, "the CalDAV link");
    printf("calendar %lld\n", (long long)l.calendar_id);
    print_text("url", l.url);
    print_text("username", l.username);
    print_text("state", l.state);
    print_text("paused_reason", l.paused_reason);
    print_time("last_success", l.last_success);
    print_text("last_error", l.last_error);
    print_time("last_error_at", l.last_error_at);
    printf("attempts %lld\n", (long long)l.attempts);
    printf("pushed %lld\n", (long long)l.pushed);
    printf("pulled %lld\n", (long long)l.pulled);
    printf("conflicts %lld\n", (long long)l.conflicts);
    printf("items %lld\n", (long long)items);
    print_time("next_run", l.due_at);
    print_time("linked_at", l.created_at);
    return admin_session_close(&s, STORE_OK, NULL);
}

static int caldav_sync_command(const cli_option *o, size_t n_opts, int64_t calendar_id)
{
    secret_key *key = NULL;
    admin_session s;
    char err[512];
    int64_t timeout = 0;
    if (!load_key_and_timeout(o, n_opts, &key, &timeout))
        return 1;
    if (!dav_global_init()) {
        cli_error("cannot initialise libcurl");
        secret_key_free(key);
        return 1;
    }
    if (!admin_session_open(&s, cli_db(o, n_opts))) {
        secret_key_free(key);
        return 1;
    }
    bool ok = engine_sync_now(s.st, key, calendar_id, timeout, s.a, err, sizeof err);
    secret_key_free(key);
    if (!ok)
        cli_error("%s", err);
    return admin_session_close(&s, STORE_OK, NULL) + (ok ? 0 : 1);
}

/* agenda caldav link --calendar ID --url URL --username USER [--config PATH] [--db DB]
 *                   (the password: one line on standard input)
 * agenda caldav unlink --calendar ID [--db DB]
 * agenda caldav status --calendar ID [--db DB]
 * agenda caldav sync --calendar ID [--config PATH] [--db DB] */
int admin_caldav(int argc, char **argv)
{
    const char *sub = argc >= 1 ? argv[0] : "";
    bool link = strcmp(sub, "link") == 0;
    bool unlink = strcmp(sub, "unlink") == 0;
    bool status = strcmp(sub, "status") == 0;
    bool sync = strcmp(sub, "sync") == 0;
    if (!link && !unlink && !status && !sync) {
        cli_error(
            "usage: agenda caldav link --calendar ID --url URL --username USER "
            "[--config PATH] (password on standard input) | agenda caldav unlink "
            "--calendar ID | agenda caldav status --calendar ID | agenda caldav sync --calendar ID "
            "[--config PATH]");
        return EXIT_USAGE;
    }
    cli_option o[] = {{.name = "db"},
                      {.name = "calendar"},
                      {.name = "url"},
                      {.name = "username"},
                      {.name = "config"}};
    if (cli_parse(argc - 1, argv + 1, o, COUNT(o)) != 0)
        return EXIT_USAGE;
    int64_t calendar_id = 0;
    if (!cli_require_id(o, COUNT(o), "calendar", &calendar_id))
        return EXIT_USAGE;
    if (!link && (o[2].n || o[3].n || (o[4].n && !sync))) {
        cli_error("'caldav %s' takes only --calendar%s and --db", sub, sync ? ", --config" : "");
        return EXIT_USAGE;
    }
    if (sync)
        return caldav_sync_command(o, COUNT(o), calendar_id);
    if (link)
        return caldav_link_command(o, COUNT(o), calendar_id);
    if (status)
        return caldav_status_command(o, COUNT(o), calendar_id);
    admin_session s;
    if (!admin_session_open(&s, cli_db(o, COUNT(o))))
        return 1;
    return admin_session_close(&s, store_caldav_unlink(s.st, calendar_id),
                               "the calendar's CalDAV link");
}

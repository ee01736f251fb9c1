/* admin.c - the admin commands: centers, calendars, users and grants, which
 * the API itself cannot create, plus demo data and explicit migration.
 *
 * Every command validates all of its arguments before it opens the store,
 * and writes in one transaction, so a refused command changes nothing.
 * Output on success is what a script needs (an id, a token); every failure is
 * one line on stderr and a non-zero exit: 2 for bad usage, 1 otherwise. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "sched/tzfile.h"
#include "sched/week.h"
#include "store/store.h"
#include "util/parse.h"
#include "util/token.h"

#define EXIT_USAGE 2
#define COUNT(a)   (sizeof(a) / sizeof((a)[0]))

/* Opens and migrates the store; prints one line and returns NULL on failure. */
static store *admin_open(const char *url)
{
    store *st = NULL;
    char *err = NULL;
    if (store_open(url, &st, &err) != STORE_OK) {
        cli_error("cannot open the database: %s", err ? err : "unknown error");
        free(err);
        return NULL;
    }
    if (store_migrate(st) != STORE_OK) {
        cli_error("cannot migrate the database schema");
        store_close(st);
        return NULL;
    }
    return st;
}

static bool slug_valid(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 64)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || ((c == '-' || c == '_') && i);
        if (!ok)
            return false;
    }
    return true;
}

static bool name_valid(const char *option, const char *s)
{
    if (!*s || strlen(s) > 200) {
        cli_error("option '--%s' must be between 1 and 200 characters", option);
        return false;
    }
    return true;
}

static bool email_valid(const char *s)
{
    const char *at = strchr(s, '@');
    if (!at || at == s || !at[1] || strchr(at + 1, '@') || strlen(s) > 254)
        return false;
    for (const char *p = s; *p; p++) {
        if ((unsigned char)*p <= ' ' || *p == ':')
            return false;
    }
    return true;
}

/* Prints a one-line message for a store failure and returns 1. */
static int admin_store_failed(store_rc rc, const char *what)
{
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
    return 1;
}

static int center_add(int argc, char **argv)
{
    cli_option o[] = {{.name = "db"}, {.name = "name"}, {.name = "slug"}, {.name = "timezone"}};
    if (cli_parse(argc, argv, o, COUNT(o)) != 0)
        return EXIT_USAGE;
    const char *name = cli_require(o, COUNT(o), "name");
    const char *slug = name ? cli_require(o, COUNT(o), "slug") : NULL;
    const char *zone = cli_get(o, COUNT(o), "timezone", "Europe/Brussels");
    if (!name || !slug)
        return EXIT_USAGE;
    if (!name_valid("name", name))
        return EXIT_USAGE;
    if (!slug_valid(slug)) {
        cli_error("slug '%s' must be lower-case letters, digits, '-' or '_'", slug);
        return EXIT_USAGE;
    }
    /* the same loader the slot engine uses, so every center's zone works */
    const tzfile *tz = NULL;
    if (!tzfile_is_iana_name(zone) || tzfile_get(zone, &tz) != TZFILE_OK) {
        cli_error("unknown time zone '%s' (expected an IANA name such as Europe/Brussels)", zone);
        return EXIT_USAGE;
    }
    store *st = admin_open(cli_db(o, COUNT(o)));
    if (!st)
        return 1;
    center c = {.name = name, .slug = slug, .timezone = zone};
    store_rc rc = store_center_create(st, &c);
    store_close(st);
    if (rc != STORE_OK)
        return admin_store_failed(rc, "a center with this slug");
    printf("%lld\n", (long long)c.id);
    return 0;
}

int admin_center(int argc, char **argv)
{
    if (argc >= 1 && strcmp(argv[0], "add") == 0)
        return center_add(argc - 1, argv + 1);
    cli_error("usage: agenda center add --name NAME --slug SLUG [--timezone ZONE] [--db DB]");
    return EXIT_USAGE;
}

static int calendar_add(int argc, char **argv)
{
    cli_option o[] = {{.name = "db"},         {.name = "center"},
                      {.name = "first-name"}, {.name = "last-name"},
                      {.name = "slug"},       {.name = "speciality", .repeatable = true}};
    if (cli_parse(argc, argv, o, COUNT(o)) != 0)
        return EXIT_USAGE;
    const char *required[] = {"center", "first-name", "last-name", "slug"};
    for (size_t i = 0; i < COUNT(required); i++) {
        if (!cli_require(o, COUNT(o), required[i]))
            return EXIT_USAGE;
    }
    int64_t center_id = 0;
    if (!cli_positive("center", cli_get(o, COUNT(o), "center", ""), &center_id))
        return EXIT_USAGE;
    const char *first = cli_get(o, COUNT(o), "first-name", "");
    const char *last = cli_get(o, COUNT(o), "last-name", "");
    const char *slug = cli_get(o, COUNT(o), "slug", "");
    if (!name_valid("first-name", first) || !name_valid("last-name", last))
        return EXIT_USAGE;
    if (!slug_valid(slug)) {
        cli_error("slug '%s' must be lower-case letters, digits, '-' or '_'", slug);
        return EXIT_USAGE;
    }
    const cli_option *specs = &o[5];
    speciality list[CLI_MAX_VALUES];
    for (size_t i = 0; i < specs->n; i++) {
        if (!name_valid("speciality", specs->values[i]))
            return EXIT_USAGE;
        list[i] = (speciality){.name = specs->values[i]};
    }
    store *st = admin_open(cli_db(o, COUNT(o)));
    if (!st)
        return 1;
    calendar k = {.center_id = center_id,
                  .first_name = first,
                  .last_name = last,
                  .slug = slug,
                  .slot_step = 15,
                  .specialities = list,
                  .n_specialities = specs->n};
    store_rc rc = store_calendar_create(st, &k);
    store_close(st);
    if (rc == STORE_NOT_FOUND)
        return admin_store_failed(rc, "center");
    if (rc != STORE_OK)
        return admin_store_failed(rc, "a calendar with this slug");
    printf("%lld\n", (long long)k.id);
    return 0;
}

int admin_calendar(int argc, char **argv)
{
    if (argc >= 1 && strcmp(argv[0], "add") == 0)
        return calendar_add(argc - 1, argv + 1);
    cli_error("usage: agenda calendar add --center ID --first-name F --last-name L --slug SLUG "
              "[--speciality NAME]... [--db DB]");
    return EXIT_USAGE;
}

/* Looks up the user by email; prints one line when absent. */
static store_rc user_find(store *st, arena *a, const char *email, user *out)
{
    store_rc rc = store_user_get_by_email(st, email, a, out);
    if (rc == STORE_NOT_FOUND)
        cli_error("no user has the email '%s'", email);
    else if (rc != STORE_OK)
        cli_error("database error (%s) while reading the user", store_rc_name(rc));
    return rc;
}

/* The user subcommands share one shape: parse, validate, open, act. */
static int user_command(const char *verb, int argc, char **argv)
{
    cli_option o[] = {{.name = "db"}, {.name = "email"}, {.name = "center"}};
    int status = 1;
    store *st = NULL;
    arena *a = NULL;
    int64_t center_id = 0;
    bool wants_center = strcmp(verb, "grant") == 0;
    bool may_center = wants_center || strcmp(verb, "revoke") == 0;

    if (cli_parse(argc, argv, o, COUNT(o)) != 0)
        return EXIT_USAGE;
    const char *email = cli_require(o, COUNT(o), "email");
    if (!email)
        return EXIT_USAGE;
    if (!email_valid(email)) {
        cli_error("'%s' is not an email address", email);
        return EXIT_USAGE;
    }
    const char *center_arg = cli_get(o, COUNT(o), "center", NULL);
    if (center_arg && !may_center) {
        cli_error("'user %s' takes no --center", verb);
        return EXIT_USAGE;
    }
    if (wants_center && !center_arg) {
        cli_require(o, COUNT(o), "center");
        return EXIT_USAGE;
    }
    if (center_arg && !cli_positive("center", center_arg, &center_id))
        return EXIT_USAGE;

    a = arena_new(ARENA_DEFAULT_LIMIT);
    st = a ? admin_open(cli_db(o, COUNT(o))) : NULL;
    if (!st)
        goto done;
    char token[TOKEN_CHARS + 1];
    unsigned char hash[TOKEN_HASH_BYTES];
    user u;
    store_rc rc;
    if (strcmp(verb, "add") == 0) {
        token_generate(token);
        token_hash(token, strlen(token), hash);
        u = (user){.email = email};
        memcpy(u.token_hash, hash, sizeof hash);
        rc = store_user_create(st, &u);
        if (rc != STORE_OK) {
            admin_store_failed(rc, "a user with this email");
            goto done;
        }
        printf("%s\n", token);
    } else if (user_find(st, a, email, &u) != STORE_OK) {
        goto done;
    } else if (strcmp(verb, "reset-token") == 0) {
        token_generate(token);
        token_hash(token, strlen(token), hash);
        rc = store_user_set_token(st, u.id, hash);
        if (rc != STORE_OK) {
            admin_store_failed(rc, "user");
            goto done;
        }
        printf("%s\n", token);
    } else if (wants_center) {
        rc = store_grant_add(st, u.id, center_id);
        if (rc != STORE_OK) {
            admin_store_failed(rc, "center");
            goto done;
        }
    } else if (center_arg) {
        rc = store_grant_remove(st, u.id, center_id);
        /* no grant to remove: done already (like granting twice), unless
         * the center itself does not exist */
        center c;
        if (rc == STORE_NOT_FOUND && store_center_get(st, center_id, a, &c) == STORE_OK)
            rc = STORE_OK;
        if (rc != STORE_OK) {
            admin_store_failed(rc, "grant of this center to this user");
            goto done;
        }
    } else {
        rc = store_user_disable(st, u.id);
        if (rc != STORE_OK) {
            admin_store_failed(rc, "user");
            goto done;
        }
    }
    status = 0;
done:
    store_close(st);
    arena_free(a);
    return status;
}

int admin_user(int argc, char **argv)
{
    static const char *const verbs[] = {"add", "grant", "revoke", "reset-token"};
    for (size_t i = 0; argc >= 1 && i < COUNT(verbs); i++) {
        if (strcmp(argv[0], verbs[i]) == 0)
            return user_command(verbs[i], argc - 1, argv + 1);
    }
    cli_error("usage: agenda user add|grant|revoke|reset-token --email EMAIL [--center ID] "
              "[--db DB]");
    return EXIT_USAGE;
}

int admin_migrate(int argc, char **argv)
{
    cli_option o[] = {{.name = "db"}};
    if (cli_parse(argc, argv, o, COUNT(o)) != 0)
        return EXIT_USAGE;
    store *st = admin_open(cli_db(o, COUNT(o)));
    if (!st)
        return 1;
    store_close(st);
    return 0;
}

/* Creates the demo center, calendar, services and user on first use, and
 * prints a ready-to-paste curl line with a fresh token. */
int admin_demo(int argc, char **argv)
{
    static const char demo_email[] = "demo@example.com";
    cli_option o[] = {{.name = "db"}, {.name = "listen"}};
    int status = 1;
    char token[TOKEN_CHARS + 1];
    unsigned char hash[TOKEN_HASH_BYTES];

    if (cli_parse(argc, argv, o, COUNT(o)) != 0)
        return EXIT_USAGE;
    const char *env_listen = getenv("AGENDA_LISTEN");
    const char *listen =
        cli_get(o, COUNT(o), "listen", env_listen && *env_listen ? env_listen : "127.0.0.1:8080");
    arena *a = arena_new(ARENA_DEFAULT_LIMIT);
    store *st = a ? admin_open(cli_db(o, COUNT(o))) : NULL;
    if (!st)
        goto done;
    token_generate(token);
    token_hash(token, strlen(token), hash);

    user u;
    store_rc rc = store_user_get_by_email(st, demo_email, a, &u);
    if (rc == STORE_OK) {
        rc = store_user_set_token(st, u.id, hash);
    } else if (rc == STORE_NOT_FOUND) {
        int64_t now = (int64_t)time(NULL);
        rc = store_begin(st);
        center c = {.name = "Demo practice", .slug = "demo", .timezone = "Europe/Brussels"};
        speciality spec = {.name = "general_practitioner"};
        calendar k = {.first_name = "Anna",
                      .last_name = "Peeters",
                      .slug = "demo-anna-peeters",
                      .slot_step = 15,
                      .specialities = &spec,
                      .n_specialities = 1};
        service consult = {.remote_id = "consult",
                           .name = "Consultation",
                           .duration = 15,
                           .color = "#1E88E5",
                           .updated_at = now};
        service long_consult = {.remote_id = "long-consult",
                                .name = "Long consultation",
                                .duration = 30,
                                .color = "#43A047",
                                .updated_at = now};
        u = (user){.email = demo_email};
        memcpy(u.token_hash, hash, sizeof hash);
        if (rc == STORE_OK)
            rc = store_center_create(st, &c);
        k.center_id = c.id;
        if (rc == STORE_OK)
            rc = store_calendar_create(st, &k);
        consult.calendar_id = long_consult.calendar_id = k.id;
        if (rc == STORE_OK)
            rc = store_service_insert(st, &consult);
        if (rc == STORE_OK)
            rc = store_service_insert(st, &long_consult);
        /* Monday to Friday, 08:30-12:00 and 13:00-17:30, so suggestions work */
        opening_hour week[10];
        for (int d = 0; d < 5; d++) {
            week[2 * d] = (opening_hour){.day = d, .start = 8 * 60 + 30, .stop = 12 * 60};
            week[2 * d + 1] = (opening_hour){.day = d, .start = 13 * 60, .stop = 17 * 60 + 30};
        }
        if (rc == STORE_OK)
            rc = store_opening_hours_set(st, k.id, week, 10);
        if (rc == STORE_OK)
            rc = store_user_create(st, &u);
        if (rc == STORE_OK)
            rc = store_grant_add(st, u.id, c.id);
        if (rc == STORE_OK)
            rc = store_commit(st);
        if (rc != STORE_OK)
            store_rollback(st);
        else
            fprintf(stderr, "agenda: demo data created: center %lld, calendar %lld\n",
                    (long long)c.id, (long long)k.id);
    }
    if (rc != STORE_OK) {
        admin_store_failed(rc, "the demo data");
        goto done;
    }
    printf("curl 'http://%s/api/v2/calendars?user_email=demo%%40example.com&user_token=%s'\n",
           listen, token);
    status = 0;
done:
    store_close(st);
    arena_free(a);
    return status;
}

/* Reads the calendar; prints one line and returns false when it does not
 * exist. */
static bool calendar_find(store *st, arena *a, int64_t id, calendar *out)
{
    store_rc rc = store_calendar_get(st, id, a, out);
    if (rc != STORE_OK) {
        admin_store_failed(rc, "calendar");
        return false;
    }
    return true;
}

static void hours_print(const opening_hour *h, size_t n, int step)
{
    for (size_t i = 0; i < n; i++) {
        char text[WEEK_RANGE_TEXT];
        week_format_range(&h[i], text);
        printf("%s\n", text);
    }
    printf("step %d\n", step);
}

/* agenda hours set --calendar ID [--range "monday 08:30-12:00"]... [--step N]
 * agenda hours list --calendar ID */
int admin_hours(int argc, char **argv)
{
    bool set = argc >= 1 && strcmp(argv[0], "set") == 0;
    bool list = argc >= 1 && strcmp(argv[0], "list") == 0;
    if (!set && !list) {
        cli_error("usage: agenda hours set --calendar ID [--range \"monday 08:30-12:00\"]... "
                  "[--step MINUTES] | agenda hours list --calendar ID [--db DB]");
        return EXIT_USAGE;
    }
    cli_option o[] = {{.name = "db"},
                      {.name = "calendar"},
                      {.name = "range", .repeatable = true},
                      {.name = "step"}};
    if (cli_parse(argc - 1, argv + 1, o, COUNT(o)) != 0)
        return EXIT_USAGE;
    const char *cal = cli_require(o, COUNT(o), "calendar");
    if (!cal)
        return EXIT_USAGE;
    if (list && (o[2].n || o[3].n)) {
        cli_error("'hours list' takes only --calendar and --db");
        return EXIT_USAGE;
    }
    opening_hour hours[CLI_MAX_VALUES];
    size_t n = o[2].n, bad = 0;
    for (size_t i = 0; i < n; i++) {
        if (!week_parse_range(o[2].values[i], &hours[i])) {
            cli_error("range '%s' is not of the form \"monday 08:30-12:00\"", o[2].values[i]);
            return EXIT_USAGE;
        }
    }
    if (!week_check(hours, n, &bad)) {
        char text[WEEK_RANGE_TEXT];
        week_format_range(&hours[bad], text);
        cli_error("range %s overlaps another range of that day", text);
        return EXIT_USAGE;
    }
    int64_t step = 0;
    const char *step_arg = cli_get(o, COUNT(o), "step", NULL);
    if (step_arg && (!cli_positive("step", step_arg, &step) || step > 1440)) {
        if (step > 1440)
            cli_error("option '--step' must be at most 1440 minutes");
        return EXIT_USAGE;
    }

    int64_t calendar_id = 0;
    if (!cli_positive("calendar", cal, &calendar_id))
        return EXIT_USAGE;

    int status = 1;
    calendar k;
    arena *a = arena_new(ARENA_DEFAULT_LIMIT);
    store *st = a ? admin_open(cli_db(o, COUNT(o))) : NULL;
    if (!st || !calendar_find(st, a, calendar_id, &k))
        goto done;
    if (set) {
        store_rc rc = store_begin(st);
        if (rc == STORE_OK)
            rc = store_opening_hours_set(st, calendar_id, hours, n);
        if (rc == STORE_OK && step)
            rc = store_calendar_set_slot_step(st, calendar_id, (int)step);
        if (rc == STORE_OK)
            rc = store_commit(st);
        if (rc != STORE_OK) {
            store_rollback(st);
            admin_store_failed(rc, "the opening hours");
            goto done;
        }
        hours_print(hours, n, step ? (int)step : k.slot_step);
    } else {
        opening_hour *rows = NULL;
        size_t count = 0;
        store_rc rc = store_opening_hours_get(st, calendar_id, a, &rows, &count);
        if (rc != STORE_OK) {
            admin_store_failed(rc, "the opening hours");
            goto done;
        }
        hours_print(rows, count, k.slot_step);
    }
    status = 0;
done:
    store_close(st);
    arena_free(a);
    return status;
}

/* agenda absence|opening add --calendar ID --start T --stop T [--title TEXT]
 * agenda absence|opening list --calendar ID
 * agenda absence|opening remove --calendar ID --id N */
static int admin_range(range_kind kind, int argc, char **argv)
{
    const char *noun = kind == RANGE_ABSENCE ? "absence" : "opening";
    static const char *const verbs[] = {"add", "list", "remove"};
    int verb = -1;
    for (int i = 0; argc >= 1 && i < 3; i++) {
        if (strcmp(argv[0], verbs[i]) == 0)
            verb = i;
    }
    if (verb < 0) {
        cli_error("usage: agenda %s add --calendar ID --start UNIX --stop UNIX [--title TEXT] | "
                  "list --calendar ID | remove --calendar ID --id N [--db DB]",
                  noun);
        return EXIT_USAGE;
    }
    cli_option o[] = {{.name = "db"},   {.name = "calendar"}, {.name = "start"},
                      {.name = "stop"}, {.name = "title"},    {.name = "id"}};
    if (cli_parse(argc - 1, argv + 1, o, COUNT(o)) != 0)
        return EXIT_USAGE;
    static const char *const needs[3][3] = {
        {"calendar", "start", "stop"}, {"calendar", NULL, NULL}, {"calendar", "id", NULL}};
    for (int i = 0; i < 3; i++) {
        if (needs[verb][i] && !cli_require(o, COUNT(o), needs[verb][i]))
            return EXIT_USAGE;
    }
    time_range r = {.title = cli_get(o, COUNT(o), "title", "")};
    int64_t id = 0;
    if (verb == 0) {
        bool ok = parse_int64(cli_get(o, COUNT(o), "start", ""), &r.start) &&
                  parse_int64(cli_get(o, COUNT(o), "stop", ""), &r.stop) && r.start >= 0;
        if (!ok || r.stop <= r.start || r.stop - r.start > RANGE_MAX_SECONDS) {
            cli_error("--start and --stop must be Unix seconds, stop after start, "
                      "at most ten years apart");
            return EXIT_USAGE;
        }
    } else if (verb == 2 && !cli_positive("id", cli_get(o, COUNT(o), "id", ""), &id)) {
        return EXIT_USAGE;
    }

    if (!cli_positive("calendar", cli_get(o, COUNT(o), "calendar", ""), &r.calendar_id))
        return EXIT_USAGE;

    int status = 1;
    calendar k;
    arena *a = arena_new(ARENA_DEFAULT_LIMIT);
    store *st = a ? admin_open(cli_db(o, COUNT(o))) : NULL;
    if (!st || !calendar_find(st, a, r.calendar_id, &k))
        goto done;
    store_rc rc = STORE_OK;
    if (verb == 0) {
        rc = store_range_insert(st, kind, &r);
        if (rc == STORE_OK)
            printf("%lld\n", (long long)r.id);
    } else if (verb == 1) {
        time_range *rows = NULL;
        size_t n = 0;
        rc = store_range_list(st, kind, r.calendar_id, INT64_MIN, INT64_MAX, a, &rows, &n);
        for (size_t i = 0; rc == STORE_OK && i < n; i++)
            printf("%lld %lld %lld %s\n", (long long)rows[i].id, (long long)rows[i].start,
                   (long long)rows[i].stop, rows[i].title);
    } else {
        rc = store_range_delete(st, kind, r.calendar_id, id);
    }
    if (rc != STORE_OK) {
        admin_store_failed(rc, noun);
        goto done;
    }
    status = 0;
done:
    store_close(st);
    arena_free(a);
    return status;
}

int admin_absence(int argc, char **argv)
{
    return admin_range(RANGE_ABSENCE, argc, argv);
}

int admin_opening(int argc, char **argv)
{
    return admin_range(RANGE_OPENING, argc, argv);
}

/* admin_schedule.c - a calendar's availability from the command line:
 * `hours set|list` (the weekly schedule and its slot step) and
 * `absence|opening add|list|remove` (time ranges that block the calendar or
 * open it outside its weekly schedule).
 *
 * The rules are the API's: ranges are read and checked by sched/week.c
 * ("monday 08:30-12:00", no overlap within a day), absences and openings
 * are [start, stop) in Unix seconds, at most ten years long.  Every
 * argument is checked before the store is opened; the calendar must exist
 * (exit 1 otherwise); `hours set` replaces the schedule and the step in one
 * transaction and prints the result in the form `hours list` prints. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "admin.h"
#include "cli.h"
#include "sched/week.h"
#include "util/parse.h"

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

    admin_session s;
    if (!admin_session_open(&s, cli_db(o, COUNT(o))))
        return 1;
    calendar k;
    store_rc rc = store_calendar_get(s.st, calendar_id, s.a, &k);
    if (rc != STORE_OK)
        return admin_session_close(&s, rc, "calendar");
    if (set) {
        rc = store_begin(s.st);
        if (rc == STORE_OK)
            rc = store_opening_hours_set(s.st, calendar_id, hours, n);
        if (rc == STORE_OK && step)
            rc = store_calendar_set_slot_step(s.st, calendar_id, (int)step);
        if (rc == STORE_OK)
            rc = store_commit(s.st);
        if (rc != STORE_OK)
            store_rollback(s.st);
        else
            hours_print(hours, n, step ? (int)step : k.slot_step);
    } else {
        opening_hour *rows = NULL;
        size_t count = 0;
        rc = store_opening_hours_get(s.st, calendar_id, s.a, &rows, &count);
        if (rc == STORE_OK)
            hours_print(rows, count, k.slot_step);
    }
    return admin_session_close(&s, rc, "the opening hours");
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

    admin_session s;
    if (!admin_session_open(&s, cli_db(o, COUNT(o))))
        return 1;
    calendar k;
    store_rc rc = store_calendar_get(s.st, r.calendar_id, s.a, &k);
    if (rc != STORE_OK)
        return admin_session_close(&s, rc, "calendar");
    if (verb == 0) {
        rc = store_range_insert(s.st, kind, &r);
        if (rc == STORE_OK)
            printf("%lld\n", (long long)r.id);
    } else if (verb == 1) {
        time_range *rows = NULL;
        size_t n = 0;
        rc = store_range_list(s.st, kind, r.calendar_id, INT64_MIN, INT64_MAX, s.a, &rows, &n);
        for (size_t i = 0; rc == STORE_OK && i < n; i++)
            printf("%lld %lld %lld %s\n", (long long)rows[i].id, (long long)rows[i].start,
                   (long long)rows[i].stop, rows[i].title);
    } else {
        rc = store_range_delete(s.st, kind, r.calendar_id, id);
    }
    return admin_session_close(&s, rc, noun);
}

int admin_absence(int argc, char **argv)
{
    return admin_range(RANGE_ABSENCE, argc, argv);
}

int admin_opening(int argc, char **argv)
{
    return admin_range(RANGE_OPENING, argc, argv);
}

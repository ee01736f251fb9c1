/* admin_booking.c - a center's booking page from the command line:
 * `booking enable` (on, with what it offers and its windows), `booking
 * disable` and `booking show`.
 *
 * `enable` turns the page on for the calendars and services named (none
 * named: all of the center's, those added later included) and changes the
 * windows named; those not named keep their value (the defaults for a
 * center that had none: store_booking_settings_default).  An id given
 * twice counts once.  `disable` turns the page off and keeps the rest, so
 * an `enable` with the same lists brings back the same page.  The store
 * checks the ids against the center in the same unit of work as the write
 * (store_booking_settings_set); a refused one is named on stderr and
 * nothing changes.  `show` prints the settings, one `name value` per line. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "admin.h"
#include "cli.h"
#include "util/clock.h"
#include "util/parse.h"

/* One window option: its name, its range and the field it sets. */
typedef struct window_option {
    const char *name;
    int64_t min, max;
    size_t offset;
} window_option;

static const window_option windows[] = {
    {"horizon", 1, BOOKING_HORIZON_DAYS_MAX, offsetof(booking_settings, horizon_days)},
    {"notice", 0, BOOKING_NOTICE_MAX, offsetof(booking_settings, min_notice)},
    {"max-bookings", 1, BOOKING_MAX_FUTURE_MAX, offsetof(booking_settings, max_future)},
    {"hold", BOOKING_HOLD_MIN, BOOKING_HOLD_MAX, offsetof(booking_settings, hold_seconds)},
};

/* Reads the values of a repeatable id option into ids (distinct, in the
 * order given); false after one line on stderr. */
static bool read_ids(const cli_option *o, int64_t *ids, size_t *n)
{
    *n = 0;
    for (size_t i = 0; i < o->n; i++) {
        int64_t id = 0;
        if (!cli_positive(o->name, o->values[i], &id))
            return false;
        bool seen = false;
        for (size_t k = 0; k < *n && !seen; k++)
            seen = ids[k] == id;
        if (!seen)
            ids[(*n)++] = id;
    }
    return true;
}

static void print_list(const char *name, const int64_t *ids, size_t n)
{
    printf("%s", name);
    if (n == 0)
        printf(" all");
    for (size_t i = 0; i < n; i++)
        printf(" %lld", (long long)ids[i]);
    printf("\n");
}

static int booking_show(admin_session *s, int64_t center_id)
{
    booking_settings bs;
    store_rc rc = store_booking_settings_get(s->st, center_id, s->a, &bs);
    if (rc == STORE_NOT_FOUND)
        bs = store_booking_settings_default(center_id), rc = STORE_OK;
    if (rc != STORE_OK)
        return admin_session_close(s, rc, "the booking settings");
    printf("enabled %s\n", bs.enabled ? "on" : "off");
    print_list("calendars", bs.calendars, bs.n_calendars);
    print_list("services", bs.services, bs.n_services);
    printf("horizon %lld\nnotice %lld\nmax-bookings %lld\nhold %lld\n", (long long)bs.horizon_days,
           (long long)bs.min_notice, (long long)bs.max_future, (long long)bs.hold_seconds);
    return admin_session_close(s, STORE_OK, NULL);
}

/* agenda booking enable --center ID [--calendar ID]... [--service ID]...
 *                       [--horizon DAYS] [--notice MINUTES] [--max-bookings N]
 *                       [--hold SECONDS]
 * agenda booking disable --center ID
 * agenda booking show --center ID */
int admin_booking(int argc, char **argv)
{
    const char *verb = argc >= 1 ? argv[0] : "";
    bool enable = strcmp(verb, "enable") == 0;
    bool disable = strcmp(verb, "disable") == 0;
    bool show = strcmp(verb, "show") == 0;
    if (!enable && !disable && !show) {
        cli_error("usage: agenda booking enable --center ID [--calendar ID]... [--service ID]... "
                  "[--horizon DAYS] [--notice MINUTES] [--max-bookings N] [--hold SECONDS] | "
                  "agenda booking disable|show --center ID [--db DB]");
        return EXIT_USAGE;
    }
    cli_option o[] = {{.name = "db"},
                      {.name = "center"},
                      {.name = "calendar", .repeatable = true},
                      {.name = "service", .repeatable = true},
                      {.name = "horizon"},
                      {.name = "notice"},
                      {.name = "max-bookings"},
                      {.name = "hold"}};
    if (cli_parse(argc - 1, argv + 1, o, COUNT(o)) != 0)
        return EXIT_USAGE;
    int64_t center_id = 0;
    if (!cli_require_id(o, COUNT(o), "center", &center_id))
        return EXIT_USAGE;
    for (size_t i = 2; !enable && i < COUNT(o); i++) {
        if (o[i].n) {
            cli_error("'booking %s' takes only --center and --db", verb);
            return EXIT_USAGE;
        }
    }

    /* Every argument is checked before the store is opened. */
    int64_t calendars[CLI_MAX_VALUES], services[CLI_MAX_VALUES];
    size_t n_calendars = 0, n_services = 0;
    if (!read_ids(&o[2], calendars, &n_calendars) || !read_ids(&o[3], services, &n_services))
        return EXIT_USAGE;
    int64_t values[COUNT(windows)];
    bool given[COUNT(windows)] = {false};
    for (size_t i = 0; i < COUNT(windows); i++) {
        const char *arg = cli_get(o, COUNT(o), windows[i].name, NULL);
        if (!arg)
            continue;
        if (!parse_int64(arg, &values[i]) || values[i] < windows[i].min ||
            values[i] > windows[i].max) {
            cli_error("option '--%s' must be a whole number from %lld to %lld, not '%s'",
                      windows[i].name, (long long)windows[i].min, (long long)windows[i].max, arg);
            return EXIT_USAGE;
        }
        given[i] = true;
    }

    admin_session s;
    if (!admin_session_open(&s, cli_db(o, COUNT(o))))
        return 1;
    center c;
    booking_settings bs;
    store_rc rc = store_center_get(s.st, center_id, s.a, &c);
    if (rc != STORE_OK)
        return admin_session_close(&s, rc, "center");
    if (show)
        return booking_show(&s, center_id);
    rc = store_booking_settings_get(s.st, center_id, s.a, &bs);
    if (rc == STORE_NOT_FOUND)
        bs = store_booking_settings_default(center_id), rc = STORE_OK;
    if (rc != STORE_OK)
        return admin_session_close(&s, rc, "the booking settings");
    bs.enabled = enable;
    if (enable) {
        bs.calendars = calendars, bs.n_calendars = n_calendars;
        bs.services = services, bs.n_services = n_services;
        for (size_t i = 0; i < COUNT(windows); i++) {
            if (given[i])
                *(int64_t *)((char *)&bs + windows[i].offset) = values[i];
        }
    }
    bs.updated_at = clock_unix_seconds();
    booking_reject why = {0};
    rc = store_booking_settings_set(s.st, &bs, &why);
    if (rc == STORE_CONFLICT) {
        if (why.calendar)
            cli_error("calendar %lld is not one of the center's", (long long)why.id);
        else
            cli_error("service %lld is not a live service of the center's calendars%s",
                      (long long)why.id, n_calendars ? " named" : "");
        return admin_session_close(&s, rc, NULL);
    }
    return admin_session_close(&s, rc, "center");
}

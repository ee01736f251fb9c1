/* admin_reminders.c - a center's patient messages from the command line:
 * `reminders set` (the rules and the other settings) and `reminders list`
 * (the center's messages, one line each).
 *
 * `set` replaces the center's reminder rules with the --rule options given
 * (none: no reminders) and changes the other settings named; those not
 * named keep their value (the defaults for a center that had none).  The
 * rules and quiet hours are checked by sched/remind.c, as the API checks
 * them, before the store is opened; the store replans the center's
 * appointments in the same transaction (store_reminder_settings_set).  It
 * prints the rules, one per line, in their canonical form. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "admin.h"
#include "cli.h"
#include "notify/template.h"
#include "sched/remind.h"
#include "util/buf.h"
#include "util/clock.h"

/* Parses an on/off option into *out; false after one line on stderr. */
static bool on_off(const char *name, const char *value, bool *out)
{
    if (strcmp(value, "on") == 0)
        *out = true;
    else if (strcmp(value, "off") == 0)
        *out = false;
    else {
        cli_error("option '--%s' must be on or off, not '%s'", name, value);
        return false;
    }
    return true;
}

static int reminders_list(const cli_option *o, size_t n_opts, int64_t center_id)
{
    admin_session s;
    if (!admin_session_open(&s, cli_db(o, n_opts)))
        return 1;
    center c;
    message *rows = NULL;
    size_t n = 0;
    store_rc rc = store_center_get(s.st, center_id, s.a, &c);
    if (rc != STORE_OK)
        return admin_session_close(&s, rc, "center");
    rc = store_message_list_for_center(s.st, center_id, NULL, INT64_MAX, s.a, &rows, &n);
    for (size_t i = 0; rc == STORE_OK && i < n; i++)
        printf("%lld %lld %s %s %lld %s\n", (long long)rows[i].id,
               (long long)rows[i].appointment_id, rows[i].kind, rows[i].channel,
               (long long)rows[i].due_at, rows[i].state);
    return admin_session_close(&s, rc, "the messages");
}

/* agenda reminders set --center ID [--rule "CHANNEL LEAD"]... [--quiet HH:MM-HH:MM|none]
 *                      [--language CODE] [--sender-name NAME] [--address TEXT]
 *                      [--country CC] [--confirmation on|off] [--change-notice on|off]
 *                      [--cancellation-notice on|off] [--change-delay SECONDS]
 *                      [--sms-segments N] [--sms-fallback-email on|off]
 * agenda reminders list --center ID */
int admin_reminders(int argc, char **argv)
{
    bool set = argc >= 1 && strcmp(argv[0], "set") == 0;
    bool list = argc >= 1 && strcmp(argv[0], "list") == 0;
    if (!set && !list) {
        cli_error("usage: agenda reminders set --center ID [--rule \"CHANNEL LEAD\"]... "
                  "[--quiet HH:MM-HH:MM] [--language CODE] ... | agenda reminders list "
                  "--center ID [--db DB]");
        return EXIT_USAGE;
    }
    cli_option o[] = {{.name = "db"},
                      {.name = "center"},
                      {.name = "rule", .repeatable = true},
                      {.name = "quiet"},
                      {.name = "language"},
                      {.name = "sender-name"},
                      {.name = "address"},
                      {.name = "country"},
                      {.name = "confirmation"},
                      {.name = "change-notice"},
                      {.name = "cancellation-notice"},
                      {.name = "change-delay"},
                      {.name = "sms-segments"},
                      {.name = "sms-fallback-email"}};
    if (cli_parse(argc - 1, argv + 1, o, COUNT(o)) != 0)
        return EXIT_USAGE;
    int64_t center_id = 0;
    if (!cli_require_id(o, COUNT(o), "center", &center_id))
        return EXIT_USAGE;
    if (list) {
        for (size_t i = 2; i < COUNT(o); i++) {
            if (o[i].n) {
                cli_error("'reminders list' takes only --center and --db");
                return EXIT_USAGE;
            }
        }
        return reminders_list(o, COUNT(o), center_id);
    }

    /* Every argument is checked before the store is opened. */
    remind_rule rules[REMINDER_RULES_MAX];
    char texts[REMINDER_RULES_MAX][REMIND_RULE_TEXT_MAX];
    size_t n_rules = o[2].n;
    if (n_rules > REMINDER_RULES_MAX) {
        cli_error("at most %d reminder rules", REMINDER_RULES_MAX);
        return EXIT_USAGE;
    }
    for (size_t i = 0; i < n_rules; i++) {
        const char *err = NULL;
        if (!remind_rule_parse(o[2].values[i], &rules[i], &err)) {
            cli_error("rule '%s': %s", o[2].values[i], err);
            return EXIT_USAGE;
        }
        remind_rule_format(&rules[i], texts[i]);
        for (size_t j = 0; j < i; j++) {
            if (strcmp(texts[i], texts[j]) == 0) {
                cli_error("rule '%s' is given twice", texts[i]);
                return EXIT_USAGE;
            }
        }
    }
    const char *quiet = cli_get(o, COUNT(o), "quiet", NULL);
    char quiet_text[REMIND_QUIET_TEXT_MAX] = "";
    if (quiet && strcmp(quiet, "none") != 0) {
        remind_quiet q;
        const char *err = NULL;
        if (!remind_quiet_parse(quiet, &q, &err)) {
            cli_error("quiet hours '%s': %s", quiet, err);
            return EXIT_USAGE;
        }
        remind_quiet_format(&q, quiet_text);
    }
    const char *language = cli_get(o, COUNT(o), "language", NULL);
    if (language && !template_has_defaults(language)) {
        cli_error("language '%s' is not one of en, fr, nl, de, es", language);
        return EXIT_USAGE;
    }
    const char *country = cli_get(o, COUNT(o), "country", NULL);
    if (country && (strlen(country) != 2 || country[0] < 'A' || country[0] > 'Z' ||
                    country[1] < 'A' || country[1] > 'Z')) {
        cli_error("country '%s' is not a two-letter region code such as BE", country);
        return EXIT_USAGE;
    }
    static const char *const switches[] = {"confirmation", "change-notice", "cancellation-notice",
                                           "sms-fallback-email"};
    bool switch_on[4] = {false};
    const char *switch_arg[4];
    for (size_t i = 0; i < 4; i++) {
        switch_arg[i] = cli_get(o, COUNT(o), switches[i], NULL);
        if (switch_arg[i] && !on_off(switches[i], switch_arg[i], &switch_on[i]))
            return EXIT_USAGE;
    }
    int64_t delay = -1, segments = -1;
    const char *delay_arg = cli_get(o, COUNT(o), "change-delay", NULL);
    const char *segments_arg = cli_get(o, COUNT(o), "sms-segments", NULL);
    if ((delay_arg && !cli_positive("change-delay", delay_arg, &delay)) ||
        (segments_arg && !cli_positive("sms-segments", segments_arg, &segments)))
        return EXIT_USAGE;
    if (delay > REMINDER_CHANGE_DELAY_MAX || segments > REMINDER_SMS_SEGMENTS_MAX) {
        cli_error(delay > REMINDER_CHANGE_DELAY_MAX
                      ? "option '--change-delay' must be at most 86400 seconds"
                      : "option '--sms-segments' must be at most 10");
        return EXIT_USAGE;
    }

    admin_session s;
    if (!admin_session_open(&s, cli_db(o, COUNT(o))))
        return 1;
    center c;
    reminder_settings rs;
    store_rc rc = store_center_get(s.st, center_id, s.a, &c);
    if (rc != STORE_OK)
        return admin_session_close(&s, rc, "center");
    rc = store_reminder_settings_get(s.st, center_id, s.a, &rs);
    if (rc == STORE_NOT_FOUND)
        rs = store_reminder_settings_default(center_id), rc = STORE_OK;
    if (rc != STORE_OK)
        return admin_session_close(&s, rc, "the reminder settings");
    buf joined;
    buf_init(&joined, 4096, s.a);
    for (size_t i = 0; i < n_rules; i++) {
        if ((i > 0 && !buf_add_char(&joined, '\n')) ||
            !buf_add(&joined, texts[i], strlen(texts[i])))
            return admin_session_close(&s, STORE_ERROR, "the reminder settings");
    }
    size_t joined_len = 0;
    rs.rules = buf_take(&joined, &joined_len);
    if (!rs.rules)
        return admin_session_close(&s, STORE_ERROR, "the reminder settings");
    if (quiet)
        rs.quiet = quiet_text[0] ? quiet_text : NULL;
    if (language)
        rs.language = language;
    rs.sender_name = cli_get(o, COUNT(o), "sender-name", rs.sender_name);
    rs.address = cli_get(o, COUNT(o), "address", rs.address);
    if (country)
        rs.country = country;
    bool *targets[] = {&rs.confirmation, &rs.change_notice, &rs.cancellation_notice,
                       &rs.sms_fallback_email};
    for (size_t i = 0; i < 4; i++) {
        if (switch_arg[i])
            *targets[i] = switch_on[i];
    }
    if (delay >= 0)
        rs.change_delay = delay;
    if (segments >= 0)
        rs.sms_segments = segments;
    int64_t now = clock_unix_seconds();
    rs.updated_at = now;
    rc = store_reminder_settings_set(s.st, &rs, now, s.a);
    for (size_t i = 0; rc == STORE_OK && i < n_rules; i++)
        printf("%s\n", texts[i]);
    return admin_session_close(&s, rc, "center");
}

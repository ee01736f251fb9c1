/* admin_accounts.c - the accounts, which the API itself cannot create:
 * `center add`, `calendar add`, and `user add|grant|revoke|reset-token`.
 *
 * Names, slugs and emails are checked here, before the store is opened, so a
 * refused command is exit 2 and touches nothing; what only the store can
 * tell (a slug or an email taken, a center that does not exist) is exit 1.
 * Emails are stored as the store folds them (ASCII lower case).  A token is
 * printed once and only its hash is stored.  Grants are idempotent both
 * ways: granting twice, or removing a grant that is not there, succeeds. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "admin.h"
#include "cli.h"
#include "sched/tzfile.h"
#include "util/token.h"

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

/* Prints one line and returns false when the slug is not valid. */
static bool slug_checked(const char *s)
{
    if (slug_valid(s))
        return true;
    cli_error("slug '%s' must be lower-case letters, digits, '-' or '_'", s);
    return false;
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
    if (!name_valid("name", name) || !slug_checked(slug))
        return EXIT_USAGE;
    /* the same loader the slot engine uses, so every center's zone works */
    const tzfile *tz = NULL;
    if (!tzfile_is_iana_name(zone) || tzfile_get(zone, &tz) != TZFILE_OK) {
        cli_error("unknown time zone '%s' (expected an IANA name such as Europe/Brussels)", zone);
        return EXIT_USAGE;
    }
    admin_session s;
    if (!admin_session_open(&s, cli_db(o, COUNT(o))))
        return 1;
    center c = {.name = name, .slug = slug, .timezone = zone};
    store_rc rc = store_center_create(s.st, &c);
    if (rc == STORE_OK)
        printf("%lld\n", (long long)c.id);
    return admin_session_close(&s, rc, "a center with this slug");
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
    if (!name_valid("first-name", first) || !name_valid("last-name", last) || !slug_checked(slug))
        return EXIT_USAGE;
    const cli_option *specs = &o[5];
    speciality list[CLI_MAX_VALUES];
    for (size_t i = 0; i < specs->n; i++) {
        if (!name_valid("speciality", specs->values[i]))
            return EXIT_USAGE;
        list[i] = (speciality){.name = specs->values[i]};
    }
    admin_session s;
    if (!admin_session_open(&s, cli_db(o, COUNT(o))))
        return 1;
    calendar k = {.center_id = center_id,
                  .first_name = first,
                  .last_name = last,
                  .slug = slug,
                  .slot_step = 15,
                  .specialities = list,
                  .n_specialities = specs->n};
    store_rc rc = store_calendar_create(s.st, &k);
    if (rc == STORE_OK)
        printf("%lld\n", (long long)k.id);
    return admin_session_close(&s, rc,
                               rc == STORE_NOT_FOUND ? "center" : "a calendar with this slug");
}

int admin_calendar(int argc, char **argv)
{
    if (argc >= 1 && strcmp(argv[0], "add") == 0)
        return calendar_add(argc - 1, argv + 1);
    cli_error("usage: agenda calendar add --center ID --first-name F --last-name L --slug SLUG "
              "[--speciality NAME]... [--db DB]");
    return EXIT_USAGE;
}

/* Looks up the user by email; prints one line when absent or unreadable. */
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
    int64_t center_id = 0;
    bool wants_center = strcmp(verb, "grant") == 0;
    bool may_center = wants_center || strcmp(verb, "revoke") == 0;
    bool adds = strcmp(verb, "add") == 0;
    bool prints_token = adds || strcmp(verb, "reset-token") == 0;

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

    admin_session s;
    if (!admin_session_open(&s, cli_db(o, COUNT(o))))
        return 1;
    char token[TOKEN_CHARS + 1];
    unsigned char hash[TOKEN_HASH_BYTES];
    if (prints_token) {
        token_generate(token);
        token_hash(token, strlen(token), hash);
    }
    user u = {.email = email};
    store_rc rc;
    const char *what = "user";
    if (adds) {
        memcpy(u.token_hash, hash, sizeof hash);
        rc = store_user_create(s.st, &u);
        what = "a user with this email";
    } else if ((rc = user_find(s.st, s.a, email, &u)) != STORE_OK) {
        what = NULL; /* user_find said why */
    } else if (prints_token) {
        rc = store_user_set_token(s.st, u.id, hash);
    } else if (wants_center) {
        rc = store_grant_add(s.st, u.id, center_id);
        what = "center";
    } else if (center_arg) {
        rc = store_grant_remove(s.st, u.id, center_id);
        /* no grant to remove: done already (like granting twice), unless
         * the center itself does not exist */
        center c;
        if (rc == STORE_NOT_FOUND && store_center_get(s.st, center_id, s.a, &c) == STORE_OK)
            rc = STORE_OK;
        what = "grant of this center to this user";
    } else {
        rc = store_user_disable(s.st, u.id);
    }
    if (rc == STORE_OK && prints_token)
        printf("%s\n", token);
    return admin_session_close(&s, rc, what);
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

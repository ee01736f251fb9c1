/* admin_demo.c - `agenda demo`: a practice to try the API on at once.
 *
 * On first use (no user demo@example.com yet) it creates, in one
 * transaction, a center, a calendar open Monday to Friday (08:30-12:00 and
 * 13:00-17:30, so suggestions answer), two services and the demo user
 * granted on the center.  Every use gives the demo user a fresh token and
 * prints a ready-to-paste curl line with it, for --listen, else
 * $AGENDA_LISTEN, else 127.0.0.1:8080 (`make run` pastes it). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "admin.h"
#include "cli.h"
#include "util/clock.h"
#include "util/token.h"

/* Creates the demo practice for user *u (its email and token hash set). */
static store_rc demo_create(store *st, user *u)
{
    int64_t now = clock_unix_seconds();
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
    opening_hour week[10];
    for (int d = 0; d < 5; d++) {
        week[2 * d] = (opening_hour){.day = d, .start = 8 * 60 + 30, .stop = 12 * 60};
        week[2 * d + 1] = (opening_hour){.day = d, .start = 13 * 60, .stop = 17 * 60 + 30};
    }
    store_rc rc = store_begin(st);
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
    if (rc == STORE_OK)
        rc = store_opening_hours_set(st, k.id, week, 10);
    if (rc == STORE_OK)
        rc = store_user_create(st, u);
    if (rc == STORE_OK)
        rc = store_grant_add(st, u->id, c.id);
    if (rc == STORE_OK)
        rc = store_commit(st);
    if (rc != STORE_OK)
        store_rollback(st);
    else
        fprintf(stderr, "agenda: demo data created: center %lld, calendar %lld\n", (long long)c.id,
                (long long)k.id);
    return rc;
}

int admin_demo(int argc, char **argv)
{
    static const char demo_email[] = "demo@example.com";
    cli_option o[] = {{.name = "db"}, {.name = "listen"}};
    char token[TOKEN_CHARS + 1];
    unsigned char hash[TOKEN_HASH_BYTES];

    if (cli_parse(argc, argv, o, COUNT(o)) != 0)
        return EXIT_USAGE;
    const char *env_listen = getenv("AGENDA_LISTEN");
    const char *listen =
        cli_get(o, COUNT(o), "listen", env_listen && *env_listen ? env_listen : "127.0.0.1:8080");
    admin_session s;
    if (!admin_session_open(&s, cli_db(o, COUNT(o))))
        return 1;
    token_generate(token);
    token_hash(token, strlen(token), hash);

    user u;
    store_rc rc = store_user_get_by_email(s.st, demo_email, s.a, &u);
    if (rc == STORE_OK) {
        rc = store_user_set_token(s.st, u.id, hash);
    } else if (rc == STORE_NOT_FOUND) {
        u = (user){.email = demo_email};
        memcpy(u.token_hash, hash, sizeof hash);
        rc = demo_create(s.st, &u);
    }
    if (rc == STORE_OK)
        printf("curl 'http://%s/api/v2/calendars?user_email=demo%%40example.com&user_token=%s'\n",
               listen, token);
    return admin_session_close(&s, rc, "the demo data");
}

/* suites.h - the list of unit-test suites; each is defined in the test file
 * that mirrors its source file. */
#ifndef AGENDA_TEST_SUITES_H
#define AGENDA_TEST_SUITES_H

#include <check.h>

#define UNIT_SUITES                                                                                \
    SUITE(suite_config)                                                                            \
    SUITE(suite_arena)                                                                             \
    SUITE(suite_buf)                                                                               \
    SUITE(suite_clock)                                                                             \
    SUITE(suite_cidr)                                                                              \
    SUITE(suite_json_out)                                                                          \
    SUITE(suite_json_mem)                                                                          \
    SUITE(suite_utf8)                                                                              \
    SUITE(suite_parse)                                                                             \
    SUITE(suite_url)                                                                               \
    SUITE(suite_router)                                                                            \
    SUITE(suite_form)                                                                              \
    SUITE(suite_body)                                                                              \
    SUITE(suite_credentials)                                                                       \
    SUITE(suite_framing)                                                                           \
    SUITE(suite_ratelimit)                                                                         \
    SUITE(suite_metrics)                                                                           \
    SUITE(suite_reaper)                                                                            \
    SUITE(suite_accesslog)                                                                         \
    SUITE(suite_fields)                                                                            \
    SUITE(suite_common)                                                                            \
    SUITE(suite_handler)                                                                           \
    SUITE(suite_stmt_cache)                                                                        \
    SUITE(suite_db_log)                                                                            \
    SUITE(suite_migrate)                                                                           \
    SUITE(suite_accounts)                                                                          \
    SUITE(suite_patients)                                                                          \
    SUITE(suite_services)                                                                          \
    SUITE(suite_appointments)                                                                      \
    SUITE(suite_busy)                                                                              \
    SUITE(suite_booking)                                                                           \
    SUITE(suite_replies)                                                                           \
    SUITE(suite_store)                                                                             \
    SUITE(suite_db_pg)                                                                             \
    SUITE(suite_civil)                                                                             \
    SUITE(suite_week)                                                                              \
    SUITE(suite_tzfile)                                                                            \
    SUITE(suite_slots)                                                                             \
    SUITE(suite_remind)                                                                            \
    SUITE(suite_sms_text)                                                                          \
    SUITE(suite_phone)                                                                             \
    SUITE(suite_template)                                                                          \
    SUITE(suite_notify)                                                                            \
    SUITE(suite_signature)                                                                         \
    SUITE(suite_reply)                                                                             \
    SUITE(suite_ics)                                                                               \
    SUITE(suite_mail)                                                                              \
    SUITE(suite_smtp)                                                                              \
    SUITE(suite_sms)                                                                               \
    SUITE(suite_dav)                                                                               \
    SUITE(suite_secret)                                                                            \
    SUITE(suite_caldav)                                                                            \
    SUITE(suite_expand)                                                                            \
    SUITE(suite_feeds)                                                                             \
    SUITE(suite_feed)                                                                              \
    SUITE(suite_web)

#define SUITE(name) Suite *name(void);
UNIT_SUITES
#undef SUITE

#endif

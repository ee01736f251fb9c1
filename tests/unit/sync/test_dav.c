/* test_dav.c - the CalDAV client's reading of WebDAV answers (sync/dav.c):
 * multistatus bodies whatever prefixes the server picks, hrefs resolved
 * against the collection, sync-collection's truncation and removed
 * members, the DAV:error of an invalid token, and hostile input (huge,
 * deeply nested, entity bombs, external entities) refused without harm. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../suites.h"
#include "sync/dav.h"

#define BASE "https://dav.example.org/cal/work/"

static arena *a;

static void setup(void)
{
    a = arena_new(ARENA_DEFAULT_LIMIT);
}

static void teardown(void)
{
    arena_free(a);
}

static bool parse(const char *body, dav_multistatus *ms, const char **why)
{
    *why = NULL;
    return dav_parse_multistatus(body, strlen(body), BASE, a, ms, why);
}

START_TEST(prefixes_are_the_servers_choice)
{
    /* Radicale's style (default namespace), Xandikos' (ns0/ns1) and an odd
     * one (DAV: bound to "x", caldav to "D") read the same */
    static const char *const bodies[] = {
        "<?xml version='1.0' encoding='utf-8'?>\n"
        "<multistatus xmlns=\"DAV:\" xmlns:C=\"urn:ietf:params:xml:ns:caldav\">"
        "<response><href>/cal/work/a.ics</href><propstat><prop>"
        "<getetag>\"e1\"</getetag><C:calendar-data>BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"
        "</C:calendar-data></prop><status>HTTP/1.1 200 OK</status></propstat></response>"
        "</multistatus>",
        "<ns0:multistatus xmlns:ns0=\"DAV:\" xmlns:ns1=\"urn:ietf:params:xml:ns:caldav\">"
        "<ns0:response><ns0:href>/cal/work/a.ics</ns0:href><ns0:propstat>"
        "<ns0:status>HTTP/1.1 200 OK</ns0:status><ns0:prop><ns0:getetag>\"e1\"</ns0:getetag>"
        "<ns1:calendar-data>BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n</ns1:calendar-data>"
        "</ns0:prop></ns0:propstat></ns0:response></ns0:multistatus>",
        "<x:multistatus xmlns:x=\"DAV:\" xmlns:D=\"urn:ietf:params:xml:ns:caldav\">"
        "<x:response>\n  <x:href>\n a.ics \n</x:href><x:propstat><x:prop>"
        "<x:getetag>\"e1\"</x:getetag><D:calendar-data><![CDATA[BEGIN:VCALENDAR\r\n]]>"
        "END:VCALENDAR\r\n</D:calendar-data></x:prop><x:status>HTTP/1.1 200 OK</x:status>"
        "</x:propstat></x:response></x:multistatus>",
    };
    for (size_t i = 0; i < sizeof bodies / sizeof bodies[0]; i++) {
        dav_multistatus ms;
        const char *why = NULL;
        ck_assert_msg(parse(bodies[i], &ms, &why), "body %zu: %s", i, why);
        ck_assert_uint_eq(ms.n, 1);
        ck_assert_str_eq(ms.entries[0].href, "/cal/work/a.ics");
        ck_assert_str_eq(ms.entries[0].etag, "\"e1\"");
        /* XML reads every line end as \n (XML 1.0 section 2.11) */
        ck_assert_str_eq(ms.entries[0].data, "BEGIN:VCALENDAR\nEND:VCALENDAR\n");
        ck_assert_int_eq(ms.entries[0].status, 0);
    }
}
END_TEST

START_TEST(a_namespace_other_than_dav_is_not_dav)
{
    /* the same local names in another namespace are not WebDAV's */
    dav_multistatus ms;
    const char *why = NULL;
    ck_assert(!parse("<multistatus xmlns=\"urn:other\"><response><href>/x</href></response>"
                     "</multistatus>",
                     &ms, &why));
    ck_assert_str_eq(why, "the answer is not a DAV:multistatus");
    /* an etag in another namespace is ignored */
    ck_assert(parse("<d:multistatus xmlns:d=\"DAV:\" xmlns:o=\"urn:other\"><d:response>"
                    "<d:href>b.ics</d:href><d:propstat><d:prop><o:getetag>\"x\"</o:getetag>"
                    "</d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>"
                    "</d:multistatus>",
                    &ms, &why));
    ck_assert_ptr_null(ms.entries[0].etag);
}
END_TEST

START_TEST(hrefs_resolve_against_the_collection)
{
    char *p = dav_resolve_href(BASE, "a.ics", a);
    ck_assert_str_eq(p, "/cal/work/a.ics");
    ck_assert_str_eq(dav_resolve_href(BASE, "/cal/work/b%20c.ics", a), "/cal/work/b%20c.ics");
    ck_assert_str_eq(dav_resolve_href(BASE, "https://dav.example.org/cal/work/d.ics", a),
                     "/cal/work/d.ics");
    /* another origin keeps its path only: requests go to the collection's */
    ck_assert_str_eq(dav_resolve_href(BASE, "http://proxy.internal:8080/cal/work/e.ics", a),
                     "/cal/work/e.ics");
    ck_assert_str_eq(dav_resolve_href(BASE, "../home/f.ics", a), "/cal/home/f.ics");
    ck_assert_ptr_null(dav_resolve_href(BASE, "", a));
}
END_TEST

START_TEST(a_propstat_that_failed_gives_nothing)
{
    dav_multistatus ms;
    const char *why = NULL;
    ck_assert(parse("<d:multistatus xmlns:d=\"DAV:\"><d:response><d:href>/cal/work/</d:href>"
                    "<d:propstat><d:prop><d:displayname>Work</d:displayname></d:prop>"
                    "<d:status>HTTP/1.1 200 OK</d:status></d:propstat>"
                    "<d:propstat><d:prop><d:getetag>\"nope\"</d:getetag><d:sync-token/></d:prop>"
                    "<d:status>HTTP/1.1 404 Not Found</d:status></d:propstat></d:response>"
                    "</d:multistatus>",
                    &ms, &why));
    ck_assert_str_eq(ms.entries[0].displayname, "Work");
    ck_assert_ptr_null(ms.entries[0].etag);
    ck_assert_ptr_null(ms.entries[0].sync_token);
}
END_TEST

START_TEST(a_collection_describes_itself)
{
    dav_multistatus ms;
    const char *why = NULL;
    ck_assert(parse("<D:multistatus xmlns:D=\"DAV:\" xmlns:C=\"urn:ietf:params:xml:ns:caldav\""
                    " xmlns:CS=\"http://calendarserver.org/ns/\"><D:response>"
                    "<D:href>/cal/work/</D:href><D:propstat><D:prop>"
                    "<D:resourcetype><D:collection/><C:calendar/></D:resourcetype>"
                    "<D:displayname>Work</D:displayname><CS:getctag>\"c7\"</CS:getctag>"
                    "<D:sync-token>http://x/ns/sync/42</D:sync-token><D:supported-report-set>"
                    "<D:supported-report><D:report><D:sync-collection/></D:report>"
                    "</D:supported-report><D:supported-report><D:report>"
                    "<C:calendar-multiget/></D:report></D:supported-report>"
                    "</D:supported-report-set></D:prop>"
                    "<D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response>"
                    "</D:multistatus>",
                    &ms, &why));
    const dav_entry *e = &ms.entries[0];
    ck_assert(e->is_collection && e->is_calendar && e->sync_collection && e->multiget &&
              e->reports_listed);
    ck_assert_str_eq(e->ctag, "\"c7\"");
    ck_assert_str_eq(e->sync_token, "http://x/ns/sync/42");
    /* Xandikos leaves the DAV:report wrapper out */
    ck_assert(
        parse("<ns0:multistatus xmlns:ns0=\"DAV:\" xmlns:ns1=\"urn:ietf:params:xml:ns:caldav\">"
              "<ns0:response><ns0:href>/cal/work/</ns0:href><ns0:propstat>"
              "<ns0:status>HTTP/1.1 200 OK</ns0:status><ns0:prop><ns0:resourcetype>"
              "<ns0:collection/></ns0:resourcetype><ns0:supported-report-set>"
              "<ns0:supported-report><ns0:sync-collection /></ns0:supported-report>"
              "</ns0:supported-report-set></ns0:prop></ns0:propstat></ns0:response>"
              "</ns0:multistatus>",
              &ms, &why));
    ck_assert(ms.entries[0].sync_collection && !ms.entries[0].multiget);
    ck_assert(ms.entries[0].is_collection && !ms.entries[0].is_calendar);
}
END_TEST

START_TEST(sync_answers_carry_removals_truncation_and_a_token)
{
    dav_multistatus ms;
    const char *why = NULL;
    ck_assert(parse("<d:multistatus xmlns:d=\"DAV:\">"
                    "<d:response><d:href>/cal/work/a.ics</d:href><d:propstat><d:prop>"
                    "<d:getetag>\"2\"</d:getetag></d:prop><d:status>HTTP/1.1 200 OK</d:status>"
                    "</d:propstat></d:response>"
                    "<d:response><d:href>/cal/work/gone.ics</d:href>"
                    "<d:status>HTTP/1.1 404 Not Found</d:status></d:response>"
                    "<d:response><d:href>/cal/work/</d:href>"
                    "<d:status>HTTP/1.1 507 Insufficient Storage</d:status></d:response>"
                    "<d:sync-token>tok-2</d:sync-token></d:multistatus>",
                    &ms, &why));
    ck_assert_uint_eq(ms.n, 3);
    ck_assert_int_eq(ms.entries[1].status, 404);
    ck_assert_int_eq(ms.entries[2].status, 507);
    ck_assert_str_eq(ms.entries[2].href, "/cal/work/");
    ck_assert_str_eq(ms.sync_token, "tok-2");
}
END_TEST

START_TEST(an_unreadable_response_fails_the_whole_answer)
{
    /* a member left out would look removed: nothing of such an answer counts */
    dav_multistatus ms;
    const char *why = NULL;
    ck_assert(!parse("<d:multistatus xmlns:d=\"DAV:\"><d:response><d:href>/cal/work/a.ics"
                     "</d:href></d:response><d:response><d:propstat/></d:response>"
                     "</d:multistatus>",
                     &ms, &why));
    ck_assert_str_eq(why, "a response has no href");
    ck_assert(!parse("<d:multistatus xmlns:d=\"DAV:\"><d:response><d:href>/a</d:href>"
                     "<d:status>garbage</d:status></d:response></d:multistatus>",
                     &ms, &why));
    ck_assert_str_eq(why, "a response has an unreadable status");
    ck_assert(!parse("<d:multistatus xmlns:d=\"DAV:\"><d:response>", &ms, &why));
    ck_assert_str_eq(why, "the document is not well-formed XML");
    ck_assert(!parse("", &ms, &why));
    ck_assert(!parse("HTTP error page", &ms, &why));
}
END_TEST

START_TEST(invalid_token_bodies_are_recognised)
{
    static const char radicale[] = "<?xml version='1.0' encoding='utf-8'?>\n"
                                   "<error xmlns=\"DAV:\"><valid-sync-token /></error>";
    static const char prefixed[] = "<D:error xmlns:D=\"DAV:\"><D:valid-sync-token/></D:error>";
    static const char other[] = "<D:error xmlns:D=\"DAV:\"><D:need-privileges/></D:error>";
    static const char foreign[] = "<error xmlns=\"urn:x\"><valid-sync-token/></error>";
    ck_assert(dav_error_names_sync_token(radicale, strlen(radicale)));
    ck_assert(dav_error_names_sync_token(prefixed, strlen(prefixed)));
    ck_assert(!dav_error_names_sync_token(other, strlen(other)));
    ck_assert(!dav_error_names_sync_token(foreign, strlen(foreign)));
    ck_assert(!dav_error_names_sync_token("Forbidden", 9));
    ck_assert(!dav_error_names_sync_token(NULL, 0));
}
END_TEST

START_TEST(entity_bombs_and_external_entities_are_refused)
{
    static const char bomb[] =
        "<?xml version=\"1.0\"?><!DOCTYPE m [<!ENTITY a \"aaaaaaaaaa\">"
        "<!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\"><!ENTITY c "
        "\"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\">"
        "<!ENTITY d \"&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;\"><!ENTITY e "
        "\"&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;\">"
        "<!ENTITY f \"&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;\"><!ENTITY g "
        "\"&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;\">"
        "<!ENTITY h \"&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;\"><!ENTITY i "
        "\"&h;&h;&h;&h;&h;&h;&h;&h;&h;&h;\">]>"
        "<d:multistatus xmlns:d=\"DAV:\"><d:response><d:href>/cal/work/a.ics</d:href>"
        "<d:propstat><d:prop><d:getetag>&i;</d:getetag></d:prop>"
        "<d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response></d:multistatus>";
    static const char external[] =
        "<?xml version=\"1.0\"?><!DOCTYPE m [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
        "<d:multistatus xmlns:d=\"DAV:\"><d:response><d:href>/cal/work/a.ics</d:href>"
        "<d:propstat><d:prop><d:getetag>&x;</d:getetag></d:prop>"
        "<d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response></d:multistatus>";
    static const char remote_dtd[] =
        "<?xml version=\"1.0\"?><!DOCTYPE m SYSTEM \"http://127.0.0.1:9/x.dtd\">"
        "<d:multistatus xmlns:d=\"DAV:\"/>";
    dav_multistatus ms;
    const char *why = NULL;
    ck_assert(!parse(bomb, &ms, &why));
    ck_assert_str_eq(why, "the document has a DOCTYPE");
    ck_assert(!parse(external, &ms, &why));
    ck_assert_str_eq(why, "the document has a DOCTYPE");
    ck_assert(!parse(remote_dtd, &ms, &why));
    ck_assert_str_eq(why, "the document has a DOCTYPE");
    ck_assert(!dav_error_names_sync_token(bomb, strlen(bomb)));
    /* an undeclared entity is no well-formed document either */
    ck_assert(!parse("<d:multistatus xmlns:d=\"DAV:\">&x;</d:multistatus>", &ms, &why));
}
END_TEST

START_TEST(deep_nesting_is_refused)
{
    enum { DEPTH = 100000 };
    size_t len = 0;
    char *body = malloc(DEPTH * 8 + 64);
    ck_assert_ptr_nonnull(body);
    len += (size_t)sprintf(body, "<d:multistatus xmlns:d=\"DAV:\">");
    for (int i = 0; i < DEPTH; i++) {
        memcpy(body + len, "<d:x>", 5);
        len += 5;
    }
    body[len] = '\0';
    dav_multistatus ms;
    const char *why = NULL;
    ck_assert(!dav_parse_multistatus(body, len, BASE, a, &ms, &why));
    ck_assert_str_eq(why, "the document is not well-formed XML");
    free(body);
}
END_TEST

START_TEST(many_members_parse_into_the_arena_and_a_small_arena_fails_cleanly)
{
    enum { N = 20000 };
    const char head[] = "<d:multistatus xmlns:d=\"DAV:\">";
    const char tail[] = "</d:multistatus>";
    size_t cap = sizeof head + N * 200 + sizeof tail, len = 0;
    char *body = malloc(cap);
    ck_assert_ptr_nonnull(body);
    len += (size_t)sprintf(body, "%s", head);
    for (int i = 0; i < N; i++)
        len += (size_t)sprintf(body + len,
                               "<d:response><d:href>m%d.ics</d:href><d:propstat><d:prop>"
                               "<d:getetag>\"%d\"</d:getetag></d:prop><d:status>HTTP/1.1 200 OK"
                               "</d:status></d:propstat></d:response>",
                               i, i);
    len += (size_t)sprintf(body + len, "%s", tail);
    dav_multistatus ms;
    const char *why = NULL;
    ck_assert_msg(dav_parse_multistatus(body, len, BASE, a, &ms, &why), "%s", why);
    ck_assert_uint_eq(ms.n, N);
    ck_assert_str_eq(ms.entries[N - 1].href, "/cal/work/m19999.ics");
    arena *small = arena_new(64 * 1024);
    ck_assert(!dav_parse_multistatus(body, len, BASE, small, &ms, &why));
    ck_assert_str_eq(why, "out of memory");
    arena_free(small);
    free(body);
}
END_TEST

START_TEST(member_hrefs_are_escaped)
{
    dav_client *c = dav_open(&(dav_options){.url = BASE}, (char[64]){0}, 64);
    ck_assert_ptr_nonnull(c);
    ck_assert_str_eq(dav_collection_path(c), "/cal/work/");
    ck_assert_str_eq(dav_member_href(c, "a b/c@d.ics", a), "/cal/work/a%20b%2Fc%40d.ics");
    dav_close(c);
    char err[128];
    ck_assert_ptr_null(dav_open(&(dav_options){.url = "ftp://x/"}, err, sizeof err));
    ck_assert_str_eq(err, "the URL must be an http:// or https:// URL");
    ck_assert_ptr_null(dav_open(&(dav_options){.url = "https://u:p@x/cal/"}, err, sizeof err));
    ck_assert_str_eq(err, "the URL must not carry a user name or password");
}
END_TEST

Suite *suite_dav(void)
{
    Suite *s = suite_create("dav");
    TCase *tc = tcase_create("xml");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 30);
    tcase_add_test(tc, prefixes_are_the_servers_choice);
    tcase_add_test(tc, a_namespace_other_than_dav_is_not_dav);
    tcase_add_test(tc, hrefs_resolve_against_the_collection);
    tcase_add_test(tc, a_propstat_that_failed_gives_nothing);
    tcase_add_test(tc, a_collection_describes_itself);
    tcase_add_test(tc, sync_answers_carry_removals_truncation_and_a_token);
    tcase_add_test(tc, an_unreadable_response_fails_the_whole_answer);
    tcase_add_test(tc, invalid_token_bodies_are_recognised);
    tcase_add_test(tc, entity_bombs_and_external_entities_are_refused);
    tcase_add_test(tc, deep_nesting_is_refused);
    tcase_add_test(tc, many_members_parse_into_the_arena_and_a_small_arena_fails_cleanly);
    tcase_add_test(tc, member_hrefs_are_escaped);
    suite_add_tcase(s, tc);
    return s;
}

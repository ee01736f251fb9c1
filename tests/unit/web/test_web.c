/* test_web.c - the web layer's pure parts: the HTML writer escapes every
 * text and nothing else; Accept-Language and the switch pick the language;
 * CSRF tokens hold only for their key, session and lifetime; the table of
 * pages matches paths and methods, and never /api/. */
#include <check.h>
#include <sodium.h>
#include <string.h>

#include "../suites.h"
#include "web/csrf.h"
#include "web/html.h"
#include "web/web.h"

START_TEST(texts_are_escaped_and_markup_is_copied)
{
    arena *a = arena_new(1 << 20);
    html h;
    html_begin(&h, 1 << 16, a);
    HTML_MARKUP(&h, "<p class=\"x\">");
    HTML(&h, "{}<a title=\"{}\">{}</a>", "<script>&", "\"'", NULL);
    size_t len = 0;
    const char *out = html_finish(&h, &len);
    ck_assert_str_eq(out, "<p class=\"x\">&lt;script&gt;&amp;<a title=\"&quot;&#39;\"></a>");
    ck_assert_uint_eq(len, strlen(out));
    /* a page past its limit fails whole */
    html_begin(&h, 8, a);
    HTML(&h, "<p>{}</p>", "far more than eight bytes");
    ck_assert_ptr_null(html_finish(&h, &len));
    arena_free(a);
}
END_TEST

START_TEST(the_language_is_the_switch_then_accept_language_then_english)
{
    ck_assert_int_eq(i18n_choose(NULL, NULL), LANG_EN);
    ck_assert_int_eq(i18n_choose(NULL, "fr-BE,fr;q=0.9,en;q=0.8"), LANG_FR);
    ck_assert_int_eq(i18n_choose(NULL, "it, NL;q=0.5"), LANG_NL);
    ck_assert_int_eq(i18n_choose(NULL, "en;q=0.1, de;q=0.2"), LANG_DE);
    ck_assert_int_eq(i18n_choose(NULL, "es;q=0"), LANG_EN);
    ck_assert_int_eq(i18n_choose(NULL, "e, fra, *"), LANG_EN);
    ck_assert_int_eq(i18n_choose(NULL, "de;q=x, es"), LANG_ES);
    ck_assert_int_eq(i18n_choose("es", "fr"), LANG_ES);
    ck_assert_int_eq(i18n_choose("xx", "fr"), LANG_FR);
    ck_assert_int_eq(i18n_choose("es-ES", "fr"), LANG_FR); /* the switch's codes only */
    for (int l = 0; l < LANG_COUNT; l++)
        for (int m = 0; m < MSG_COUNT; m++)
            ck_assert(i18n_text((web_lang)l, (web_msg)m)[0] != '\0');
}
END_TEST

START_TEST(csrf_tokens_hold_for_their_key_session_and_lifetime)
{
    unsigned char key[CSRF_KEY_BYTES], other[CSRF_KEY_BYTES];
    ck_assert_int_ge(sodium_init(), 0);
    randombytes_buf(key, sizeof key);
    randombytes_buf(other, sizeof other);
    char token[CSRF_TOKEN_MAX];
    csrf_make(key, "session-a", 2000, token);
    ck_assert(csrf_check(key, "session-a", token, 1999));
    ck_assert(!csrf_check(key, "session-a", token, 2000)); /* expired */
    ck_assert(!csrf_check(key, "session-b", token, 1000));
    ck_assert(!csrf_check(other, "session-a", token, 1000));
    ck_assert(!csrf_check(key, "session-a", NULL, 1000));
    ck_assert(!csrf_check(key, "session-a", "", 1000));
    ck_assert(!csrf_check(key, "session-a", "3000.", 1000));
    /* a later expiry with the old MAC */
    char forged[CSRF_TOKEN_MAX];
    strcpy(forged, token);
    forged[0] = '9';
    ck_assert(!csrf_check(key, "session-a", forged, 1000));
}
END_TEST

START_TEST(pages_match_by_path_and_method_and_never_under_api)
{
    const web_page *page = NULL;
    web_request rq = {0};
    const char *book[] = {"book", "my-center"};
    ck_assert_int_eq(web_match("GET", book, 2, &page, &rq), WEB_FOUND);
    ck_assert(page->handle == page_book);
    ck_assert_uint_eq(rq.n_args, 1);
    ck_assert_str_eq(rq.args[0], "my-center");
    ck_assert_int_eq(web_match("HEAD", book, 2, &page, &rq), WEB_FOUND);
    ck_assert_int_eq(web_match("POST", book, 2, &page, &rq), WEB_BAD_METHOD);
    ck_assert_int_eq(web_match("GET", book, 1, &page, &rq), WEB_NOT_MINE);
    const char *deeper[] = {"book", "my-center", "x"};
    ck_assert_int_eq(web_match("GET", deeper, 3, &page, &rq), WEB_NOT_MINE);
    const char *api[] = {"api", "v2", "centers"};
    ck_assert_int_eq(web_match("GET", api, 3, &page, &rq), WEB_NOT_MINE);
    const char *css[] = {"assets", "book.css"};
    ck_assert_int_eq(web_match("GET", css, 2, &page, &rq), WEB_FOUND);
    ck_assert(page->handle == page_stylesheet);
}
END_TEST

Suite *suite_web(void)
{
    Suite *s = suite_create("web");
    TCase *tc = tcase_create("pure");
    tcase_add_test(tc, texts_are_escaped_and_markup_is_copied);
    tcase_add_test(tc, the_language_is_the_switch_then_accept_language_then_english);
    tcase_add_test(tc, csrf_tokens_hold_for_their_key_session_and_lifetime);
    tcase_add_test(tc, pages_match_by_path_and_method_and_never_under_api);
    suite_add_tcase(s, tc);
    return s;
}

/* test_phone.c - phone numbers to E.164 through the C++ wrapper, called
 * from C as the rest of the server does: Belgian national numbers in the
 * center's default region BE, +32 and 0032 numbers, a French number given
 * in +33 form to a Belgian center (and refused in national form there),
 * garbage and bad regions refused with an empty output, and many threads
 * at once. */
#include <check.h>
#include <pthread.h>
#include <string.h>

#include "../suites.h"
#include "notify/phone.h"

static void assert_e164(const char *number, const char *region, const char *want)
{
    char out[PHONE_E164_MAX];
    memset(out, 'x', sizeof out);
    ck_assert_msg(phone_to_e164(number, region, out), "refused %s in %s", number,
                  region ? region : "(none)");
    ck_assert_str_eq(out, want);
}

static void assert_refused(const char *number, const char *region)
{
    char out[PHONE_E164_MAX];
    memset(out, 'x', sizeof out);
    ck_assert_msg(!phone_to_e164(number, region, out), "accepted %s in %s: %s",
                  number ? number : "(null)", region ? region : "(none)", out);
    ck_assert_str_eq(out, "");
}

START_TEST(belgian_national_numbers)
{
    assert_e164("0470 12 34 56", "BE", "+32470123456");
    assert_e164("0470123456", "BE", "+32470123456");
    assert_e164("0470/12.34.56", "BE", "+32470123456");
    assert_e164("(0470) 12-34-56", "BE", "+32470123456");
    assert_e164("02 555 12 12", "BE", "+3225551212");   /* Brussels, fixed line */
    assert_e164("09 265 11 11", "BE", "+3292651111");   /* Ghent */
    assert_e164("0470 12 34 56", "be", "+32470123456"); /* the region in any case */
    assert_e164("0470 12 34 56 ext. 5", "BE", "+32470123456");
}
END_TEST

START_TEST(international_numbers)
{
    assert_e164("+32 470 12 34 56", "BE", "+32470123456");
    assert_e164("+32470123456", NULL, "+32470123456");
    assert_e164("+32 2 555 12 12", "", "+3225551212");
    assert_e164("0032 470 12 34 56", "BE", "+32470123456");
    assert_e164("tel:+32-470-12-34-56", "BE", "+32470123456");
    /* a French mobile given to a Belgian center in +33 form */
    assert_e164("+33 6 12 34 56 78", "BE", "+33612345678");
    assert_e164("0033 6 12 34 56 78", "BE", "+33612345678");
    /* the same digits in French national form are read as Belgian, and are
     * no Belgian number; in region FR they are */
    assert_refused("06 12 34 56 78", "BE");
    assert_e164("06 12 34 56 78", "FR", "+33612345678");
    assert_e164("+1 650 253 0000", "BE", "+16502530000");
}
END_TEST

START_TEST(garbage_is_refused)
{
    assert_refused(NULL, "BE");
    assert_refused("", "BE");
    assert_refused("   ", "BE");
    assert_refused("hello", "BE");
    assert_refused("not a number", "BE");
    assert_refused("0470", "BE");                /* too short */
    assert_refused("0470 12 34 56 78 90", "BE"); /* too long */
    assert_refused("+32 123", "BE");
    assert_refused("+999 470 12 34 56", "BE"); /* no such country code */
    assert_refused("0470123456", NULL);        /* national, and no region to read it in */
    assert_refused("0470123456", "");
    assert_refused("0470123456", "ZZ");
    assert_refused("0470123456", "BEL");
    assert_refused("0470123456", "B");
    assert_refused("0470123456", "1E");
    assert_refused("+32 470 12 34 56\xff", "BE");
    char long_number[PHONE_INPUT_MAX + 2];
    memset(long_number, ' ', sizeof long_number - 1);
    memcpy(long_number + sizeof long_number - 11, "0470123456", 10);
    long_number[sizeof long_number - 1] = '\0';
    assert_refused(long_number, "BE"); /* fine digits, but past the input limit */
    char padded[PHONE_INPUT_MAX + 1];
    memset(padded, ' ', sizeof padded - 1);
    memcpy(padded + sizeof padded - 11, "0470123456", 10);
    padded[sizeof padded - 1] = '\0';
    assert_e164(padded, "BE", "+32470123456"); /* exactly at the limit */
}
END_TEST

#define THREADS 8
#define ROUNDS  300

static void *convert_many(void *arg)
{
    (void)arg;
    static const char *const in[][3] = {
        {"0470 12 34 56", "BE", "+32470123456"},
        {"+33 6 12 34 56 78", "BE", "+33612345678"},
        {"02 555 12 12", "BE", "+3225551212"},
        {"garbage", "BE", ""},
    };
    for (int i = 0; i < ROUNDS; i++) {
        const char *const *c = in[i % 4];
        char out[PHONE_E164_MAX];
        bool ok = phone_to_e164(c[0], c[1], out);
        if (ok != (c[2][0] != '\0') || strcmp(out, c[2]) != 0)
            return (void *)1;
    }
    return NULL;
}

START_TEST(many_threads_at_once)
{
    pthread_t th[THREADS];
    for (int i = 0; i < THREADS; i++)
        ck_assert_int_eq(pthread_create(&th[i], NULL, convert_many, NULL), 0);
    for (int i = 0; i < THREADS; i++) {
        void *ret = (void *)1;
        pthread_join(th[i], &ret);
        ck_assert_ptr_null(ret);
    }
}
END_TEST

Suite *suite_phone(void)
{
    Suite *s = suite_create("phone");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, belgian_national_numbers);
    tcase_add_test(tc, international_numbers);
    tcase_add_test(tc, garbage_is_refused);
    tcase_add_test(tc, many_threads_at_once);
    suite_add_tcase(s, tc);
    return s;
}

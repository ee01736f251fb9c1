/* test_ratelimit.c - failed-authentication limits per address and identity. */
#include <arpa/inet.h>
#include <check.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "../suites.h"
#include "http/ratelimit.h"

static struct sockaddr_in v4(const char *ip)
{
    struct sockaddr_in a = {.sin_family = AF_INET};
    inet_pton(AF_INET, ip, &a.sin_addr);
    return a;
}

#define SA(x) ((const struct sockaddr *)&(x))

START_TEST(blocks_after_the_limit_until_the_window_ends)
{
    ratelimit *rl = ratelimit_new(3, 60);
    struct sockaddr_in a = v4("192.0.2.1");
    for (int i = 0; i < 3; i++) {
        ck_assert_uint_eq(ratelimit_blocked(rl, SA(a), "a@example.com", 1000 + i), 0);
        ratelimit_failed(rl, SA(a), "a@example.com", 1000 + i);
    }
    ck_assert_uint_eq(ratelimit_blocked(rl, SA(a), "a@example.com", 1010), 50);
    ck_assert_uint_eq(ratelimit_blocked(rl, SA(a), "a@example.com", 1059), 1);
    ck_assert_uint_eq(ratelimit_blocked(rl, SA(a), "a@example.com", 1060), 0);
    /* a new window starts from nothing */
    ratelimit_failed(rl, SA(a), "a@example.com", 1061);
    ck_assert_uint_eq(ratelimit_blocked(rl, SA(a), "a@example.com", 1062), 0);
    ratelimit_free(rl);
}
END_TEST

START_TEST(addresses_are_counted_apart)
{
    ratelimit *rl = ratelimit_new(2, 60);
    struct sockaddr_in a = v4("192.0.2.1"), b = v4("192.0.2.2");
    ratelimit_failed(rl, SA(a), "a@example.com", 10);
    ratelimit_failed(rl, SA(a), "a@example.com", 11);
    ck_assert_uint_gt(ratelimit_blocked(rl, SA(a), "a@example.com", 12), 0);
    ck_assert_uint_eq(ratelimit_blocked(rl, SA(b), "a@example.com", 12), 0);
    ratelimit_free(rl);
}
END_TEST

START_TEST(ipv6_and_disabled)
{
    struct sockaddr_in6 a = {.sin6_family = AF_INET6};
    inet_pton(AF_INET6, "2001:db8::1", &a.sin6_addr);
    ratelimit *rl = ratelimit_new(1, 60);
    ratelimit_failed(rl, SA(a), "a@example.com", 5);
    ck_assert_uint_gt(ratelimit_blocked(rl, SA(a), "a@example.com", 6), 0);
    ratelimit_free(rl);
    ratelimit *off = ratelimit_new(0, 60);
    for (int i = 0; i < 100; i++)
        ratelimit_failed(off, SA(a), "a@example.com", 5);
    ck_assert_uint_eq(ratelimit_blocked(off, SA(a), "a@example.com", 6), 0);
    ratelimit_free(off);
}
END_TEST

START_TEST(a_full_table_keeps_working)
{
    ratelimit *rl = ratelimit_new(1, 60);
    char ip[32];
    /* far more addresses than slots: old ones are evicted, new ones count */
    for (int i = 0; i < 20000; i++) {
        snprintf(ip, sizeof ip, "10.%d.%d.%d", (i >> 16) & 255, (i >> 8) & 255, i & 255);
        struct sockaddr_in a = v4(ip);
        ratelimit_failed(rl, SA(a), "a@example.com", 100);
    }
    struct sockaddr_in last = v4(ip);
    ck_assert_uint_gt(ratelimit_blocked(rl, SA(last), "a@example.com", 101), 0);
    ratelimit_free(rl);
}
END_TEST

START_TEST(identities_behind_one_address_are_counted_apart)
{
    ratelimit *rl = ratelimit_new(3, 60);
    struct sockaddr_in a = v4("192.0.2.1");
    for (int i = 0; i < 20; i++)
        ratelimit_failed(rl, SA(a), "a@example.com", 10);
    ck_assert_uint_gt(ratelimit_blocked(rl, SA(a), "a@example.com", 11), 0);
    ck_assert_uint_gt(ratelimit_blocked(rl, SA(a), "A@Example.COM", 11), 0); /* case */
    ck_assert_uint_eq(ratelimit_blocked(rl, SA(a), "b@example.com", 11), 0);
    ck_assert_uint_eq(ratelimit_blocked(rl, SA(a), "", 11), 0);
    /* no identity claimed: never counted, never refused */
    ratelimit_failed(rl, SA(a), NULL, 11);
    ck_assert_uint_eq(ratelimit_blocked(rl, SA(a), NULL, 11), 0);
    ratelimit_free(rl);
}
END_TEST

START_TEST(identities_per_address_are_capped)
{
    ratelimit *rl = ratelimit_new(2, 60);
    struct sockaddr_in a = v4("192.0.2.1"), b = v4("192.0.2.2");
    char id[64];
    ratelimit_failed(rl, SA(a), "first@example.com", 10); /* one failure: not locked */
    for (int i = 0; i < RATELIMIT_IDENTITIES_PER_ADDRESS - 1; i++) {
        snprintf(id, sizeof id, "user%d@example.com", i);
        ratelimit_failed(rl, SA(a), id, 10);
    }
    /* beyond the cap, new identities share one count ... */
    ck_assert_uint_eq(ratelimit_blocked(rl, SA(a), "new@example.com", 11), 0);
    ratelimit_failed(rl, SA(a), "x1@example.com", 11);
    ratelimit_failed(rl, SA(a), "x2@example.com", 11);
    ck_assert_uint_gt(ratelimit_blocked(rl, SA(a), "new@example.com", 12), 0);
    /* ... while identities with a count of their own keep it, and other
     * addresses are unaffected */
    ck_assert_uint_eq(ratelimit_blocked(rl, SA(a), "first@example.com", 12), 0);
    ck_assert_uint_eq(ratelimit_blocked(rl, SA(b), "new@example.com", 12), 0);
    /* a new window starts from nothing */
    ck_assert_uint_eq(ratelimit_blocked(rl, SA(a), "new@example.com", 71), 0);
    ratelimit_free(rl);
}
END_TEST

Suite *suite_ratelimit(void)
{
    Suite *s = suite_create("ratelimit");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, blocks_after_the_limit_until_the_window_ends);
    tcase_add_test(tc, addresses_are_counted_apart);
    tcase_add_test(tc, ipv6_and_disabled);
    tcase_add_test(tc, a_full_table_keeps_working);
    tcase_add_test(tc, identities_behind_one_address_are_counted_apart);
    tcase_add_test(tc, identities_per_address_are_capped);
    suite_add_tcase(s, tc);
    return s;
}

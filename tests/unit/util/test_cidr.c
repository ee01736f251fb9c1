/* test_cidr.c - CIDR parsing and lists, containment in both families, and
 * the internal ranges a server refuses to connect to by default. */
#include <arpa/inet.h>
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "../suites.h"
#include "util/cidr.h"

/* The 16-byte form of an address in text. */
static void addr_of(const char *text, unsigned char out[16])
{
    unsigned char v4[4];
    if (inet_pton(AF_INET, text, v4) == 1)
        cidr_from_ipv4(v4, out);
    else
        ck_assert_int_eq(inet_pton(AF_INET6, text, out), 1);
}

static bool in(const char *net, const char *addr)
{
    cidr c;
    const char *why = NULL;
    unsigned char a[16];
    ck_assert_msg(cidr_parse(net, strlen(net), &c, &why), "%s: %s", net, why);
    addr_of(addr, a);
    return cidr_contains(&c, a);
}

START_TEST(networks_contain_their_addresses_only)
{
    ck_assert(in("127.0.0.0/8", "127.0.0.1"));
    ck_assert(in("127.0.0.0/8", "127.255.255.255"));
    ck_assert(!in("127.0.0.0/8", "128.0.0.1"));
    ck_assert(in("10.0.0.0/8", "10.20.30.40"));
    ck_assert(in("172.16.0.0/12", "172.31.255.1"));
    ck_assert(!in("172.16.0.0/12", "172.32.0.1"));
    ck_assert(in("192.0.2.7", "192.0.2.7")); /* a bare address: /32 */
    ck_assert(!in("192.0.2.7", "192.0.2.8"));
    ck_assert(in("0.0.0.0/0", "203.0.113.9"));
    ck_assert(!in("0.0.0.0/0", "2001:db8::1")); /* IPv4's /0 is IPv4 only */
    ck_assert(in("::ffff:0:0/96", "8.8.8.8"));
    ck_assert(in("::1/128", "::1"));
    ck_assert(!in("::1/128", "::2"));
    ck_assert(in("2001:db8::/32", "2001:db8:ffff::1"));
    ck_assert(!in("2001:db8::/32", "2001:db9::1"));
    ck_assert(in("::/0", "2001:db8::1") && in("::/0", "10.0.0.1"));
    ck_assert(in("fe80::/10", "febf::1") && !in("fe80::/10", "fec0::1"));
}
END_TEST

START_TEST(bad_networks_are_refused)
{
    const char *bad[] = {"",
                         "/8",
                         "10.0.0.0/",
                         "10.0.0.0/33",
                         "10.1.0.0/8",
                         "127.1",
                         "0127.0.0.1",
                         "10.0.0.0/08",
                         "::1/129",
                         "fe80::1/10",
                         "10.0.0.0/8x",
                         "localhost",
                         "10.0.0.0/-1",
                         "1.2.3.4/+8",
                         "::/1280"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cidr c;
        const char *why = NULL;
        ck_assert_msg(!cidr_parse(bad[i], strlen(bad[i]), &c, &why), "accepted '%s'", bad[i]);
        ck_assert_ptr_nonnull(why);
    }
}
END_TEST

START_TEST(lists_are_comma_separated)
{
    cidr_list l;
    char err[200] = "";
    unsigned char a[16];
    ck_assert(cidr_parse_list("", &l, err, sizeof err) && l.n == 0);
    ck_assert(cidr_parse_list("  ", &l, err, sizeof err) && l.n == 0);
    ck_assert_msg(cidr_parse_list("127.0.0.0/8, ::1/128,10.1.2.0/24", &l, err, sizeof err), "%s",
                  err);
    ck_assert_uint_eq(l.n, 3);
    addr_of("10.1.2.200", a);
    ck_assert(cidr_list_contains(&l, a));
    addr_of("::1", a);
    ck_assert(cidr_list_contains(&l, a));
    addr_of("10.1.3.1", a);
    ck_assert(!cidr_list_contains(&l, a));
    ck_assert(!cidr_list_contains(NULL, a));

    ck_assert(!cidr_parse_list("127.0.0.0/8,", &l, err, sizeof err));
    ck_assert(!cidr_parse_list("127.0.0.0/8 ::1", &l, err, sizeof err));
    ck_assert_str_eq(err, "networks must be separated by commas");
    ck_assert(!cidr_parse_list("127.0.0.0/8, 10.0.0.1/8", &l, err, sizeof err));
    ck_assert_str_eq(err, "'10.0.0.1/8' has host bits set beyond its prefix length");
    ck_assert(!cidr_parse_list(",", &l, err, sizeof err));
    char many[CIDR_LIST_MAX * 16 + 32] = "";
    for (int i = 0; i <= CIDR_LIST_MAX; i++)
        snprintf(many + strlen(many), sizeof many - strlen(many), "%s10.0.%d.0/24", i ? "," : "",
                 i);
    ck_assert(!cidr_parse_list(many, &l, err, sizeof err));
}
END_TEST

static bool internal(const char *text)
{
    unsigned char a[16];
    addr_of(text, a);
    return cidr_is_internal(a);
}

START_TEST(internal_addresses_are_recognised)
{
    const char *yes[] = {"127.0.0.1",
                         "127.8.9.10",
                         "0.0.0.0",
                         "0.1.2.3",
                         "10.0.0.1",
                         "100.64.0.1",
                         "100.127.255.254",
                         "169.254.169.254",
                         "172.16.0.1",
                         "172.31.255.255",
                         "192.168.1.1",
                         "192.0.0.8",
                         "198.18.0.1",
                         "224.0.0.1",
                         "239.255.255.250",
                         "240.0.0.1",
                         "255.255.255.255",
                         "::",
                         "::1",
                         "::127.0.0.1",
                         "::ffff:127.0.0.1",
                         "::ffff:169.254.169.254",
                         "64:ff9b::a9fe:a9fe",
                         "2002:7f00:1::1",
                         "fc00::1",
                         "fd12:3456::1",
                         "fe80::1",
                         "febf::1",
                         "fec0::1",
                         "ff02::1"};
    const char *no[] = {"8.8.8.8",        "1.1.1.1",          "100.63.255.255",  "100.128.0.1",
                        "172.15.255.255", "172.32.0.1",       "169.253.0.1",     "192.0.1.1",
                        "198.20.0.1",     "223.255.255.255",  "2001:db8::1",     "2a00:1450::1",
                        "::ffff:8.8.8.8", "64:ff9b::808:808", "2002:808:808::1", "fbff::1"};
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
        ck_assert_msg(internal(yes[i]), "%s should be internal", yes[i]);
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
        ck_assert_msg(!internal(no[i]), "%s should not be internal", no[i]);
}
END_TEST

START_TEST(addresses_print_in_their_family)
{
    unsigned char a[16];
    char out[CIDR_TEXT_MAX];
    addr_of("127.0.0.1", a);
    cidr_format(a, out, sizeof out);
    ck_assert_str_eq(out, "127.0.0.1");
    addr_of("::1", a);
    cidr_format(a, out, sizeof out);
    ck_assert_str_eq(out, "::1");
}
END_TEST

Suite *suite_cidr(void)
{
    Suite *s = suite_create("cidr");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, networks_contain_their_addresses_only);
    tcase_add_test(tc, bad_networks_are_refused);
    tcase_add_test(tc, lists_are_comma_separated);
    tcase_add_test(tc, internal_addresses_are_recognised);
    tcase_add_test(tc, addresses_print_in_their_family);
    suite_add_tcase(s, tc);
    return s;
}

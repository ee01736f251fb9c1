/* cidr.c - IP networks and internal addresses (cidr.h).
 *
 * Parsing goes through inet_pton, the C library's exact reading of both
 * families (no "127.1" shorthand, no octal, which inet_aton would take).
 *
 * The internal ranges.  IPv4 (RFC 6890 and neighbours): 0.0.0.0/8 (this
 * network: 0.0.0.0 reaches the local host on Linux), 10.0.0.0/8,
 * 100.64.0.0/10 (shared, carrier NAT), 127.0.0.0/8, 169.254.0.0/16
 * (link-local, where clouds serve instance metadata), 172.16.0.0/12,
 * 192.0.0.0/24 (protocol assignments), 192.168.0.0/16, 198.18.0.0/15
 * (benchmarking), 224.0.0.0/4 (multicast), 240.0.0.0/4 (reserved, and the
 * broadcast address).  IPv6: ::/96 (unspecified, loopback and the
 * deprecated IPv4-compatible form), fc00::/7 (unique local), fe80::/10
 * (link-local), fec0::/10 (the old site-local), ff00::/8 (multicast).  An
 * IPv4 address carried inside IPv6 is judged as that IPv4 address: mapped
 * (::ffff:0:0/96, how IPv4 is held here), NAT64 (64:ff9b::/96) and 6to4
 * (2002::/16, bits 16 to 47). */
#include "util/cidr.h"

#include <arpa/inet.h>
#include <assert.h>
#include <stdio.h>
#include <string.h>

static const unsigned char MAPPED[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
static const unsigned char NAT64[12] = {0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0};

void cidr_from_ipv4(const unsigned char v4[4], unsigned char out[16])
{
    memcpy(out, MAPPED, sizeof MAPPED);
    memcpy(out + 12, v4, 4);
}

bool cidr_contains(const cidr *net, const unsigned char addr[16])
{
    assert(net && addr && net->bits <= 128);
    unsigned full = net->bits / 8, rest = net->bits % 8;
    if (memcmp(net->addr, addr, full) != 0)
        return false;
    if (rest == 0)
        return true;
    unsigned char mask = (unsigned char)(0xff << (8 - rest));
    return (net->addr[full] & mask) == (addr[full] & mask);
}

bool cidr_list_contains(const cidr_list *list, const unsigned char addr[16])
{
    for (size_t i = 0; list && i < list->n; i++)
        if (cidr_contains(&list->nets[i], addr))
            return true;
    return false;
}

static bool ipv4_internal(const unsigned char v[4])
{
    static const struct {
        unsigned char net[4];
        unsigned bits;
    } ranges[] = {
        {{0, 0, 0, 0}, 8},    {{10, 0, 0, 0}, 8},     {{100, 64, 0, 0}, 10},
        {{127, 0, 0, 0}, 8},  {{169, 254, 0, 0}, 16}, {{172, 16, 0, 0}, 12},
        {{192, 0, 0, 0}, 24}, {{192, 168, 0, 0}, 16}, {{198, 18, 0, 0}, 15},
        {{224, 0, 0, 0}, 4},  {{240, 0, 0, 0}, 4},
    };
    unsigned char addr[16];
    cidr_from_ipv4(v, addr);
    for (size_t i = 0; i < sizeof ranges / sizeof ranges[0]; i++) {
        cidr net = {.bits = 96 + ranges[i].bits};
        cidr_from_ipv4(ranges[i].net, net.addr);
        if (cidr_contains(&net, addr))
            return true;
    }
    return false;
}

bool cidr_is_internal(const unsigned char addr[16])
{
    static const cidr v6[] = {
        {{0}, 96},          /* ::/96 */
        {{0xfc}, 7},        /* fc00::/7 */
        {{0xfe, 0x80}, 10}, /* fe80::/10 */
        {{0xfe, 0xc0}, 10}, /* fec0::/10 */
        {{0xff}, 8},        /* ff00::/8 */
    };
    if (memcmp(addr, MAPPED, sizeof MAPPED) == 0 || memcmp(addr, NAT64, sizeof NAT64) == 0)
        return ipv4_internal(addr + 12);
    if (addr[0] == 0x20 && addr[1] == 0x02)
        return ipv4_internal(addr + 2);
    for (size_t i = 0; i < sizeof v6 / sizeof v6[0]; i++)
        if (cidr_contains(&v6[i], addr))
            return true;
    return false;
}

bool cidr_parse(const char *text, size_t len, cidr *out, const char **why)
{
    char host[CIDR_TEXT_MAX + 1];
    const char *slash = memchr(text, '/', len);
    size_t hlen = slash ? (size_t)(slash - text) : len;
    unsigned char v4[4];
    unsigned max;
    *out = (cidr){0};
    if (hlen == 0 || hlen > CIDR_TEXT_MAX) {
        *why = "is not an IP address";
        return false;
    }
    memcpy(host, text, hlen);
    host[hlen] = '\0';
    if (inet_pton(AF_INET, host, v4) == 1) {
        cidr_from_ipv4(v4, out->addr);
        max = 32;
    } else if (inet_pton(AF_INET6, host, out->addr) == 1) {
        max = 128;
    } else {
        *why = "is not an IP address";
        return false;
    }
    unsigned bits = max;
    if (slash) {
        const char *p = slash + 1, *end = text + len;
        if (p == end || end - p > 3) {
            *why = "has a bad prefix length";
            return false;
        }
        bits = 0;
        for (; p < end; p++) {
            if (*p < '0' || *p > '9') {
                *why = "has a bad prefix length";
                return false;
            }
            bits = bits * 10 + (unsigned)(*p - '0');
        }
        if (bits > max || (slash[1] == '0' && len - hlen > 2)) {
            *why = "has a bad prefix length";
            return false;
        }
    }
    out->bits = bits + (max == 32 ? 96 : 0);
    cidr net = *out;
    for (unsigned i = out->bits; i < 128; i++)
        net.addr[i / 8] &= (unsigned char)~(0x80u >> (i % 8));
    if (memcmp(net.addr, out->addr, 16) != 0) {
        *why = "has host bits set beyond its prefix length";
        return false;
    }
    return true;
}

bool cidr_parse_list(const char *text, cidr_list *out, char *err, size_t errlen)
{
    out->n = 0;
    const char *p = text ? text : "";
    for (;;) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p == '\0' && out->n == 0)
            return true; /* empty: no networks */
        const char *start = p;
        while (*p && *p != ',' && *p != ' ' && *p != '\t')
            p++;
        size_t len = (size_t)(p - start);
        while (*p == ' ' || *p == '\t')
            p++;
        const char *why = NULL;
        if (len == 0) {
            snprintf(err, errlen, "an empty entry in the list of networks");
            return false;
        }
        if (out->n == CIDR_LIST_MAX) {
            snprintf(err, errlen, "more than %d networks", CIDR_LIST_MAX);
            return false;
        }
        if (!cidr_parse(start, len, &out->nets[out->n], &why)) {
            snprintf(err, errlen, "'%.*s' %s", (int)(len > 60 ? 60 : len), start, why);
            return false;
        }
        out->n++;
        if (*p == '\0')
            return true;
        if (*p != ',') {
            snprintf(err, errlen, "networks must be separated by commas");
            return false;
        }
        p++;
    }
}

void cidr_format(const unsigned char addr[16], char *out, size_t outlen)
{
    char text[INET6_ADDRSTRLEN] = "?";
    if (memcmp(addr, MAPPED, sizeof MAPPED) == 0)
        inet_ntop(AF_INET, addr + 12, text, sizeof text);
    else
        inet_ntop(AF_INET6, addr, text, sizeof text);
    snprintf(out, outlen, "%s", text);
}

/* cidr.h - IP networks in CIDR notation, and the addresses a server must
 * not reach on a user's say-so (pure functions, no I/O; design in cidr.c).
 *
 * Every address is held in its 16-byte IPv6 form: an IPv4 address a.b.c.d
 * as the IPv4-mapped ::ffff:a.b.c.d, and an IPv4 network a.b.c.d/n as
 * ::ffff:a.b.c.d/(96 + n), so one comparison serves both families and an
 * IPv4 address reached over an IPv6 socket matches its IPv4 network. */
#ifndef AGENDA_UTIL_CIDR_H
#define AGENDA_UTIL_CIDR_H

#include <stdbool.h>
#include <stddef.h>

#define CIDR_LIST_MAX 64

typedef struct cidr {
    unsigned char addr[16]; /* the network's address, host bits zero */
    unsigned bits;          /* prefix length over the 16-byte form: 0 to 128 */
} cidr;

typedef struct cidr_list {
    cidr nets[CIDR_LIST_MAX];
    size_t n;
} cidr_list;

/* Parses one network: "ADDRESS/BITS" (IPv4: 0 to 32, IPv6: 0 to 128) or a
 * bare address (a host: /32 or /128).  Host bits beyond the prefix must be
 * zero ("10.1.0.0/8" is refused: a typo would otherwise widen silently).
 * False, with *why a static phrase, on anything else. */
bool cidr_parse(const char *text, size_t len, cidr *out, const char **why);

/* Parses "CIDR[, CIDR...]" (commas, blanks around them; empty or blank:
 * no networks).  False with one line in err (naming the bad entry) on a
 * bad entry or more than CIDR_LIST_MAX of them. */
bool cidr_parse_list(const char *text, cidr_list *out, char *err, size_t errlen);

/* The 16-byte form of an IPv4 address (4 bytes, network order). */
void cidr_from_ipv4(const unsigned char v4[4], unsigned char out[16]);

/* Whether addr (16-byte form) is inside net / one of list's networks. */
bool cidr_contains(const cidr *net, const unsigned char addr[16]);
bool cidr_list_contains(const cidr_list *list, const unsigned char addr[16]);

/* Whether addr (16-byte form) is one a server refuses to connect to unless
 * allowed: loopback, link-local (cloud metadata included), private,
 * shared (CGNAT), unspecified, multicast, reserved and broadcast, and
 * IPv6 forms that carry such an IPv4 address (mapped, compatible, NAT64,
 * 6to4).  The ranges are listed in cidr.c. */
bool cidr_is_internal(const unsigned char addr[16]);

/* The address as text (IPv4 dotted for the mapped form), in out (at least
 * CIDR_TEXT_MAX bytes). */
#define CIDR_TEXT_MAX 46
void cidr_format(const unsigned char addr[16], char *out, size_t outlen);

#endif

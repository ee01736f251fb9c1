/* netguard.h - the addresses calendar sync may connect to (design in
 * netguard.c): CalDAV links and imported feeds are URLs a user gives, so
 * the server refuses internal addresses unless `[sync] allow_networks`
 * names them. */
#ifndef AGENDA_SYNC_NETGUARD_H
#define AGENDA_SYNC_NETGUARD_H

#include <curl/curl.h>
#include <stdbool.h>
#include <stddef.h>

#include "util/cidr.h"

/* The message of a refused address, e.g. "address not allowed: 127.0.0.1;
 * see [sync] allow_networks". */
#define NETGUARD_MESSAGE_MAX 120

/* Sets the networks allowed although internal (copied; NULL or empty:
 * none).  Called once per process before any thread uses a guard
 * (`serve` before its threads start, a command before its requests);
 * never changed after. */
void netguard_allow(const cidr_list *allow);

/* One transfer's guard: set on a curl handle with netguard_attach (after
 * every curl_easy_reset), it refuses each connection to an address that
 * is internal (cidr_is_internal) and not allowed, and remembers it. */
typedef struct netguard {
    char refused[CIDR_TEXT_MAX]; /* the last address refused, "" when none */
} netguard;

/* Installs the guard on h (CURLOPT_OPENSOCKETFUNCTION): every address
 * libcurl connects to, after its own resolution (so a name that resolves
 * differently later, or a redirect, is judged by the address actually
 * used), proxies included.  Clears g->refused.  False when libcurl refuses
 * the option. */
bool netguard_attach(CURL *h, netguard *g);

/* When g refused an address: writes the message into out and returns
 * true; false (out untouched) otherwise. */
bool netguard_refusal(const netguard *g, char *out, size_t outlen);

/* Resolves url's host (getaddrinfo, no connection) and refuses it (false,
 * the message in err) when an address it has is internal and not allowed,
 * or when it is an IP literal that is; a host that does not resolve now
 * passes (a download or check later fails on its own).  The check before
 * an import is stored; links are judged by their check's connection. */
bool netguard_check_url(const char *url, char *err, size_t errlen);

#endif

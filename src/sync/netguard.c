/* netguard.c - refusing internal addresses in calendar sync's requests
 * (netguard.h).
 *
 * Why.  A user with a grant makes the server fetch a URL of their choice
 * (a CalDAV link, an imported feed): without a guard that is a request
 * forgery from inside the network: the cloud's metadata service at
 * 169.254.169.254, a database's HTTP port on loopback, a router's page.
 * The check runs where the connection is made, in libcurl's
 * CURLOPT_OPENSOCKETFUNCTION, which is handed each address libcurl is
 * about to connect to after its own name resolution: a DNS answer that
 * changes between a check and the connection (rebinding), a redirect
 * (imported feeds follow them) or a name with several addresses are all
 * judged by the address really used.  (CURLOPT_PREREQFUNCTION, the
 * alternative in Debian 12's libcurl 7.88, is called only once the
 * connection is made, and its address is text.)  Refusing means returning
 * CURL_SOCKET_BAD: libcurl tries the name's next address, then fails
 * with "couldn't connect"; the transfer's guard remembers the address so
 * the caller reports it instead.
 *
 * The allowed networks are process-wide: set once before threads start,
 * read without a lock after. */
#include "sync/netguard.h"

#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

static cidr_list allowed;

void netguard_allow(const cidr_list *allow)
{
    allowed = allow ? *allow : (cidr_list){0};
}

/* The 16-byte form of a socket address; false for another family. */
static bool addr16(const struct sockaddr *sa, unsigned char out[16])
{
    if (sa->sa_family == AF_INET) {
        cidr_from_ipv4((const unsigned char *)&((const struct sockaddr_in *)sa)->sin_addr, out);
        return true;
    }
    if (sa->sa_family == AF_INET6) {
        memcpy(out, &((const struct sockaddr_in6 *)sa)->sin6_addr, 16);
        return true;
    }
    return false;
}

/* Whether a connection to sa may be made; *text gets the address. */
static bool permitted(const struct sockaddr *sa, char *text, size_t len)
{
    unsigned char a[16];
    if (!addr16(sa, a)) {
        snprintf(text, len, "(family %d)", sa->sa_family);
        return false; /* only IP is expected here */
    }
    cidr_format(a, text, len);
    return !cidr_is_internal(a) || cidr_list_contains(&allowed, a);
}

static curl_socket_t open_socket(void *user, curlsocktype purpose, struct curl_sockaddr *address)
{
    netguard *g = user;
    char text[CIDR_TEXT_MAX];
    if (purpose != CURLSOCKTYPE_IPCXN || !permitted(&address->addr, text, sizeof text)) {
        snprintf(g->refused, sizeof g->refused, "%s",
                 purpose == CURLSOCKTYPE_IPCXN ? text : "(not a connection)");
        return CURL_SOCKET_BAD;
    }
    return socket(address->family, address->socktype, address->protocol);
}

bool netguard_attach(CURL *h, netguard *g)
{
    g->refused[0] = '\0';
    return curl_easy_setopt(h, CURLOPT_OPENSOCKETFUNCTION, open_socket) == CURLE_OK &&
           curl_easy_setopt(h, CURLOPT_OPENSOCKETDATA, g) == CURLE_OK;
}

bool netguard_refusal(const netguard *g, char *out, size_t outlen)
{
    if (!g->refused[0])
        return false;
    snprintf(out, outlen, "address not allowed: %s; see [sync] allow_networks", g->refused);
    return true;
}

bool netguard_check_url(const char *url, char *err, size_t errlen)
{
    CURLU *u = curl_url();
    char *host = NULL;
    struct addrinfo *res = NULL;
    bool ok = true;
    if (!u)
        return true; /* out of memory: the connection's check still holds */
    /* webcal:// is fetched as https:// (fetch.c); the scheme does not
     * matter for the host */
    if (curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK || !host)
        goto done; /* the URL's own check reports it */
    const char *name = host;
    char literal[CIDR_TEXT_MAX + 2];
    size_t n = strlen(host);
    if (n > 2 && host[0] == '[' && host[n - 1] == ']' && n - 2 < sizeof literal) {
        memcpy(literal, host + 1, n - 2); /* [v6] */
        literal[n - 2] = '\0';
        char *zone = strchr(literal, '%');
        if (zone)
            *zone = '\0';
        name = literal;
    }
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM};
    if (getaddrinfo(name, NULL, &hints, &res) != 0)
        goto done;
    for (const struct addrinfo *ai = res; ai && ok; ai = ai->ai_next) {
        char text[CIDR_TEXT_MAX];
        if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6)
            continue;
        if (!permitted(ai->ai_addr, text, sizeof text)) {
            snprintf(err, errlen, "address not allowed: %s; see [sync] allow_networks", text);
            ok = false;
        }
    }
done:
    if (res)
        freeaddrinfo(res);
    curl_free(host);
    curl_url_cleanup(u);
    return ok;
}

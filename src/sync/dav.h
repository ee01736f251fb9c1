/* dav.h - a CalDAV client (RFC 4791, RFC 6578) over libcurl, its answers
 * read with libxml2.
 *
 * One dav_client talks to one calendar collection (its URL, user name and
 * password) over one libcurl handle, so the connection is kept between
 * requests.  A client is used by one thread at a time.  Every operation
 * returns a dav_status and fills a dav_result with the HTTP status and a
 * one-line reason; what it read goes into the caller's arena.
 *
 * What the statuses promise (the engine's rules rest on them):
 *   DAV_OK            the request did what it was asked
 *   DAV_PRECONDITION  412: the If-Match / If-None-Match did not hold (the
 *                     item changed, or exists already); nothing was written
 *   DAV_NOT_FOUND     404 or 410: the item (or the collection) is not there
 *   DAV_AUTH          401, or 403 other than an invalid sync token: the
 *                     user name or password is refused
 *   DAV_INVALID_TOKEN sync-collection only: the token is no longer valid
 *                     (403 or 409 naming DAV:valid-sync-token, or any 412:
 *                     the REPORT has no condition of its own); resync
 *   DAV_REFUSED       any other 4xx, a redirect (never followed: it
 *                     would carry the password elsewhere), or a 207 to a
 *                     PUT (Xandikos reports refused content so); the
 *                     request is wrong for this server and retrying will
 *                     not help
 *   DAV_TRANSIENT     no answer (connection, timeout), 5xx, an answer over
 *                     the size limit, or one that cannot be read (bad XML, a
 *                     DOCTYPE, a multistatus missing what was asked): try
 *                     again later.  Never evidence that anything is gone.
 *
 * Hrefs.  Every href the client hands out is an absolute path (as the
 * server wrote it, percent-escapes kept), resolved against the collection
 * URL: "abc.ics", "/cal/abc.ics" and "https://host/cal/abc.ics" all come
 * out as "/cal/abc.ics".  An href naming another scheme, host or port
 * keeps only its path: every request goes to the collection's own origin,
 * so the password is never sent anywhere else (and a server behind a proxy
 * that names itself wrongly still works).  Operations take an href in the
 * same forms.  The collection itself and sub-collections are left out of
 * listings.
 *
 * Limits.  Every answer is read into a buffer with a hard limit
 * (dav_options.max_answer, default DAV_ANSWER_MAX); an answer over it is
 * DAV_TRANSIENT.  XML is parsed from memory, namespace-aware, with
 * XML_PARSE_NONET and without entity substitution; an answer with a
 * document type declaration (the only way to declare entities) is refused
 * outright, and libxml2's own depth limit (256) holds.  Timeouts: connect
 * and whole request (dav_options).
 *
 * Authentication: HTTP Basic (every provider the README lists takes it;
 * use https).  Digest is not offered: libcurl would first send each
 * request without credentials to learn the scheme, doubling the requests. */
#ifndef AGENDA_SYNC_DAV_H
#define AGENDA_SYNC_DAV_H

#include <stdbool.h>
#include <stddef.h>

#include "util/arena.h"

#define DAV_ANSWER_MAX        (32u << 20)
#define DAV_CONNECT_TIMEOUT_S 10
#define DAV_TIMEOUT_S         60
/* sync-collection rounds followed for one call (a truncated answer asks
 * for another with the token it gave) before giving up as transient */
#define DAV_SYNC_ROUNDS_MAX 1000
/* the most hrefs one calendar-multiget asks for: callers split longer
 * lists (an answer of 100 events stays far below DAV_ANSWER_MAX) */
#define DAV_MULTIGET_MAX 100

typedef enum dav_status {
    DAV_OK = 0,
    DAV_PRECONDITION,
    DAV_NOT_FOUND,
    DAV_AUTH,
    DAV_INVALID_TOKEN,
    DAV_REFUSED,
    DAV_TRANSIENT,
} dav_status;

/* "ok", "precondition failed", "not found", "auth refused", "invalid sync
 * token", "refused", "transient". */
const char *dav_status_name(dav_status s);

/* What one operation ended with, beyond its status. */
typedef struct dav_result {
    long http;         /* the last answer's HTTP status, 0 when none came */
    char message[256]; /* one line: what failed (never the password) */
} dav_result;

typedef struct dav_options {
    const char *url;      /* the collection, http:// or https:// */
    const char *username; /* NULL or "": no authentication */
    const char *password;
    long connect_timeout_s; /* 0: DAV_CONNECT_TIMEOUT_S */
    long timeout_s;         /* 0: DAV_TIMEOUT_S (the whole request) */
    size_t max_answer;      /* 0: DAV_ANSWER_MAX */
} dav_options;

typedef struct dav_client dav_client;

/* Calls curl_global_init and xmlInitParser, once per process, before any
 * thread uses a client (the command line does it at start).  False when
 * libcurl cannot start. */
bool dav_global_init(void);

/* A client for o->url (copied, as are the credentials; the password copy
 * is wiped by dav_close).  NULL with a message in err when the URL is not
 * an http(s) URL or memory is short. */
dav_client *dav_open(const dav_options *o, char *err, size_t errlen);
void dav_close(dav_client *c);

/* The collection's path, as hrefs are given ("/cal/", with its trailing
 * slash as in the URL). */
const char *dav_collection_path(const dav_client *c);

/* The href of a new member named `name` (a UID and ".ics", say): the
 * collection's path, a '/' if it lacks one, and name with every byte
 * outside unreserved characters percent-escaped.  In the arena; NULL when
 * it is full. */
char *dav_member_href(const dav_client *c, const char *name, arena *a);

/* ---- what a collection says of itself (PROPFIND Depth 0) ------------- */

typedef struct dav_collection {
    bool is_collection;      /* DAV:collection in its resourcetype */
    bool is_calendar;        /* CALDAV:calendar in its resourcetype */
    const char *displayname; /* NULL when not given */
    const char *ctag;        /* CS:getctag, NULL when not given */
    const char *sync_token;  /* DAV:sync-token, NULL when not given */
    bool sync_collection;    /* DAV:sync-collection among its reports */
    bool multiget;           /* CALDAV:calendar-multiget among them */
    bool reports_listed;     /* the server answered supported-report-set */
} dav_collection;

/* PROPFIND Depth 0 of the collection.  DAV_OK with *out filled whatever
 * the resource is: the caller checks out->is_calendar.  (A server that
 * does not list its reports still gets sync-collection tried: see
 * reports_listed.) */
dav_status dav_check(dav_client *c, arena *a, dav_collection *out, dav_result *r);

/* ---- members -------------------------------------------------------- */

typedef struct dav_item {
    const char *href; /* absolute path (see above) */
    const char *etag; /* as the server wrote it, quotes included; NULL when
                       * not given */
    const char *data; /* calendar-data / GET body, NUL-terminated; NULL when
                       * not asked or not given.  From XML (multiget) its
                       * line ends are \n, as XML reads them; from GET as
                       * sent (\r\n): hash content after unfolding and
                       * normalising line ends, or the two will differ */
    size_t data_len;
    bool gone; /* sync-collection: removed since the token; multiget: the
                * server answered 404 for it */
} dav_item;

typedef struct dav_changes {
    dav_item *items; /* changed (gone false) and removed (gone true) members,
                      * in the server's order; a member changed in several
                      * rounds appears in each */
    size_t n;
    const char *token;  /* the new sync token to store once the changes are
                         * applied */
    size_t rounds;      /* requests made (more than 1: truncated answers) */
    bool token_suspect; /* DAV_TRANSIENT from a 5xx to a request that sent
                         * a token: Xandikos 0.2.8 answers an unknown token
                         * with 500, so after such failures keep coming
                         * while the collection answers dav_check, resync
                         * from no token */
    bool unsupported;   /* not DAV_OK from a 400, 403, 405 or 501 that names
                         * no DAV:valid-sync-token: the server lists the
                         * report (or lists none) but does not do it; pull
                         * by ctag and listing instead */
} dav_changes;

/* sync-collection REPORT (RFC 6578, sync-level 1) from `token` (NULL or
 * "": the initial sync, every member), asking for getetag.  A truncated
 * answer (507 on the request URI) is followed with the token it gave
 * until one is complete, so *out holds every change.  DAV_INVALID_TOKEN
 * when the server no longer knows the token (resync from NULL and compare
 * with what is stored). */
dav_status dav_sync_collection(dav_client *c, const char *token, arena *a, dav_changes *out,
                               dav_result *r);

/* PROPFIND Depth 1: every member's href and ETag (for servers without
 * sync-collection).  *items gets an arena array of *n. */
dav_status dav_list(dav_client *c, arena *a, dav_item **items, size_t *n, dav_result *r);

/* calendar-multiget REPORT of hrefs[0..n) (n <= DAV_MULTIGET_MAX), asking
 * for getetag and calendar-data.  *items gets an arena array of what the
 * server answered (*n_items, in its order; a missing member has gone
 * set).  A member asked for and absent from the answer is simply not in
 * it: the caller compares. */
dav_status dav_multiget(dav_client *c, const char *const *hrefs, size_t n, arena *a,
                        dav_item **items, size_t *n_items, dav_result *r);

/* GET of one member: *out gets its href, ETag (NULL when the server sent
 * none) and body. */
dav_status dav_get(dav_client *c, const char *href, arena *a, dav_item *out, dav_result *r);

/* PUT of an iCalendar object (text/calendar) at href: with if_match NULL,
 * `If-None-Match: *` (create; DAV_PRECONDITION when it exists), else
 * `If-Match: if_match` (update; DAV_PRECONDITION when it changed).  *etag
 * gets the new ETag, or NULL when the server gave none (or a weak one):
 * then the caller fetches it (dav_get or a listing) before relying on it. */
dav_status dav_put(dav_client *c, const char *href, const char *data, size_t len,
                   const char *if_match, arena *a, const char **etag, dav_result *r);

/* DELETE of href with `If-Match: if_match` (NULL: unconditional, for an
 * item whose ETag was never known).  DAV_NOT_FOUND when it was gone
 * already. */
dav_status dav_delete(dav_client *c, const char *href, const char *if_match, dav_result *r);

/* ---- the XML underneath, for the tests ------------------------------ */

/* One DAV:response of a multistatus. */
typedef struct dav_entry {
    const char *href; /* resolved, as above */
    int status;       /* the response's own DAV:status (404 removed, 507
                       * truncated), or 0 when it has propstats instead */
    const char *etag; /* from a 2xx propstat; NULL when absent */
    const char *data; /* calendar-data from a 2xx propstat, or NULL */
    size_t data_len;
    bool is_collection, is_calendar;
    const char *displayname, *ctag, *sync_token;
    bool sync_collection, multiget, reports_listed;
} dav_entry;

typedef struct dav_multistatus {
    dav_entry *entries;
    size_t n;
    const char *sync_token; /* the multistatus's DAV:sync-token, or NULL */
} dav_multistatus;

/* Parses a 207 body against the collection URL `base` (for hrefs).  False
 * with a reason in *why (static text) when it is not a DAV:multistatus
 * document, has a DOCTYPE, a response lacks a readable href or status, or
 * the arena is full: nothing of such an answer is used (a member left out
 * would look removed). */
bool dav_parse_multistatus(const char *body, size_t len, const char *base, arena *a,
                           dav_multistatus *out, const char **why);

/* Whether an error body is a DAV:error naming DAV:valid-sync-token. */
bool dav_error_names_sync_token(const char *body, size_t len);

/* The absolute path `href` names when resolved against `base` (its path
 * alone when it names another origin), in the arena; NULL when it is not a
 * URL reference, or the arena is full. */
char *dav_resolve_href(const char *base, const char *href, arena *a);

#endif

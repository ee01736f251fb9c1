/* dav.c - the CalDAV client (see dav.h).
 *
 * Every operation is one or more calls of request(): the handle is reset
 * (libcurl keeps its connection cache across curl_easy_reset) and set up
 * from scratch, so no option of one request leaks into the next; the
 * answer goes into a heap buffer with the client's limit and its ETag
 * header is kept.  classify() turns what came back into a dav_status,
 * the same way for every operation; the few that read more into an
 * answer (sync-collection's invalid token) look at it before.
 *
 * XML is read into a tree with libxml2 and walked by namespace and local
 * name, so a server's choice of prefixes (or none) does not matter.  The
 * walk goes only as deep as the elements it knows (multistatus, response,
 * propstat, prop, a property and its children), in loops, never following
 * the document's depth.  Text is the concatenation of an element's text
 * and CDATA children: no entity is ever expanded (a DOCTYPE stops the
 * parse through the SAX internalSubset callback, before any declaration in
 * it is read).
 *
 * Every connection goes through netguard (netguard.h): an internal
 * address not in `[sync] allow_networks` is refused (DAV_REFUSED, the
 * message naming the address).
 *
 * Hrefs are resolved with libcurl's URL API against the collection URL;
 * the resolved path is what the client keeps and hands out.  Requests go
 * to the collection's origin with that path, whatever origin an href
 * named, so credentials never go anywhere else (dav.h). */
#include "sync/dav.h"

#include <assert.h>
#include <curl/curl.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sync/netguard.h"
#include "util/buf.h"

#define NS_DAV    "DAV:"
#define NS_CALDAV "urn:ietf:params:xml:ns:caldav"
#define NS_CS     "http://calendarserver.org/ns/"
#define XML_HEAD  "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n"
/* the request body limit: a multiget of DAV_MULTIGET_MAX long hrefs */
#define REQUEST_MAX (1u << 20)

struct dav_client {
    CURL *h;
    CURLU *base;    /* the collection URL */
    char *url;      /* as given */
    char *path;     /* its path */
    char *username; /* NULL: none */
    char *password; /* wiped by dav_close */
    long connect_timeout_s, timeout_s;
    size_t max_answer;
};

const char *dav_status_name(dav_status s)
{
    switch (s) {
    case DAV_OK:
        return "ok";
    case DAV_PRECONDITION:
        return "precondition failed";
    case DAV_NOT_FOUND:
        return "not found";
    case DAV_AUTH:
        return "auth refused";
    case DAV_INVALID_TOKEN:
        return "invalid sync token";
    case DAV_REFUSED:
        return "refused";
    case DAV_TRANSIENT:
        return "transient";
    }
    return "?";
}

bool dav_global_init(void)
{
    xmlInitParser();
    return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK;
}

static void set_message(dav_result *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void set_message(dav_result *r, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->message, sizeof r->message, fmt, ap);
    va_end(ap);
    /* one line, whatever a server put in a header we quote */
    for (char *p = r->message; *p; p++) {
        if ((unsigned char)*p < 0x20)
            *p = ' ';
    }
}

/* ---- URLs and hrefs ----------------------------------------------------- */

/* A copy of one part of u in the arena (NULL when absent or on failure). */
static char *url_part(CURLU *u, CURLUPart part, unsigned flags, arena *a)
{
    char *v = NULL;
    char *out = NULL;
    if (curl_url_get(u, part, &v, flags) == CURLUE_OK && v)
        out = a ? arena_strdup(a, v) : strdup(v);
    curl_free(v);
    return out;
}

char *dav_resolve_href(const char *base, const char *href, arena *a)
{
    char *out = NULL;
    CURLU *u = curl_url();
    if (!u || !href || !*href)
        goto done;
    /* relative references resolve against the URL the handle holds */
    if (curl_url_set(u, CURLUPART_URL, base, 0) != CURLUE_OK ||
        curl_url_set(u, CURLUPART_URL, href, 0) != CURLUE_OK)
        goto done;
    out = url_part(u, CURLUPART_PATH, 0, a);
done:
    curl_url_cleanup(u);
    return out;
}

/* Whether path names the collection itself (with or without its slash). */
static bool is_collection_path(const char *collection, const char *path)
{
    size_t a = strlen(collection), b = strlen(path);
    while (a > 1 && collection[a - 1] == '/')
        a--;
    while (b > 1 && path[b - 1] == '/')
        b--;
    return a == b && memcmp(collection, path, a) == 0;
}

char *dav_member_href(const dav_client *c, const char *name, arena *a)
{
    static const char hex[] = "0123456789ABCDEF";
    buf b;
    buf_init(&b, 8192, a);
    size_t n = strlen(c->path);
    buf_add(&b, c->path, n);
    if (n == 0 || c->path[n - 1] != '/')
        buf_add_char(&b, '/');
    for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            *p == '-' || *p == '.' || *p == '_' || *p == '~') {
            buf_add_char(&b, (char)*p);
        } else {
            char esc[3] = {'%', hex[*p >> 4], hex[*p & 15]};
            buf_add(&b, esc, 3);
        }
    }
    size_t len = 0;
    return buf_take(&b, &len);
}

const char *dav_collection_path(const dav_client *c)
{
    return c->path;
}

/* ---- the client ----------------------------------------------------------- */

dav_client *dav_open(const dav_options *o, char *err, size_t errlen)
{
    dav_client *c = calloc(1, sizeof *c);
    char *scheme = NULL, *user = NULL;
    if (!c) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    c->base = curl_url();
    c->h = curl_easy_init();
    c->url = strdup(o->url ? o->url : "");
    if (!c->base || !c->h || !c->url) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    if (curl_url_set(c->base, CURLUPART_URL, c->url, 0) != CURLUE_OK ||
        !(scheme = url_part(c->base, CURLUPART_SCHEME, 0, NULL)) ||
        (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0)) {
        snprintf(err, errlen, "the URL must be an http:// or https:// URL");
        goto fail;
    }
    if ((user = url_part(c->base, CURLUPART_USER, 0, NULL)) != NULL) {
        snprintf(err, errlen, "the URL must not carry a user name or password");
        goto fail;
    }
    c->path = url_part(c->base, CURLUPART_PATH, 0, NULL);
    if (o->username && *o->username) {
        c->username = strdup(o->username);
        c->password = strdup(o->password ? o->password : "");
        if (!c->username || !c->password) {
            snprintf(err, errlen, "out of memory");
            goto fail;
        }
    }
    if (!c->path) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    c->connect_timeout_s = o->connect_timeout_s > 0 ? o->connect_timeout_s : DAV_CONNECT_TIMEOUT_S;
    c->timeout_s = o->timeout_s > 0 ? o->timeout_s : DAV_TIMEOUT_S;
    c->max_answer = o->max_answer > 0 ? o->max_answer : DAV_ANSWER_MAX;
    free(scheme);
    return c;
fail:
    free(scheme);
    free(user);
    dav_close(c);
    return NULL;
}

void dav_close(dav_client *c)
{
    if (!c)
        return;
    if (c->password) {
        memset(c->password, 0, strlen(c->password));
        /* keep the wipe: the compiler may not drop a store it cannot see read */
        __asm__ __volatile__("" : : "r"(c->password) : "memory");
    }
    free(c->password);
    free(c->username);
    free(c->path);
    free(c->url);
    curl_url_cleanup(c->base);
    curl_easy_cleanup(c->h);
    free(c);
}

/* ---- one request -------------------------------------------------------- */

typedef struct answer {
    buf body;
    char etag[512]; /* the ETag header, "" when none */
    char location[512];
} answer;

static size_t on_body(char *data, size_t size, size_t n, void *user)
{
    answer *ans = user;
    return buf_add(&ans->body, data, size * n) ? size * n : 0;
}

/* Copies a header's value (trimmed) into out when `line` is `name:`. */
static void header_value(const char *line, size_t len, const char *name, char *out, size_t outlen)
{
    size_t nlen = strlen(name);
    if (len <= nlen || strncasecmp(line, name, nlen) != 0 || line[nlen] != ':')
        return;
    const char *v = line + nlen + 1;
    const char *end = line + len;
    while (v < end && (*v == ' ' || *v == '\t'))
        v++;
    while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' ' || end[-1] == '\t'))
        end--;
    size_t vlen = (size_t)(end - v);
    if (vlen >= outlen)
        vlen = 0; /* a value too long to keep is none at all */
    memcpy(out, v, vlen);
    out[vlen] = '\0';
}

static size_t on_header(char *data, size_t size, size_t n, void *user)
{
    answer *ans = user;
    size_t len = size * n;
    /* a new status line (after a 100 Continue) starts the headers again */
    if (len >= 5 && memcmp(data, "HTTP/", 5) == 0)
        ans->etag[0] = ans->location[0] = '\0';
    header_value(data, len, "ETag", ans->etag, sizeof ans->etag);
    header_value(data, len, "Location", ans->location, sizeof ans->location);
    return len;
}

/* The full URL of path on the collection's origin, malloc'd (NULL when it
 * cannot be made). */
static char *target_url(dav_client *c, const char *path)
{
    char *out = NULL;
    CURLU *u = curl_url_dup(c->base);
    if (u && curl_url_set(u, CURLUPART_PATH, path, 0) == CURLUE_OK &&
        curl_url_set(u, CURLUPART_QUERY, NULL, 0) == CURLUE_OK &&
        curl_url_set(u, CURLUPART_FRAGMENT, NULL, 0) == CURLUE_OK)
        out = url_part(u, CURLUPART_URL, 0, NULL);
    curl_url_cleanup(u);
    return out;
}

/* The status an answer `code` has for any operation (sync-collection looks
 * at its own first).  Sets the message for failures. */
static dav_status classify(long code, const answer *ans, const char *method, dav_result *r)
{
    r->http = code;
    if (code >= 200 && code < 300)
        return DAV_OK;
    if (code >= 300 && code < 400) {
        set_message(r, "%s: the server redirects (HTTP %ld%s%s); link the address it names", method,
                    code, ans->location[0] ? " to " : "", ans->location);
        return DAV_REFUSED;
    }
    if (code == 401 || code == 403) {
        set_message(r, "%s: the server refuses the user name or password (HTTP %ld)", method, code);
        return DAV_AUTH;
    }
    if (code == 404 || code == 410) {
        set_message(r, "%s: not found (HTTP %ld)", method, code);
        return DAV_NOT_FOUND;
    }
    if (code == 412) {
        set_message(r, "%s: precondition failed (HTTP 412)", method);
        return DAV_PRECONDITION;
    }
    if (code == 408 || code == 429 || code >= 500) {
        set_message(r, "%s: the server failed (HTTP %ld); retrying later", method, code);
        return DAV_TRANSIENT;
    }
    set_message(r, "%s: the server refuses the request (HTTP %ld)", method, code);
    return DAV_REFUSED;
}

typedef struct dav_request {
    const char *method;
    const char *path;  /* absolute path on the collection's origin */
    const char *depth; /* NULL: no Depth header */
    const char *content_type;
    const char *body; /* NULL: none */
    size_t len;
    const char *if_match; /* If-Match value, or NULL */
    bool if_none_match;   /* If-None-Match: * */
    const char *accept;   /* NULL: none */
} dav_request;

/* Sends q and reads its answer into *ans (which the caller frees with
 * buf_free(&ans->body)).  DAV_OK when an HTTP answer came, whatever its
 * status (*code); DAV_TRANSIENT with the message when none did, or it was
 * over the limit. */
static dav_status send_request(dav_client *c, const dav_request *q, answer *ans, long *code,
                               dav_result *r)
{
    dav_status st = DAV_TRANSIENT;
    struct curl_slist *headers = NULL, *added = NULL;
    char errbuf[CURL_ERROR_SIZE] = "";
    char line[600];
    char *url = target_url(c, q->path);
    CURL *h = c->h;
    bool ok = true;
    *code = 0;
    r->http = 0;
    buf_init(&ans->body, c->max_answer, NULL);
    ans->etag[0] = ans->location[0] = '\0';
    if (!url) {
        set_message(r, "%s: cannot make a URL of '%s'", q->method, q->path);
        st = DAV_REFUSED;
        goto done;
    }
#define ADD_HEADER(text)                                                                           \
    do {                                                                                           \
        added = curl_slist_append(headers, (text));                                                \
        ok = ok && added;                                                                          \
        if (added)                                                                                 \
            headers = added;                                                                       \
    } while (0)
    if (q->depth) {
        snprintf(line, sizeof line, "Depth: %s", q->depth);
        ADD_HEADER(line);
    }
    if (q->content_type) {
        snprintf(line, sizeof line, "Content-Type: %s", q->content_type);
        ADD_HEADER(line);
    }
    if (q->accept) {
        snprintf(line, sizeof line, "Accept: %s", q->accept);
        ADD_HEADER(line);
    }
    if (q->if_match) {
        if (strlen(q->if_match) + sizeof "If-Match: " > sizeof line) {
            set_message(r, "%s: the ETag is too long", q->method);
            st = DAV_REFUSED;
            goto done;
        }
        snprintf(line, sizeof line, "If-Match: %s", q->if_match);
        ADD_HEADER(line);
    }
    if (q->if_none_match)
        ADD_HEADER("If-None-Match: *");
    ADD_HEADER("Expect:"); /* no 100-continue round trip on PUT and REPORT */
#undef ADD_HEADER
    curl_easy_reset(h);
    CURLcode set = CURLE_OK;
    set |= curl_easy_setopt(h, CURLOPT_URL, url);
    set |= curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    set |= curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, q->method);
    if (strcmp(q->method, "GET") != 0 && strcmp(q->method, "DELETE") != 0) {
        set |= curl_easy_setopt(h, CURLOPT_POST, 1L);
        set |= curl_easy_setopt(h, CURLOPT_POSTFIELDS, q->body ? q->body : "");
        set |= curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(q->body ? q->len : 0));
    }
    set |= curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    set |= curl_easy_setopt(h, CURLOPT_USERAGENT, "Agenda");
    set |= curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
    set |= curl_easy_setopt(h, CURLOPT_WRITEDATA, ans);
    set |= curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
    set |= curl_easy_setopt(h, CURLOPT_HEADERDATA, ans);
    set |= curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT, c->connect_timeout_s);
    set |= curl_easy_setopt(h, CURLOPT_TIMEOUT, c->timeout_s);
    set |= curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    set |= curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
    set |= curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    set |= curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, ""); /* what libcurl can decode */
    netguard guard;
    ok = ok && netguard_attach(h, &guard);
    if (c->username) {
        set |= curl_easy_setopt(h, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
        set |= curl_easy_setopt(h, CURLOPT_USERNAME, c->username);
        set |= curl_easy_setopt(h, CURLOPT_PASSWORD, c->password);
    }
    if (set != CURLE_OK || !ok) {
        set_message(r, "%s: cannot set the request up", q->method);
        st = DAV_TRANSIENT;
        goto done;
    }
    CURLcode res = curl_easy_perform(h);
    char refusal[NETGUARD_MESSAGE_MAX];
    if (res == CURLE_WRITE_ERROR && ans->body.state == BUF_TOO_LARGE) {
        set_message(r, "%s: the answer is larger than %zu bytes", q->method, c->max_answer);
    } else if (res != CURLE_OK && netguard_refusal(&guard, refusal, sizeof refusal)) {
        set_message(r, "%s", refusal); /* not transient: the configuration decides */
        st = DAV_REFUSED;
    } else if (res != CURLE_OK) {
        set_message(r, "%s: no answer from the server: %s", q->method,
                    errbuf[0] ? errbuf : curl_easy_strerror(res));
    } else {
        curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, code);
        r->http = *code;
        st = DAV_OK;
    }
done:
    /* the handle keeps pointers to these until the next reset */
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, NULL);
    curl_slist_free_all(headers);
    free(url);
    return st;
}

/* ---- XML ------------------------------------------------------------------ */

static bool is_el(const xmlNode *n, const char *ns, const char *name)
{
    return n && n->type == XML_ELEMENT_NODE && n->ns && n->ns->href &&
           strcmp((const char *)n->ns->href, ns) == 0 && strcmp((const char *)n->name, name) == 0;
}

/* The first child element of n named ns:name, or NULL. */
static xmlNode *child(const xmlNode *n, const char *ns, const char *name)
{
    for (xmlNode *k = n ? n->children : NULL; k; k = k->next) {
        if (is_el(k, ns, name))
            return k;
    }
    return NULL;
}

/* n's text and CDATA children, concatenated, in the arena (trimmed of
 * white space at both ends when `trim`); *len its length.  NULL when the
 * arena is full. */
static char *text_of(const xmlNode *n, bool trim, arena *a, size_t *len)
{
    size_t total = 0;
    for (const xmlNode *k = n->children; k; k = k->next) {
        if ((k->type == XML_TEXT_NODE || k->type == XML_CDATA_SECTION_NODE) && k->content)
            total += strlen((const char *)k->content);
    }
    char *out = arena_alloc(a, total + 1);
    if (!out)
        return NULL;
    size_t at = 0;
    for (const xmlNode *k = n->children; k; k = k->next) {
        if ((k->type == XML_TEXT_NODE || k->type == XML_CDATA_SECTION_NODE) && k->content) {
            size_t l = strlen((const char *)k->content);
            memcpy(out + at, k->content, l);
            at += l;
        }
    }
    out[at] = '\0';
    char *start = out;
    if (trim) {
        while (*start == ' ' || *start == '\t' || *start == '\r' || *start == '\n')
            start++;
        while (at > (size_t)(start - out) && (out[at - 1] == ' ' || out[at - 1] == '\t' ||
                                              out[at - 1] == '\r' || out[at - 1] == '\n'))
            out[--at] = '\0';
    }
    if (len)
        *len = at - (size_t)(start - out);
    return start;
}

/* The code of an "HTTP/1.1 404 Not Found" status line; 0 when unreadable. */
static int status_code(const char *line)
{
    const char *sp = line ? strchr(line, ' ') : NULL;
    if (!sp || strncmp(line, "HTTP/", 5) != 0)
        return 0;
    int code = 0;
    for (int i = 1; i <= 3; i++) {
        if (sp[i] < '0' || sp[i] > '9')
            return 0;
        code = code * 10 + (sp[i] - '0');
    }
    return code;
}

typedef struct parse {
    bool doctype;
} parse;

/* SAX internalSubset: a DOCTYPE stops the parse before its declarations. */
static void refuse_doctype(void *ctx, const xmlChar *name, const xmlChar *external_id,
                           const xmlChar *system_id)
{
    (void)name, (void)external_id, (void)system_id;
    xmlParserCtxtPtr ctxt = ctx;
    ((parse *)ctxt->_private)->doctype = true;
    xmlStopParser(ctxt);
}

/* The document in body, or NULL with *why. */
static xmlDoc *read_xml(const char *body, size_t len, const char **why)
{
    parse p = {false};
    xmlDoc *doc = NULL;
    if (len > (size_t)INT32_MAX) {
        *why = "the document is too large";
        return NULL;
    }
    xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
    if (!ctxt) {
        *why = "out of memory";
        return NULL;
    }
    ctxt->_private = &p;
    ctxt->sax->internalSubset = refuse_doctype;
    ctxt->sax->externalSubset = refuse_doctype;
    /* no XML_PARSE_NOENT (entities stay unexpanded), no DTDLOAD, no HUGE */
    doc = xmlCtxtReadMemory(ctxt, body, (int)len, NULL, NULL,
                            XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (doc && (p.doctype || doc->intSubset || doc->extSubset)) {
        xmlFreeDoc(doc);
        doc = NULL;
    }
    if (!doc)
        *why = p.doctype ? "the document has a DOCTYPE" : "the document is not well-formed XML";
    xmlFreeParserCtxt(ctxt);
    return doc;
}

/* Reads one DAV:prop (of a 2xx propstat) into e. */
static bool read_prop(const xmlNode *prop, arena *a, dav_entry *e)
{
    for (const xmlNode *p = prop->children; p; p = p->next) {
        if (p->type != XML_ELEMENT_NODE)
            continue;
        if (is_el(p, NS_DAV, "getetag")) {
            if (!(e->etag = text_of(p, true, a, NULL)))
                return false;
            if (!*e->etag)
                e->etag = NULL;
        } else if (is_el(p, NS_CALDAV, "calendar-data")) {
            if (!(e->data = text_of(p, false, a, &e->data_len)))
                return false;
        } else if (is_el(p, NS_DAV, "resourcetype")) {
            e->is_collection = child(p, NS_DAV, "collection") != NULL;
            e->is_calendar = child(p, NS_CALDAV, "calendar") != NULL;
        } else if (is_el(p, NS_DAV, "displayname")) {
            if (!(e->displayname = text_of(p, true, a, NULL)))
                return false;
        } else if (is_el(p, NS_CS, "getctag")) {
            if (!(e->ctag = text_of(p, true, a, NULL)))
                return false;
        } else if (is_el(p, NS_DAV, "sync-token")) {
            if (!(e->sync_token = text_of(p, true, a, NULL)))
                return false;
        } else if (is_el(p, NS_DAV, "supported-report-set")) {
            e->reports_listed = true;
            /* supported-report/report/NAME (RFC 3253); Xandikos leaves
             * the DAV:report wrapper out: supported-report/NAME */
            for (const xmlNode *s = p->children; s; s = s->next) {
                const xmlNode *report = child(s, NS_DAV, "report");
                if (!is_el(s, NS_DAV, "supported-report"))
                    continue;
                for (const xmlNode *k = report ? report->children : s->children; k; k = k->next) {
                    e->sync_collection |= is_el(k, NS_DAV, "sync-collection");
                    e->multiget |= is_el(k, NS_CALDAV, "calendar-multiget");
                }
            }
        }
    }
    return true;
}

bool dav_parse_multistatus(const char *body, size_t len, const char *base, arena *a,
                           dav_multistatus *out, const char **why)
{
    bool ok = false;
    buf entries;
    buf_init(&entries, SIZE_MAX / 2, a);
    *out = (dav_multistatus){0};
    xmlDoc *doc = read_xml(body, len, why);
    if (!doc)
        return false;
    const xmlNode *root = xmlDocGetRootElement(doc);
    if (!is_el(root, NS_DAV, "multistatus")) {
        *why = "the answer is not a DAV:multistatus";
        goto done;
    }
    *why = "out of memory";
    for (const xmlNode *resp = root->children; resp; resp = resp->next) {
        if (is_el(resp, NS_DAV, "sync-token")) {
            if (!(out->sync_token = text_of(resp, true, a, NULL)))
                goto done;
            continue;
        }
        if (!is_el(resp, NS_DAV, "response"))
            continue;
        const xmlNode *href = child(resp, NS_DAV, "href");
        const char *text = href ? text_of(href, true, a, NULL) : NULL;
        if (href && !text)
            goto done;
        if (!text || !*text) {
            *why = "a response has no href";
            goto done;
        }
        dav_entry *e = buf_extend(&entries, sizeof *e);
        if (!e)
            goto done;
        if (!(e->href = dav_resolve_href(base, text, a))) {
            *why = arena_exhausted(a) ? "out of memory" : "a response has an href that is no URL";
            goto done;
        }
        const xmlNode *status = child(resp, NS_DAV, "status");
        if (status) {
            const char *line = text_of(status, true, a, NULL);
            if (!line)
                goto done;
            e->status = status_code(line);
            if (e->status == 0) {
                *why = "a response has an unreadable status";
                goto done;
            }
        }
        for (const xmlNode *ps = resp->children; ps; ps = ps->next) {
            if (!is_el(ps, NS_DAV, "propstat"))
                continue;
            const xmlNode *ps_status = child(ps, NS_DAV, "status");
            const char *line = ps_status ? text_of(ps_status, true, a, NULL) : NULL;
            int code = status_code(line);
            const xmlNode *prop = child(ps, NS_DAV, "prop");
            if (code >= 200 && code < 300 && prop && !read_prop(prop, a, e))
                goto done;
        }
    }
    out->n = entries.len / sizeof(dav_entry);
    out->entries = out->n ? (dav_entry *)entries.data : NULL;
    ok = entries.state == BUF_OK;
    if (ok)
        *why = NULL;
done:
    xmlFreeDoc(doc);
    return ok;
}

bool dav_error_names_sync_token(const char *body, size_t len)
{
    const char *why = NULL;
    if (!body || len == 0)
        return false;
    xmlDoc *doc = read_xml(body, len, &why);
    if (!doc)
        return false;
    const xmlNode *root = xmlDocGetRootElement(doc);
    bool named = is_el(root, NS_DAV, "error") && child(root, NS_DAV, "valid-sync-token") != NULL;
    xmlFreeDoc(doc);
    return named;
}

/* Appends s with XML's five special characters escaped. */
static void add_xml_text(buf *b, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '&':
            buf_add(b, "&amp;", 5);
            break;
        case '<':
            buf_add(b, "&lt;", 4);
            break;
        case '>':
            buf_add(b, "&gt;", 4);
            break;
        case '"':
            buf_add(b, "&quot;", 6);
            break;
        case '\'':
            buf_add(b, "&apos;", 6);
            break;
        default:
            buf_add_char(b, *s);
        }
    }
}

static void add_str(buf *b, const char *s)
{
    buf_add(b, s, strlen(s));
}

/* Sends q, checks its status is 207 and parses the multistatus into *ms.
 * `token_report`: a sync-collection, whose 403/409 naming
 * DAV:valid-sync-token and any 412 mean an invalid token. */
static dav_status multistatus_request(dav_client *c, const dav_request *q, bool token_report,
                                      arena *a, dav_multistatus *ms, dav_result *r)
{
    answer ans;
    long code = 0;
    dav_status st = send_request(c, q, &ans, &code, r);
    if (st != DAV_OK)
        goto done;
    if (token_report &&
        (code == 412 || ((code == 403 || code == 409) &&
                         dav_error_names_sync_token(ans.body.data, ans.body.len)))) {
        set_message(r, "%s: the server no longer knows the sync token (HTTP %ld)", q->method, code);
        st = DAV_INVALID_TOKEN;
        goto done;
    }
    st = classify(code, &ans, q->method, r);
    if (st != DAV_OK)
        goto done;
    const char *why = NULL;
    if (code != 207) {
        set_message(r, "%s: expected a multistatus (207), got HTTP %ld", q->method, code);
        st = DAV_TRANSIENT;
    } else if (!dav_parse_multistatus(ans.body.data ? ans.body.data : "", ans.body.len, c->url, a,
                                      ms, &why)) {
        set_message(r, "%s: unreadable answer: %s", q->method, why);
        st = DAV_TRANSIENT;
    }
done:
    buf_free(&ans.body);
    return st;
}

/* A request body from pieces; NULL (and the message) when over its limit. */
static char *body_take(buf *b, size_t *len, const char *method, dav_result *r)
{
    char *out = buf_take(b, len);
    if (!out)
        set_message(r, "%s: the request would be too large", method);
    return out;
}

dav_status dav_check(dav_client *c, arena *a, dav_collection *out, dav_result *r)
{
    static const char body[] =
        XML_HEAD "<d:propfind xmlns:d=\"DAV:\" xmlns:c=\"urn:ietf:params:xml:ns:caldav\""
                 " xmlns:cs=\"http://calendarserver.org/ns/\"><d:prop>"
                 "<d:resourcetype/><d:displayname/><cs:getctag/><d:sync-token/>"
                 "<d:supported-report-set/></d:prop></d:propfind>";
    dav_multistatus ms;
    const dav_entry *e = NULL;
    *out = (dav_collection){0};
    *r = (dav_result){0};
    const dav_request q = {.method = "PROPFIND",
                           .path = c->path,
                           .depth = "0",
                           .content_type = "application/xml; charset=utf-8",
                           .body = body,
                           .len = sizeof body - 1};
    dav_status st = multistatus_request(c, &q, false, a, &ms, r);
    for (size_t i = 0; st == DAV_OK && i < ms.n && !e; i++) {
        if (is_collection_path(c->path, ms.entries[i].href))
            e = &ms.entries[i];
    }
    if (st == DAV_OK && !e && ms.n == 1)
        e = &ms.entries[0]; /* a server that names the collection another way */
    if (st == DAV_OK && !e) {
        set_message(r, "PROPFIND: the answer does not describe the collection");
        st = DAV_TRANSIENT;
    } else if (st == DAV_OK && e->status >= 300) {
        /* a 207 whose one response has a status of its own: Xandikos
         * answers a missing collection so (naming it with a mangled href) */
        answer none = {0};
        st = classify(e->status, &none, "PROPFIND", r);
    } else if (st == DAV_OK) {
        *out = (dav_collection){.is_collection = e->is_collection,
                                .is_calendar = e->is_calendar,
                                .displayname = e->displayname,
                                .ctag = e->ctag,
                                .sync_token = e->sync_token,
                                .sync_collection = e->sync_collection,
                                .multiget = e->multiget,
                                .reports_listed = e->reports_listed};
    }
    return st;
}

/* One sync-collection request from `from` (NULL: the initial sync): its
 * members are appended to *items, *next gets the token it gave and
 * *truncated whether it was cut short (a 507 response). */
static dav_status sync_round(dav_client *c, const char *from, arena *a, buf *items,
                             const char **next, bool *truncated, dav_result *r)
{
    dav_multistatus ms;
    buf b;
    size_t len = 0;
    dav_status st = DAV_OK;
    *truncated = false;
    buf_init(&b, REQUEST_MAX, a);
    add_str(&b, XML_HEAD "<d:sync-collection xmlns:d=\"DAV:\"><d:sync-token>");
    if (from)
        add_xml_text(&b, from);
    add_str(&b, "</d:sync-token><d:sync-level>1</d:sync-level>"
                "<d:prop><d:getetag/></d:prop></d:sync-collection>");
    char *body = body_take(&b, &len, "REPORT", r);
    if (!body) {
        st = DAV_REFUSED;
        goto done;
    }
    const dav_request q = {.method = "REPORT",
                           .path = c->path,
                           .depth = "0",
                           .content_type = "application/xml; charset=utf-8",
                           .body = body,
                           .len = len};
    /* an invalid token only means something when one was sent */
    st = multistatus_request(c, &q, from != NULL, a, &ms, r);
    if (st != DAV_OK)
        goto done;
    if (!ms.sync_token || !*ms.sync_token) {
        set_message(r, "REPORT: the answer has no sync-token");
        st = DAV_TRANSIENT;
        goto done;
    }
    for (size_t i = 0; i < ms.n && st == DAV_OK; i++) {
        const dav_entry *e = &ms.entries[i];
        if (e->status == 507) {
            *truncated = true;
            continue;
        }
        if (is_collection_path(c->path, e->href) || e->is_collection)
            continue;
        dav_item *it = buf_extend(items, sizeof *it);
        if (it) {
            *it = (dav_item){
                .href = e->href, .etag = e->etag, .gone = e->status == 404 || e->status == 410};
        } else {
            set_message(r, "REPORT: out of memory");
            st = DAV_TRANSIENT;
        }
    }
    *next = ms.sync_token;
done:
    return st;
}

dav_status dav_sync_collection(dav_client *c, const char *token, arena *a, dav_changes *out,
                               dav_result *r)
{
    dav_status st = DAV_OK;
    bool truncated = true;
    buf items;
    buf_init(&items, SIZE_MAX / 2, a);
    *out = (dav_changes){0};
    *r = (dav_result){0};
    const char *from = token && *token ? token : NULL;
    while (st == DAV_OK && truncated) {
        const char *next = NULL;
        if (out->rounds == DAV_SYNC_ROUNDS_MAX) {
            set_message(r, "REPORT: still truncated after %d requests", DAV_SYNC_ROUNDS_MAX);
            st = DAV_TRANSIENT;
            break;
        }
        st = sync_round(c, from, a, &items, &next, &truncated, r);
        out->rounds++;
        out->unsupported = st != DAV_OK && st != DAV_INVALID_TOKEN &&
                           (r->http == 400 || r->http == 403 || r->http == 405 || r->http == 501);
        out->token_suspect = st == DAV_TRANSIENT && from && r->http >= 500 && !out->unsupported;
        if (st == DAV_OK && truncated && from && strcmp(from, next) == 0) {
            set_message(r, "REPORT: truncated without progress (the same sync-token)");
            st = DAV_TRANSIENT;
        }
        from = next;
    }
    if (st == DAV_OK) {
        out->n = items.len / sizeof(dav_item);
        out->items = out->n ? (dav_item *)items.data : NULL;
        out->token = from;
    }
    return st;
}

dav_status dav_list(dav_client *c, arena *a, dav_item **items, size_t *n, dav_result *r)
{
    static const char body[] = XML_HEAD "<d:propfind xmlns:d=\"DAV:\"><d:prop>"
                                        "<d:resourcetype/><d:getetag/></d:prop></d:propfind>";
    dav_multistatus ms;
    buf out;
    buf_init(&out, SIZE_MAX / 2, a);
    *items = NULL;
    *n = 0;
    *r = (dav_result){0};
    const dav_request q = {.method = "PROPFIND",
                           .path = c->path,
                           .depth = "1",
                           .content_type = "application/xml; charset=utf-8",
                           .body = body,
                           .len = sizeof body - 1};
    dav_status st = multistatus_request(c, &q, false, a, &ms, r);
    for (size_t i = 0; st == DAV_OK && i < ms.n; i++) {
        const dav_entry *e = &ms.entries[i];
        if (is_collection_path(c->path, e->href) || e->is_collection || e->status >= 300)
            continue;
        dav_item *it = buf_extend(&out, sizeof *it);
        if (it) {
            *it = (dav_item){.href = e->href, .etag = e->etag};
        } else {
            set_message(r, "PROPFIND: out of memory");
            st = DAV_TRANSIENT;
        }
    }
    if (st == DAV_OK) {
        *n = out.len / sizeof(dav_item);
        *items = *n ? (dav_item *)out.data : NULL;
    }
    return st;
}

dav_status dav_multiget(dav_client *c, const char *const *hrefs, size_t n, arena *a,
                        dav_item **items, size_t *n_items, dav_result *r)
{
    assert(n <= DAV_MULTIGET_MAX);
    dav_multistatus ms;
    buf b, out;
    size_t len = 0;
    dav_status st = DAV_OK;
    buf_init(&b, REQUEST_MAX, a);
    buf_init(&out, SIZE_MAX / 2, a);
    *items = NULL;
    *n_items = 0;
    *r = (dav_result){0};
    if (n == 0)
        goto done;
    add_str(&b, XML_HEAD "<c:calendar-multiget xmlns:d=\"DAV:\""
                         " xmlns:c=\"urn:ietf:params:xml:ns:caldav\">"
                         "<d:prop><d:getetag/><c:calendar-data/></d:prop>");
    for (size_t i = 0; i < n && st == DAV_OK; i++) {
        const char *path = dav_resolve_href(c->url, hrefs[i], a);
        if (!path) {
            set_message(r, "REPORT: '%s' is not an href", hrefs[i]);
            st = DAV_REFUSED;
        }
        add_str(&b, "<d:href>");
        add_xml_text(&b, path ? path : "");
        add_str(&b, "</d:href>");
    }
    add_str(&b, "</c:calendar-multiget>");
    char *body = st == DAV_OK ? body_take(&b, &len, "REPORT", r) : NULL;
    if (st == DAV_OK && !body)
        st = DAV_REFUSED;
    if (st != DAV_OK)
        goto done;
    const dav_request q = {.method = "REPORT",
                           .path = c->path,
                           .depth = "1",
                           .content_type = "application/xml; charset=utf-8",
                           .body = body,
                           .len = len};
    st = multistatus_request(c, &q, false, a, &ms, r);
    for (size_t i = 0; st == DAV_OK && i < ms.n; i++) {
        const dav_entry *e = &ms.entries[i];
        bool gone = e->status == 404 || e->status == 410;
        if (is_collection_path(c->path, e->href))
            continue;
        dav_item *it = buf_extend(&out, sizeof *it);
        if (!it) {
            set_message(r, "REPORT: out of memory");
            st = DAV_TRANSIENT;
        } else if (!gone && !e->data) {
            /* asked for, not given and not said missing: no way to tell */
            set_message(r, "REPORT: no calendar-data for %s", e->href);
            st = DAV_TRANSIENT;
        } else {
            *it = (dav_item){.href = e->href,
                             .etag = e->etag,
                             .data = e->data,
                             .data_len = e->data_len,
                             .gone = gone};
        }
    }
    if (st == DAV_OK) {
        *n_items = out.len / sizeof(dav_item);
        *items = *n_items ? (dav_item *)out.data : NULL;
    }
done:
    return st;
}

/* The ETag header of ans in the arena: NULL when none, or weak (a weak
 * ETag is no use to If-Match). */
static const char *strong_etag(const answer *ans, arena *a, bool *oom)
{
    *oom = false;
    if (!ans->etag[0] || strncmp(ans->etag, "W/", 2) == 0)
        return NULL;
    const char *e = arena_strdup(a, ans->etag);
    *oom = e == NULL;
    return e;
}

dav_status dav_get(dav_client *c, const char *href, arena *a, dav_item *out, dav_result *r)
{
    answer ans = {0};
    long code = 0;
    bool oom = false;
    dav_status st = DAV_REFUSED;
    *out = (dav_item){0};
    *r = (dav_result){0};
    const char *path = dav_resolve_href(c->url, href, a);
    if (!path) {
        set_message(r, "GET: '%s' is not an href", href);
        goto done;
    }
    const dav_request q = {.method = "GET", .path = path, .accept = "text/calendar, */*;q=0.1"};
    st = send_request(c, &q, &ans, &code, r);
    if (st == DAV_OK)
        st = classify(code, &ans, "GET", r);
    if (st == DAV_OK) {
        out->href = path;
        out->etag = strong_etag(&ans, a, &oom);
        out->data_len = ans.body.len;
        out->data = arena_strndup(a, ans.body.data ? ans.body.data : "", ans.body.len);
        if (oom || !out->data) {
            set_message(r, "GET: out of memory");
            st = DAV_TRANSIENT;
        }
    }
done:
    buf_free(&ans.body);
    return st;
}

dav_status dav_put(dav_client *c, const char *href, const char *data, size_t len,
                   const char *if_match, arena *a, const char **etag, dav_result *r)
{
    answer ans = {0};
    long code = 0;
    bool oom = false;
    dav_status st = DAV_REFUSED;
    *etag = NULL;
    *r = (dav_result){0};
    const char *path = dav_resolve_href(c->url, href, a);
    if (!path) {
        set_message(r, "PUT: '%s' is not an href", href);
        goto done;
    }
    const dav_request q = {.method = "PUT",
                           .path = path,
                           .content_type = "text/calendar; charset=utf-8",
                           .body = data,
                           .len = len,
                           .if_match = if_match,
                           .if_none_match = if_match == NULL};
    st = send_request(c, &q, &ans, &code, r);
    if (st == DAV_OK)
        st = classify(code, &ans, "PUT", r);
    if (st == DAV_OK && code == 207) {
        /* a multistatus to a write of one resource reports its failure
         * (Xandikos: 412 valid-calendar-data): nothing was written */
        set_message(r, "PUT: the server refuses the content (HTTP 207)");
        st = DAV_REFUSED;
    }
    if (st == DAV_OK)
        *etag = strong_etag(&ans, a, &oom); /* NULL when lost too: fetched */
done:
    buf_free(&ans.body);
    return st;
}

dav_status dav_delete(dav_client *c, const char *href, const char *if_match, dav_result *r)
{
    answer ans = {0};
    long code = 0;
    dav_status st = DAV_REFUSED;
    *r = (dav_result){0};
    arena *a = arena_new(64 * 1024);
    const char *path = a ? dav_resolve_href(c->url, href, a) : NULL;
    if (!path) {
        set_message(r, "DELETE: '%s' is not an href", href);
        goto done;
    }
    const dav_request q = {.method = "DELETE", .path = path, .if_match = if_match};
    st = send_request(c, &q, &ans, &code, r);
    if (st == DAV_OK)
        st = classify(code, &ans, "DELETE", r);
done:
    buf_free(&ans.body);
    arena_free(a);
    return st;
}

/* mail.c - a patient's email as RFC 5322 + MIME bytes (see mail.h).
 *
 * Everything is appended to the caller's buffer, whose failure is sticky:
 * the writers below never check it, mail_build does once at the end.
 * Columns are counted in bytes, as the RFCs count line lengths. */
#include "notify/mail.h"

#include <assert.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "util/utf8.h"

#define LINE_SOFT           78 /* RFC 5322 2.1.1: lines SHOULD be no longer */
#define EW_LINE             76 /* RFC 2047 2: a line holding an encoded-word */
#define EW_OVERHEAD         12 /* "=?UTF-8?B?" and "?=" */
#define QP_LINE             76 /* RFC 2045 6.7: quoted-printable lines, '=' included */
#define B64_BYTES           57 /* per base64 line of 76 characters */
#define DOMAIN_MAX          253
#define LOCAL_MAX           64
#define DATE_MAX            INT64_C(253402300799) /* 9999-12-31T23:59:59Z */
#define BOUNDARY_HASH_BYTES 16

#define ERR_CRLF "CR or LF in a header value"

/* ---- addresses ---------------------------------------------------------- */

static bool is_atext(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c != '\0' && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

/* RFC 5322's dot-atom-text: atext runs joined by single dots. */
static bool dot_atom(const char *s, size_t n)
{
    if (n == 0 || s[0] == '.' || s[n - 1] == '.')
        return false;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '.' ? s[i + 1] == '.' : !is_atext(s[i]))
            return false;
    }
    return true;
}

/* Labels of letters, digits and inner hyphens, 1 to 63 bytes, dot-joined. */
static bool domain_ok(const char *s, size_t n)
{
    if (n == 0 || n > DOMAIN_MAX)
        return false;
    size_t label = 0;
    for (size_t i = 0; i <= n; i++) {
        char c = i < n ? s[i] : '.';
        if (c == '.') {
            if (label == 0 || label > 63 || s[i - 1] == '-' || s[i - label] == '-')
                return false;
            label = 0;
        } else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                   c == '-') {
            label++;
        } else {
            return false;
        }
    }
    return true;
}

bool mail_address_ok(const char *address)
{
    assert(address != NULL);
    size_t n = strlen(address);
    const char *at = strrchr(address, '@');
    if (n > MAIL_ADDRESS_MAX || !at)
        return false;
    size_t local = (size_t)(at - address);
    return local <= LOCAL_MAX && dot_atom(address, local) && domain_ok(at + 1, n - local - 1);
}

static bool has_control(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return true;
    return false;
}

static bool has_crlf(const char *s)
{
    return strpbrk(s, "\r\n") != NULL;
}

bool mail_mailbox_parse(const char *text, mail_mailbox *out, const char **err)
{
    assert(text != NULL && out != NULL);
    const char *why = NULL;
    const char *s = text;
    size_t n = strlen(text);
    out->name[0] = out->address[0] = '\0';
    while (n && (s[0] == ' ' || s[0] == '\t'))
        s++, n--;
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
        n--;
    if (memchr(s, '\r', n) || memchr(s, '\n', n)) {
        why = ERR_CRLF;
        goto done;
    }
    const char *addr = s, *name = s;
    size_t addr_len = n, name_len = 0;
    if (n && s[n - 1] == '>') {
        const char *lt = memrchr(s, '<', n);
        if (!lt) {
            why = "malformed sender address";
            goto done;
        }
        addr = lt + 1;
        addr_len = (size_t)(s + n - 1 - addr);
        name_len = (size_t)(lt - s);
        while (name_len && (name[name_len - 1] == ' ' || name[name_len - 1] == '\t'))
            name_len--;
    }
    if (addr_len > MAIL_ADDRESS_MAX) {
        why = "malformed sender address";
        goto done;
    }
    memcpy(out->address, addr, addr_len);
    out->address[addr_len] = '\0';
    if (!mail_address_ok(out->address)) {
        why = "malformed sender address";
        goto done;
    }
    size_t len = 0;
    if (name_len >= 2 && name[0] == '"' && name[name_len - 1] == '"') {
        /* a quoted-string: its backslashes quote the next character */
        for (size_t i = 1; i + 1 < name_len; i++) {
            if (name[i] == '"' || (name[i] == '\\' && i + 2 == name_len)) {
                why = "malformed sender name";
                goto done;
            }
            if (name[i] == '\\')
                i++;
            if (len == MAIL_NAME_MAX) {
                why = "sender name too long";
                goto done;
            }
            out->name[len++] = name[i];
        }
    } else {
        if (name_len > MAIL_NAME_MAX) {
            why = "sender name too long";
            goto done;
        }
        memcpy(out->name, name, name_len);
        len = name_len;
    }
    out->name[len] = '\0';
    if (!utf8_valid(out->name, len) || has_control(out->name, len)) {
        why = "sender name is not UTF-8 text";
        goto done;
    }
done:
    if (why)
        out->name[0] = out->address[0] = '\0';
    if (err)
        *err = why;
    return why == NULL;
}

/* ---- header text -------------------------------------------------------- */

static void add(buf *out, const char *s)
{
    buf_add(out, s, strlen(s));
}

/* Text a reader takes as it is: printable ASCII, and no "=?" that could be
 * read as the start of an encoded-word. */
static bool plain_ascii(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < 0x20 || s[i] > 0x7e)
            return false;
    return memmem(s, n, "=?", 2) == NULL;
}

/* Writes s[0..n) (UTF-8) as encoded-words from column *col on, each of
 * whole characters, one per line after the first; updates *col. */
static void put_encoded(buf *out, const char *s, size_t n, size_t *col)
{
    size_t i = 0;
    while (i < n) {
        size_t room = *col + EW_OVERHEAD < EW_LINE ? (EW_LINE - *col - EW_OVERHEAD) / 4 * 3 : 0;
        size_t take = n - i < room ? n - i : room;
        while (take > 0 && i + take < n && ((unsigned char)s[i + take] & 0xC0) == 0x80)
            take--; /* never cut a character in two */
        if (take == 0) {
            /* a fresh line holds 45 bytes: any character fits there */
            assert(*col > 1);
            add(out, "\r\n ");
            *col = 1;
            continue;
        }
        char b64[EW_LINE];
        sodium_bin2base64(b64, sizeof b64, (const unsigned char *)s + i, take,
                          sodium_base64_VARIANT_ORIGINAL);
        add(out, "=?UTF-8?B?");
        add(out, b64);
        add(out, "?=");
        *col += EW_OVERHEAD + strlen(b64);
        i += take;
        if (i < n) {
            add(out, "\r\n ");
            *col = 1;
        }
    }
}

/* Where the segment that starts at pos ends: at the next space that follows
 * a non-space and is itself followed by a non-space somewhere (a fold there
 * leaves no line of blanks), else at n. */
static size_t segment_end(const char *s, size_t n, size_t pos)
{
    size_t j = pos + 1;
    for (; j < n; j++) {
        if (s[j] == ' ' && s[j - 1] != ' ') {
            size_t k = j;
            while (k < n && s[k] == ' ')
                k++;
            if (k < n)
                return j;
        }
    }
    return n;
}

/* Whether plain s[0..n), starting at column col, folds at its spaces into
 * lines of LINE_SOFT at most. */
static bool foldable(const char *s, size_t n, size_t col)
{
    for (size_t pos = 0; pos < n;) {
        size_t end = segment_end(s, n, pos);
        if ((pos == 0 ? col : 0) + (end - pos) > LINE_SOFT)
            return false;
        pos = end;
    }
    return true;
}

/* Writes foldable s[0..n) from column col, folding before a space when the
 * next segment would pass LINE_SOFT. */
static void put_folded(buf *out, const char *s, size_t n, size_t col)
{
    for (size_t pos = 0; pos < n;) {
        size_t end = segment_end(s, n, pos);
        if (pos > 0 && col + (end - pos) > LINE_SOFT) {
            add(out, "\r\n");
            col = 0;
        }
        buf_add(out, s + pos, end - pos);
        col += end - pos;
        pos = end;
    }
}

/* "Name: text" with unstructured text (the Subject). */
static void put_unstructured(buf *out, const char *name, const char *text)
{
    size_t n = strlen(text);
    size_t col = strlen(name) + 2;
    add(out, name);
    add(out, ": ");
    if (plain_ascii(text, n) && foldable(text, n, col))
        put_folded(out, text, n, col);
    else
        put_encoded(out, text, n, &col);
    add(out, "\r\n");
}

/* Words of atext joined by single spaces: a phrase that needs no quotes. */
static bool atom_phrase(const char *s, size_t n)
{
    if (n == 0 || s[0] == ' ' || s[n - 1] == ' ')
        return false;
    for (size_t i = 0; i < n; i++)
        if (s[i] == ' ' ? s[i + 1] == ' ' : !is_atext(s[i]))
            return false;
    return true;
}

/* "From: display <address>", or "From: address" without a name. */
static void put_from(buf *out, const char *name, const char *address)
{
    size_t n = strlen(name);
    size_t col = sizeof "From: " - 1;
    size_t limit = LINE_SOFT;
    add(out, "From: ");
    if (n == 0) {
        add(out, address);
        add(out, "\r\n");
        return;
    }
    /* plain ASCII as an atom phrase or a quoted-string when it fits */
    size_t quoted = n + 2;
    for (size_t i = 0; i < n; i++)
        quoted += name[i] == '"' || name[i] == '\\';
    bool atoms = atom_phrase(name, n);
    if (plain_ascii(name, n) && col + (atoms ? n : quoted) <= LINE_SOFT) {
        if (atoms) {
            add(out, name);
            col += n;
        } else {
            buf_add_char(out, '"');
            for (size_t i = 0; i < n; i++) {
                if (name[i] == '"' || name[i] == '\\')
                    buf_add_char(out, '\\');
                buf_add_char(out, name[i]);
            }
            buf_add_char(out, '"');
            col += quoted;
        }
    } else {
        put_encoded(out, name, n, &col);
        limit = EW_LINE;
    }
    if (col + strlen(address) + 3 > limit) {
        add(out, "\r\n");
        col = 0;
    }
    add(out, " <");
    add(out, address);
    add(out, ">\r\n");
}

/* "Date: Thu, 03 Dec 2026 09:00:00 +0000" (English names, whatever the
 * locale). */
static void put_date(buf *out, int64_t t)
{
    static const char days[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                       "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    time_t tt = (time_t)t;
    struct tm tm;
    struct tm *ok = gmtime_r(&tt, &tm);
    assert(ok != NULL); /* t was checked to lie in 0 .. 9999-12-31 */
    (void)ok;
    char line[64];
    snprintf(line, sizeof line, "Date: %s, %02d %s %04d %02d:%02d:%02d +0000\r\n", days[tm.tm_wday],
             tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
    add(out, line);
}

/* ---- bodies ------------------------------------------------------------- */

/* s[0..n) as quoted-printable (RFC 2045 6.7); LF and CRLF become line
 * breaks, a lone CR "=0D".  A '.' opening a line is encoded too, so no
 * relay's dot handling can touch the text. */
static void put_quoted_printable(buf *out, const char *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t col = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        bool crlf = c == '\r' && i + 1 < n && s[i + 1] == '\n';
        if (c == '\n' || crlf) {
            i += crlf;
            add(out, "\r\n");
            col = 0;
            continue;
        }
        bool line_end =
            i + 1 == n || s[i + 1] == '\n' || (s[i + 1] == '\r' && i + 2 < n && s[i + 2] == '\n');
        bool literal = (c >= 33 && c <= 126 && c != '=') || ((c == ' ' || c == '\t') && !line_end);
        if (col + (literal ? 1 : 3) > QP_LINE - 1) {
            add(out, "=\r\n"); /* soft line break */
            col = 0;
        }
        if (c == '.' && col == 0)
            literal = false;
        if (literal) {
            buf_add_char(out, (char)c);
            col++;
        } else {
            char esc[3] = {'=', hex[c >> 4], hex[c & 15]};
            buf_add(out, esc, 3);
            col += 3;
        }
    }
}

/* s[0..n) as base64 in lines of 76 characters, CRLF between them. */
static void put_base64(buf *out, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i += B64_BYTES) {
        size_t take = n - i < B64_BYTES ? n - i : B64_BYTES;
        char line[B64_BYTES / 3 * 4 + 1];
        sodium_bin2base64(line, sizeof line, (const unsigned char *)s + i, take,
                          sodium_base64_VARIANT_ORIGINAL);
        if (i)
            add(out, "\r\n");
        add(out, line);
    }
}

/* ---- the message -------------------------------------------------------- */

bool mail_build(const mail_message *m, buf *out, const char **err)
{
    assert(m != NULL && m->from != NULL && m->to != NULL && m->subject != NULL && m->text != NULL &&
           m->key != NULL && out != NULL);
    const char *why = NULL;
    mail_mailbox from;
    if (!mail_mailbox_parse(m->from, &from, &why))
        goto done;
    const char *name = m->sender_name && *m->sender_name ? m->sender_name : from.name;
    size_t key_len = strlen(m->key);
    if (has_crlf(name) || has_crlf(m->to) || has_crlf(m->subject) || has_crlf(m->key)) {
        why = ERR_CRLF;
        goto done;
    }
    if (!utf8_valid(name, strlen(name))) {
        why = "sender name is not UTF-8 text";
        goto done;
    }
    if (!utf8_valid(m->subject, strlen(m->subject)) || !utf8_valid(m->text, strlen(m->text))) {
        why = "subject or text is not UTF-8";
        goto done;
    }
    if (!mail_address_ok(m->to)) {
        why = "malformed recipient address";
        goto done;
    }
    if (key_len > MAIL_KEY_MAX || !dot_atom(m->key, key_len)) {
        why = "malformed idempotency key";
        goto done;
    }
    if (m->date < 0 || m->date > DATE_MAX) {
        why = "date out of range";
        goto done;
    }

    /* "=_" cannot occur in quoted-printable or base64 text */
    unsigned char hash[BOUNDARY_HASH_BYTES];
    crypto_generichash(hash, sizeof hash, (const unsigned char *)m->key, key_len, NULL, 0);
    char boundary[sizeof "=_agenda_" + 2 * BOUNDARY_HASH_BYTES] = "=_agenda_";
    sodium_bin2hex(boundary + strlen(boundary), 2 * BOUNDARY_HASH_BYTES + 1, hash, sizeof hash);

    put_date(out, m->date);
    put_from(out, name, from.address);
    add(out, "To: ");
    add(out, m->to);
    add(out, "\r\n");
    put_unstructured(out, "Subject", m->subject);
    add(out, "Message-ID: <");
    add(out, m->key);
    add(out, "@");
    add(out, strrchr(from.address, '@') + 1);
    add(out, ">\r\n");
    add(out, "MIME-Version: 1.0\r\n");
    add(out, "Auto-Submitted: auto-generated\r\n");
    add(out, "Content-Type: multipart/mixed;\r\n boundary=\"");
    add(out, boundary);
    add(out, "\"\r\n\r\n");

    add(out, "--");
    add(out, boundary);
    add(out, "\r\nContent-Type: text/plain; charset=UTF-8\r\n"
             "Content-Transfer-Encoding: quoted-printable\r\n\r\n");
    put_quoted_printable(out, m->text, strlen(m->text));
    if (m->ics) {
        add(out, "\r\n--");
        add(out, boundary);
        add(out, "\r\nContent-Type: text/calendar; charset=UTF-8; method=PUBLISH;\r\n"
                 " name=\"appointment.ics\"\r\n"
                 "Content-Disposition: attachment; filename=\"appointment.ics\"\r\n"
                 "Content-Transfer-Encoding: base64\r\n\r\n");
        put_base64(out, m->ics, m->ics_len);
    }
    add(out, "\r\n--");
    add(out, boundary);
    add(out, "--\r\n");
    if (out->state != BUF_OK)
        why = out->state == BUF_TOO_LARGE ? "message too large" : "out of memory";
done:
    if (err)
        *err = why;
    return why == NULL;
}

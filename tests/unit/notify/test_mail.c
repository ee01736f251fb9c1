/* test_mail.c - the email's bytes: each header exactly, encoded-words and
 * folding decoded back, the MIME parts and their encodings decoded back,
 * line lengths, determinism, addresses, and every refusal. */
#include <check.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../suites.h"
#include "notify/mail.h"
#include "util/utf8.h"

#define LIMIT      (1024 * 1024)
#define DATE       INT64_C(1796288400) /* Thu, 03 Dec 2026 09:00:00 +0000 */
#define ERR_HEADER "CR or LF in a header value"
#define ICS        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"

static mail_message sample(void)
{
    return (mail_message){
        .from = "Demo practice <noreply@example.org>",
        .sender_name = NULL,
        .to = "jo.vanhecke@example.com",
        .subject = "Reminder: your appointment",
        .text = "Hello Jo,\nsee you tomorrow at 09:00.\n",
        .ics = NULL,
        .key = "m42.reminder.v3",
        .date = DATE,
    };
}

/* The message of m, checked for CRLF line ends and line lengths (headers
 * 78 at most, 76 on a line with an encoded-word, body lines 76; To and
 * Message-ID, which cannot be folded, 998). */
static char *build(const mail_message *m)
{
    buf out;
    buf_init(&out, LIMIT, NULL);
    const char *err = NULL;
    ck_assert_msg(mail_build(m, &out, &err), "refused: %s", err ? err : "");
    ck_assert_ptr_null(err);
    size_t len;
    char *msg = buf_take(&out, &len);
    ck_assert_ptr_nonnull(msg);
    ck_assert_uint_eq(strlen(msg), len);
    bool in_head = true;
    for (const char *line = msg; *line;) {
        const char *end = strstr(line, "\r\n");
        ck_assert_msg(end != NULL, "unterminated line: %s", line);
        size_t n = (size_t)(end - line);
        ck_assert_ptr_null(memchr(line, '\r', n));
        ck_assert_ptr_null(memchr(line, '\n', n));
        size_t max = !in_head                                 ? 76
                     : memmem(line, n, "=?UTF-8?B?", 10)      ? 76
                     : strncmp(line, "To: ", 4) == 0          ? 998
                     : strncmp(line, "Message-ID: ", 12) == 0 ? 998
                                                              : 78;
        ck_assert_msg(n <= max, "line of %zu bytes: %.*s", n, (int)n, line);
        if (n == 0)
            in_head = false;
        line = end + 2;
    }
    return msg;
}

/* A copy of the header block (up to the blank line), unfolded. */
static char *head_of(const char *msg)
{
    const char *end = strstr(msg, "\r\n\r\n");
    ck_assert_ptr_nonnull(end);
    char *head = malloc((size_t)(end - msg) + 3);
    size_t n = 0;
    for (const char *p = msg; p < end + 2; p++) {
        if (p[0] == '\r' && p[1] == '\n' && (p[2] == ' ' || p[2] == '\t')) {
            p++; /* unfold: drop the CRLF, keep the blank */
            continue;
        }
        head[n++] = *p;
    }
    head[n] = '\0';
    return head;
}

/* The unfolded value of header `name` (malloc'd), or NULL. */
static char *header(const char *msg, const char *name)
{
    char *head = head_of(msg);
    char *value = NULL;
    size_t nlen = strlen(name);
    for (char *line = head; *line;) {
        char *end = strstr(line, "\r\n");
        *end = '\0';
        if (strncmp(line, name, nlen) == 0 && line[nlen] == ':') {
            ck_assert_msg(value == NULL, "header %s twice", name);
            const char *v = line + nlen + 1;
            if (*v == ' ')
                v++;
            value = strdup(v);
        }
        line = end + 2;
    }
    free(head);
    return value;
}

static void expect_header(const char *msg, const char *name, const char *want)
{
    char *got = header(msg, name);
    ck_assert_msg(got != NULL, "no %s header", name);
    ck_assert_msg(strcmp(got, want) == 0, "%s: got \"%s\", want \"%s\"", name, got, want);
    free(got);
}

/* Decodes RFC 2047 encoded-words (UTF-8, B) in an unfolded value; blanks
 * between adjacent encoded-words are dropped, as RFC 2047 6.2 says.  Each
 * word must decode to whole UTF-8 characters. */
static char *decode_words(const char *value)
{
    char *out = malloc(strlen(value) + 1);
    size_t n = 0;
    bool after_word = false;
    for (const char *p = value; *p;) {
        if (strncmp(p, "=?UTF-8?B?", 10) == 0) {
            const char *b = p + 10;
            const char *e = strstr(b, "?=");
            ck_assert_ptr_nonnull(e);
            ck_assert_msg(e - p + 2 <= 75, "encoded-word of %d chars", (int)(e - p + 2));
            unsigned char bin[64];
            size_t bin_len = 0;
            ck_assert_int_eq(sodium_base642bin(bin, sizeof bin, b, (size_t)(e - b), NULL, &bin_len,
                                               NULL, sodium_base64_VARIANT_ORIGINAL),
                             0);
            ck_assert_msg(utf8_valid((const char *)bin, bin_len), "a word cuts a character");
            if (after_word) /* drop the blank kept between two words */
                while (n && out[n - 1] == ' ')
                    n--;
            memcpy(out + n, bin, bin_len);
            n += bin_len;
            p = e + 2;
            after_word = true;
        } else {
            if (*p != ' ')
                after_word = false;
            out[n++] = *p++;
        }
    }
    out[n] = '\0';
    return out;
}

/* Decodes quoted-printable text; hard line breaks stay CRLF. */
static char *decode_qp(const char *s, size_t n)
{
    char *out = malloc(n + 1);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '=') {
            if (s[i + 1] == '\r' && s[i + 2] == '\n') {
                i += 2;
                continue;
            }
            char hex[3] = {s[i + 1], s[i + 2], 0};
            ck_assert_msg(strspn(hex, "0123456789ABCDEF") == 2, "bad escape =%s", hex);
            out[k++] = (char)strtol(hex, NULL, 16);
            i += 2;
        } else {
            out[k++] = s[i];
        }
    }
    out[k] = '\0';
    return out;
}

/* The text with every LF and CRLF as CRLF. */
static char *crlf(const char *s)
{
    char *out = malloc(2 * strlen(s) + 1);
    size_t k = 0;
    for (size_t i = 0; s[i]; i++) {
        if (s[i] == '\n' && (i == 0 || s[i - 1] != '\r'))
            out[k++] = '\r';
        out[k++] = s[i];
    }
    out[k] = '\0';
    return out;
}

typedef struct part {
    char *head; /* the part's header block, CRLF-terminated lines */
    char *body; /* its content, between the blank line and the delimiter */
    size_t body_len;
} part;

/* Splits the multipart body by the boundary from Content-Type; returns the
 * number of parts (at most max) and checks the close delimiter ends the
 * message. */
static size_t split_parts(const char *msg, part *parts, size_t max)
{
    char *ctype = header(msg, "Content-Type");
    ck_assert_ptr_nonnull(ctype);
    const char *b = strstr(ctype, "boundary=\"");
    ck_assert_ptr_nonnull(b);
    b += 10;
    const char *bend = strchr(b, '"');
    char delim[128];
    snprintf(delim, sizeof delim, "\r\n--%.*s", (int)(bend - b), b);
    free(ctype);
    const char *body = strstr(msg, "\r\n\r\n") + 2; /* keep the CRLF for the first delimiter */
    ck_assert_msg(strncmp(body, delim, strlen(delim)) == 0, "no first delimiter");
    size_t count = 0;
    const char *p = body + strlen(delim);
    for (;;) {
        if (strcmp(p, "--\r\n") == 0)
            break;
        ck_assert_msg(strncmp(p, "\r\n", 2) == 0, "delimiter not followed by CRLF");
        p += 2;
        const char *next = strstr(p, delim);
        ck_assert_ptr_nonnull(next);
        const char *blank = strstr(p, "\r\n\r\n");
        ck_assert(blank != NULL && blank < next);
        ck_assert_uint_lt(count, max);
        parts[count].head = strndup(p, (size_t)(blank - p) + 2);
        parts[count].body = strndup(blank + 4, (size_t)(next - blank - 4));
        parts[count].body_len = (size_t)(next - blank - 4);
        count++;
        p = next + strlen(delim);
    }
    return count;
}

static void free_parts(part *parts, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(parts[i].head);
        free(parts[i].body);
    }
}

START_TEST(headers_exactly)
{
    mail_message m = sample();
    char *msg = build(&m);
    expect_header(msg, "Date", "Thu, 03 Dec 2026 09:00:00 +0000");
    expect_header(msg, "From", "Demo practice <noreply@example.org>");
    expect_header(msg, "To", "jo.vanhecke@example.com");
    expect_header(msg, "Subject", "Reminder: your appointment");
    expect_header(msg, "Message-ID", "<m42.reminder.v3@example.org>");
    expect_header(msg, "MIME-Version", "1.0");
    expect_header(msg, "Auto-Submitted", "auto-generated");
    char *ctype = header(msg, "Content-Type");
    ck_assert_msg(strncmp(ctype, "multipart/mixed; boundary=\"=_agenda_", 36) == 0, "%s", ctype);
    ck_assert_uint_eq(strlen(ctype), 36 + 32 + 1);
    free(ctype);
    /* the headers come first, in this order, nothing else among them */
    const char *order[] = {
        "Date: ",         "From: ",           "To: ",           "Subject: ", "Message-ID: ",
        "MIME-Version: ", "Auto-Submitted: ", "Content-Type: ", "\r\n"};
    const char *p = msg;
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
        ck_assert_msg(strncmp(p, order[i], strlen(order[i])) == 0, "expected %s at: %.40s",
                      order[i], p);
        do /* past the line and its continuations */
            p = strstr(p, "\r\n") + 2;
        while (*p == ' ');
    }
    free(msg);
}
END_TEST

START_TEST(parts_decode_back)
{
    mail_message m = sample();
    m.text = "Bonjour Jos\xc3\xa9,\nrendez-vous \xc3\xa0 09:00 = 9h.\r\nFin.";
    m.ics = ICS;
    m.ics_len = strlen(ICS);
    char *msg = build(&m);
    part parts[4];
    size_t n = split_parts(msg, parts, 4);
    ck_assert_uint_eq(n, 2);
    ck_assert_str_eq(parts[0].head, "Content-Type: text/plain; charset=UTF-8\r\n"
                                    "Content-Transfer-Encoding: quoted-printable\r\n");
    char *text = decode_qp(parts[0].body, parts[0].body_len);
    char *want = crlf(m.text);
    ck_assert_str_eq(text, want);
    free(text);
    free(want);
    ck_assert_str_eq(parts[1].head,
                     "Content-Type: text/calendar; charset=UTF-8; method=PUBLISH;\r\n"
                     " name=\"appointment.ics\"\r\n"
                     "Content-Disposition: attachment; filename=\"appointment.ics\"\r\n"
                     "Content-Transfer-Encoding: base64\r\n");
    unsigned char ics[256];
    size_t ics_len = 0;
    ck_assert_int_eq(sodium_base642bin(ics, sizeof ics, parts[1].body, parts[1].body_len, "\r\n",
                                       &ics_len, NULL, sodium_base64_VARIANT_ORIGINAL),
                     0);
    ck_assert_uint_eq(ics_len, strlen(ICS));
    ck_assert(memcmp(ics, ICS, ics_len) == 0);
    free_parts(parts, n);
    free(msg);

    /* without a calendar: the text part alone */
    m.ics = NULL;
    msg = build(&m);
    n = split_parts(msg, parts, 4);
    ck_assert_uint_eq(n, 1);
    ck_assert_ptr_null(strstr(msg, "text/calendar"));
    free_parts(parts, n);
    free(msg);
}
END_TEST

/* A large attachment is cut into 76-character lines. */
START_TEST(base64_lines)
{
    mail_message m = sample();
    char ics[1000];
    for (size_t i = 0; i < sizeof ics; i++)
        ics[i] = (char)(i * 7);
    m.ics = ics;
    m.ics_len = sizeof ics;
    char *msg = build(&m);
    part parts[2];
    size_t n = split_parts(msg, parts, 2);
    ck_assert_uint_eq(n, 2);
    const char *p = parts[1].body;
    size_t lines = 0;
    for (const char *end; (end = strstr(p, "\r\n")); p = end + 2, lines++)
        ck_assert_uint_eq(end - p, 76);
    ck_assert_uint_eq(strlen(p), (1000 % 57 + 2) / 3 * 4);
    ck_assert_uint_eq(lines, 1000 / 57);
    unsigned char bin[1000];
    size_t bin_len = 0;
    ck_assert_int_eq(sodium_base642bin(bin, sizeof bin, parts[1].body, parts[1].body_len, "\r\n",
                                       &bin_len, NULL, sodium_base64_VARIANT_ORIGINAL),
                     0);
    ck_assert_uint_eq(bin_len, sizeof ics);
    ck_assert(memcmp(bin, ics, sizeof ics) == 0);
    free_parts(parts, n);
    free(msg);
}
END_TEST

static void expect_qp(const char *text, const char *want)
{
    mail_message m = sample();
    m.text = text;
    char *msg = build(&m);
    part parts[2];
    size_t n = split_parts(msg, parts, 2);
    ck_assert_uint_eq(n, 1);
    ck_assert_msg(strcmp(parts[0].body, want) == 0, "%s\n  gave %s\n  want %s", text, parts[0].body,
                  want);
    char *decoded = decode_qp(parts[0].body, parts[0].body_len);
    char *normal = crlf(text);
    /* a lone CR stays a CR: crlf() keeps it, the encoding carries it */
    ck_assert_str_eq(decoded, normal);
    free(decoded);
    free(normal);
    free_parts(parts, n);
    free(msg);
}

START_TEST(quoted_printable_rules)
{
    expect_qp("", "");
    expect_qp("plain", "plain");
    expect_qp("a=b", "a=3Db");
    expect_qp("caf\xc3\xa9", "caf=C3=A9");
    /* blanks at a line's end are encoded, elsewhere not */
    expect_qp("x \ny\t\r\nz ", "x=20\r\ny=09\r\nz=20");
    expect_qp("a b\tc", "a b\tc");
    /* LF and CRLF are line breaks; a lone CR is a byte */
    expect_qp("1\n2\r\n3\r4", "1\r\n2\r\n3=0D4");
    expect_qp("\n\n", "\r\n\r\n");
    /* a dot opening a line */
    expect_qp(".\n..x\nx.", "=2E\r\n=2E.x\r\nx.");
    /* control characters */
    expect_qp("\x01\x7f", "=01=7F");

    /* long lines get soft breaks at 75 characters plus '=' */
    char line[200];
    memset(line, 'a', 160);
    line[160] = '\0';
    char want[300];
    snprintf(want, sizeof want, "%.75s=\r\n%.75s=\r\n%.10s", line, line, line);
    expect_qp(line, want);
    /* an escape is never cut by a soft break */
    memset(line, 'b', 74);
    strcpy(line + 74, "\xc3\xa9z");
    snprintf(want, sizeof want, "%.74s=\r\n=C3=A9z", line);
    expect_qp(line, want);
    /* a dot that a soft break puts first on a line is encoded */
    memset(line, 'c', 75);
    strcpy(line + 75, ".d");
    snprintf(want, sizeof want, "%.75s=\r\n=2Ed", line);
    expect_qp(line, want);
    /* exactly 75 characters need no soft break; 76 do */
    memset(line, 'e', 75);
    line[75] = '\0';
    expect_qp(line, line);
    strcpy(line + 75, "f");
    snprintf(want, sizeof want, "%.75s=\r\nf", line);
    expect_qp(line, want);
}
END_TEST

START_TEST(sender_names)
{
    mail_message m = sample();
    char *msg = build(&m);
    expect_header(msg, "From", "Demo practice <noreply@example.org>");
    free(msg);
    /* the center's name replaces the configured one */
    m.sender_name = "Cabinet Dupont";
    msg = build(&m);
    expect_header(msg, "From", "Cabinet Dupont <noreply@example.org>");
    free(msg);
    m.sender_name = ""; /* empty: the configured name */
    msg = build(&m);
    expect_header(msg, "From", "Demo practice <noreply@example.org>");
    free(msg);
    /* specials need a quoted-string, with backslashes before " and \ */
    m.sender_name = "Dr. Smith, \"Bob\" \\ MD";
    msg = build(&m);
    expect_header(msg, "From", "\"Dr. Smith, \\\"Bob\\\" \\\\ MD\" <noreply@example.org>");
    free(msg);
    m.sender_name = " padded  name";
    msg = build(&m);
    expect_header(msg, "From", "\" padded  name\" <noreply@example.org>");
    free(msg);
    /* no name anywhere: the bare address */
    m.sender_name = NULL;
    m.from = "noreply@example.org";
    msg = build(&m);
    expect_header(msg, "From", "noreply@example.org");
    free(msg);
    /* a quoted configured name is read and written back */
    m.from = "\"Practice \\\"Le Parc\\\"\" <a@b.example>";
    msg = build(&m);
    expect_header(msg, "From", "\"Practice \\\"Le Parc\\\"\" <a@b.example>");
    expect_header(msg, "Message-ID", "<m42.reminder.v3@b.example>");
    free(msg);
}
END_TEST

/* The From header decoded: a display name in encoded-words, then the
 * address. */
static void expect_encoded_from(const char *name, const char *address)
{
    mail_message m = sample();
    m.sender_name = name;
    char *msg = build(&m);
    char *from = header(msg, "From");
    ck_assert_msg(strncmp(from, "=?UTF-8?B?", 10) == 0, "not encoded: %s", from);
    char *decoded = decode_words(from);
    char want[2048];
    snprintf(want, sizeof want, "%s <%s>", name, address);
    ck_assert_msg(strcmp(decoded, want) == 0, "got %s\nwant %s", decoded, want);
    free(decoded);
    free(from);
    free(msg);
}

START_TEST(encoded_words)
{
    expect_encoded_from("Cabinet m\xc3\xa9"
                        "dical Sainte-Th\xc3\xa9r\xc3\xa8se",
                        "noreply@example.org");
    expect_encoded_from("\xe6\x9d\xb1\xe4\xba\xac\xe3\x82\xaf\xe3\x83\xaa\xe3\x83\x8b\xe3\x83\x83"
                        "\xe3\x82\xaf \xf0\x9f\xa6\xb7",
                        "noreply@example.org");
    /* long: many words, each of whole characters (checked in decode_words) */
    char name[700] = "";
    for (int i = 0; i < 100; i++)
        strcat(name, "\xc3\xa9\xe2\x82\xac");
    expect_encoded_from(name, "noreply@example.org");
    /* ASCII too long for one line, or with "=?" or a control character */
    memset(name, 'x', 90);
    name[90] = '\0';
    expect_encoded_from(name, "noreply@example.org");
    expect_encoded_from("a =?b?= c", "noreply@example.org");
    expect_encoded_from("tab\there", "noreply@example.org");

    /* the exact bytes of a short one */
    mail_message m = sample();
    m.sender_name = "Jos\xc3\xa9";
    char *msg = build(&m);
    ck_assert_ptr_nonnull(strstr(msg, "\r\nFrom: =?UTF-8?B?Sm9zw6k=?= <noreply@example.org>\r\n"));
    free(msg);
}
END_TEST

static void expect_subject(const char *subject, bool encoded)
{
    mail_message m = sample();
    m.subject = subject;
    char *msg = build(&m);
    char *got = header(msg, "Subject");
    ck_assert_ptr_nonnull(got);
    ck_assert_msg(encoded == (strstr(got, "=?UTF-8?B?") == got), "%s: %s", subject, got);
    char *decoded = encoded ? decode_words(got) : strdup(got);
    ck_assert_msg(strcmp(decoded, subject) == 0, "got %s\nwant %s", decoded, subject);
    free(decoded);
    free(got);
    free(msg);
}

START_TEST(subjects)
{
    expect_subject("Reminder", false);
    expect_subject("", false);
    expect_subject("Rappel : votre rendez-vous \xc3\xa0 09:00", true);
    expect_subject("Erinnerung: Ihr Termin am 03.12. um 09:00 bei Dr. M\xc3\xbcller-L\xc3\xbc"
                   "denscheid in der Praxis am Marktplatz",
                   true);
    /* long ASCII is folded at its spaces, and unfolds to itself */
    expect_subject("Reminder: your appointment with Dr. Jane Doe-Vandenberghe on 2026-12-03 at "
                   "09:30 in the practice at Rue de la Loi 16, 1000 Brussels (second floor)",
                   false);
    /* runs of blanks survive folding; trailing blanks are never a line */
    expect_subject("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa   "
                   "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb    ",
                   false);
    /* a word too long for any line, "=?", a tab: encoded */
    char word[120];
    memset(word, 'w', 100);
    word[100] = '\0';
    expect_subject(word, true);
    expect_subject("see =?UTF-8?B?eA==?=", true);
    expect_subject("a\tb", true);

    mail_message m = sample();
    m.subject = "Reminder: your appointment with Dr. Jane Doe-Vandenberghe on 2026-12-03 at "
                "09:30";
    char *msg = build(&m);
    ck_assert_ptr_nonnull(strstr(msg, "\r\nSubject: Reminder: your appointment with Dr. Jane "
                                      "Doe-Vandenberghe on\r\n 2026-12-03 at 09:30\r\n"));
    free(msg);
}
END_TEST

START_TEST(same_key_same_bytes)
{
    mail_message m = sample();
    m.ics = ICS;
    m.ics_len = strlen(ICS);
    char *a = build(&m);
    char *b = build(&m);
    ck_assert_str_eq(a, b);
    m.key = "m42.reminder.v4";
    char *c = build(&m);
    char *ba = header(a, "Content-Type"), *bc = header(c, "Content-Type");
    ck_assert_str_ne(ba, bc);
    expect_header(c, "Message-ID", "<m42.reminder.v4@example.org>");
    free(ba);
    free(bc);
    free(a);
    free(b);
    free(c);
}
END_TEST

START_TEST(dates)
{
    struct {
        int64_t t;
        const char *want;
    } cases[] = {
        {0, "Thu, 01 Jan 1970 00:00:00 +0000"},
        {951782400, "Tue, 29 Feb 2000 00:00:00 +0000"},
        {1774746000, "Sun, 29 Mar 2026 01:00:00 +0000"},
        {INT64_C(253402300799), "Fri, 31 Dec 9999 23:59:59 +0000"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        mail_message m = sample();
        m.date = cases[i].t;
        char *msg = build(&m);
        expect_header(msg, "Date", cases[i].want);
        free(msg);
    }
}
END_TEST

START_TEST(addresses)
{
    const char *good[] = {"a@b",
                          "jo.vanhecke@example.com",
                          "x+tag@sub.example.co.uk",
                          "!#$%&'*+-/=?^_`{|}~@example.org",
                          "a@1-2.example",
                          "user@localhost"};
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        ck_assert_msg(mail_address_ok(good[i]), "refused %s", good[i]);
    const char *bad[] = {"",
                         "plain",
                         "@example.org",
                         "a@",
                         "a@@b",
                         "a@b@c",
                         ".a@b",
                         "a.@b",
                         "a..b@c",
                         "a b@c",
                         "\"a b\"@c",
                         "a@-b.c",
                         "a@b-.c",
                         "a@b..c",
                         "a@.b",
                         "a@b.",
                         "a@b_c.d",
                         "a@[127.0.0.1]",
                         "jos\xc3\xa9@example.org",
                         "a@ex\xc3\xa4mple.org",
                         "a<b@c",
                         "a@b\r\nBcc: x@y",
                         "a,b@c"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        ck_assert_msg(!mail_address_ok(bad[i]), "accepted %s", bad[i]);
    char local[80], domain[64], addr[400];
    memset(local, 'l', 64);
    local[64] = '\0';
    snprintf(addr, sizeof addr, "%s@b", local);
    ck_assert(mail_address_ok(addr));
    strcat(local, "l");
    snprintf(addr, sizeof addr, "%s@b", local);
    ck_assert(!mail_address_ok(addr));
    memset(domain, 'd', 63);
    domain[63] = '\0';
    snprintf(addr, sizeof addr, "a@%s.%s.%s.x", domain, domain, domain);
    ck_assert(mail_address_ok(addr)); /* 2 + 63 * 3 + 5 = 196 bytes */
    snprintf(addr, sizeof addr, "a@%sd.x", domain);
    ck_assert(!mail_address_ok(addr)); /* a label of 64 */
    snprintf(addr, sizeof addr, "a@%s.%s.%s.%s.xx", domain, domain, domain, domain);
    ck_assert(!mail_address_ok(addr)); /* 257 bytes */
}
END_TEST

static void expect_mailbox(const char *text, const char *name, const char *address)
{
    mail_mailbox mb;
    const char *err = "unset";
    ck_assert_msg(mail_mailbox_parse(text, &mb, &err), "refused %s: %s", text, err);
    ck_assert_ptr_null(err);
    ck_assert_str_eq(mb.name, name);
    ck_assert_str_eq(mb.address, address);
}

static void refuse_mailbox(const char *text, const char *want)
{
    mail_mailbox mb;
    const char *err = NULL;
    ck_assert_msg(!mail_mailbox_parse(text, &mb, &err), "accepted %s", text);
    ck_assert_msg(strcmp(err, want) == 0, "%s: got \"%s\", want \"%s\"", text, err, want);
    ck_assert_str_eq(mb.name, "");
    ck_assert_str_eq(mb.address, "");
}

START_TEST(mailboxes)
{
    expect_mailbox("Demo practice <noreply@example.org>", "Demo practice", "noreply@example.org");
    expect_mailbox("noreply@example.org", "", "noreply@example.org");
    expect_mailbox("  <noreply@example.org>  ", "", "noreply@example.org");
    expect_mailbox("\"Dr. X, MD\" <x@y.z>", "Dr. X, MD", "x@y.z");
    expect_mailbox("\"a \\\"b\\\" \\\\ c\" <x@y.z>", "a \"b\" \\ c", "x@y.z");
    expect_mailbox("Cabinet m\xc3\xa9"
                   "dical\t<x@y.z>",
                   "Cabinet m\xc3\xa9"
                   "dical",
                   "x@y.z");
    expect_mailbox("A <b> <x@y.z>", "A <b>", "x@y.z");
    expect_mailbox("\"\" <x@y.z>", "", "x@y.z");

    refuse_mailbox("", "malformed sender address");
    refuse_mailbox("Name", "malformed sender address");
    refuse_mailbox("Name x@y.z>", "malformed sender address");
    refuse_mailbox("Name <x@y.z", "malformed sender address");
    refuse_mailbox("Name <not an address>", "malformed sender address");
    refuse_mailbox("Name <x@y.z>\r\nBcc: a@b", ERR_HEADER);
    refuse_mailbox("Na\nme <x@y.z>", ERR_HEADER);
    refuse_mailbox("\"a \"b\" c\" <x@y.z>", "malformed sender name");
    refuse_mailbox("\"a \\\" <x@y.z>", "malformed sender name");
    refuse_mailbox("caf\xe9 <x@y.z>", "sender name is not UTF-8 text");
    refuse_mailbox("a\x01"
                   "b <x@y.z>",
                   "sender name is not UTF-8 text");
    char name[400];
    memset(name, 'n', 257);
    strcpy(name + 257, " <x@y.z>");
    refuse_mailbox(name, "sender name too long");
    name[0] = '"';
    memset(name + 1, 'n', 256);
    strcpy(name + 257, "n\" <x@y.z>");
    refuse_mailbox(name, "sender name too long");
    memset(name, 'n', 256);
    strcpy(name + 256, " <x@y.z>");
    mail_mailbox mb;
    ck_assert(mail_mailbox_parse(name, &mb, NULL));
    ck_assert_uint_eq(strlen(mb.name), 256);
}
END_TEST

static void refused(const mail_message *m, const char *want)
{
    buf out;
    buf_init(&out, LIMIT, NULL);
    const char *err = NULL;
    ck_assert(!mail_build(m, &out, &err));
    ck_assert_ptr_nonnull(err);
    ck_assert_msg(strcmp(err, want) == 0, "got \"%s\", want \"%s\"", err, want);
    buf_free(&out);
}

START_TEST(header_injection_refused)
{
    const char *evil[] = {"x\r\nBcc: victim@example.org", "x\nBcc: a@b", "x\rBcc: a@b", "\r\n"};
    for (size_t i = 0; i < sizeof evil / sizeof evil[0]; i++) {
        mail_message m = sample();
        m.subject = evil[i];
        refused(&m, ERR_HEADER);
        m = sample();
        m.sender_name = evil[i];
        refused(&m, ERR_HEADER);
        m = sample();
        m.to = evil[i];
        refused(&m, ERR_HEADER);
        m = sample();
        m.key = evil[i];
        refused(&m, ERR_HEADER);
    }
    mail_message m = sample();
    m.from = "Demo <noreply@example.org>\r\nBcc: a@b";
    refused(&m, ERR_HEADER);
    m = sample();
    m.to = "jo@example.com\r\n";
    refused(&m, ERR_HEADER);
    /* line breaks in the text are the text's own */
    m = sample();
    m.text = "line\r\nBcc: a@b\r\n";
    free(build(&m));
}
END_TEST

START_TEST(refusals)
{
    mail_message m = sample();
    m.to = "not an address";
    refused(&m, "malformed recipient address");
    m = sample();
    m.from = "Demo <nope>";
    refused(&m, "malformed sender address");
    m = sample();
    m.subject = "caf\xe9";
    refused(&m, "subject or text is not UTF-8");
    m = sample();
    m.text = "\xed\xa0\x80";
    refused(&m, "subject or text is not UTF-8");
    m = sample();
    m.sender_name = "\xc3";
    refused(&m, "sender name is not UTF-8 text");
    const char *keys[] = {"", "a b", "a..b", ".a", "a.", "a@b", "<a>", "caf\xc3\xa9"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        m = sample();
        m.key = keys[i];
        refused(&m, "malformed idempotency key");
    }
    char key[300];
    memset(key, 'k', 201);
    key[201] = '\0';
    m = sample();
    m.key = key;
    refused(&m, "malformed idempotency key");
    key[200] = '\0';
    free(build(&m));
    m = sample();
    m.date = -1;
    refused(&m, "date out of range");
    m.date = INT64_C(253402300800);
    refused(&m, "date out of range");

    m = sample();
    buf small;
    buf_init(&small, 300, NULL);
    const char *err = NULL;
    ck_assert(!mail_build(&m, &small, &err));
    ck_assert_str_eq(err, "message too large");
    buf_free(&small);
}
END_TEST

Suite *suite_mail(void)
{
    Suite *s = suite_create("mail");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, headers_exactly);
    tcase_add_test(tc, parts_decode_back);
    tcase_add_test(tc, base64_lines);
    tcase_add_test(tc, quoted_printable_rules);
    tcase_add_test(tc, sender_names);
    tcase_add_test(tc, encoded_words);
    tcase_add_test(tc, subjects);
    tcase_add_test(tc, same_key_same_bytes);
    tcase_add_test(tc, dates);
    tcase_add_test(tc, addresses);
    tcase_add_test(tc, mailboxes);
    tcase_add_test(tc, header_injection_refused);
    tcase_add_test(tc, refusals);
    suite_add_tcase(s, tc);
    return s;
}

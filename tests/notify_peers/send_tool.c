/* send_tool.c - sends one email or one SMS with the server's own senders,
 * from command-line arguments, for tests/notify_peers/test_senders.py.
 *
 *   send-tool mail --url URL --from FROM --to ADDRESS --subject TEXT --text TEXT
 *                  --key KEY --date UNIX [--starttls off|optional|required]
 *                  [--username NAME] [--sender-name NAME]
 *                  [--ics-id ID --ics-host HOST --ics-version N --ics-start UNIX
 *                   --ics-stop UNIX [--ics-summary TEXT] [--ics-location TEXT]
 *                   [--ics-cancelled]]
 *   send-tool sms --url URL --body TEMPLATE --to NUMBER --text TEXT --id KEY
 *                 [--format json|form] [--method METHOD] [--header "Name: value"]...
 *                 [--username NAME] [--id-field PATH] [--status-url URL]
 *
 * The password, if any, comes from $SEND_TOOL_PASSWORD (never an argument).
 * Prints one line: the result ("ok", "temporary", "permanent"), a tab, the
 * provider's id (SMS), a tab, the reason; exits 0.  A usage error or a
 * message that cannot be built: one line on stderr, exit 2. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "notify/ics.h"
#include "notify/mail.h"
#include "notify/notify.h"
#include "notify/sms.h"
#include "notify/smtp.h"

#define MESSAGE_MAX (1024 * 1024)

enum {
    OPT_URL = 256,
    OPT_FROM,
    OPT_TO,
    OPT_SUBJECT,
    OPT_TEXT,
    OPT_KEY,
    OPT_DATE,
    OPT_STARTTLS,
    OPT_USERNAME,
    OPT_SENDER_NAME,
    OPT_ICS_ID,
    OPT_ICS_HOST,
    OPT_ICS_VERSION,
    OPT_ICS_START,
    OPT_ICS_STOP,
    OPT_ICS_SUMMARY,
    OPT_ICS_LOCATION,
    OPT_ICS_CANCELLED,
    OPT_BODY,
    OPT_ID,
    OPT_FORMAT,
    OPT_METHOD,
    OPT_HEADER,
    OPT_ID_FIELD,
    OPT_STATUS_URL,
};

static const struct option options[] = {
    {"url", required_argument, NULL, OPT_URL},
    {"from", required_argument, NULL, OPT_FROM},
    {"to", required_argument, NULL, OPT_TO},
    {"subject", required_argument, NULL, OPT_SUBJECT},
    {"text", required_argument, NULL, OPT_TEXT},
    {"key", required_argument, NULL, OPT_KEY},
    {"date", required_argument, NULL, OPT_DATE},
    {"starttls", required_argument, NULL, OPT_STARTTLS},
    {"username", required_argument, NULL, OPT_USERNAME},
    {"sender-name", required_argument, NULL, OPT_SENDER_NAME},
    {"ics-id", required_argument, NULL, OPT_ICS_ID},
    {"ics-host", required_argument, NULL, OPT_ICS_HOST},
    {"ics-version", required_argument, NULL, OPT_ICS_VERSION},
    {"ics-start", required_argument, NULL, OPT_ICS_START},
    {"ics-stop", required_argument, NULL, OPT_ICS_STOP},
    {"ics-summary", required_argument, NULL, OPT_ICS_SUMMARY},
    {"ics-location", required_argument, NULL, OPT_ICS_LOCATION},
    {"ics-cancelled", no_argument, NULL, OPT_ICS_CANCELLED},
    {"body", required_argument, NULL, OPT_BODY},
    {"id", required_argument, NULL, OPT_ID},
    {"format", required_argument, NULL, OPT_FORMAT},
    {"method", required_argument, NULL, OPT_METHOD},
    {"header", required_argument, NULL, OPT_HEADER},
    {"id-field", required_argument, NULL, OPT_ID_FIELD},
    {"status-url", required_argument, NULL, OPT_STATUS_URL},
    {NULL, 0, NULL, 0},
};

typedef struct args {
    const char *url, *from, *to, *subject, *text, *key, *username, *sender_name;
    const char *date, *starttls;
    const char *ics_id, *ics_host, *ics_version, *ics_start, *ics_stop, *ics_summary, *ics_location;
    int ics_cancelled;
    const char *body, *id, *format, *method, *id_field, *status_url;
    const char *headers[SMS_MAX_HEADERS];
    size_t n_headers;
} args;

static int usage(const char *why)
{
    fprintf(stderr, "send-tool: %s\n", why);
    return 2;
}

static long long number(const char *text)
{
    char *end = NULL;
    long long v = strtoll(text, &end, 10);
    return end && *end == '\0' && end != text ? v : -1;
}

static void print_result(send_result r, const char *provider_id, const char *err)
{
    printf("%s\t%s\t%s\n", send_result_name(r), provider_id, err);
}

static int send_mail(const args *a)
{
    int rc = 2;
    buf ics, message;
    buf_init(&ics, MESSAGE_MAX, NULL);
    buf_init(&message, MESSAGE_MAX, NULL);
    const char *err = NULL;
    if (!a->url || !a->from || !a->to || !a->subject || !a->text || !a->key || !a->date) {
        rc = usage("mail needs --url --from --to --subject --text --key --date");
        goto done;
    }
    smtp_starttls starttls = SMTP_STARTTLS_OFF;
    if (a->starttls && strcmp(a->starttls, "optional") == 0)
        starttls = SMTP_STARTTLS_OPTIONAL;
    else if (a->starttls && strcmp(a->starttls, "required") == 0)
        starttls = SMTP_STARTTLS_REQUIRED;
    else if (a->starttls && strcmp(a->starttls, "off") != 0) {
        rc = usage("--starttls is off, optional or required");
        goto done;
    }
    if (a->ics_id) {
        if (!a->ics_host || !a->ics_version || !a->ics_start || !a->ics_stop) {
            rc = usage("--ics-id needs --ics-host --ics-version --ics-start --ics-stop");
            goto done;
        }
        ics_event e = {
            .appointment_id = number(a->ics_id),
            .host = a->ics_host,
            .version = number(a->ics_version),
            .now = number(a->date),
            .start = number(a->ics_start),
            .stop = number(a->ics_stop),
            .summary = a->ics_summary,
            .location = a->ics_location,
            .cancelled = a->ics_cancelled != 0,
        };
        if (!ics_build(&e, &ics, &err)) {
            rc = usage(err);
            goto done;
        }
    }
    mail_message m = {
        .from = a->from,
        .sender_name = a->sender_name,
        .to = a->to,
        .subject = a->subject,
        .text = a->text,
        .ics = a->ics_id ? ics.data : NULL,
        .ics_len = ics.len,
        .key = a->key,
        .date = number(a->date),
    };
    if (!mail_build(&m, &message, &err)) {
        rc = usage(err);
        goto done;
    }
    smtp_settings s = {
        .on = true,
        .url = a->url,
        .starttls = starttls,
        .username = a->username,
        .password = getenv("SEND_TOOL_PASSWORD"),
        .from = a->from,
    };
    char reason[512];
    send_result r = smtp_send(&s, a->to, message.data, message.len, reason, sizeof reason);
    print_result(r, "", reason);
    rc = 0;
done:
    buf_free(&ics);
    buf_free(&message);
    return rc;
}

static int send_sms(const args *a)
{
    int rc = 2;
    const char *err = NULL;
    if (!a->url || !a->body || !a->to || !a->text || !a->id) {
        rc = usage("sms needs --url --body --to --text --id");
        goto done;
    }
    if (a->format && strcmp(a->format, "json") != 0 && strcmp(a->format, "form") != 0) {
        rc = usage("--format is json or form");
        goto done;
    }
    if (!sms_body_template_check(a->body, &err)) {
        rc = usage(err);
        goto done;
    }
    sms_settings s = {
        .on = true,
        .url = a->url,
        .method = a->method,
        .format = a->format && strcmp(a->format, "form") == 0 ? SMS_FORMAT_FORM : SMS_FORMAT_JSON,
        .body = a->body,
        .n_headers = a->n_headers,
        .username = a->username,
        .password = getenv("SEND_TOOL_PASSWORD"),
        .id_field = a->id_field,
    };
    memcpy(s.headers, a->headers, sizeof s.headers);
    sms_message m = {.to = a->to, .text = a->text, .id = a->id, .status_url = a->status_url};
    char provider_id[SMS_PROVIDER_ID_MAX + 1];
    char reason[512];
    send_result r = sms_send(&s, &m, provider_id, reason, sizeof reason);
    print_result(r, provider_id, reason);
    rc = 0;
done:
    return rc;
}

int main(int argc, char **argv)
{
    int rc = 2;
    args a = {0};
    if (argc < 2 || (strcmp(argv[1], "mail") != 0 && strcmp(argv[1], "sms") != 0))
        return usage("the first argument is mail or sms");
    if (!notify_global_init())
        return usage("libcurl would not start");
    /* where each option with a value goes, by its code */
    const char **slot[] = {
        [OPT_URL - OPT_URL] = &a.url,
        [OPT_FROM - OPT_URL] = &a.from,
        [OPT_TO - OPT_URL] = &a.to,
        [OPT_SUBJECT - OPT_URL] = &a.subject,
        [OPT_TEXT - OPT_URL] = &a.text,
        [OPT_KEY - OPT_URL] = &a.key,
        [OPT_DATE - OPT_URL] = &a.date,
        [OPT_STARTTLS - OPT_URL] = &a.starttls,
        [OPT_USERNAME - OPT_URL] = &a.username,
        [OPT_SENDER_NAME - OPT_URL] = &a.sender_name,
        [OPT_ICS_ID - OPT_URL] = &a.ics_id,
        [OPT_ICS_HOST - OPT_URL] = &a.ics_host,
        [OPT_ICS_VERSION - OPT_URL] = &a.ics_version,
        [OPT_ICS_START - OPT_URL] = &a.ics_start,
        [OPT_ICS_STOP - OPT_URL] = &a.ics_stop,
        [OPT_ICS_SUMMARY - OPT_URL] = &a.ics_summary,
        [OPT_ICS_LOCATION - OPT_URL] = &a.ics_location,
        [OPT_BODY - OPT_URL] = &a.body,
        [OPT_ID - OPT_URL] = &a.id,
        [OPT_FORMAT - OPT_URL] = &a.format,
        [OPT_METHOD - OPT_URL] = &a.method,
        [OPT_ID_FIELD - OPT_URL] = &a.id_field,
        [OPT_STATUS_URL - OPT_URL] = &a.status_url,
    };
    int opt;
    optind = 2;
    while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
        if (opt == OPT_ICS_CANCELLED) {
            a.ics_cancelled = 1;
        } else if (opt == OPT_HEADER) {
            if (a.n_headers == SMS_MAX_HEADERS) {
                rc = usage("too many --header");
                goto done;
            }
            a.headers[a.n_headers++] = optarg;
        } else if (opt >= OPT_URL && opt <= OPT_STATUS_URL && slot[opt - OPT_URL]) {
            *slot[opt - OPT_URL] = optarg;
        } else {
            rc = usage("unknown option");
            goto done;
        }
    }
    if (optind != argc) {
        rc = usage("unexpected argument");
        goto done;
    }
    rc = strcmp(argv[1], "mail") == 0 ? send_mail(&a) : send_sms(&a);
done:
    notify_global_cleanup();
    return rc;
}

/* test_config.c - the configuration file: the pinned form is read as
 * written, ${NAME} comes from the environment, and every refusal is one line
 * naming the file and the line. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "suites.h"

static char path[64];

static void write_config(const char *text)
{
    snprintf(path, sizeof path, "/tmp/agenda-config-XXXXXX");
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
}

/* Loads `text`; returns whether it was accepted, the message in err. */
static bool load(const char *text, agenda_config *cfg, char *err, size_t errlen)
{
    write_config(text);
    config_defaults(cfg);
    err[0] = '\0';
    bool ok = config_load(path, cfg, err, errlen);
    unlink(path);
    return ok;
}

START_TEST(pinned_form_is_read)
{
    agenda_config cfg;
    char err[512];
    setenv("AGENDA_TEST_TOKEN", "s3cret", 1);
    ck_assert_msg(load("[smtp]\n"
                       "url = smtp://127.0.0.1:2525        ; smtps:// for implicit TLS\n"
                       "starttls = off                     ; off, optional or required\n"
                       "username = mailer\n"
                       "password = ${AGENDA_TEST_TOKEN}\n"
                       "from = Demo practice <noreply@example.org>\n"
                       "[sms]\n"
                       "url = http://127.0.0.1:9999/send\n"
                       "format = json                      ; json or form\n"
                       "body = {\"to\": \"{to}\", \"text\": \"{text}\", \"reference\": \"{id}\"}\n"
                       "header = Authorization: Bearer abc ; may repeat\n"
                       "header = X-Key: ${AGENDA_TEST_TOKEN}\n"
                       "id_field = sid\n"
                       "secret = xyz\n"
                       "[server]\n"
                       "public_url = https://agenda.example.org/\n"
                       "dispatch = off\n"
                       "[sync]\n"
                       "key_file = /etc/agenda/${AGENDA_TEST_TOKEN}.key\n"
                       "allow_networks = 10.1.0.0/16, fd00::/8 ; the office's own\n",
                       &cfg, err, sizeof err),
                  "%s", err);
    ck_assert(cfg.smtp.on && cfg.sms.on && !cfg.dispatch);
    ck_assert_str_eq(cfg.smtp.url, "smtp://127.0.0.1:2525");
    ck_assert_int_eq(cfg.smtp.starttls, SMTP_STARTTLS_OFF);
    ck_assert_str_eq(cfg.smtp.password, "s3cret");
    ck_assert_str_eq(cfg.smtp.from, "Demo practice <noreply@example.org>");
    ck_assert_int_eq(cfg.sms.format, SMS_FORMAT_JSON);
    ck_assert_str_eq(cfg.sms.body,
                     "{\"to\": \"{to}\", \"text\": \"{text}\", \"reference\": \"{id}\"}");
    ck_assert_uint_eq(cfg.sms.n_headers, 2);
    ck_assert_str_eq(cfg.sms.headers[0], "Authorization: Bearer abc");
    ck_assert_str_eq(cfg.sms.headers[1], "X-Key: s3cret");
    ck_assert_str_eq(cfg.sms.id_field, "sid");
    ck_assert_str_eq(cfg.public_url, "https://agenda.example.org");
    ck_assert_str_eq(cfg.sync_key_file, "/etc/agenda/s3cret.key");
    ck_assert_uint_eq(cfg.sync_allow.n, 2);
    ck_assert_uint_eq(cfg.sync_allow.nets[0].bits, 96 + 16);
    ck_assert_uint_eq(cfg.sync_allow.nets[1].bits, 8);
    config_free(&cfg);
    ck_assert_uint_eq(cfg.sync_allow.n, 0); /* none by default */
    ck_assert_ptr_null(cfg.sync_key_file);
    ck_assert(!cfg.smtp.on && cfg.dispatch);
}
END_TEST

START_TEST(refusals_name_file_and_line)
{
    static const struct {
        const char *text;
        const char *says;
    } cases[] = {
        {"[smtp]\nurl = smtp://x\nfrom = a@b.org\nfoo = 1\n", ":4: unknown key 'foo'"},
        {"[smtpx]\nurl = smtp://x\n", ":2: unknown section [smtpx]"},
        {"[smtp]\nurl = http://x\n", ":2: url must start with smtp://"},
        {"[smtp]\nurl = smtp://x\nurl = smtp://y\n", ":3: 'url' is set twice"},
        {"[smtp]\nstarttls = maybe\n", ":2: starttls must be off, optional or required"},
        {"[smtp]\nurl = smtp://x\n", "[smtp] needs url and from"},
        {"[smtp]\nurl = smtp://x\nfrom = a@b.org\nusername = u\n", "go together"},
        {"[sms]\nurl = http://x\nbody = {to} {text} {nope}\n", ":3: body"},
        {"[sms]\nurl = http://x\nformat = xml\n", ":3: format must be json or form"},
        {"[sms]\nheader = NoColon\n", ":2: header must be 'Name: value'"},
        {"[server]\ndispatch = sometimes\n", ":2: expected on or off"},
        {"[server]\npublic_url = ${AGENDA_TEST_UNSET_VARIABLE}\n", ":2: environment variable"},
        {"[smtp]\nthis line has no equals sign\n", ":2: "},
        {"[sync]\nkey_file =\n", ":2: key_file must name a file"},
        {"[sync]\nkey_file = a\nkey_file = b\n", ":3: 'key_file' is set twice"},
        {"[sync]\nkey = a\n", ":2: unknown key 'key'"},
        {"[sync]\nallow_networks = 127.0.0.0/8 ::1/128\n",
         ":2: allow_networks: networks must be separated by commas"},
        {"[sync]\nallow_networks = 10.0.0.1/8\n",
         ":2: allow_networks: '10.0.0.1/8' has host bits set beyond its prefix length"},
        {"[sync]\nallow_networks = localhost\n",
         ":2: allow_networks: 'localhost' is not an IP address"},
    };
    unsetenv("AGENDA_TEST_UNSET_VARIABLE");
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        agenda_config cfg;
        char err[512];
        ck_assert_msg(!load(cases[i].text, &cfg, err, sizeof err), "accepted: %s", cases[i].text);
        ck_assert_msg(strstr(err, cases[i].says) != NULL, "'%s' does not say '%s'", err,
                      cases[i].says);
        ck_assert_msg(strncmp(err, path, strlen(path)) == 0, "'%s' does not name the file", err);
        ck_assert_ptr_null(strchr(err, '\n'));
        ck_assert(!cfg.smtp.on && !cfg.sms.on);
    }
    agenda_config cfg;
    char err[512];
    config_defaults(&cfg);
    ck_assert(!config_load("/nonexistent/agenda.conf", &cfg, err, sizeof err));
    ck_assert_ptr_nonnull(strstr(err, "cannot open"));
}
END_TEST

Suite *suite_config(void)
{
    Suite *s = suite_create("config");
    TCase *tc = tcase_create("config");
    tcase_add_test(tc, pinned_form_is_read);
    tcase_add_test(tc, refusals_name_file_and_line);
    suite_add_tcase(s, tc);
    return s;
}

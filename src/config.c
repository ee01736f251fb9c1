/* config.c - the configuration file (see config.h), read with inih.
 *
 * inih calls one handler per "key = value" line; the handler looks the key
 * up in one table per section, expands ${NAME} references from the
 * environment, checks the value and stores a copy in the config's arena.
 * The first refusal stops the parse and keeps its message; inih's own
 * refusals (a line that is neither a section nor a key) get a generic one.
 * Keys that must come together (a username needs its password, a section
 * needs its url) are checked once the whole file is read.
 *
 * inih is set up for this file's form: no continuation lines (an indented
 * line would silently join the previous value), lines of any length, and
 * ";" comments at the start of a line or after white space inside one. */
#include "config.h"

#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "notify/mail.h"
#include "notify/sms.h"
#include "sync/housekeeping.h"
#include "sync/worker.h"
#include "util/arena.h"
#include "util/parse.h"

/* The arena's hard limit: far above any sane file. */
#define CONFIG_MEMORY_LIMIT (1u << 20)
#define CONFIG_VALUE_MAX    8192

typedef struct parse_state {
    agenda_config *cfg;
    arena *a;
    char msg[320]; /* the first refusal, without file and line */
    bool failed;
    unsigned seen; /* bit per key table entry, to refuse repeats */
} parse_state;

typedef bool (*key_setter)(parse_state *ps, const char *value);

typedef struct config_key {
    const char *section;
    const char *name;
    bool repeatable;
    key_setter set;
} config_key;

/* Keeps the first refusal (fmt has one %s); returns false. */
static bool fail(parse_state *ps, const char *fmt, const char *what)
{
    if (!ps->failed)
        snprintf(ps->msg, sizeof ps->msg, fmt, what);
    ps->failed = true;
    return false;
}

static bool starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

static bool is_on_off(parse_state *ps, const char *v, bool *out)
{
    if (strcmp(v, "on") == 0 || strcmp(v, "yes") == 0 || strcmp(v, "true") == 0)
        *out = true;
    else if (strcmp(v, "off") == 0 || strcmp(v, "no") == 0 || strcmp(v, "false") == 0)
        *out = false;
    else
        return fail(ps, "expected on or off, not '%s'", v);
    return true;
}

static bool is_http_url(const char *v)
{
    return (starts_with(v, "http://") && v[7]) || (starts_with(v, "https://") && v[8]);
}

/* A copy of v in the config's arena. */
static const char *keep(parse_state *ps, const char *v)
{
    char *copy = arena_strdup(ps->a, v);
    if (!copy)
        fail(ps, "%s", "out of memory");
    return copy;
}

/* ---- [server] ---------------------------------------------------------- */

static bool set_public_url(parse_state *ps, const char *v)
{
    if (!is_http_url(v))
        return fail(ps, "public_url must be an http:// or https:// URL, not '%s'", v);
    char *copy = (char *)keep(ps, v);
    if (!copy)
        return false;
    size_t n = strlen(copy);
    while (n > 0 && copy[n - 1] == '/')
        copy[--n] = '\0';
    ps->cfg->public_url = copy;
    return true;
}

static bool set_dispatch(parse_state *ps, const char *v)
{
    return is_on_off(ps, v, &ps->cfg->dispatch);
}

static bool set_sync(parse_state *ps, const char *v)
{
    return is_on_off(ps, v, &ps->cfg->sync);
}

static bool set_sync_timeout(parse_state *ps, const char *v)
{
    int64_t n = 0;
    if (!parse_int64(v, &n) || n < 1 || n > SYNC_TIMEOUT_MAX)
        return fail(ps, "sync_timeout must be a whole number of seconds from 1 to 600, not '%s'",
                    v);
    ps->cfg->sync_timeout = n;
    return true;
}

static bool set_tls_cert(parse_state *ps, const char *v)
{
    if (!*v)
        return fail(ps, "%s", "tls_cert must name a file");
    return (ps->cfg->tls_cert = keep(ps, v)) != NULL;
}

static bool set_tls_key(parse_state *ps, const char *v)
{
    if (!*v)
        return fail(ps, "%s", "tls_key must name a file");
    return (ps->cfg->tls_key = keep(ps, v)) != NULL;
}

static bool set_tombstone_days(parse_state *ps, const char *v)
{
    int64_t n = 0;
    if (!parse_int64(v, &n) || n < TOMBSTONE_DAYS_MIN || n > TOMBSTONE_DAYS_MAX)
        return fail(ps, "tombstone_days must be a whole number of days from 7 to 3650, not '%s'",
                    v);
    ps->cfg->tombstone_days = n;
    return true;
}

static bool set_metrics_token(parse_state *ps, const char *v)
{
    if (strlen(v) < 16)
        return fail(ps, "%s", "metrics_token must be at least 16 characters");
    return (ps->cfg->metrics_token = keep(ps, v)) != NULL;
}

/* ---- [smtp] ------------------------------------------------------------ */

static bool set_smtp_url(parse_state *ps, const char *v)
{
    if (!(starts_with(v, "smtp://") && v[7]) && !(starts_with(v, "smtps://") && v[8]))
        return fail(ps, "url must start with smtp:// or smtps://, not '%s'", v);
    return (ps->cfg->smtp.url = keep(ps, v)) != NULL;
}

static bool set_smtp_starttls(parse_state *ps, const char *v)
{
    if (strcmp(v, "off") == 0)
        ps->cfg->smtp.starttls = SMTP_STARTTLS_OFF;
    else if (strcmp(v, "optional") == 0)
        ps->cfg->smtp.starttls = SMTP_STARTTLS_OPTIONAL;
    else if (strcmp(v, "required") == 0)
        ps->cfg->smtp.starttls = SMTP_STARTTLS_REQUIRED;
    else
        return fail(ps, "starttls must be off, optional or required, not '%s'", v);
    return true;
}

static bool set_smtp_username(parse_state *ps, const char *v)
{
    return (ps->cfg->smtp.username = keep(ps, v)) != NULL;
}

static bool set_smtp_password(parse_state *ps, const char *v)
{
    return (ps->cfg->smtp.password = keep(ps, v)) != NULL;
}

static bool set_smtp_from(parse_state *ps, const char *v)
{
    mail_mailbox box;
    const char *err = NULL;
    if (!mail_mailbox_parse(v, &box, &err))
        return fail(ps, "from: %s", err);
    return (ps->cfg->smtp.from = keep(ps, v)) != NULL;
}

/* ---- [sms] ------------------------------------------------------------- */

static bool set_sms_url(parse_state *ps, const char *v)
{
    if (!is_http_url(v))
        return fail(ps, "url must be an http:// or https:// URL, not '%s'", v);
    return (ps->cfg->sms.url = keep(ps, v)) != NULL;
}

static bool set_sms_method(parse_state *ps, const char *v)
{
    if (strcmp(v, "POST") != 0 && strcmp(v, "PUT") != 0)
        return fail(ps, "method must be POST or PUT, not '%s'", v);
    return (ps->cfg->sms.method = keep(ps, v)) != NULL;
}

static bool set_sms_format(parse_state *ps, const char *v)
{
    if (strcmp(v, "json") == 0)
        ps->cfg->sms.format = SMS_FORMAT_JSON;
    else if (strcmp(v, "form") == 0)
        ps->cfg->sms.format = SMS_FORMAT_FORM;
    else
        return fail(ps, "format must be json or form, not '%s'", v);
    return true;
}

static bool set_sms_body(parse_state *ps, const char *v)
{
    const char *err = NULL;
    if (!sms_body_template_check(v, &err))
        return fail(ps, "body: %s", err);
    return (ps->cfg->sms.body = keep(ps, v)) != NULL;
}

static bool set_sms_header(parse_state *ps, const char *v)
{
    const char *colon = strchr(v, ':');
    if (!colon || colon == v || strcspn(v, " \t") < (size_t)(colon - v))
        return fail(ps, "header must be 'Name: value', not '%s'", v);
    if (ps->cfg->sms.n_headers == SMS_MAX_HEADERS)
        return fail(ps, "more than %s header lines", "16");
    const char *copy = keep(ps, v);
    if (copy)
        ps->cfg->sms.headers[ps->cfg->sms.n_headers++] = copy;
    return copy != NULL;
}

static bool set_sms_username(parse_state *ps, const char *v)
{
    return (ps->cfg->sms.username = keep(ps, v)) != NULL;
}

static bool set_sms_password(parse_state *ps, const char *v)
{
    return (ps->cfg->sms.password = keep(ps, v)) != NULL;
}

static bool set_sms_id_field(parse_state *ps, const char *v)
{
    return (ps->cfg->sms.id_field = keep(ps, v)) != NULL;
}

static bool set_sms_secret(parse_state *ps, const char *v)
{
    return (ps->cfg->sms.secret = keep(ps, v)) != NULL;
}

/* ---- [sync] ------------------------------------------------------------ */

static bool set_sync_key_file(parse_state *ps, const char *v)
{
    if (!*v)
        return fail(ps, "%s", "key_file must name a file");
    return (ps->cfg->sync_key_file = keep(ps, v)) != NULL;
}

static bool set_trusted_proxies(parse_state *ps, const char *v)
{
    char why[160];
    if (!cidr_parse_list(v, &ps->cfg->trusted_proxies, why, sizeof why))
        return fail(ps, "trusted_proxies: %s", why);
    return true;
}

static bool set_sync_allow_networks(parse_state *ps, const char *v)
{
    char why[160];
    if (!cidr_parse_list(v, &ps->cfg->sync_allow, why, sizeof why))
        return fail(ps, "allow_networks: %s", why);
    return true;
}

static const config_key keys[] = {
    {"server", "public_url", false, set_public_url},
    {"server", "dispatch", false, set_dispatch},
    {"server", "sync", false, set_sync},
    {"server", "sync_timeout", false, set_sync_timeout},
    {"server", "tls_cert", false, set_tls_cert},
    {"server", "tls_key", false, set_tls_key},
    {"server", "metrics_token", false, set_metrics_token},
    {"server", "tombstone_days", false, set_tombstone_days},
    {"server", "trusted_proxies", false, set_trusted_proxies},
    {"smtp", "url", false, set_smtp_url},
    {"smtp", "starttls", false, set_smtp_starttls},
    {"smtp", "username", false, set_smtp_username},
    {"smtp", "password", false, set_smtp_password},
    {"smtp", "from", false, set_smtp_from},
    {"sms", "url", false, set_sms_url},
    {"sms", "method", false, set_sms_method},
    {"sms", "format", false, set_sms_format},
    {"sms", "body", false, set_sms_body},
    {"sms", "header", true, set_sms_header},
    {"sms", "username", false, set_sms_username},
    {"sms", "password", false, set_sms_password},
    {"sms", "id_field", false, set_sms_id_field},
    {"sms", "secret", false, set_sms_secret},
    {"sync", "key_file", false, set_sync_key_file},
    {"sync", "allow_networks", false, set_sync_allow_networks},
};

/* Expands ${NAME} from the environment into out (at most outlen bytes with
 * the NUL).  "$" not followed by "{" is kept as it is. */
static bool expand_environment(parse_state *ps, const char *v, char *out, size_t outlen)
{
    size_t n = 0;
    for (const char *p = v; *p;) {
        const char *piece = p;
        size_t len = 1;
        if (p[0] == '$' && p[1] == '{') {
            const char *close = strchr(p + 2, '}');
            if (!close)
                return fail(ps, "unclosed ${ in '%s'", v);
            char name[128];
            size_t nlen = (size_t)(close - p - 2);
            if (nlen == 0 || nlen >= sizeof name)
                return fail(ps, "bad environment variable name in '%s'", v);
            memcpy(name, p + 2, nlen);
            name[nlen] = '\0';
            piece = getenv(name);
            if (!piece)
                return fail(ps, "environment variable %s is not set", name);
            len = strlen(piece);
            p = close + 1;
        } else {
            p++;
        }
        if (n + len >= outlen)
            return fail(ps, "value longer than %s bytes", "8191");
        memcpy(out + n, piece, len);
        n += len;
    }
    out[n] = '\0';
    return true;
}

static int on_key(void *user, const char *section, const char *name, const char *value)
{
    parse_state *ps = user;
    bool known_section = false;
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
        const config_key *k = &keys[i];
        if (strcmp(k->section, section) != 0)
            continue;
        known_section = true;
        if (strcmp(k->name, name) != 0)
            continue;
        if (!k->repeatable && (ps->seen & (1u << i)))
            return fail(ps, "'%s' is set twice", name);
        ps->seen |= 1u << i;
        char expanded[CONFIG_VALUE_MAX];
        if (!expand_environment(ps, value, expanded, sizeof expanded))
            return 0;
        if (strcmp(section, "smtp") == 0)
            ps->cfg->smtp.on = true;
        if (strcmp(section, "sms") == 0)
            ps->cfg->sms.on = true;
        return k->set(ps, expanded) ? 1 : 0;
    }
    if (!known_section)
        return fail(ps, "unknown section [%s]", section);
    return fail(ps, "unknown key '%s'", name);
}

void config_defaults(agenda_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->dispatch = true;
    cfg->sync = true;
    cfg->sync_timeout = SYNC_TIMEOUT_DEFAULT;
    cfg->tombstone_days = TOMBSTONE_DAYS_DEFAULT;
    cfg->sms.method = "POST";
}

void config_free(agenda_config *cfg)
{
    arena_free(cfg->storage_);
    config_defaults(cfg);
}

/* The keys that must come together, once the whole file is read. */
static bool check_complete(parse_state *ps)
{
    const agenda_config *c = ps->cfg;
    if (c->smtp.on && (!c->smtp.url || !c->smtp.from))
        return fail(ps, "%s", "[smtp] needs url and from");
    if (c->smtp.on && (!c->smtp.username != !c->smtp.password))
        return fail(ps, "%s", "[smtp] username and password go together");
    if (c->sms.on && (!c->sms.url || !c->sms.body))
        return fail(ps, "%s", "[sms] needs url and body");
    if (c->sms.on && (!c->sms.username != !c->sms.password))
        return fail(ps, "%s", "[sms] username and password go together");
    return true;
}

bool config_load(const char *path, agenda_config *cfg, char *err, size_t errlen)
{
    bool ok = false;
    parse_state ps = {.cfg = cfg};
    ps.a = arena_new(CONFIG_MEMORY_LIMIT);
    if (!ps.a) {
        snprintf(err, errlen, "%s: out of memory", path);
        return false;
    }
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "%s: cannot open the configuration file", path);
        goto done;
    }
    ini_allow_multiline = false;
    ini_use_stack = false;
    ini_allow_realloc = true;
    ini_max_line = CONFIG_VALUE_MAX;
    ini_stop_on_first_error = true;
    int line = ini_parse_file(f, on_key, &ps);
    fclose(f);
    if (line > 0 && ps.failed)
        snprintf(err, errlen, "%s:%d: %s", path, line, ps.msg);
    else if (line > 0)
        snprintf(err, errlen, "%s:%d: expected [section] or key = value", path, line);
    else if (line < 0)
        snprintf(err, errlen, "%s: cannot read the configuration file", path);
    else if (!check_complete(&ps))
        snprintf(err, errlen, "%s: %s", path, ps.msg);
    else if (!(cfg->path = keep(&ps, path)))
        snprintf(err, errlen, "%s: out of memory", path);
    else
        ok = true;
done:
    if (ok) {
        cfg->storage_ = ps.a;
    } else {
        arena_free(ps.a);
        config_defaults(cfg);
    }
    return ok;
}

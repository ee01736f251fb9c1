/* dispatch.c - the dispatcher: the threads inside `agenda serve` that send
 * the outbox's due messages.
 *
 * Each thread has its own store and loops: claim a few due messages with a
 * lease (store_message_claim), then for each one read its context in one
 * snapshot, decide, render, send, and record the outcome under the lease
 * (store_message_finish: a lease that lapsed meanwhile means another server
 * took the message over, and its outcome counts; one that lost a race with
 * another server's writes is run again, since an outcome left unrecorded
 * would send the message a second time once its lease lapsed).  With nothing due it
 * waits DISPATCH_IDLE_MS, so a clock-file test sees a due message go out
 * within that delay; stop wakes it at once.
 *
 * Deciding, at send time, from the appointment as it is now:
 * - a message of an older version than the appointment's planned one, or
 *   whose appointment no longer fits its kind (a reminder, confirmation or
 *   change notice needs a booked appointment still ahead; a cancellation a
 *   cancelled or deleted one), is cancelled unsent;
 * - a reminder is never sent once the appointment has started;
 * - a change notice whose appointment is back where the patient was told
 *   is skipped ("no net change");
 * - a notice (channel "any") goes by email when the patient has an address
 *   and [smtp] is configured, else by SMS;
 * - no patient, no address or number, an unusable one, or no [smtp] or
 *   [sms] section: skipped with the reason, never silently lost.
 * Sending: an email is a MIME message whose Message-ID comes from the
 * message's idempotency key (agenda-message-ID), so a duplicate after a
 * crash between sending and recording carries the same Message-ID; an SMS
 * passes the same key to the gateway as {id}.  A temporary failure retries
 * with exponential backoff and jitter until the appointment's start, then
 * fails with the reason; a permanent one fails at once (an SMS may then
 * fall back to email when the center says so).  Every send is logged as one
 * line; the queue depth is logged every DISPATCH_REPORT_S seconds while
 * messages are due. */
#include "notify/dispatch.h"

#include <assert.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "notify/ics.h"
#include "notify/mail.h"
#include "notify/notify.h"
#include "notify/phone.h"
#include "notify/sms.h"
#include "notify/smtp.h"
#include "notify/template.h"
#include "sched/tzfile.h"
#include "store/store.h"
#include "util/arena.h"
#include "util/buf.h"
#include "util/clock.h"

#define DISPATCH_IDLE_MS   100
#define DISPATCH_BATCH     16
#define DISPATCH_LEASE_S   300
#define DISPATCH_REPORT_S  60
#define DISPATCH_ARENA     (4u << 20)
#define RETRY_FIRST_S      30
#define RETRY_MAX_S        3600
#define DISPATCH_ERROR_MAX 512
#define DISPATCH_OWNER_MAX 96
/* store_message_finish runs in all, when it keeps losing races (PostgreSQL) */
#define DISPATCH_FINISH_ATTEMPTS 8

struct dispatcher {
    dispatch_config cfg;
    pthread_t threads[DISPATCH_MAX_THREADS];
    unsigned n_threads;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    bool stopping;
};

/* A center's own templates, read once per claimed batch. */
typedef struct center_templates {
    int64_t center_id;
    message_template *own;
    size_t n;
} center_templates;

typedef struct worker {
    dispatcher *d;
    store *st;
    arena *a;       /* one message's memory, reset by each */
    arena *batch_a; /* one claimed batch's: the templates read for it */
    center_templates templates[DISPATCH_BATCH];
    size_t n_templates;
    char owner[DISPATCH_OWNER_MAX];
} worker;

/* ---- deciding and sending one message ---------------------------------- */

/* Backoff before attempt number `attempts` + 1: 30 s doubled per attempt,
 * at most an hour, then +-20% jitter so that many failures do not return
 * together. */
static int64_t retry_delay(int64_t attempts)
{
    int64_t delay = RETRY_FIRST_S;
    for (int64_t i = 1; i < attempts && delay < RETRY_MAX_S; i++)
        delay *= 2;
    if (delay > RETRY_MAX_S)
        delay = RETRY_MAX_S;
    int64_t jitter = delay / 5;
    return delay - jitter + (int64_t)randombytes_uniform((uint32_t)(2 * jitter + 1));
}

static bool is_kind(const message_context *c, const char *kind)
{
    return strcmp(c->msg.kind, kind) == 0;
}

/* The reason a message must not go out now, or NULL; *state gets cancelled
 * or skipped. */
static const char *stale_reason(const message_context *c, int64_t now, const char **state)
{
    bool takes_place = !c->deleted && c->status == APPT_BOOKED;
    *state = "cancelled";
    if (c->msg.version != c->planned_version)
        return "superseded by a later change";
    if (is_kind(c, "cancellation"))
        return takes_place ? "the appointment takes place after all" : NULL;
    if (!takes_place)
        return "the appointment was cancelled";
    *state = "skipped";
    if (now >= c->start)
        return "the appointment has started";
    if (is_kind(c, "change") && c->start == c->told_start && c->stop == c->told_stop &&
        c->calendar_id == c->told_calendar)
        return "no net change: the appointment is back where the patient was told";
    return NULL;
}

/* The center's own templates for this batch: read at its first message
 * (a template saved meanwhile counts from the next batch on).  None when
 * they cannot be read: the built-in texts serve. */
static const center_templates *batch_templates(worker *w, int64_t center_id)
{
    for (size_t i = 0; i < w->n_templates; i++)
        if (w->templates[i].center_id == center_id)
            return &w->templates[i];
    assert(w->n_templates < DISPATCH_BATCH); /* a batch holds at most that many centers */
    center_templates *t = &w->templates[w->n_templates];
    *t = (center_templates){.center_id = center_id};
    if (store_template_list(w->st, center_id, w->batch_a, &t->own, &t->n) != STORE_OK)
        *t = (center_templates){.center_id = center_id};
    w->n_templates++;
    return t;
}

/* The template texts of (kind, channel) for the message, in *lang. */
static bool choose_template(worker *w, const message_context *c, template_kind kind,
                            template_channel channel, const char **lang, const char **subject,
                            const char **body)
{
    const center_templates *t = batch_templates(w, c->msg.center_id);
    const message_template *own = t->own;
    size_t n_own = t->n, n_langs = 0;
    const char *langs[16];
    for (size_t i = 0; i < n_own && n_langs < 16; i++) {
        if (strcmp(own[i].kind, template_kind_name(kind)) == 0 &&
            strcmp(own[i].channel, template_channel_name(channel)) == 0)
            langs[n_langs++] = own[i].language;
    }
    *lang = template_choose_language(c->language_code, c->settings.language, langs, n_langs);
    for (size_t i = 0; i < n_own; i++) {
        if (strcmp(own[i].kind, template_kind_name(kind)) == 0 &&
            strcmp(own[i].channel, template_channel_name(channel)) == 0 &&
            strcmp(own[i].language, *lang) == 0) {
            *subject = own[i].subject;
            *body = own[i].body;
            return true;
        }
    }
    return template_default(kind, channel, *lang, subject, body);
}

/* The host name in public_url (for the .ics UID), or "localhost". */
static const char *public_host(const char *url, char *out, size_t outlen)
{
    const char *p = url ? strstr(url, "://") : NULL;
    if (!p) {
        snprintf(out, outlen, "localhost");
        return out;
    }
    p += 3;
    size_t n = strcspn(p, ":/");
    snprintf(out, outlen, "%.*s", (int)n, p);
    return out;
}

/* Renders and sends one message by `channel`; fills o (state sent,
 * pending to retry, failed or skipped) with the reason in err. */
static void send_one(worker *w, const message_context *c, template_channel channel, int64_t now,
                     message_outcome *o, char *err, size_t errlen)
{
    const dispatch_config *cfg = &w->d->cfg;
    template_kind kind = TEMPLATE_REMINDER;
    const char *lang = "en", *subject = NULL, *body = NULL;
    const tzfile *zone = NULL;
    char e164[PHONE_E164_MAX];
    const char *why = NULL;
    send_result r = SEND_PERMANENT;
    buf text, title, bytes, ics;
    buf_init(&text, TEMPLATE_RENDER_MAX, w->a);
    buf_init(&title, TEMPLATE_RENDER_MAX, w->a);
    buf_init(&bytes, 1u << 20, w->a);
    buf_init(&ics, 64u << 10, w->a);
    o->channel = template_channel_name(channel);
    o->state = "skipped";
    err[0] = '\0';
    if (!c->has_patient) {
        o->error = "the appointment has no patient";
        return;
    }
    if (channel == TEMPLATE_EMAIL) {
        if (!cfg->smtp || !cfg->smtp->on) {
            o->error = "no [smtp] section in the configuration";
            return;
        }
        if (!c->email || !*c->email) {
            o->error = "the patient has no email address";
            return;
        }
        if (!mail_address_ok(c->email)) {
            o->error = "the patient's email address cannot be used";
            return;
        }
        o->recipient = c->email;
    } else {
        if (!cfg->sms || !cfg->sms->on) {
            o->error = "no [sms] section in the configuration";
            return;
        }
        if (!c->phone_number || !*c->phone_number) {
            o->error = "the patient has no phone number";
            return;
        }
        if (!phone_to_e164(c->phone_number, c->settings.country, e164)) {
            o->error = "the patient's phone number cannot be used";
            return;
        }
        o->recipient = arena_strdup(w->a, e164);
    }
    template_kind_parse(c->msg.kind, &kind);
    if (tzfile_get(c->timezone, &zone) != TZFILE_OK ||
        !choose_template(w, c, kind, channel, &lang, &subject, &body)) {
        o->state = "failed";
        o->error = "no template for this message";
        return;
    }
    o->language = lang;
    template_values v = {.first_name = c->first_name ? c->first_name : "",
                         .last_name = c->last_name ? c->last_name : "",
                         .calendar_first_name = c->calendar_first_name,
                         .calendar_last_name = c->calendar_last_name,
                         .center = c->center_name,
                         .address = c->settings.address ? c->settings.address : "",
                         .start = c->start,
                         .zone = zone};
    if (template_render(body, TEMPLATE_BODY, &v, &text) != TEMPLATE_OK ||
        (channel == TEMPLATE_EMAIL &&
         template_render(subject ? subject : "", TEMPLATE_SUBJECT, &v, &title) != TEMPLATE_OK)) {
        o->state = "failed";
        o->error = "the template could not be rendered";
        return;
    }
    char key[64];
    snprintf(key, sizeof key, "agenda-message-%" PRId64, c->msg.id);
    size_t text_len = 0, title_len = 0;
    const char *text_s = buf_take(&text, &text_len);
    const char *title_s = channel == TEMPLATE_EMAIL ? buf_take(&title, &title_len) : NULL;
    if (!text_s || (channel == TEMPLATE_EMAIL && !title_s)) {
        o->state = "pending";
        o->error = "out of memory";
        o->retry_at = now + retry_delay(c->msg.attempts);
        return;
    }
    if (channel == TEMPLATE_EMAIL) {
        char host[256], summary[512];
        snprintf(summary, sizeof summary, "%s %s%s%s", c->calendar_first_name,
                 c->calendar_last_name, c->center_name ? ", " : "",
                 c->center_name ? c->center_name : "");
        const ics_event ev = {.appointment_id = c->msg.appointment_id,
                              .host = public_host(cfg->public_url, host, sizeof host),
                              .version = c->msg.version,
                              .now = now,
                              .start = c->start,
                              .stop = c->stop,
                              .summary = summary,
                              .location = c->settings.address,
                              .cancelled = kind == TEMPLATE_CANCELLATION};
        size_t ics_len = 0, mail_len = 0;
        const char *ics_s = ics_build(&ev, &ics, &why) ? buf_take(&ics, &ics_len) : NULL;
        const mail_message m = {.from = cfg->smtp->from,
                                .sender_name = c->settings.sender_name,
                                .to = c->email,
                                .subject = title_s,
                                .text = text_s,
                                .ics = ics_s,
                                .ics_len = ics_len,
                                .key = key,
                                .date = now};
        const char *mail = mail_build(&m, &bytes, &why) ? buf_take(&bytes, &mail_len) : NULL;
        if (!mail) {
            o->state = "failed";
            snprintf(err, errlen, "the email could not be built: %s", why ? why : "no memory");
            o->error = err;
            return;
        }
        r = smtp_send(cfg->smtp, c->email, mail, mail_len, err, errlen);
    } else {
        char status_url[1024], provider_id[SMS_PROVIDER_ID_MAX + 1] = "";
        if (cfg->public_url)
            snprintf(status_url, sizeof status_url, "%s/api/v2/sms/status", cfg->public_url);
        const sms_message m = {.to = e164,
                               .text = text_s,
                               .id = key,
                               .status_url = cfg->public_url ? status_url : NULL};
        r = sms_send(cfg->sms, &m, provider_id, err, errlen);
        if (r == SEND_OK && provider_id[0])
            o->provider_id = arena_strdup(w->a, provider_id);
    }
    o->error = err[0] ? err : NULL;
    if (r == SEND_OK) {
        o->state = "sent";
        o->error = NULL;
        o->told = !is_kind(c, "cancellation");
        o->told_start = c->start;
        o->told_stop = c->stop;
        o->told_calendar = c->calendar_id;
    } else if (r == SEND_TEMPORARY) {
        int64_t next = now + retry_delay(c->msg.attempts);
        bool before_start = is_kind(c, "cancellation") || next < c->start;
        o->state = before_start ? "pending" : "failed";
        o->retry_at = next;
    } else {
        o->state = "failed";
    }
}

/* Decides and sends message `id` (claimed by this worker). */
static void dispatch_one(worker *w, int64_t id)
{
    const dispatch_config *cfg = &w->d->cfg;
    message_context c;
    char err[DISPATCH_ERROR_MAX];
    arena_reset(w->a);
    store_rc rc = store_message_context(w->st, id, w->a, &c);
    if (rc != STORE_OK)
        return; /* gone (a replanning dropped it) or the store failed: the
                 * lease lapses and the message comes back if it still exists */
    if (!c.lease_owner || strcmp(c.lease_owner, w->owner) != 0)
        return;
    int64_t now = clock_unix_seconds();
    message_outcome o = {.appointment_id = c.msg.appointment_id,
                         .kind = c.msg.kind,
                         .channel = c.msg.channel,
                         .at = now};
    const char *state = NULL;
    const char *why = stale_reason(&c, now, &state);
    if (why) {
        o.state = state;
        o.error = why;
    } else {
        template_channel channel = TEMPLATE_EMAIL;
        if (strcmp(c.msg.channel, "sms") == 0)
            channel = TEMPLATE_SMS;
        else if (strcmp(c.msg.channel, "any") == 0)
            channel = (c.email && *c.email && cfg->smtp && cfg->smtp->on) ? TEMPLATE_EMAIL
                      : (c.phone_number && *c.phone_number && cfg->sms && cfg->sms->on)
                          ? TEMPLATE_SMS
                          : TEMPLATE_EMAIL;
        send_one(w, &c, channel, now, &o, err, sizeof err);
        bool sms_failed = channel == TEMPLATE_SMS &&
                          (strcmp(o.state, "failed") == 0 || strcmp(o.state, "skipped") == 0);
        if (sms_failed && c.settings.sms_fallback_email && c.email && *c.email) {
            char sms_err[DISPATCH_ERROR_MAX];
            snprintf(sms_err, sizeof sms_err, "%s", o.error ? o.error : "");
            message_outcome fallback = o;
            send_one(w, &c, TEMPLATE_EMAIL, now, &fallback, err, sizeof err);
            o = fallback;
            if (strcmp(o.state, "sent") == 0) {
                snprintf(err, sizeof err, "sent by email after the SMS failed: %.400s", sms_err);
                o.error = err;
            }
        }
    }
    /* On PostgreSQL concurrent finishes may lose a serialization race: run
     * it again (the store then runs it alone), or the sent message would
     * stay leased and go out a second time once the lease lapses. */
    for (int attempt = 1; attempt <= DISPATCH_FINISH_ATTEMPTS; attempt++) {
        rc = store_message_finish(w->st, id, w->owner, &o);
        if (rc != STORE_RETRY)
            break;
    }
    fprintf(stderr, "agenda: message %" PRId64 " (%s, %s, appointment %" PRId64 "): %s%s%s%s\n", id,
            c.msg.kind, o.channel ? o.channel : c.msg.channel, c.msg.appointment_id, o.state,
            o.error ? " (" : "", o.error ? o.error : "", o.error ? ")" : "");
    if (rc == STORE_NOT_FOUND)
        fprintf(stderr,
                "agenda: message %" PRId64 ": the lease lapsed; another server's "
                "outcome counts\n",
                id);
    else if (rc != STORE_OK)
        fprintf(stderr,
                "agenda: message %" PRId64 ": the outcome could not be recorded (%s); "
                "the message is tried again when its lease lapses\n",
                id, store_rc_name(rc));
}

/* ---- the threads ------------------------------------------------------- */

/* Waits up to ms milliseconds or until stop; true when stopping. */
static bool wait_or_stop(dispatcher *d, int ms)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_nsec += (long)ms * 1000000L;
    until.tv_sec += until.tv_nsec / 1000000000L;
    until.tv_nsec %= 1000000000L;
    pthread_mutex_lock(&d->lock);
    while (!d->stopping) {
        if (pthread_cond_timedwait(&d->wake, &d->lock, &until) == ETIMEDOUT)
            break;
    }
    bool stopping = d->stopping;
    pthread_mutex_unlock(&d->lock);
    return stopping;
}

static void *worker_main(void *arg)
{
    worker *w = arg;
    dispatcher *d = w->d;
    int64_t reported_at = 0;
    while (!wait_or_stop(d, 0)) {
        if (!w->st) {
            char *err = NULL;
            if (store_open(d->cfg.db_url, &w->st, &err) != STORE_OK) {
                fprintf(stderr, "agenda: dispatcher: cannot open the database: %s\n",
                        err ? err : "unknown error");
                free(err);
                w->st = NULL;
                if (wait_or_stop(d, 1000))
                    break;
                continue;
            }
        }
        arena_reset(w->a);
        int64_t now = clock_unix_seconds();
        int64_t *ids = NULL;
        size_t n = 0;
        store_rc rc = store_message_claim(w->st, w->owner, now, DISPATCH_LEASE_S, DISPATCH_BATCH,
                                          w->a, &ids, &n);
        if (rc == STORE_UNAVAILABLE) {
            store_close(w->st);
            w->st = NULL;
        }
        if (rc != STORE_OK || n == 0) {
            if (wait_or_stop(d, DISPATCH_IDLE_MS))
                break;
            continue;
        }
        int64_t mono = clock_monotonic_ms() / 1000;
        if (mono - reported_at >= DISPATCH_REPORT_S) {
            int64_t depth = 0;
            if (store_message_queue_depth(w->st, now, &depth) == STORE_OK)
                fprintf(stderr, "agenda: dispatcher: %" PRId64 " more messages due\n", depth);
            reported_at = mono;
        }
        /* the ids live in the arena each message resets: copy them */
        int64_t batch[DISPATCH_BATCH];
        memcpy(batch, ids, n * sizeof *ids);
        arena_reset(w->batch_a);
        w->n_templates = 0;
        for (size_t i = 0; i < n && !wait_or_stop(d, 0); i++)
            dispatch_one(w, batch[i]);
    }
    if (w->st)
        store_close(w->st);
    arena_free(w->a);
    arena_free(w->batch_a);
    free(w);
    return NULL;
}

bool dispatch_start(const dispatch_config *cfg, dispatcher **out, char *err, size_t errlen)
{
    assert(cfg && cfg->db_url && out);
    unsigned n = cfg->threads ? cfg->threads : 1;
    if (n > DISPATCH_MAX_THREADS) {
        snprintf(err, errlen, "at most %d dispatcher threads", DISPATCH_MAX_THREADS);
        return false;
    }
    dispatcher *d = calloc(1, sizeof *d);
    if (!d) {
        snprintf(err, errlen, "out of memory");
        return false;
    }
    d->cfg = *cfg;
    pthread_mutex_init(&d->lock, NULL);
    pthread_cond_init(&d->wake, NULL);
    char host[64] = "host";
    gethostname(host, sizeof host - 1);
    uint32_t tag = randombytes_random();
    for (unsigned i = 0; i < n; i++) {
        worker *w = calloc(1, sizeof *w);
        arena *a = arena_new(DISPATCH_ARENA), *batch_a = arena_new(DISPATCH_ARENA);
        if (!w || !a || !batch_a) {
            free(w);
            arena_free(a);
            arena_free(batch_a);
            snprintf(err, errlen, "out of memory");
            break;
        }
        w->d = d;
        w->a = a;
        w->batch_a = batch_a;
        snprintf(w->owner, sizeof w->owner, "%.40s:%ld:%08" PRIx32 ":%u", host, (long)getpid(), tag,
                 i);
        if (pthread_create(&d->threads[i], NULL, worker_main, w) != 0) {
            arena_free(a);
            arena_free(batch_a);
            free(w);
            snprintf(err, errlen, "cannot start a dispatcher thread");
            break;
        }
        d->n_threads++;
    }
    if (d->n_threads < n) {
        dispatch_stop(d);
        return false;
    }
    *out = d;
    return true;
}

void dispatch_stop(dispatcher *d)
{
    if (!d)
        return;
    pthread_mutex_lock(&d->lock);
    d->stopping = true;
    pthread_cond_broadcast(&d->wake);
    pthread_mutex_unlock(&d->lock);
    for (unsigned i = 0; i < d->n_threads; i++)
        pthread_join(d->threads[i], NULL);
    pthread_cond_destroy(&d->wake);
    pthread_mutex_destroy(&d->lock);
    free(d);
}

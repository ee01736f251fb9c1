/* reminders.c - /centers/{id}/reminders: a center's patient-message
 * settings (extension), read and changed as one object:
 *
 *   {"reminder_settings": {"rules": ["email 48h", "sms day-before@18:00"],
 *     "quiet_hours": "21:00-08:00", "language": "nl", "sender_name": null,
 *     "address": null, "country": "BE", "confirmation": false,
 *     "change_notice": false, "cancellation_notice": false,
 *     "change_delay": 180, "sms_segments": 2, "sms_fallback_email": false}}
 *
 * A center that never set any has the defaults shown here (and sends
 * nothing: no rule, every notice off).  PUT changes the fields it names and
 * keeps the others; `rules` replaces the whole list.  Every field is
 * checked before anything is written, with the rules and quiet hours read
 * by sched/remind.c as the command line reads them; a bad one is a 422
 * naming it and nothing changes.  The store replans the center's
 * appointments still ahead in the same transaction
 * (store_reminder_settings_set).  null: rules, quiet_hours, sender_name and
 * address are cleared; the others, which always have a value, stay as they
 * are (the README's rule for typed fields). */
#include <string.h>

#include "api/handler.h"
#include "api/render.h"
#include "api/resources.h"
#include "notify/template.h"
#include "sched/remind.h"
#include "util/buf.h"

/* A sender name goes into the From header of every email. */
#define SENDER_NAME_MAX 255

/* The center's settings, or the defaults when it has none. */
static store_rc settings_get(api_request *rq, reminder_settings *out)
{
    store_rc rc = store_reminder_settings_get(rq->store, rq->owner_id, rq->arena, out);
    if (rc == STORE_NOT_FOUND) {
        *out = store_reminder_settings_default(rq->owner_id);
        rc = STORE_OK;
    }
    return rc;
}

/* Reads `rules` (a list of rule texts; one text is a list of one; null or
 * "" none) into *joined, one canonical text per line.  Problems go to fe
 * under "rules" or "rules[i]". */
static void rules_read(api_request *rq, const cJSON *item, field_errors *fe, const char **joined)
{
    const cJSON *items[REMINDER_RULES_MAX];
    remind_rule rules[REMINDER_RULES_MAX];
    bool valid[REMINDER_RULES_MAX] = {false};
    const int problems = fe->count;
    int n = 0;
    if (cJSON_IsString(item) && item->valuestring && *item->valuestring) {
        items[n++] = item;
    } else if (cJSON_IsArray(item)) {
        if (cJSON_GetArraySize(item) > REMINDER_RULES_MAX) {
            fields_error(fe, "rules", "at most 16 rules");
            return;
        }
        const cJSON *rule = NULL;
        cJSON_ArrayForEach(rule, item) items[n++] = rule;
    } else if (!cJSON_IsNull(item) && !cJSON_IsString(item)) { /* null and "": none */
        fields_error(fe, "rules", "must be a list of rules such as \"email 48h\"");
        return;
    }
    buf out;
    buf_init(&out, REMINDER_RULES_MAX * REMIND_RULE_TEXT_MAX, rq->arena);
    for (int i = 0; i < n; i++) {
        const char *name = arena_printf(rq->arena, "rules[%d]", i);
        const char *err = NULL;
        char text[REMIND_RULE_TEXT_MAX];
        if (!name) {
            fields_error(fe, "rules", "out of memory");
            return;
        }
        if (!cJSON_IsString(items[i]) || !items[i]->valuestring) {
            fields_error(fe, name, "must be a rule such as \"email 48h\"");
            continue;
        }
        if (!remind_rule_parse(items[i]->valuestring, &rules[i], &err)) {
            fields_error(fe, name, err);
            continue;
        }
        valid[i] = true;
        for (int j = 0; j < i; j++) {
            if (valid[j] && remind_rule_equal(&rules[i], &rules[j])) {
                fields_error(fe, name, arena_printf(rq->arena, "is the same rule as rules[%d]", j));
                valid[i] = false;
                break;
            }
        }
        remind_rule_format(&rules[i], text);
        if ((out.len && !buf_add_char(&out, '\n')) || !buf_add(&out, text, strlen(text)))
            fields_error(fe, "rules", "out of memory");
    }
    size_t len = 0;
    if (fe->count > problems)
        return;
    *joined = n ? buf_take(&out, &len) : "";
    if (!*joined)
        fields_error(fe, "rules", "out of memory");
}

/* Reads an optional text into *slot: null, "" or white space alone clear
 * it; a refusal goes to fe. */
static void text_read(const cJSON *obj, const char *name, field_errors *fe, const char **slot)
{
    const char *s = NULL;
    switch (fields_string(obj, name, fe, &s)) {
    case FIELD_SET:
        *slot = fields_is_blank(s) ? NULL : s;
        break;
    case FIELD_NULL:
        *slot = NULL;
        break;
    default:
        break;
    }
}

/* Applies obj onto *rs; problems go to fe (nothing is written on any). */
static void settings_read(api_request *rq, const cJSON *obj, field_errors *fe,
                          reminder_settings *rs)
{
    const char *s = NULL;
    const cJSON *rules = cJSON_GetObjectItemCaseSensitive(obj, "rules");
    if (rules)
        rules_read(rq, rules, fe, &rs->rules);

    switch (fields_string(obj, "quiet_hours", fe, &s)) {
    case FIELD_SET: {
        remind_quiet q;
        const char *err = NULL;
        char *text = arena_calloc(rq->arena, 1, REMIND_QUIET_TEXT_MAX);
        if (!*s) {
            rs->quiet = NULL;
        } else if (!remind_quiet_parse(s, &q, &err)) {
            fields_error(fe, "quiet_hours", err);
        } else if (!text) {
            fields_error(fe, "quiet_hours", "out of memory");
        } else {
            remind_quiet_format(&q, text);
            rs->quiet = q.on ? text : NULL;
        }
        break;
    }
    case FIELD_NULL:
        rs->quiet = NULL;
        break;
    default:
        break;
    }

    if (fields_language(obj, "language", fe, &s) == FIELD_SET) {
        if (template_has_defaults(s))
            rs->language = s;
        else
            fields_error(fe, "language", "must be one of en, fr, nl, de, es");
    }

    const char *sender = rs->sender_name;
    text_read(obj, "sender_name", fe, &sender);
    if (sender && strlen(sender) > SENDER_NAME_MAX)
        fields_error(fe, "sender_name", "may be 255 bytes at most");
    for (const char *p = sender; p && *p; p++) {
        if ((unsigned char)*p < 0x20 || *p == 0x7f) {
            fields_error(fe, "sender_name", "must be one line without control characters");
            break;
        }
    }
    rs->sender_name = sender;
    text_read(obj, "address", fe, &rs->address);

    if (fields_string(obj, "country", fe, &s) == FIELD_SET) {
        char *cc = arena_strdup(rq->arena, s);
        bool ok = cc && strlen(cc) == 2;
        for (int i = 0; ok && i < 2; i++) {
            if (cc[i] >= 'a' && cc[i] <= 'z')
                cc[i] = (char)(cc[i] - 'a' + 'A');
            ok = cc[i] >= 'A' && cc[i] <= 'Z';
        }
        if (ok)
            rs->country = cc;
        else
            fields_error(fe, "country", "must be a two-letter country code such as BE");
    }

    static const char *const switches[] = {"confirmation", "change_notice", "cancellation_notice",
                                           "sms_fallback_email"};
    bool *targets[] = {&rs->confirmation, &rs->change_notice, &rs->cancellation_notice,
                       &rs->sms_fallback_email};
    for (size_t i = 0; i < sizeof switches / sizeof switches[0]; i++) {
        bool v = false;
        if (fields_bool(obj, switches[i], fe, &v) == FIELD_SET)
            *targets[i] = v;
    }

    int64_t v = 0;
    if (fields_int(obj, "change_delay", fe, &v) == FIELD_SET) {
        if (v < 1 || v > REMINDER_CHANGE_DELAY_MAX)
            fields_error(fe, "change_delay", "must be a number of seconds from 1 to 86400");
        else
            rs->change_delay = v;
    }
    if (fields_int(obj, "sms_segments", fe, &v) == FIELD_SET) {
        if (v < 1 || v > REMINDER_SMS_SEGMENTS_MAX)
            fields_error(fe, "sms_segments", "must be a number from 1 to 10");
        else
            rs->sms_segments = v;
    }
}

static cJSON *settings_render(const reminder_settings *rs)
{
    cJSON *o = cJSON_CreateObject();
    cJSON *rules = o ? cJSON_AddArrayToObject(o, "rules") : NULL;
    bool ok = rules != NULL;
    for (const char *p = rs->rules; ok && p && *p;) {
        size_t len = strcspn(p, "\n");
        char text[REMIND_RULE_TEXT_MAX];
        if (len > 0 && len < sizeof text) {
            memcpy(text, p, len);
            text[len] = '\0';
            cJSON *item = cJSON_CreateString(text);
            ok = item && cJSON_AddItemToArray(rules, item);
        }
        p += len + (p[len] == '\n');
    }
    ok = ok && render_string(o, "quiet_hours", rs->quiet) &&
         render_string(o, "language", rs->language) &&
         render_string(o, "sender_name", rs->sender_name) &&
         render_string(o, "address", rs->address) && render_string(o, "country", rs->country) &&
         render_bool(o, "confirmation", rs->confirmation) &&
         render_bool(o, "change_notice", rs->change_notice) &&
         render_bool(o, "cancellation_notice", rs->cancellation_notice) &&
         render_number(o, "change_delay", rs->change_delay) &&
         render_number(o, "sms_segments", rs->sms_segments) &&
         render_bool(o, "sms_fallback_email", rs->sms_fallback_email);
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

api_err reminders_get(api_request *rq, api_response *rs)
{
    reminder_settings settings;
    store_rc rc = settings_get(rq, &settings);
    if (rc != STORE_OK)
        return api_from_store(rs, rc, "center not found"); /* settings_get: never NOT_FOUND */
    return handler_render_single(rs, "reminder_settings", settings_render(&settings), API_RENDERED);
}

api_err reminders_put(api_request *rq, api_response *rs)
{
    const cJSON *obj = NULL;
    reminder_settings settings;
    field_errors fe = {.arena = rq->arena, .prefix = ""};
    api_err err = handler_body_object(rq, rs, "reminder_settings", &obj);
    if (err != API_OK)
        return err;
    err = handler_begin(rq, rs);
    if (err != API_OK)
        return err;
    store_rc rc = settings_get(rq, &settings);
    if (rc == STORE_OK)
        settings_read(rq, obj, &fe, &settings);
    if (rc == STORE_OK && fe.count) {
        err = api_fail(rs, API_INVALID, "the reminder settings are invalid");
    } else if (rc == STORE_OK) {
        settings.updated_at = rq->now;
        rc = store_reminder_settings_set(rq->store, &settings, rq->now, rq->arena);
    }
    if (rc != STORE_OK)
        err = api_from_store(rs, rc, "center not found");
    err = handler_finish(rq, rs, err);
    if (err != API_OK)
        return handler_fail_fields(rs, &fe, err, rs->message);
    cJSON_Delete(fe.errors);
    return handler_render_single(rs, "reminder_settings", settings_render(&settings), API_RENDERED);
}

/* templates.c - /centers/{id}/templates: the texts of a center's patient
 * messages (extension).
 *
 * GET lists, for every kind, channel and language (the five with built-in
 * defaults and any other the center wrote one in), the text that applies:
 * the center's own ("custom": true) or the built-in default ("custom":
 * false).  PUT .../templates/{kind}/{channel}/{language} stores the
 * center's own text there, DELETE removes it (the default applies again).
 *
 *   {"template": {"kind": "reminder", "channel": "sms", "language": "fr",
 *                 "subject": null, "body": "...", "custom": true,
 *                 "sms": {"encoding": "GSM-7", "segments": 1,
 *                         "characters": 118}}}
 *
 * An email needs a subject and a body, an SMS a body (a subject sent is
 * ignored); each is checked by notify/template.c (template_check: a 422
 * naming the field, whose message names the bad placeholder or brace).  An
 * SMS text is measured on its sample rendering (template_sample: the
 * center's own name and address, a sample patient and time in the center's
 * zone): "characters" counts what the segment sizes count (septets in
 * GSM-7, the extension characters twice; UTF-16 units in UCS-2), and a
 * template whose sample takes more segments than the center's sms_segments
 * is refused (422 on body).  A kind, channel or language that the path
 * names wrongly is a 404, like any unknown path; languages are two letters,
 * any case, kept in lower case. */
#include <stdlib.h>
#include <string.h>

#include "api/handler.h"
#include "api/render.h"
#include "api/resources.h"
#include "notify/sms_text.h"
#include "notify/template.h"

#define NO_SUCH_TEMPLATE                                                                           \
    "no such template: the kinds are reminder, confirmation, change and cancellation, the "        \
    "channels email and sms, and a language is two letters"

/* What measuring SMS texts needs of the center: its sample values. */
typedef struct sample {
    template_values values;
    int64_t sms_segments; /* the center's limit */
} sample;

static api_err sample_load(api_request *rq, api_response *rs, sample *out)
{
    center c;
    reminder_settings settings;
    const tzfile *zone = NULL;
    store_rc rc = store_center_get(rq->store, rq->owner_id, rq->arena, &c);
    if (rc == STORE_OK)
        rc = store_reminder_settings_get(rq->store, rq->owner_id, rq->arena, &settings);
    if (rc == STORE_NOT_FOUND) { /* no settings: the defaults (reminders.c) */
        settings = (reminder_settings){.sms_segments = 2};
        rc = STORE_OK;
    }
    if (rc != STORE_OK)
        return api_from_store(rs, rc, "center not found");
    if (tzfile_get(c.timezone, &zone) != TZFILE_OK)
        return api_fail(rs, API_INTERNAL, NULL); /* the center's zone was checked when made */
    template_sample(&out->values, c.name, settings.address, zone);
    out->sms_segments = settings.sms_segments;
    return API_OK;
}

/* Measures the sample rendering of an SMS body into *size; false when it
 * cannot be rendered (out of memory or too long). */
static bool sms_measure(api_request *rq, const sample *sm, const char *body, sms_size *size)
{
    buf text;
    buf_init(&text, TEMPLATE_RENDER_MAX, rq->arena);
    return template_render(body, TEMPLATE_BODY, &sm->values, &text) == TEMPLATE_OK &&
           sms_text_measure(text.data ? text.data : "", text.len, size);
}

/* The template object; `size` NULL for an email. */
static cJSON *template_render_json(const message_template *t, bool custom, const sms_size *size)
{
    cJSON *o = cJSON_CreateObject();
    bool ok = o && render_string(o, "kind", t->kind) && render_string(o, "channel", t->channel) &&
              render_string(o, "language", t->language) &&
              render_string(o, "subject", t->subject) && render_string(o, "body", t->body) &&
              render_bool(o, "custom", custom);
    if (ok && size) {
        cJSON *sms = cJSON_AddObjectToObject(o, "sms");
        ok = sms && render_string(sms, "encoding", sms_text_encoding_name(size->encoding)) &&
             render_number(sms, "segments", (int64_t)size->segments) &&
             render_number(sms, "characters", (int64_t)size->units);
    }
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

/* Reads the path's kind, channel and language into *t (the language in
 * lower case); false when one of them names nothing. */
static bool template_path(api_request *rq, message_template *t, template_kind *kind,
                          template_channel *channel)
{
    if (rq->n_args != 3 || !template_kind_parse(rq->args[0], kind) ||
        !template_channel_parse(rq->args[1], channel))
        return false;
    char *lang = arena_strdup(rq->arena, rq->args[2]);
    if (!lang || strlen(lang) != 2)
        return false;
    for (int i = 0; i < 2; i++) {
        if (lang[i] >= 'A' && lang[i] <= 'Z')
            lang[i] = (char)(lang[i] - 'A' + 'a');
        if (lang[i] < 'a' || lang[i] > 'z')
            return false;
    }
    *t = (message_template){.center_id = rq->owner_id,
                            .kind = template_kind_name(*kind),
                            .channel = template_channel_name(*channel),
                            .language = lang};
    return true;
}

static int language_order(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

api_err templates_list(api_request *rq, api_response *rs)
{
    message_template *own = NULL;
    size_t n_own = 0;
    sample sm;
    api_err err = sample_load(rq, rs, &sm);
    if (err != API_OK)
        return err;
    store_rc rc = store_template_list(rq->store, rq->owner_id, rq->arena, &own, &n_own);
    if (rc != STORE_OK)
        return api_from_store(rs, rc, "center not found"); /* a list: never NOT_FOUND */
    /* the languages: the defaults' and those of the center's own, once */
    size_t n_langs = 0;
    const char **langs = arena_calloc(rq->arena, n_own + 8, sizeof *langs);
    if (!langs)
        return api_fail(rs, API_INTERNAL, NULL);
    for (size_t i = 0; template_default_languages[i]; i++)
        langs[n_langs++] = template_default_languages[i];
    for (size_t i = 0; i < n_own; i++) {
        bool known = false;
        for (size_t j = 0; j < n_langs && !known; j++)
            known = strcmp(langs[j], own[i].language) == 0;
        if (!known)
            langs[n_langs++] = own[i].language;
    }
    qsort(langs, n_langs, sizeof *langs, language_order);

    cJSON *list = NULL;
    rs->body = render_list_envelope("templates", &list);
    if (!rs->body)
        return api_fail(rs, API_INTERNAL, NULL);
    for (int k = 0; k < TEMPLATE_KINDS; k++) {
        for (int c = 0; c < TEMPLATE_CHANNELS; c++) {
            for (size_t l = 0; l < n_langs; l++) {
                message_template t = {.kind = template_kind_name((template_kind)k),
                                      .channel = template_channel_name((template_channel)c),
                                      .language = langs[l]};
                const message_template *mine = NULL;
                for (size_t i = 0; i < n_own && !mine; i++)
                    if (strcmp(own[i].kind, t.kind) == 0 &&
                        strcmp(own[i].channel, t.channel) == 0 &&
                        strcmp(own[i].language, t.language) == 0)
                        mine = &own[i];
                if (mine)
                    t = *mine;
                else if (!template_default((template_kind)k, (template_channel)c, langs[l],
                                           &t.subject, &t.body))
                    continue; /* neither the center's nor a default */
                sms_size size;
                bool sms = c == TEMPLATE_SMS;
                if (sms && !sms_measure(rq, &sm, t.body, &size))
                    return api_fail(rs, API_INTERNAL, NULL);
                if (!render_append_wrapped(
                        list, "template",
                        template_render_json(&t, mine != NULL, sms ? &size : NULL)))
                    return api_fail(rs, API_INTERNAL, NULL);
            }
        }
    }
    return API_OK;
}

/* Reads and checks part `name` of a template (required). */
static void part_read(const cJSON *obj, const char *name, template_part part, field_errors *fe,
                      const char **out)
{
    template_error terr;
    switch (fields_string(obj, name, fe, out)) {
    case FIELD_SET:
        if (!template_check(*out, part, &terr))
            fields_error(fe, name, arena_strdup(fe->arena, terr.message));
        break;
    case FIELD_INVALID:
        break;
    default:
        fields_error(fe, name, "is required");
        break;
    }
}

api_err templates_put(api_request *rq, api_response *rs)
{
    message_template t;
    template_kind kind;
    template_channel channel;
    const cJSON *obj = NULL;
    sample sm;
    sms_size size;
    field_errors fe = {.arena = rq->arena, .prefix = ""};
    if (!template_path(rq, &t, &kind, &channel))
        return api_fail(rs, API_NOT_FOUND, NO_SUCH_TEMPLATE);
    api_err err = handler_body_object(rq, rs, "template", &obj);
    if (err == API_OK)
        err = sample_load(rq, rs, &sm);
    if (err != API_OK)
        return err;
    const bool sms = channel == TEMPLATE_SMS;
    if (!sms)
        part_read(obj, "subject", TEMPLATE_SUBJECT, &fe, &t.subject);
    part_read(obj, "body", TEMPLATE_BODY, &fe, &t.body);
    if (sms && !handler_field_failed(&fe, "body")) {
        if (!sms_measure(rq, &sm, t.body, &size))
            fields_error(&fe, "body", "its sample rendering is too long");
        else if ((int64_t)size.segments > sm.sms_segments)
            fields_error(&fe, "body",
                         arena_printf(rq->arena,
                                      "its sample rendering takes %zu SMS segments (%s), more "
                                      "than the center's limit of %lld",
                                      size.segments, sms_text_encoding_name(size.encoding),
                                      (long long)sm.sms_segments));
    }
    if (fe.count)
        return handler_fail_fields(rs, &fe, API_INVALID, "the template is invalid");
    err = handler_begin(rq, rs);
    if (err != API_OK)
        return err;
    t.updated_at = rq->now;
    store_rc rc = store_template_set(rq->store, &t);
    err = handler_finish(rq, rs,
                         rc == STORE_OK ? API_OK : api_from_store(rs, rc, "center not found"));
    if (err != API_OK)
        return err;
    return handler_render_single(rs, "template", template_render_json(&t, true, sms ? &size : NULL),
                                 API_RENDERED);
}

api_err templates_delete(api_request *rq, api_response *rs)
{
    message_template t;
    template_kind kind;
    template_channel channel;
    if (!template_path(rq, &t, &kind, &channel))
        return api_fail(rs, API_NOT_FOUND, NO_SUCH_TEMPLATE);
    store_rc rc = store_template_delete(rq->store, rq->owner_id, t.kind, t.channel, t.language);
    if (rc != STORE_OK)
        return api_from_store(rs, rc, "the center has no template of its own there");
    rs->outcome = API_EMPTY;
    return API_OK;
}

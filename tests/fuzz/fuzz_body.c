/* fuzz_body.c - libFuzzer harness for request bodies into each resource's
 * field validation: body_parse (JSON, or a form when so labelled) and then
 * fields_unwrap and the typed field readers, reading the fields every
 * resource reads (patients, appointments, services, absences and openings,
 * opening hours), both as a single object and as the entries of a
 * *_collection, as the handlers do before they reach the store.
 *
 * Input: the first byte's low bit says whether the body is labelled as a
 * form; the rest is the body, NUL bytes included.  Properties checked: a
 * refused body has a message; an accepted JSON body has no NUL byte (the
 * JSON library would cut a string short at it); a body labelled as a form
 * that starts with '{' or '[' reads exactly as JSON; each reader either succeeds with a value
 * in its documented range or records one error under prefix + name; and the
 * envelope rules of fields_unwrap hold.  Rules about JSON numbers and keys:
 * no object of a parsed body has a key twice (the last one is kept); every
 * number node carries its source text, a JSON number literal whose value is
 * the node's double; a string field read from a number is exactly that text
 * and an integer literal; an integer read from a number is that literal's
 * value; "" reads as null for every typed reader. */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/fields.h"
#include "fuzz.h"
#include "http/body.h"
#include "util/parse.h"

#define MAX_TIMESTAMP INT64_C(253402300799)
/* Entries read per collection; the server's default limit is 10,000. */
#define MAX_ENTRIES 10000

typedef enum reader { R_STRING, R_INT, R_TIMESTAMP, R_BOOL, R_DATE, R_COLOR, R_LANGUAGE } reader;

typedef struct field {
    const char *name;
    reader type;
} field;

typedef struct resource {
    const char *singular, *plural;
    const field *fields;
    size_t n_fields;
} resource;

static const field patient_fields[] = {
    {"id", R_INT},
    {"remote_id", R_STRING},
    {"first_name", R_STRING},
    {"last_name", R_STRING},
    {"email", R_STRING},
    {"phone_number", R_STRING},
    {"birthdate", R_DATE},
    {"address", R_STRING},
    {"notes", R_STRING},
    {"language_code", R_LANGUAGE},
};
static const field appointment_fields[] = {
    {"id", R_INT},
    {"remote_id", R_STRING},
    {"patient_remote_id", R_STRING},
    {"service_remote_id", R_STRING},
    {"start", R_TIMESTAMP},
    {"stop", R_TIMESTAMP},
    {"notes", R_STRING},
    {"color", R_COLOR},
    {"title", R_STRING},
    {"status", R_STRING},
    {"noshow", R_BOOL},
    {"patient_arrived_at", R_TIMESTAMP},
};
static const field service_fields[] = {
    {"id", R_INT},       {"remote_id", R_STRING}, {"name", R_STRING},
    {"duration", R_INT}, {"color", R_COLOR},
};
static const field range_fields[] = {
    {"start", R_TIMESTAMP},
    {"stop", R_TIMESTAMP},
    {"title", R_STRING},
};
static const field hour_fields[] = {
    {"day", R_STRING},
    {"start", R_STRING},
    {"stop", R_STRING},
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))
static const resource resources[] = {
    {"patient", "patients", patient_fields, COUNT(patient_fields)},
    {"appointment", "appointments", appointment_fields, COUNT(appointment_fields)},
    {"service", "services", service_fields, COUNT(service_fields)},
    {"absence", "absences", range_fields, COUNT(range_fields)},
    {"opening", "openings", range_fields, COUNT(range_fields)},
    {"opening_hour", "opening_hours", hour_fields, COUNT(hour_fields)},
};

/* True when s is a JSON integer literal: optional '-', then digits. */
static bool is_integer_text(const char *s)
{
    if (*s == '-')
        s++;
    if (*s < '0' || *s > '9')
        return false;
    while (*s >= '0' && *s <= '9')
        s++;
    return *s == '\0';
}

/* Checks the tree of a JSON body: no key twice in an object, and every
 * number's source text a number literal of the node's value. */
static void check_json_tree(const cJSON *item, int depth)
{
    for (; item; item = item->next) {
        if (cJSON_IsNumber(item)) {
            const char *text = item->valuestring;
            FUZZ_CHECK(text != NULL && *text);
            char *end = NULL;
            double v = strtod(text, &end);
            FUZZ_CHECK(*end == '\0' && strspn(text, "0123456789+-.eE") == strlen(text));
            FUZZ_CHECK(v == item->valuedouble || (v != v && item->valuedouble != item->valuedouble));
        }
        if (cJSON_IsObject(item))
            for (const cJSON *a = item->child; a; a = a->next)
                for (const cJSON *b = a->next; b; b = b->next)
                    FUZZ_CHECK(strcmp(a->string, b->string) != 0);
        if (item->child && depth < 1000)
            check_json_tree(item->child, depth + 1);
    }
}

/* Reads one field and checks the result against the reader's contract. */
static void read_field(const cJSON *obj, const field *f, field_errors *fe)
{
    int before = fe->count;
    field_state st = FIELD_ABSENT;
    const char *s = NULL;
    int64_t n = 0;
    bool b = false;
    switch (f->type) {
    case R_STRING:
        st = fields_string(obj, f->name, fe, &s);
        FUZZ_CHECK(st != FIELD_SET || strlen(s) <= FIELD_MAX_STRING);
        break;
    case R_INT:
        st = fields_int(obj, f->name, fe, &n);
        break;
    case R_TIMESTAMP:
        st = fields_timestamp(obj, f->name, fe, &n);
        FUZZ_CHECK(st != FIELD_SET || (n >= 0 && n <= MAX_TIMESTAMP));
        break;
    case R_BOOL:
        st = fields_bool(obj, f->name, fe, &b);
        break;
    case R_DATE:
        st = fields_date(obj, f->name, fe, &s);
        FUZZ_CHECK(st != FIELD_SET || parse_is_date(s));
        break;
    case R_COLOR:
        st = fields_color(obj, f->name, fe, &s);
        FUZZ_CHECK(st != FIELD_SET || fields_is_color(s));
        break;
    case R_LANGUAGE:
        st = fields_language(obj, f->name, fe, &s);
        FUZZ_CHECK(st != FIELD_SET ||
                   (strlen(s) == 2 && s[0] >= 'a' && s[0] <= 'z' && s[1] >= 'a' && s[1] <= 'z'));
        break;
    }
    const cJSON *item = cJSON_IsObject(obj) ? cJSON_GetObjectItemCaseSensitive(obj, f->name) : NULL;
    FUZZ_CHECK((st == FIELD_ABSENT) == (item == NULL));
    if (item && cJSON_IsNumber(item)) {
        const char *text = item->valuestring;
        FUZZ_CHECK(text != NULL);
        bool integer = is_integer_text(text);
        if (f->type == R_STRING)
            FUZZ_CHECK(st == (integer && strlen(text) <= FIELD_MAX_STRING ? FIELD_SET
                                                                           : FIELD_INVALID) &&
                       (st != FIELD_SET || strcmp(s, text) == 0));
        if (f->type == R_INT || f->type == R_TIMESTAMP) {
            int64_t want = 0;
            bool fits = integer && parse_int64(text, &want);
            FUZZ_CHECK(st != FIELD_SET || (fits && n == want));
            if (f->type == R_INT)
                FUZZ_CHECK((st == FIELD_SET) == fits);
        }
    }
    if (item && cJSON_IsString(item) && item->valuestring && !*item->valuestring &&
        f->type != R_STRING)
        FUZZ_CHECK(st == FIELD_NULL);
    if (st != FIELD_INVALID) {
        FUZZ_CHECK(fe->count == before);
        return;
    }
    FUZZ_CHECK(fe->count == before + 1);
    char key[128];
    snprintf(key, sizeof key, "%s%s", fe->prefix ? fe->prefix : "", f->name);
    FUZZ_CHECK(cJSON_GetObjectItemCaseSensitive(fe->errors, key) != NULL);
}

static void read_object(const cJSON *obj, const resource *r, field_errors *fe)
{
    for (size_t i = 0; i < r->n_fields; i++)
        read_field(obj, &r->fields[i], fe);
}

/* Checks fields_unwrap(body, name) against its definition. */
static const cJSON *unwrap(const cJSON *body, const char *name)
{
    const cJSON *obj = fields_unwrap(body, name);
    if (!cJSON_IsObject(body)) {
        FUZZ_CHECK(obj == NULL);
        return NULL;
    }
    const cJSON *inner = cJSON_GetObjectItemCaseSensitive(body, name);
    /* a key that is there but holds no object: refused */
    FUZZ_CHECK(obj == (!inner ? body : cJSON_IsObject(inner) ? inner : NULL));
    return obj;
}

static void read_resource(arena *a, const cJSON *body, const resource *r)
{
    field_errors fe = {.arena = a, .prefix = ""};
    /* a single object: POST, PUT, or an opening_hours PUT's top level */
    read_object(unwrap(body, r->singular), r, &fe);
    if (strcmp(r->singular, "opening_hour") == 0) {
        int64_t step;
        (void)fields_int(body, "slot_step", &fe, &step);
    }

    /* a collection: {"<plural>_collection": {"<plural>": [entries]}} or the
     * list at the top level; opening hours have no envelope */
    char envelope[64];
    snprintf(envelope, sizeof envelope, "%s_collection", r->plural);
    const cJSON *coll = unwrap(body, envelope);
    const cJSON *items = coll ? cJSON_GetObjectItemCaseSensitive(coll, r->plural) : NULL;
    if (!cJSON_IsArray(items))
        items = NULL;
    int index = 0;
    const cJSON *item = NULL;
    cJSON_ArrayForEach(item, items)
    {
        if (index == MAX_ENTRIES)
            break;
        char prefix[64];
        snprintf(prefix, sizeof prefix, "%s[%d].", r->plural, index);
        fe.prefix = prefix;
        const cJSON *entry = unwrap(item, r->singular);
        if (entry)
            read_object(entry, r, &fe);
        index++;
    }
    fe.prefix = "";
    cJSON_Delete(fe.errors);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    bool form = data[0] & 1;
    const char *body = (const char *)data + 1;
    size_t len = size - 1;
    const char *err = NULL;
    cJSON *tree = body_parse(body, len, form, &err);
    if (!tree) {
        FUZZ_CHECK(err != NULL && *err);
        return 0;
    }
    size_t i = 0;
    while (i < len && (body[i] == ' ' || body[i] == '\t' || body[i] == '\r' || body[i] == '\n'))
        i++;
    bool json = !form || (i < len && (body[i] == '{' || body[i] == '['));
    if (json) {
        /* cJSON would cut a string short at a NUL byte */
        FUZZ_CHECK(memchr(body, '\0', len) == NULL);
        check_json_tree(tree, 0);
    } else {
        FUZZ_CHECK(cJSON_IsObject(tree)); /* a form is always an object */
    }
    if (form && json) {
        /* the same tree as with a JSON content type (compared as text:
         * cJSON_Compare mismatches objects with repeated keys) */
        cJSON *plain = body_parse(body, len, false, &err);
        FUZZ_CHECK(plain != NULL);
        char *a = cJSON_PrintUnformatted(tree), *b = cJSON_PrintUnformatted(plain);
        FUZZ_CHECK(a && b && strcmp(a, b) == 0);
        free(a);
        free(b);
        cJSON_Delete(plain);
    }

    arena *a = arena_new(ARENA_DEFAULT_LIMIT);
    FUZZ_CHECK(a != NULL);
    for (size_t i = 0; i < COUNT(resources); i++) {
        read_resource(a, tree, &resources[i]);
        arena_reset(a);
    }
    arena_free(a);
    cJSON_Delete(tree);
    return 0;
}

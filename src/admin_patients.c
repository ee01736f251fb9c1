/* admin_patients.c - `agenda patient export`: everything the platform holds
 * about one patient, as JSON on standard output (the right of access).
 *
 * The live patient named by the center and remote_id, with every field;
 * every appointment linked to it, in all the center's calendars, deleted
 * ones included; the messages planned or sent for those appointments (to
 * whom, when, in which state); and the SMS replies tied to them.  Times are
 * Unix seconds as numbers, absent values null.  Read in one snapshot per
 * part; nothing is written. */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin.h"
#include "cli.h"
#include "store/store.h"
#include "util/json_out.h"

/* Adds a string member, null when s is NULL; false when memory ran out. */
static bool add_text(cJSON *o, const char *name, const char *s)
{
    return (s ? cJSON_AddStringToObject(o, name, s) : cJSON_AddNullToObject(o, name)) != NULL;
}

/* Adds a number member, null when `present` is false. */
static bool add_time(cJSON *o, const char *name, bool present, int64_t t)
{
    return (present ? cJSON_AddNumberToObject(o, name, (double)t)
                    : cJSON_AddNullToObject(o, name)) != NULL;
}

static cJSON *patient_json(const patient *p)
{
    cJSON *o = cJSON_CreateObject();
    bool ok = o && cJSON_AddNumberToObject(o, "id", (double)p->id) &&
              cJSON_AddNumberToObject(o, "center_id", (double)p->center_id) &&
              add_text(o, "remote_id", p->remote_id) && add_text(o, "first_name", p->first_name) &&
              add_text(o, "last_name", p->last_name) && add_text(o, "email", p->email) &&
              add_text(o, "phone_number", p->phone_number) &&
              add_text(o, "birthdate", p->birthdate) && add_text(o, "address", p->address) &&
              add_text(o, "notes", p->notes) && add_text(o, "language_code", p->language_code) &&
              add_time(o, "updated_at", true, p->updated_at);
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

static const char *const status_names[] = {
    [APPT_BOOKED] = "booked",
    [APPT_CANCELLED] = "cancelled",
    [APPT_NOSHOW] = "noshow",
};

static cJSON *appointment_json(const appointment *ap)
{
    cJSON *o = cJSON_CreateObject();
    bool ok = o && cJSON_AddNumberToObject(o, "id", (double)ap->id) &&
              cJSON_AddNumberToObject(o, "calendar_id", (double)ap->calendar_id) &&
              add_text(o, "remote_id", ap->remote_id) && add_time(o, "start", true, ap->start) &&
              add_time(o, "stop", true, ap->stop) && add_text(o, "title", ap->title) &&
              add_text(o, "notes", ap->notes) &&
              add_text(o, "status", ap->deleted ? "deleted" : status_names[ap->status]) &&
              add_time(o, "patient_arrived_at", ap->has_arrived, ap->patient_arrived_at) &&
              add_text(o, "service_remote_id", ap->service_remote_id) &&
              add_time(o, "updated_at", true, ap->updated_at);
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

static cJSON *message_json(const message *m)
{
    cJSON *o = cJSON_CreateObject();
    bool ok = o && cJSON_AddNumberToObject(o, "id", (double)m->id) &&
              cJSON_AddNumberToObject(o, "appointment_id", (double)m->appointment_id) &&
              add_text(o, "kind", m->kind) && add_text(o, "channel", m->channel) &&
              add_text(o, "state", m->state) && add_text(o, "recipient", m->recipient) &&
              add_text(o, "language", m->language) && add_time(o, "due", true, m->due_at) &&
              add_time(o, "sent_at", m->sent_at != 0, m->sent_at) &&
              add_time(o, "delivered_at", m->delivered_at != 0, m->delivered_at) &&
              add_text(o, "last_error", m->last_error);
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

static cJSON *reply_json(const sms_reply *r)
{
    cJSON *o = cJSON_CreateObject();
    bool ok = o && cJSON_AddNumberToObject(o, "id", (double)r->id) &&
              cJSON_AddNumberToObject(o, "appointment_id", (double)r->appointment_id) &&
              add_text(o, "from_number", r->from_number) && add_text(o, "body", r->body) &&
              add_text(o, "outcome", r->outcome) &&
              add_time(o, "received_at", true, r->received_at);
    if (!ok) {
        cJSON_Delete(o);
        return NULL;
    }
    return o;
}

/* Appends item to array; false (item freed) when item is NULL. */
static bool append(cJSON *array, cJSON *item)
{
    if (!item)
        return false;
    cJSON_AddItemToArray(array, item);
    return true;
}

/* The export of patient p, read from the store into a JSON tree in *out. */
static store_rc export_tree(admin_session *s, const patient *p, cJSON **out)
{
    appointment *aps = NULL;
    sms_reply *replies = NULL;
    size_t n_aps = 0, n_replies = 0;
    int64_t total = 0;
    store_rc rc = store_appointment_list_of_patient(s->st, p->id, s->a, &aps, &n_aps);
    if (rc == STORE_OK) {
        const list_query all = {0}; /* page 0: every reply of the center */
        rc = store_reply_list(s->st, p->center_id, NULL, &all, s->a, &replies, &n_replies, &total);
    }
    if (rc != STORE_OK)
        return rc;
    cJSON *root = cJSON_CreateObject();
    cJSON *jp = patient_json(p);
    cJSON *ja = cJSON_CreateArray(), *jm = cJSON_CreateArray(), *jr = cJSON_CreateArray();
    bool ok = root && jp && ja && jm && jr;
    if (ok) {
        cJSON_AddItemToObject(root, "patient", jp);
        cJSON_AddItemToObject(root, "appointments", ja);
        cJSON_AddItemToObject(root, "messages", jm);
        cJSON_AddItemToObject(root, "sms_replies", jr);
        jp = ja = jm = jr = NULL;
    }
    for (size_t i = 0; ok && rc == STORE_OK && i < n_aps; i++) {
        message *msgs = NULL;
        size_t n_msgs = 0;
        ok = append(cJSON_GetObjectItem(root, "appointments"), appointment_json(&aps[i]));
        rc = store_message_list_for_appointment(s->st, aps[i].id, s->a, &msgs, &n_msgs);
        for (size_t k = 0; ok && rc == STORE_OK && k < n_msgs; k++)
            ok = append(cJSON_GetObjectItem(root, "messages"), message_json(&msgs[k]));
        for (size_t k = 0; ok && k < n_replies; k++)
            if (replies[k].appointment_id == aps[i].id)
                ok = append(cJSON_GetObjectItem(root, "sms_replies"), reply_json(&replies[k]));
    }
    cJSON_Delete(jp);
    cJSON_Delete(ja);
    cJSON_Delete(jm);
    cJSON_Delete(jr);
    if (rc == STORE_OK && !ok) {
        cli_error("out of memory building the export");
        rc = STORE_ERROR;
    }
    if (rc != STORE_OK) {
        cJSON_Delete(root);
        return rc;
    }
    *out = root;
    return STORE_OK;
}

/* agenda patient export --center ID --remote-id X [--db DB] */
int admin_patient(int argc, char **argv)
{
    if (argc < 1 || strcmp(argv[0], "export") != 0) {
        cli_error("usage: agenda patient export --center ID --remote-id X [--db DB]");
        return EXIT_USAGE;
    }
    cli_option o[] = {{.name = "db"}, {.name = "center"}, {.name = "remote-id"}};
    if (cli_parse(argc - 1, argv + 1, o, COUNT(o)) != 0)
        return EXIT_USAGE;
    const char *center_arg = cli_require(o, COUNT(o), "center");
    const char *remote_id = cli_require(o, COUNT(o), "remote-id");
    int64_t center_id = 0;
    if (!center_arg || !remote_id || !cli_positive("center", center_arg, &center_id))
        return EXIT_USAGE;
    if (!*remote_id) {
        cli_error("option '--remote-id' must not be empty");
        return EXIT_USAGE;
    }
    admin_session s;
    if (!admin_session_open(&s, cli_db(o, COUNT(o))))
        return 1;
    patient p;
    cJSON *tree = NULL;
    const object_ref ref = {.remote_id = remote_id};
    store_rc rc = store_patient_get(s.st, center_id, &ref, s.a, &p);
    if (rc == STORE_OK)
        rc = export_tree(&s, &p, &tree);
    if (rc == STORE_OK) {
        size_t len = 0;
        char *text = json_print(tree, &len);
        if (!text) {
            cli_error("out of memory printing the export");
            rc = STORE_ERROR;
        } else {
            fwrite(text, 1, len, stdout);
            fputc('\n', stdout);
            free(text);
        }
        cJSON_Delete(tree);
        return admin_session_close(&s, rc, NULL);
    }
    return admin_session_close(&s, rc, rc == STORE_NOT_FOUND ? "patient" : NULL);
}

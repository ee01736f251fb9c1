/* feed.c - a calendar's outgoing iCalendar feed (feed.h), with libical.
 *
 * The document: one VCALENDAR (VERSION 2.0, PRODID, X-WR-CALNAME the
 * calendar's full name; no METHOD: a published calendar, not a scheduling
 * message), the center's VTIMEZONE under its IANA name (libical's builtin
 * zone of that name, its TZID rewritten from libical's prefixed one), and
 * one VEVENT per appointment of the window:
 * - UID `<appointment id>-<salt>@agenda`: the feed's salt (store/feeds.h)
 *   keeps two installations' or two feeds' UIDs apart, and nothing in it
 *   changes when the appointment moves or changes;
 * - SEQUENCE the appointment's version (raised by every write of it),
 *   LAST-MODIFIED and DTSTAMP its updated_at (without METHOD, DTSTAMP is
 *   the last revision, RFC 5545 3.8.7.2: so the body depends on the data
 *   only, and its hash is a stable ETag);
 * - DTSTART and DTEND in the center's zone (UTC when libical has no zone of
 *   that name);
 * - SUMMARY the title, else the service's name, else "Appointment"; with
 *   the patient names option, followed by " (First Last)".  Nothing else of
 *   the patient (notes, phone, email) is read, let alone written;
 * - STATUS:CONFIRMED for booked and no-show appointments (the time was
 *   taken either way), STATUS:CANCELLED for cancelled and deleted ones,
 *   which stay FEED_CANCELLED_SECONDS after their last change and then
 *   leave the feed (store_feed_items selects them).
 * libical escapes and folds text; the other control characters, which
 * iCalendar forbids in text, become spaces.  An appointment after
 * FEED_TIME_MAX (the year 3000) is left out: libical cannot write it.
 *
 * The ETag (feed_etag) is a hash (BLAKE2b-128, hex) of everything the
 * text is made of: the calendar's name and zone, the feed's salt and
 * option, every field of every row shown (the service's and patients'
 * names included, so a rename counts though it touches no appointment),
 * FEED_FORMAT and libical's version.  The text is a function of these, so
 * the ETag changes whenever the text does, and it is known once the window
 * is read: a 304 costs that read, not the rendering (which is most of a
 * 200's time).  Change FEED_FORMAT whenever this file changes the text.
 * (The VTIMEZONE comes from the system's tzdata through libical: an update
 * of it changes the text but not the ETag, and reaches clients with the
 * next change; the zone's rules for the coming years rarely move.) */
#include "sync/feed.h"

#include <assert.h>
#include <libical/ical.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/token.h"

#define ETAG_BYTES 16
/* The version of the text this file writes, in the ETag: raise it with any
 * change of the output, so that clients fetch the new text. */
#define FEED_FORMAT "agenda-feed-1"

/* Adds p to c; false when p is NULL (libical ran out of memory). */
static bool add(icalcomponent *c, icalproperty *p)
{
    if (!p)
        return false;
    icalcomponent_add_property(c, p);
    return true;
}

/* An arena copy of s with the control characters iCalendar forbids in text
 * (all but TAB, LF and CR) made spaces; NULL when the arena is full. */
static char *text_copy(arena *a, const char *s)
{
    char *copy = arena_strdup(a, s);
    for (char *p = copy; p && *p; p++)
        if ((*p > 0 && *p < 0x20 && *p != '\t' && *p != '\n' && *p != '\r') || *p == 0x7f)
            *p = ' ';
    return copy;
}

/* The zone times are written in: NULL for UTC. */
typedef struct zone {
    icaltimezone *ical;
    const char *tzid;
} zone;

/* A time property's value at t in zone z (with its TZID parameter). */
static icalproperty *timed(icalproperty *(*make)(struct icaltimetype), int64_t t, const zone *z)
{
    if (!z->ical)
        return make(icaltime_from_timet_with_zone((time_t)t, 0, icaltimezone_get_utc_timezone()));
    struct icaltimetype local = icaltime_from_timet_with_zone((time_t)t, 0, z->ical);
    local.zone = NULL; /* written as a local time, its zone named by TZID */
    icalproperty *p = make(local);
    icalparameter *id = p ? icalparameter_new_tzid(z->tzid) : NULL;
    if (p && !id) {
        icalproperty_free(p);
        return NULL;
    }
    if (p)
        icalproperty_add_parameter(p, id);
    return p;
}

static struct icaltimetype utc(int64_t t)
{
    return icaltime_from_timet_with_zone((time_t)t, 0, icaltimezone_get_utc_timezone());
}

/* The SUMMARY of an item (arena-owned), or NULL when the arena is full. */
static const char *summary_of(const feed_doc *d, const feed_item *it, arena *a)
{
    const char *base = *it->title                              ? it->title
                       : it->service_name && *it->service_name ? it->service_name
                                                               : "Appointment";
    const char *first = it->patient_first_name ? it->patient_first_name : "";
    const char *last = it->patient_last_name ? it->patient_last_name : "";
    if (!d->patient_names || (!*first && !*last))
        return text_copy(a, base);
    const char *name = arena_printf(a, "%s%s%s", first, *first && *last ? " " : "", last);
    return name ? text_copy(a, arena_printf(a, "%s (%s)", base, name)) : NULL;
}

/* Adds the VEVENT of one item to cal; false when memory fails. */
static bool add_event(icalcomponent *cal, const feed_doc *d, const feed_item *it, const zone *z,
                      arena *a)
{
    const char *uid = arena_printf(a, "%lld-%s@agenda", (long long)it->id, d->salt);
    const char *summary = summary_of(d, it, a);
    icalcomponent *ev = icalcomponent_new_vevent();
    bool cancelled = it->deleted || it->status == APPT_CANCELLED;
    int64_t version = it->version < 0 ? 0 : it->version > INT32_MAX ? INT32_MAX : it->version;
    bool ok =
        uid && summary && ev && add(ev, icalproperty_new_uid(uid)) &&
        add(ev, icalproperty_new_dtstamp(utc(it->updated_at))) &&
        add(ev, icalproperty_new_lastmodified(utc(it->updated_at))) &&
        add(ev, icalproperty_new_sequence((int)version)) &&
        add(ev, timed(icalproperty_new_dtstart, it->start, z)) &&
        add(ev, timed(icalproperty_new_dtend, it->stop, z)) &&
        add(ev, icalproperty_new_summary(summary)) &&
        add(ev, icalproperty_new_status(cancelled ? ICAL_STATUS_CANCELLED : ICAL_STATUS_CONFIRMED));
    if (ok)
        icalcomponent_add_component(cal, ev);
    else if (ev)
        icalcomponent_free(ev);
    return ok;
}

/* The VTIMEZONE of z, its TZID the IANA name, added to cal; false when
 * memory fails. */
static bool add_zone(icalcomponent *cal, const zone *z)
{
    icalcomponent *vt = icalcomponent_new_clone(icaltimezone_get_component(z->ical));
    icalproperty *id = vt ? icalcomponent_get_first_property(vt, ICAL_TZID_PROPERTY) : NULL;
    if (!id) {
        if (vt)
            icalcomponent_free(vt);
        return false;
    }
    icalproperty_set_tzid(id, z->tzid);
    icalcomponent_add_component(cal, vt);
    return true;
}

const char *feed_render(const feed_doc *d, arena *a, const char **err)
{
    assert(d && d->calendar_name && d->salt && a && err);
    const char *out = NULL;
    char *text = NULL;
    const char *name = text_copy(a, *d->calendar_name ? d->calendar_name : "Agenda");
    zone z = {0};
    icalcomponent *cal = icalcomponent_new_vcalendar();
    *err = "out of memory";
    if (d->timezone && *d->timezone) {
        z.ical = icaltimezone_get_builtin_timezone(d->timezone);
        /* libical's UTC has no VTIMEZONE: times are then written in UTC */
        if (z.ical && !icaltimezone_get_component(z.ical))
            z.ical = NULL;
        z.tzid = d->timezone;
    }
    if (!cal || !name || !add(cal, icalproperty_new_version("2.0")) ||
        !add(cal, icalproperty_new_prodid(FEED_PRODID)) ||
        !add(cal, icalproperty_new_calscale("GREGORIAN")) || !add(cal, icalproperty_new_x(name)))
        goto done;
    icalproperty_set_x_name(icalcomponent_get_first_property(cal, ICAL_X_PROPERTY), "X-WR-CALNAME");
    if (z.ical && !add_zone(cal, &z))
        goto done;
    for (size_t i = 0; i < d->n; i++) {
        const feed_item *it = &d->items[i];
        if (it->start < 0 || it->stop > FEED_TIME_MAX || it->stop < it->start)
            continue;
        if (!add_event(cal, d, it, &z, a))
            goto done;
    }
    text = icalcomponent_as_ical_string_r(cal);
    if (!text) {
        *err = "libical could not write the calendar";
        goto done;
    }
    out = arena_strdup(a, text);
    if (out)
        *err = NULL;
done:
    if (text)
        icalmemory_free_buffer(text);
    if (cal)
        icalcomponent_free(cal);
    return out;
}

/* Feeds the hash one text field, unambiguously: a byte telling NULL (0)
 * from text (1), then the text and its NUL (so "ab","c" and "a","bc"
 * differ). */
static void hash_text(crypto_generichash_state *h, const char *s)
{
    const unsigned char tag = s ? 1 : 0;
    crypto_generichash_update(h, &tag, 1);
    if (s)
        crypto_generichash_update(h, (const unsigned char *)s, strlen(s) + 1);
}

static void hash_int(crypto_generichash_state *h, int64_t v)
{
    unsigned char b[8];
    for (int i = 0; i < 8; i++)
        b[i] = (unsigned char)((uint64_t)v >> (8 * i));
    crypto_generichash_update(h, b, sizeof b);
}

const char *feed_etag(const feed_doc *d, arena *a)
{
    assert(d && a);
    crypto_generichash_state h;
    unsigned char hash[ETAG_BYTES];
    char hex[2 * ETAG_BYTES + 1];
    crypto_generichash_init(&h, NULL, 0, sizeof hash);
    hash_text(&h, FEED_FORMAT);
    hash_text(&h, ICAL_VERSION);
    hash_int(&h, ICAL_PATCH_VERSION);
    hash_text(&h, d->calendar_name);
    hash_text(&h, d->timezone);
    hash_text(&h, d->salt);
    hash_int(&h, d->patient_names);
    hash_int(&h, (int64_t)d->n);
    for (size_t i = 0; i < d->n; i++) {
        const feed_item *it = &d->items[i];
        hash_int(&h, it->id);
        hash_int(&h, it->start);
        hash_int(&h, it->stop);
        hash_text(&h, it->title);
        hash_text(&h, it->service_name);
        hash_text(&h, d->patient_names ? it->patient_first_name : NULL);
        hash_text(&h, d->patient_names ? it->patient_last_name : NULL);
        hash_int(&h, it->status);
        hash_int(&h, it->deleted);
        hash_int(&h, it->updated_at);
        hash_int(&h, it->version);
    }
    crypto_generichash_final(&h, hash, sizeof hash);
    sodium_bin2hex(hex, sizeof hex, hash, sizeof hash);
    return arena_printf(a, "\"%s\"", hex);
}

store_rc feed_load(store *st, const calendar_feed *f, int64_t now, arena *a, feed_state *out)
{
    assert(st && f && a && out);
    calendar k;
    center c;
    feed_item *items = NULL;
    size_t n = 0;
    store_rc rc = store_calendar_get(st, f->calendar_id, a, &k);
    if (rc == STORE_OK)
        rc = store_center_get(st, k.center_id, a, &c);
    if (rc == STORE_OK)
        rc = store_feed_items(st, f->calendar_id, now - FEED_PAST_SECONDS,
                              now - FEED_CANCELLED_SECONDS, f->patient_names, FEED_MAX_EVENTS, a,
                              &items, &n);
    if (rc != STORE_OK)
        return rc;
    out->doc = (feed_doc){
        .calendar_name = arena_printf(a, "%s %s", k.first_name, k.last_name),
        .timezone = c.timezone,
        .salt = f->salt,
        .patient_names = f->patient_names,
        .items = items,
        .n = n,
    };
    out->last_modified = f->rotated_at;
    for (size_t i = 0; i < n; i++)
        if (items[i].updated_at > out->last_modified)
            out->last_modified = items[i].updated_at;
    out->etag = out->doc.calendar_name ? feed_etag(&out->doc, a) : NULL;
    if (!out->etag) {
        fprintf(stderr, "agenda: feed of calendar %lld: out of memory\n",
                (long long)f->calendar_id);
        return STORE_ERROR;
    }
    return STORE_OK;
}

store_rc feed_issue(store *st, int64_t calendar_id, feed_names names, int64_t now, char *token,
                    calendar_feed *out)
{
    assert(st && token && out);
    unsigned char hash[TOKEN_HASH_BYTES];
    unsigned char raw[FEED_SALT_CHARS / 2];
    char salt[FEED_SALT_CHARS + 1];
    token_generate(token);
    token_hash(token, strlen(token), hash);
    randombytes_buf(raw, sizeof raw);
    sodium_bin2hex(salt, sizeof salt, raw, sizeof raw);
    return store_feed_rotate(st, calendar_id, hash, salt, names, now, out);
}

/* Longest token worth hashing: real ones are TOKEN_CHARS long. */
#define FEED_TOKEN_MAX 1024

store_rc feed_open(store *st, int64_t calendar_id, const char *token, calendar_feed *out)
{
    assert(st && out);
    static const unsigned char nobody[TOKEN_HASH_BYTES];
    unsigned char given[TOKEN_HASH_BYTES];
    if (!token || !*token || strlen(token) > FEED_TOKEN_MAX)
        return STORE_NOT_FOUND;
    token_hash(token, strlen(token), given);
    store_rc rc = store_feed_get(st, calendar_id, out);
    if (rc != STORE_OK) {
        (void)token_hash_equal(given, nobody);
        return rc;
    }
    return token_hash_equal(given, out->token_hash) ? STORE_OK : STORE_NOT_FOUND;
}

bool feed_etag_matches(const char *if_none_match, const char *etag)
{
    assert(etag);
    size_t len = strlen(etag);
    for (const char *p = if_none_match; p && *p;) {
        p += strspn(p, " \t,");
        if (*p == '*')
            return true;
        if (strncmp(p, "W/", 2) == 0)
            p += 2;
        size_t n = strcspn(p, ",");
        while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
            n--;
        if (n == len && memcmp(p, etag, len) == 0)
            return true;
        p += strcspn(p, ",");
    }
    return false;
}

/* feed.h - a calendar's outgoing iCalendar feed, the one calendar apps
 * subscribe to (design in feed.c). */
#ifndef AGENDA_SYNC_FEED_H
#define AGENDA_SYNC_FEED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/feeds.h"
#include "util/arena.h"

#define FEED_PRODID "-//Agenda//Agenda calendar feed//EN"
/* The window: appointments ending after now - FEED_PAST_SECONDS, and every
 * later one, at most FEED_MAX_EVENTS (the earliest by start). */
#define FEED_PAST_SECONDS ((int64_t)90 * 86400)
#define FEED_MAX_EVENTS   5000
/* A cancelled or deleted appointment stays in the feed, as STATUS:CANCELLED,
 * this long after its last change. */
#define FEED_CANCELLED_SECONDS ((int64_t)30 * 86400)
/* 3000-12-31T23:59:59Z: libical writes no later time; later events are
 * left out. */
#define FEED_TIME_MAX INT64_C(32535215999)

/* What a feed shows. */
typedef struct feed_doc {
    const char *calendar_name; /* X-WR-CALNAME */
    const char *timezone;      /* the center's IANA zone; UTC when libical
                                * has no zone of that name */
    const char *salt;          /* of the UIDs (calendar_feed.salt) */
    bool patient_names;        /* names in SUMMARY */
    const feed_item *items;
    size_t n;
} feed_doc;

/* The feed's text (arena-owned, NUL-terminated, CRLF line ends), or NULL
 * with *err (a static phrase) when libical or memory fails. */
const char *feed_render(const feed_doc *d, arena *a, const char **err);

/* The feed's strong validator, quoted: a hash of everything its text is
 * made of (the doc's fields and items, this format's version and libical's),
 * so it is known without rendering and changes whenever the text does.
 * NULL when the arena is full. */
const char *feed_etag(const feed_doc *d, arena *a);

/* A feed ready to answer: what it shows, its validator and last change. */
typedef struct feed_state {
    feed_doc doc;          /* arena-owned */
    const char *etag;      /* feed_etag(&doc) */
    int64_t last_modified; /* the newest updated_at shown, or the feed's rotated_at */
} feed_state;

/* Reads calendar f->calendar_id's window at `now` (its name, its center's
 * zone, its appointments) into *out, without rendering it.  The store's
 * code; STORE_ERROR (logged) when the arena is full. */
store_rc feed_load(store *st, const calendar_feed *f, int64_t now, arena *a, feed_state *out);

/* Gives calendar_id's feed a new secret token (creating the feed, with a
 * new UID salt, when it has none): writes the token into token[TOKEN_CHARS
 * + 1] (util/token.h; shown once, only its hash is stored) and the feed as
 * stored into *out.  The previous token stops working at once.  The one
 * rule for the command line and the API.  NOT_FOUND: no such calendar. */
store_rc feed_issue(store *st, int64_t calendar_id, feed_names names, int64_t now, char *token,
                    calendar_feed *out);

/* Whether `token` opens calendar_id's feed: its hash compared in constant
 * time with the stored one (with a dummy when there is none, so the time
 * does not tell which).  STORE_NOT_FOUND for no feed, no calendar or
 * another token, alike; *out filled on STORE_OK. */
store_rc feed_open(store *st, int64_t calendar_id, const char *token, calendar_feed *out);

/* Whether an If-None-Match header's value names `etag` (a list, weak
 * comparison, or "*"). */
bool feed_etag_matches(const char *if_none_match, const char *etag);

#endif

/* feeds.h - the store's outgoing iCalendar feeds (feeds.c; table of
 * migration 10).  Part of the storage interface, with store.h's conventions
 * (store_rc, arena strings, caller's clock); a header of its own so that
 * the feed's code includes only what it uses.
 *
 * A calendar has at most one feed: the hash of its secret token (BLAKE2b-256,
 * util/token.h, as users' tokens: the token itself is never stored), whether
 * patient names are shown, a salt of its own for the events' UIDs, and when
 * it was created and last given a new token.  Giving a new token replaces
 * the hash, so the old token stops working at once; the salt and creation
 * time stay.  Revoking removes the row: a feed made afterwards has a new
 * salt (its subscribers start afresh anyway).
 *
 * The feed's rows are read by store_feed_items: only the columns a feed
 * shows (no notes, no patient contact data ever leave the store this way). */
#ifndef AGENDA_STORE_FEEDS_H
#define AGENDA_STORE_FEEDS_H

#include "store/store.h"

#define FEED_SALT_CHARS 16 /* hex */

typedef struct calendar_feed {
    int64_t calendar_id;
    unsigned char token_hash[32];
    bool patient_names;
    char salt[FEED_SALT_CHARS + 1];
    int64_t created_at;
    int64_t rotated_at; /* the last new token (or option change) */
} calendar_feed;

/* What store_feed_rotate does with the patient names option. */
typedef enum feed_names {
    FEED_NAMES_KEEP = 0, /* as it was; off for a new feed */
    FEED_NAMES_OFF,
    FEED_NAMES_ON,
} feed_names;

/* Creates the calendar's feed with token hash `hash` and salt `salt` (hex,
 * FEED_SALT_CHARS; used only when the feed is new), or gives the existing
 * one this hash (its salt and created_at kept); rotated_at = now.  Fills
 * *out with the row as stored.  NOT_FOUND when the calendar does not
 * exist. */
store_rc store_feed_rotate(store *st, int64_t calendar_id, const unsigned char hash[32],
                           const char *salt, feed_names names, int64_t now, calendar_feed *out);
/* NOT_FOUND when the calendar has no feed (or does not exist). */
store_rc store_feed_get(store *st, int64_t calendar_id, calendar_feed *out);
/* Removes the calendar's feed; NOT_FOUND when it has none. */
store_rc store_feed_remove(store *st, int64_t calendar_id);

/* One appointment as a feed shows it. */
typedef struct feed_item {
    int64_t id;
    int64_t start, stop;
    const char *title;                                  /* "" when none */
    const char *service_name;                           /* NULL: no service */
    const char *patient_first_name, *patient_last_name; /* NULL: no patient,
                                                         * or names not asked */
    appt_status status;
    bool deleted;
    int64_t updated_at;
    int64_t version;
} feed_item;

/* The calendar's appointments that end after `from`: the live ones that are
 * not cancelled, and the cancelled or deleted ones whose last change is at
 * `shown_since` or later.  Sorted by start, then id; at most `max` rows
 * (*n == max may mean more were left out: ask for one more than needed to
 * tell).  Patient names are read only when `patient_names`.  One read
 * snapshot.  *out is an arena array (NULL when *n is 0). */
store_rc store_feed_items(store *st, int64_t calendar_id, int64_t from, int64_t shown_since,
                          bool patient_names, size_t max, arena *a, feed_item **out, size_t *n);

#endif

/* engine.c - CalDAV two-way sync of one calendar with one remote calendar
 * collection (engine.h): the sync worker's "caldav" queue and `agenda
 * caldav sync`.
 *
 * The status table.  store/caldav.h's items are vdirsyncer's status: one
 * row per remote resource the sync knows (by href), recording what each
 * side looked like when the two last agreed: the remote's ETag and a hash
 * of its content (remote_etag, remote_hash), the local appointment's
 * version and a hash of the VEVENT rendered from it (local_version,
 * local_hash).  A run compares each side with its row: a side whose
 * state differs from the row changed; both changed is a conflict.  Items
 * are of two kinds, never mixed up:
 *   - the platform's own events (appointment_id != 0): an appointment's
 *     copy on the remote, pushed from the store.  UID "agenda-<id>" where
 *     <id> is the appointment's id, so the same appointment always has the
 *     same UID (across relinks, crashes between a PUT and its row, and
 *     restarts: a second copy is recognised, never created);
 *   - the remote's events (appointment_id 0): pulled as busy time only
 *     (store_external_busy_replace_item, source 'caldav', item = href),
 *     never as appointments, never written or deleted by the platform.
 *
 * Push (local to remote).  Pending pushes come from the store, not from
 * hooks in the API: every path that writes an appointment (single,
 * collection, booking, an SMS reply's cancellation) goes through
 * store/appointments.c, which raises the row's version and, in the same
 * unit of work, brings the calendar's link due (store_caldav_wake's
 * statement: one indexed UPDATE, no row when the calendar has no link, no
 * network I/O).  A run asks the store for the appointments whose item
 * lags (store_caldav_pending: items whose local_version is not the
 * appointment's version, and live appointments from EXPAND_HORIZON_PAST
 * ago on that have no item, both by index).  Each becomes:
 *   - live (not deleted, not cancelled): the VEVENT rendered (SEQUENCE =
 *     version, DTSTART/DTEND with the center's TZID and its VTIMEZONE from
 *     libical, or UTC when libical does not know the zone; SUMMARY the
 *     service, never the patient's name; STATUS CONFIRMED).  Same hash as
 *     the row's local_hash and the remote unchanged: only local_version is
 *     written (a version raised by a reminder rule change sends nothing).
 *     Else PUT: no item yet, `If-None-Match: *` at UID.ics; an item,
 *     `If-Match: remote_etag` at its href.
 *   - cancelled or deleted: DELETE with `If-Match: remote_etag`, then the
 *     item goes; 404 is as good (gone already).  No item: nothing.
 *   A PUT answered with no (strong) ETag is followed by a GET for it, so
 *   the next If-Match is exact.
 *
 * Pull (remote to local).  With sync-collection (the link's check found
 * it), from the stored token; without, PROPFIND Depth 1 (ETags) compared
 * with the items.  Members whose ETag differs from their item's are
 * fetched with calendar-multiget (DAV_MULTIGET_MAX a request) and:
 *   - the platform's own (an item with an appointment, or a UID
 *     "agenda-<id>" of an appointment of this calendar with no item: a
 *     copy from before, adopted): content hash equal to the row's: only
 *     the ETag is recorded.  Different: the remote edited a platform
 *     event, a conflict (below).  A second copy of an appointment that has
 *     its item under another href is deleted (If-Match): the platform's
 *     UIDs are its own, never two copies.  Never busy time.
 *   - the remote's: expanded (expand_ics in the center's zone over the
 *     horizon, item = href) and its busy time replaced; an item that does
 *     not expand keeps its last busy time and the run records the error.
 * Removed members (404 in sync-collection, or absent from a complete
 * listing): the remote's events lose their busy time and their item; a
 * platform event removed there while its appointment is live is a
 * conflict (below).  The new token is stored only after every change is
 * applied (store_caldav_record), so a run cut short is repeated, not
 * lost: every step above is idempotent.  Once a day each of the remote's
 * items is fetched and expanded again (its row's updated_at), so the
 * horizon slides.
 *
 * The conflict rule.  The platform's events are the platform's: whatever
 * the remote did to one, the platform's current state is written over it
 * and the link's `conflicts` counts it:
 *   - edited on the remote (a 412 on PUT, or a changed hash on pull): the
 *     item's local_version is cleared, so the next push (in the same run)
 *     PUTs the appointment again with `If-Match` of the ETag just read;
 *   - deleted on the remote while the appointment is live: recreated
 *     (`If-None-Match: *` at the same href);
 *   - edited on the remote and cancelled or deleted locally: a 412 on
 *     DELETE reads the new ETag and deletes with it (the platform's state,
 *     gone, wins).
 * The remote's events are the remote's alone: the platform only reads
 * them, so they never conflict.  Deletion propagates only from a side that
 * said so: locally by a cancellation or deletion (a new version), remotely
 * by a 404 or a complete listing without the member; a side that has not
 * changed never deletes anything on the other.
 *
 * Failures.  DAV_TRANSIENT (no answer, timeout, 5xx, bad XML) and
 * DAV_AUTH / DAV_REFUSED end the run with last_error and nothing deleted
 * or forgotten: what was applied stays (idempotent), the token stays as
 * it was, busy time stays as it was.  The link is due again after a
 * backoff doubling from RETRY_FIRST_S to RETRY_MAX_S.  An invalid token
 * (DAV_INVALID_TOKEN; or Xandikos' 500 to a token, token_suspect, again
 * after a failure while dav_check answers) resyncs from no token: the full
 * listing compared with the items, under the guard below.
 *
 * The removal guard.  A pull that would remove more than half of the
 * items of a link that has more than REMOVAL_GUARD_MIN (20) of them
 * removes nothing and pauses the link with the reason (caldav status,
 * the API); `agenda caldav sync` on a paused link runs once with the guard
 * lifted (the operator's confirmation) and makes it active again.
 *
 * Timing.  A local change is due at once (the worker polls every 250 ms,
 * and sync_wake() shortens that); a pull every PULL_INTERVAL_S (60 s)
 * after the last complete one, or at once for `caldav sync` and the API's
 * POST .../caldav/sync (which only make the link due and wake the
 * worker: no request waits on the remote).  A run is push, then pull (when
 * due), then push again when the pull found conflicts; after its outcome
 * is recorded, the pending query runs once more and a change that arrived
 * during the run makes the link due at once (record wrote the next pull
 * time over the change's wake-up).  All times are clock_unix_seconds().
 * One run holds the link's lease (store_caldav_claim), so on PostgreSQL
 * one server works a link at a time; the outcome is written under it. */

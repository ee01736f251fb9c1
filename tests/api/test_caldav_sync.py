"""CalDAV two-way sync (issue 13), end to end against real servers: every
test runs against Radicale and against Xandikos (tests/sync_peers/servers.py
starts them from their Debian packages on loopback, fresh for each test).

The platform side is the real `agenda serve` with `--sync off` and a clock
file, and each sync is one `agenda caldav sync --calendar ID` (one push and
pull, exit 0 on success), so every step is deterministic; one test runs the
server's own sync worker instead (bounded polls of real time).  The remote side
is driven with python3-caldav, as a doctor's phone would.

- appointments created, moved, cancelled and deleted through the API
  appear, move and disappear there (UID agenda-<id>, SEQUENCE raised);
- events created, moved and deleted there block and free busy time,
  suggestions and bookings; the platform's own events are never busy time;
- a server without sync-collection (a proxy hides it) costs one PROPFIND
  Depth 0 per pull while its ctag is unchanged; one that lists the report
  but refuses it (400, 403, 501 naming no token) is pulled by ctag at once,
  and for good;
- vdirsyncer (a real client) syncing the collection into a folder finds
  the appointments' events;
- a remote edit of a platform event is overwritten and counted as a
  conflict; a remote deletion of a live one is recreated;
- nothing is duplicated after a relink (the remote's copies are adopted),
  repeated syncs or a restart of the remote;
- the remote down: the sync fails with one line, nothing is lost, and the
  next sync after it is back catches up;
- the worker inside `agenda serve` pushes a change within seconds, and
  POST /calendars/{id}/caldav/sync (202) makes it pull at once."""

import pytest

from caldav_support import (DAY, T0, Office, Remote, remote, restart, servers,  # noqa: F401
                            start_of, stop_of, t, utc, vevent)
from helpers import execute_sql, expect, unique
from reminders_support import wait_until


@pytest.fixture
def office(agenda_bin, tmp_path, remote):
    o = Office(agenda_bin, tmp_path, remote)
    yield o
    o.p.stop()


# ---- push ---------------------------------------------------------------------------


def test_appointments_appear_move_and_disappear_there(office, remote):
    r = Remote(remote)
    office.sync()
    assert r.events() == {}
    a = office.book_api(t("10:00", 1))
    b = office.book_api(t("14:00", 2))
    office.sync()
    evs = r.events()
    assert set(evs) == {f"agenda-{a['id']}", f"agenda-{b['id']}"}
    ev = evs[f"agenda-{a['id']}"]
    assert (start_of(ev), stop_of(ev)) == (t("10:00", 1), t("10:30", 1))
    # the center's zone, with its VTIMEZONE, and no patient name
    assert ev["DTSTART"][1].endswith("Z"), ev  # UTC: exact everywhere
    text = r.find(f"agenda-{a['id']}").data
    assert "Patientname" not in text and "Secret" not in text
    assert ev["SUMMARY"][1] == "Consultation", ev
    seq = int(ev["SEQUENCE"][1])
    st = office.status()
    assert st["pushed"] == "2" and st["last_error"] == "-" and st["items"] == "2", st

    # moved
    expect(office.api.put(office.path(a), {"appointment": {
        "start": str(t("11:00", 1)), "stop": str(t("11:30", 1))}}), 200)
    office.sync()
    ev = r.events()[f"agenda-{a['id']}"]
    assert (start_of(ev), stop_of(ev)) == (t("11:00", 1), t("11:30", 1))
    assert int(ev["SEQUENCE"][1]) > seq

    # cancelled, deleted
    expect(office.api.put(office.path(a), {"appointment": {"status": "cancelled"}}), 200)
    expect(office.api.delete(office.path(b)), 204)
    office.sync()
    assert r.events() == {}
    st = office.status()
    assert st["items"] == "0" and st["conflicts"] == "0", st
    # the platform's own events never were busy time
    assert office.busy() == []


def test_nothing_is_pushed_twice_nor_duplicated_by_a_relink(office, remote):
    r = Remote(remote)
    a = office.book_api(t("10:00", 1))
    office.sync()
    office.sync()
    assert list(r.events()) == [f"agenda-{a['id']}"]
    assert office.status()["pushed"] == "1"
    # unlink (the remote keeps its copy) and link again: adopted, not doubled
    p = office.caldav("unlink", "--calendar", str(office.cal))
    assert p.returncode == 0, p.stderr
    office.link()
    office.sync()
    office.sync()
    evs = r.events()
    assert list(evs) == [f"agenda-{a['id']}"]
    assert start_of(evs[f"agenda-{a['id']}"]) == t("10:00", 1)
    assert office.busy() == []
    assert office.status()["items"] == "1"


# ---- pull ---------------------------------------------------------------------------


def test_events_there_block_and_free_time(office, remote):
    r = Remote(remote)
    r.add("dentist", t("10:00", 1), t("11:00", 1))
    office.sync()
    assert office.busy() == [(t("10:00", 1), t("11:00", 1))]
    starts = office.starts(1)
    assert t("10:00", 1) not in starts and t("10:30", 1) not in starts
    assert t("09:30", 1) in starts and t("11:00", 1) in starts
    # a booking over it is refused
    resp = office.book(t("10:00", 1))
    assert resp.status_code == 409 or resp.status_code == 422, resp.text
    st = office.status()
    assert st["pulled"] == "1", st

    # moved there
    r.move("dentist", t("14:00", 1), t("15:00", 1))
    office.sync()
    assert office.busy() == [(t("14:00", 1), t("15:00", 1))]
    assert t("10:00", 1) in office.starts(1)
    expect(office.book(t("10:00", 1)), 201)

    # deleted there
    r.delete("dentist")
    office.sync()
    assert office.busy() == []
    assert t("14:00", 1) in office.starts(1)
    assert office.status()["items"] == "1"  # the booking's own copy


def test_without_sync_collection_an_unchanged_ctag_costs_one_request(agenda_bin, tmp_path,
                                                                     remote):
    """A server without sync-collection (the proxy hides it): an unchanged
    collection is one PROPFIND Depth 0 (its ctag), a changed one is listed
    and fetched, a removal still propagates, and a day later every event is
    fetched again (the horizon slides)."""
    import copy
    proxy = servers.CountingProxy(remote, hide_sync=True)
    proxied = copy.copy(remote)
    proxied.calendar = proxy.url(remote.calendar)
    o = Office(agenda_bin, tmp_path, proxied)
    try:
        r = Remote(remote)
        r.add("dentist", t("10:00", 1), t("11:00", 1))
        o.sync()
        assert o.busy() == [(t("10:00", 1), t("11:00", 1))]
        proxy.take()
        o.sync()
        assert proxy.take() == ["PROPFIND depth 0"]
        r.add("lunch", t("12:00", 2), t("13:00", 2))
        o.sync()
        assert proxy.take() == ["PROPFIND depth 0", "PROPFIND depth 1", "REPORT"]
        assert o.busy() == [(t("10:00", 1), t("11:00", 1)), (t("12:00", 2), t("13:00", 2))]
        r.delete("dentist")
        o.sync()
        assert o.busy() == [(t("12:00", 2), t("13:00", 2))]
        proxy.take()
        o.sync()
        assert proxy.take() == ["PROPFIND depth 0"]
        # a push changes the ctag: listed once more, then quiet again
        a = o.book_api(t("14:00", 1))
        o.sync()
        assert proxy.take()[:2] == ["PUT", "PROPFIND depth 0"]
        o.sync()
        assert proxy.take() == ["PROPFIND depth 0"]
        assert set(r.events()) == {"lunch", f"agenda-{a['id']}"}
        # a day later the remote's events are fetched again
        o.p.clock.advance(DAY)
        o.sync()
        got = proxy.take()
        assert got[:2] == ["PROPFIND depth 0", "PROPFIND depth 1"] and "REPORT" in got, got
        assert o.busy() == [(t("12:00", 2), t("13:00", 2))]
        assert o.status()["last_error"] == "-"
    finally:
        o.p.stop()
        proxy.stop()


@pytest.mark.parametrize("status", [400, 403, 501])
def test_a_sync_collection_refused_unexpectedly_falls_back_to_the_ctag(agenda_bin, tmp_path,
                                                                       remote, status):
    """A server that lists sync-collection but answers it with a 400, 403 or
    501 naming no sync token: the same run pulls with the ctag, a listing and
    calendar-multiget, and the link remembers it: later pulls never ask for
    sync-collection again, nothing pauses or fails."""
    import copy
    proxy = servers.CountingProxy(remote, refuse_sync=status)
    proxied = copy.copy(remote)
    proxied.calendar = proxy.url(remote.calendar)
    o = Office(agenda_bin, tmp_path, proxied)
    try:
        r = Remote(remote)
        r.add("dentist", t("10:00", 1), t("11:00", 1))
        proxy.take()
        o.sync()
        assert proxy.take() == ["REPORT sync-collection refused", "PROPFIND depth 0",
                                "PROPFIND depth 1", "REPORT"]
        assert o.busy() == [(t("10:00", 1), t("11:00", 1))]
        st = o.status()
        assert st["state"] == "active" and st["last_error"] == "-" and st["pulled"] == "1", st
        o.sync()
        assert proxy.take() == ["PROPFIND depth 0"]
        r.add("lunch", t("12:00", 2), t("13:00", 2))
        a = o.book_api(t("14:00", 1))
        o.sync()
        got = proxy.take()
        assert "REPORT sync-collection refused" not in got, got
        assert got[:2] == ["PUT", "PROPFIND depth 0"] and "PROPFIND depth 1" in got, got
        assert o.busy() == [(t("10:00", 1), t("11:00", 1)), (t("12:00", 2), t("13:00", 2))]
        assert set(r.events()) == {"dentist", "lunch", f"agenda-{a['id']}"}
        st = o.status()
        assert st["state"] == "active" and st["last_error"] == "-" and st["attempts"] == "0", st
    finally:
        o.p.stop()
        proxy.stop()


def test_vdirsyncer_reads_the_synced_collection(office, remote, tmp_path):
    """A real client (vdirsyncer, its Debian package) syncing the linked
    collection into a folder finds each appointment's event, as pushed, and
    the remote's own events beside them."""
    import subprocess
    r = Remote(remote)
    r.add("dentist", t("10:00", 1), t("11:00", 1))
    a = office.book_api(t("14:00", 1))
    b = office.book_api(t("09:00", 2))
    expect(office.api.put(office.path(b), {"appointment": {
        "start": str(t("09:30", 2)), "stop": str(t("10:00", 2))}}), 200)
    c = office.book_api(t("15:00", 2))
    expect(office.api.put(office.path(c), {"appointment": {"status": "cancelled"}}), 200)
    office.sync()
    folder = tmp_path / "vdir"
    folder.mkdir()
    auth = (f'username = "{remote.username}"\npassword = "{remote.password}"\n'
            if remote.username else "")
    conf = tmp_path / "vdirsyncer.conf"
    conf.write_text(
        f'[general]\nstatus_path = "{tmp_path / "vdir-status"}"\n'
        '[pair agenda]\na = "remote"\nb = "local"\ncollections = null\n'
        'conflict_resolution = "a wins"\n'
        f'[storage remote]\ntype = "caldav"\nurl = "{remote.calendar}"\n{auth}'
        f'[storage local]\ntype = "filesystem"\npath = "{folder}"\nfileext = ".ics"\n')
    for verb in ("discover", "sync"):
        p = subprocess.run(["vdirsyncer", "-c", str(conf), verb], capture_output=True,
                           text=True, timeout=60, input="")
        assert p.returncode == 0, (verb, p.stdout, p.stderr)
    got = {}
    for f in folder.iterdir():
        ev = vevent(f.read_text())
        got[ev["UID"][1]] = (start_of(ev), stop_of(ev), ev["SUMMARY"][1])
    assert got == {
        "dentist": (t("10:00", 1), t("11:00", 1), "Private"),
        f"agenda-{a['id']}": (t("14:00", 1), t("14:30", 1), "Consultation"),
        f"agenda-{b['id']}": (t("09:30", 2), t("10:00", 2), "Consultation"),
    }, got


# ---- conflicts ------------------------------------------------------------------------


def test_the_platform_wins_for_its_own_events(office, remote):
    r = Remote(remote)
    a = office.book_api(t("10:00", 1))
    office.sync()
    uid = f"agenda-{a['id']}"
    # moved on the phone: written over on the next sync
    r.move(uid, t("15:00", 1), t("15:30", 1))
    office.sync()
    ev = r.events()[uid]
    assert (start_of(ev), stop_of(ev)) == (t("10:00", 1), t("10:30", 1))
    assert office.status()["conflicts"] == "1"
    assert office.busy() == []
    # edited on both sides: the platform's version
    r.move(uid, t("15:00", 1), t("15:30", 1))
    expect(office.api.put(office.path(a), {"appointment": {
        "start": str(t("11:00", 1)), "stop": str(t("11:30", 1))}}), 200)
    office.sync()
    ev = r.events()[uid]
    assert (start_of(ev), stop_of(ev)) == (t("11:00", 1), t("11:30", 1))
    assert int(office.status()["conflicts"]) == 2
    # deleted on the phone while live: recreated
    r.delete(uid)
    office.sync()
    assert list(r.events()) == [uid]
    assert int(office.status()["conflicts"]) == 3
    assert office.busy() == []
    # edited on the phone, cancelled here: the platform's state, gone
    r.move(uid, t("15:00", 1), t("15:30", 1))
    expect(office.api.put(office.path(a), {"appointment": {"status": "cancelled"}}), 200)
    office.sync()
    assert r.events() == {}
    assert office.busy() == []
    st = office.status()
    assert st["items"] == "0" and int(st["conflicts"]) >= 4, st


def test_a_weekly_event_with_an_exception_and_an_exdate_across_dst(office, remote):
    """Tuesdays 10:00-11:00 in Brussels, six times from 6 October 2026
    (summer time) to 10 November (winter time, from 25 October): the
    second moved to 14:00, the third removed."""
    r = Remote(remote)
    vtz = ("BEGIN:VTIMEZONE\r\nTZID:Europe/Brussels\r\n"
           "BEGIN:DAYLIGHT\r\nDTSTART:19810329T020000\r\nTZOFFSETFROM:+0100\r\n"
           "TZOFFSETTO:+0200\r\nRRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\nEND:DAYLIGHT\r\n"
           "BEGIN:STANDARD\r\nDTSTART:19961027T030000\r\nTZOFFSETFROM:+0200\r\n"
           "TZOFFSETTO:+0100\r\nRRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\nEND:STANDARD\r\n"
           "END:VTIMEZONE\r\n")
    tz = "TZID=Europe/Brussels"
    text = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//phone//EN\r\n" + vtz +
            "BEGIN:VEVENT\r\nUID:weekly\r\nDTSTAMP:20261001T000000Z\r\n"
            f"DTSTART;{tz}:20261006T100000\r\nDTEND;{tz}:20261006T110000\r\n"
            "RRULE:FREQ=WEEKLY;COUNT=6\r\n"
            f"EXDATE;{tz}:20261020T100000\r\nSUMMARY:Course\r\nEND:VEVENT\r\n"
            "BEGIN:VEVENT\r\nUID:weekly\r\nDTSTAMP:20261001T000000Z\r\n"
            f"RECURRENCE-ID;{tz}:20261013T100000\r\n"
            f"DTSTART;{tz}:20261013T140000\r\nDTEND;{tz}:20261013T150000\r\n"
            "SUMMARY:Course (moved)\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n")
    r.put_text(text)
    office.sync()
    want = [(t("10:00", 1), t("11:00", 1)), (t("14:00", 8), t("15:00", 8)),
            (t("10:00", 22), t("11:00", 22)), (t("10:00", 29), t("11:00", 29)),
            (t("10:00", 36), t("11:00", 36))]
    assert office.busy() == want
    # after the change to winter time, still 10:00 on the wall
    assert t("10:00", 22) - t("10:00", 1) == 21 * DAY + 3600
    assert t("10:00", 15) in office.starts(15)  # the EXDATE frees its morning
    assert t("10:00", 8) in office.starts(8) and t("14:00", 8) not in office.starts(8)
    office.sync()
    assert office.busy() == want  # nothing doubled by a second pull


def test_an_expired_token_and_restarts_duplicate_nothing(office, remote):
    r = Remote(remote)
    r.add("dentist", t("10:00", 1), t("11:00", 1))
    a = office.book_api(t("14:00", 1))
    office.sync()
    # the token the server gave is forgotten there (or never was)
    execute_sql(office.p.cli.db, "UPDATE caldav_links SET sync_token ="
                " 'http://radicale.org/ns/sync/00ff' WHERE calendar_id = %d" % office.cal)
    r.add("lunch", t("12:00", 2), t("13:00", 2))
    office.sync()
    assert office.busy() == [(t("10:00", 1), t("11:00", 1)), (t("12:00", 2), t("13:00", 2))]
    assert set(r.events()) == {"dentist", "lunch", f"agenda-{a['id']}"}
    # the remote restarted, the platform's server restarted
    port = int(remote.base.rsplit(":", 1)[1])
    remote.stop()
    restart(remote, port)
    office.srv.stop()
    office.srv = office.p.serve(*office.serve_args)
    office.acct.api.base = office.srv.base
    office.sync()
    office.sync()
    assert set(Remote(remote).events()) == {"dentist", "lunch", f"agenda-{a['id']}"}
    st = office.status()
    assert st["items"] == "3" and st["pushed"] == "1", st


def test_a_collection_of_a_thousand_events_syncs_in_full(office, remote):
    r = Remote(remote)
    texts, want = [], []
    for i in range(1000):
        day, k = divmod(i, 20)
        start = T0 + day * DAY + k * 3600
        want.append((start, start + 1800))
        texts.append((f"ev{i}", "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//phone//EN\r\n"
                      f"BEGIN:VEVENT\r\nUID:ev{i}\r\nDTSTAMP:20261001T000000Z\r\n"
                      f"DTSTART:{utc(start)}\r\nDTEND:{utc(start + 1800)}\r\n"
                      "SUMMARY:Busy\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"))
    r.write_many(texts)
    office.sync()
    st = office.status()
    assert st["items"] == "1000" and st["pulled"] == "1000", st
    assert office.busy(T0, T0 + 60 * DAY) == sorted(want)
    office.sync()  # unchanged: nothing pulled again
    assert office.status()["pulled"] == "1000"


# ---- failures ---------------------------------------------------------------------------


def test_the_remote_down_then_back_loses_nothing(office, remote, tmp_path):
    r = Remote(remote)
    r.add("dentist", t("10:00", 1), t("11:00", 1))
    a = office.book_api(t("14:00", 1))
    office.sync()
    assert office.busy() == [(t("10:00", 1), t("11:00", 1))]
    port = int(remote.base.rsplit(":", 1)[1])
    remote.stop()
    b = office.book_api(t("15:00", 1))
    line = office.sync_fails()
    assert "transient" in line, line
    # nothing forgotten: the busy time stays
    assert office.busy() == [(t("10:00", 1), t("11:00", 1))]
    st = office.status()
    assert st["last_error"] != "-" and st["attempts"] == "1", st
    # back on the same port and data
    restart(remote, port)
    office.sync()
    evs = Remote(remote).events()
    assert set(evs) == {"dentist", f"agenda-{a['id']}", f"agenda-{b['id']}"}
    assert office.busy() == [(t("10:00", 1), t("11:00", 1))]
    st = office.status()
    assert st["last_error"] == "-" and st["attempts"] == "0", st


# ---- the worker ---------------------------------------------------------------------------


def test_the_worker_pushes_at_once_and_pulls_on_demand(agenda_bin, tmp_path, remote):
    import time
    o = Office(agenda_bin, tmp_path, remote, sync=True)
    try:
        r = Remote(remote)
        # the link's first run
        wait_until(lambda: o.status()["last_success"] != "-", timeout=10, what="a first run")
        a = o.book_api(t("10:00", 1))
        began = time.monotonic()
        uid = f"agenda-{a['id']}"
        wait_until(lambda: uid in r.events(), timeout=10, what="the push")
        assert time.monotonic() - began < 3
        # a pull is not due (the clock stands still): the API asks for one
        r.add("dentist", t("14:00", 1), t("15:00", 1))
        body = expect(o.api.post(f"/calendars/{o.cal}/caldav/sync"), 202)
        assert body["caldav"]["url"] == remote.calendar, body
        wait_until(lambda: o.busy() == [(t("14:00", 1), t("15:00", 1))], timeout=10,
                   what="the pull")
        st = o.status()
        assert st["pushed"] == "1" and st["pulled"] == "1" and st["last_error"] == "-", st
        # a calendar without a link
        other = o.p.cli.calendar_add(o.p.center_id, first="Ben", last="Bos", slug=unique("cal"))
        resp = o.api.post(f"/calendars/{other}/caldav/sync")
        assert resp.status_code == 404, resp.text
    finally:
        o.p.stop()


def test_a_pull_removing_most_items_pauses_the_link(agenda_bin, tmp_path, remote):
    o = Office(agenda_bin, tmp_path, remote, sync=True)
    try:
        r = Remote(remote)
        r.put_many([(f"g{i}", "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//phone//EN\r\n"
                     f"BEGIN:VEVENT\r\nUID:g{i}\r\nDTSTAMP:20261001T000000Z\r\n"
                     f"DTSTART:{utc(t('09:00', i + 1))}\r\nDTEND:{utc(t('09:30', i + 1))}\r\n"
                     "SUMMARY:Busy\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n") for i in range(25)])
        expect(o.api.post(f"/calendars/{o.cal}/caldav/sync"), 202)
        wait_until(lambda: o.status()["items"] == "25", timeout=20, what="the first pull")
        for i in range(20):
            r.delete(f"g{i}")
        expect(o.api.post(f"/calendars/{o.cal}/caldav/sync"), 202)
        st = wait_until(lambda: (lambda s: s if s["state"] == "paused" else None)(o.status()),
                        timeout=20, what="the pause")
        assert "20 of 25" in st["paused_reason"], st
        assert len(o.busy(T0, T0 + 60 * DAY)) == 25  # nothing removed
        # the operator applies it
        o.sync()
        st = o.status()
        assert st["state"] == "active" and st["items"] == "5", st
        assert len(o.busy(T0, T0 + 60 * DAY)) == 5
    finally:
        o.p.stop()

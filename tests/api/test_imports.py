"""Imported feeds (issue 13): a calendar's read-only iCalendar address,
fetched by the sync worker of the real `agenda serve`, blocks suggestions
and bookings.

The feed is served by an http.server in the test, on loopback, which can
answer 200 with an ETag, 304 to a matching If-None-Match (and counts
those), 500, garbage, or nothing (a hang past the server's sync_timeout).
The server's clock is a file the test moves (--clock-file), so a feed comes
due again without waiting its interval; waits are short polls of real time.
The center is in Europe/Brussels; expected instants come from Python's
zoneinfo, not from the server."""

import http.server
import threading
import time
from datetime import date

import pytest

from helpers import (LOOPBACK_NETWORKS, expect, expect_error, sync_section, unique, unwrap_list,
                     unwrap_one)
from reminders_support import Practice, wait_until
from schedule_support import BRUSSELS, at, put_hours, service

MIN = 60
DAY = 86400
INTERVAL = 60  # the imports' interval in these tests, seconds

# ---- the feed's server -------------------------------------------------------


class Feed:
    """What the test's HTTP server answers at /feed.ics, and what it saw."""

    def __init__(self):
        self.lock = threading.Lock()
        self.body = b""
        self.etag = None
        self.mode = "ok"  # ok, error, hang, garbage
        self.hang = 4  # seconds a hang lasts
        self.requests = 0
        self.conditional = 0  # requests that carried If-None-Match
        self.not_modified = 0  # of those, answered 304
        self.httpd = None

    def set(self, text, etag):
        with self.lock:
            self.body = text.replace("\n", "\r\n").encode()
            self.etag = etag
            self.mode = "ok"

    def start(self):
        feed = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_GET(self):
                with feed.lock:
                    feed.requests += 1
                    mode, body, etag = feed.mode, feed.body, feed.etag
                    inm = self.headers.get("If-None-Match")
                    if inm is not None:
                        feed.conditional += 1
                    if mode == "ok" and inm is not None and inm == etag:
                        feed.not_modified += 1
                        mode = "304"
                if mode == "hang":
                    time.sleep(feed.hang)
                    return
                if mode == "304":
                    self.send_response(304)
                    self.send_header("ETag", etag)
                    self.end_headers()
                    return
                if mode == "error":
                    body = b"oops"
                    self.send_response(500)
                elif mode == "garbage":
                    body = b"<html><body>Please sign in</body></html>"
                    self.send_response(200)
                else:
                    self.send_response(200)
                    if etag:
                        self.send_header("ETag", etag)
                self.send_header("Content-Type", "text/calendar")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return self

    @property
    def url(self):
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/feed.ics"

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def calendar_text(*events):
    return ("BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//test//EN\n" + "".join(events) +
            "END:VCALENDAR\n")


def event(uid, start, stop, extra=""):
    """A VEVENT from local Brussels wall times "yyyymmddThhmmss"."""
    return (f"BEGIN:VEVENT\nUID:{uid}\nDTSTAMP:20260101T000000Z\n"
            f"DTSTART;TZID=Europe/Brussels:{start}\nDTEND;TZID=Europe/Brussels:{stop}\n"
            f"SUMMARY:Dentist (private)\n{extra}END:VEVENT\n")


# ---- fixtures ---------------------------------------------------------------------

# Monday 5 October 2026, 08:00 in Brussels: the clock's start.
MONDAY = date(2026, 10, 5)
T0 = at(BRUSSELS, MONDAY, "08:00")


def t(hhmm, day=0):
    return at(BRUSSELS, date.fromordinal(MONDAY.toordinal() + day), hhmm)


@pytest.fixture
def feed():
    f = Feed().start()
    yield f
    f.stop()


class Office:
    """A practice (clock file, Brussels) open 09:00-12:00 and 13:00-16:00
    every weekday, a 30-minute service, a patient, and a server whose sync
    requests time out after `timeout` seconds and may reach `allow`
    (loopback; None: no internal network)."""

    def __init__(self, agenda_bin, tmp_path, t0=T0, timeout=2, allow=LOOPBACK_NETWORKS):
        self.p = Practice(agenda_bin, tmp_path, t0, config=False)
        self.conf = tmp_path / f"{unique('sync')}.ini"
        self.conf.write_text(f"[server]\nsync_timeout = {timeout}\n" + sync_section(allow=allow))
        self.srv = self.p.serve("--config", str(self.conf), "--dispatch", "off")
        self.acct = self.p.acct
        self.api = self.acct.api
        self.cal = self.p.calendar_id
        week = ["monday", "tuesday", "wednesday", "thursday", "friday"]
        put_hours(self.acct, [(d, s, e) for d in week
                              for s, e in (("09:00", "12:00"), ("13:00", "16:00"))], 15)
        self.svc = service(self.acct, 30, remote_id="cons")
        self.patient = self.acct.create_patient(remote_id=unique("p"))

    @property
    def clock(self):
        return self.p.clock

    def imports(self):
        return unwrap_list(expect(self.api.get(f"/calendars/{self.cal}/imports"), 200),
                           "imports", "import")

    def add_import(self, url, interval=INTERVAL):
        r = self.api.post(f"/calendars/{self.cal}/imports",
                          {"import": {"url": url, "interval": interval}})
        return unwrap_one(expect(r, 201), "import")

    def the_import(self):
        [im] = self.imports()
        return im

    def busy(self, frm=None, to=None):
        params = {"from": frm or self.clock.now, "to": to or self.clock.now + 60 * DAY}
        body = expect(self.api.get(f"/calendars/{self.cal}/busy", params=params), 200)
        assert set(body) == {"busy"}, body
        for b in body["busy"]:
            assert set(b) == {"start", "stop"}, b  # nothing more: no title, no source
        return [(int(b["start"]), int(b["stop"])) for b in body["busy"]]

    def starts(self, day):
        frm = t("00:00", day)
        got = unwrap_list(expect(self.api.get("/suggestions", params={
            "calendar_id": self.cal, "service_remote_id": "cons", "start": frm,
            "stop": frm + DAY, "limit": 1000}), 200), "suggestions", "suggestion")
        from schedule_support import parse_iso
        return [parse_iso(s["start"]) for s in got]

    def book(self, start):
        return self.api.post(f"/calendars/{self.cal}/bookings", {"booking": {
            "service_id": self.svc["id"], "start": str(start),
            "patient_remote_id": self.patient["remote_id"]}})

    def wait_fetch(self, what, pred):
        """Waits until the import satisfies pred; returns it."""
        return wait_until(lambda: (lambda im: im if pred(im) else None)(self.the_import()),
                          what=what, timeout=20)

    def advance_to_next_fetch(self):
        """Moves the clock to the import's next fetch."""
        im = self.the_import()
        self.clock.set(max(int(im["next_fetch"]), self.clock.now + 1))
        return im

    def stop(self):
        self.p.stop()


@pytest.fixture
def office(agenda_bin, tmp_path):
    made = []

    def make(**kw):
        o = Office(agenda_bin, tmp_path, **kw)
        made.append(o)
        return o

    yield make
    for o in made:
        o.stop()


def grid(day, *ranges):
    """The 15-minute starts of 30-minute slots in the local ranges."""
    out = []
    for s, e in ranges:
        x = t(s, day)
        while x + 30 * MIN <= t(e, day):
            out.append(x)
            x += 15 * MIN
    return out


# ---- blocking ------------------------------------------------------------------------


def test_an_imported_event_blocks_suggestions_and_bookings(office, feed):
    o = office()
    feed.set(calendar_text(event("dentist", "20261005T100000", "20261005T110000")), '"v1"')
    im = o.add_import(feed.url)
    assert im["url"] == f"http://127.0.0.1:{feed.httpd.server_address[1]}/..."
    assert im["interval"] == INTERVAL and im["last_success"] is None
    # the new import is fetched at once (the API wakes the worker)
    o.wait_fetch("the first fetch", lambda i: i["last_success"] is not None)
    assert o.busy() == [(t("10:00"), t("11:00"))]
    assert o.the_import()["events"] == 1 and o.the_import()["intervals"] == 1
    assert o.starts(0) == grid(0, ("09:00", "10:00"), ("11:00", "12:00"), ("13:00", "16:00"))
    expect_error(o.book(t("10:00")), 409)
    expect_error(o.book(t("09:45")), 409)  # would run into it
    a = unwrap_one(expect(o.book(t("11:00")), 201), "appointment")
    # an appointment written over external busy time is no overlap warning:
    # the warning speaks of appointments only
    r = o.api.post(f"/calendars/{o.cal}/appointments", {"appointment": {
        "remote_id": unique("a"), "start": str(t("10:00")), "stop": str(t("10:30"))}})
    assert unwrap_one(expect(r, 201), "appointment")["warning"] is False
    assert unwrap_one(expect(o.api.get(f"/calendars/{o.cal}/appointments/{a['id']}"), 200),
                      "appointment")["warning"] is False


def test_a_weekly_event_blocks_exactly_its_instances_across_dst(office, feed):
    # Mondays 10:00-11:00 from 12 October, 5 times; 26 October (the first
    # Monday of winter time) excluded; 2 November moved to Tuesday 3
    # November 14:00-15:00
    o = office()
    feed.set(calendar_text(
        "BEGIN:VEVENT\nUID:weekly\nDTSTAMP:20260101T000000Z\n"
        "DTSTART;TZID=Europe/Brussels:20261012T100000\n"
        "DTEND;TZID=Europe/Brussels:20261012T110000\n"
        "RRULE:FREQ=WEEKLY;COUNT=5\nEXDATE;TZID=Europe/Brussels:20261026T100000\n"
        "END:VEVENT\n",
        "BEGIN:VEVENT\nUID:weekly\nDTSTAMP:20260101T000000Z\n"
        "RECURRENCE-ID;TZID=Europe/Brussels:20261102T100000\n"
        "DTSTART;TZID=Europe/Brussels:20261103T140000\n"
        "DTEND;TZID=Europe/Brussels:20261103T150000\nEND:VEVENT\n"), '"w1"')
    o.add_import(feed.url)
    o.wait_fetch("the first fetch", lambda i: i["last_success"] is not None)
    want = [(t("10:00", d), t("11:00", d)) for d in (7, 14)] + \
           [(t("14:00", 29), t("15:00", 29)), (t("10:00", 35), t("11:00", 35))]
    assert o.busy() == want
    # the instants, in UTC: 08:00 in summer time, 09:00 after the change
    assert [s for s, _ in want] == [1791792000, 1792396800, 1793710800, 1794214800]
    full = grid(0, ("09:00", "12:00"), ("13:00", "16:00"))
    for day in (7, 14, 35):
        assert o.starts(day) == grid(day, ("09:00", "10:00"), ("11:00", "12:00"),
                                     ("13:00", "16:00")), day
        expect_error(o.book(t("10:00", day)), 409)
    assert len(o.starts(21)) == len(full)  # EXDATE: free
    assert len(o.starts(28)) == len(full)  # the moved instance's old time: free
    assert o.starts(29) == grid(29, ("09:00", "12:00"), ("13:00", "14:00"), ("15:00", "16:00"))
    expect_error(o.book(t("14:00", 29)), 409)
    expect(o.book(t("10:00", 28)), 201)


# ---- failures keep the busy time -----------------------------------------------------


def test_a_feed_that_fails_keeps_blocking(office, feed):
    o = office()
    feed.set(calendar_text(event("dentist", "20261005T100000", "20261005T110000")), '"v1"')
    o.add_import(feed.url)
    o.wait_fetch("the first fetch", lambda i: i["last_success"] is not None)
    blocked = [(t("10:00"), t("11:00"))]
    assert o.busy() == blocked
    for mode, words in (("error", "HTTP status 500"), ("hang", "imeout"),
                        ("garbage", "cannot be used")):
        with feed.lock:
            feed.mode = mode
        before = o.advance_to_next_fetch()
        im = o.wait_fetch(f"a failed fetch ({mode})",
                          lambda i: i["attempts"] > before["attempts"])
        assert words in (im["last_error"] or ""), im
        assert im["events"] == 1 and im["intervals"] == 1, im
        # the last known busy time still blocks
        assert o.busy() == blocked, mode
        expect_error(o.book(t("10:00")), 409)
    # retries back off: 30 s, then 60, then 120 (never later than the interval)
    im = o.the_import()
    assert im["attempts"] == 3
    assert int(im["next_fetch"]) - o.clock.now <= INTERVAL
    # back up: the feed is read again, no longer failing
    with feed.lock:
        feed.mode = "ok"
    o.advance_to_next_fetch()
    im = o.wait_fetch("a successful fetch", lambda i: i["attempts"] == 0)
    assert im["last_error"] is None
    assert o.busy() == blocked
    log = o.srv.log_tail(20000)
    assert feed.url not in log and "/feed.ics" not in log  # the address is never logged


def test_a_changed_feed_frees_and_blocks_and_304_keeps(office, feed):
    o = office()
    feed.set(calendar_text(event("dentist", "20261005T100000", "20261005T110000")), '"v1"')
    o.add_import(feed.url)
    first = o.wait_fetch("the first fetch", lambda i: i["last_success"] is not None)
    assert o.busy() == [(t("10:00"), t("11:00"))]
    assert feed.conditional == 0

    # unchanged: the next fetch is conditional and answered 304
    o.advance_to_next_fetch()
    second = o.wait_fetch("a 304", lambda i: int(i["last_success"]) > int(first["last_success"]))
    assert feed.conditional == 1 and feed.not_modified == 1
    assert second["attempts"] == 0 and second["last_error"] is None
    assert o.busy() == [(t("10:00"), t("11:00"))]

    # changed (a new ETag): moved to 14:00, and a second event on Tuesday
    feed.set(calendar_text(event("dentist", "20261005T140000", "20261005T150000"),
                           event("gym", "20261006T090000", "20261006T093000")), '"v2"')
    o.advance_to_next_fetch()
    o.wait_fetch("the new version", lambda i: i["events"] == 2)
    assert feed.conditional == 2 and feed.not_modified == 1
    assert o.busy() == [(t("14:00"), t("15:00")), (t("09:00", 1), t("09:30", 1))]
    expect(o.book(t("10:00")), 201)
    expect_error(o.book(t("14:00")), 409)
    expect_error(o.book(t("09:00", 1)), 409)

    # an event cancelled, one made transparent: both free their time
    feed.set(calendar_text(event("dentist", "20261005T140000", "20261005T150000",
                                 "STATUS:CANCELLED\n"),
                           event("gym", "20261006T090000", "20261006T093000",
                                 "TRANSP:TRANSPARENT\n")), '"v3"')
    o.advance_to_next_fetch()
    o.wait_fetch("the third version", lambda i: i["intervals"] == 0)
    assert o.busy() == []
    expect(o.book(t("14:00")), 201)


# ---- commands and routes --------------------------------------------------------------


def test_import_errors_change_nothing(office, feed, agenda_bin, tmp_path):
    o = office()
    feed.set(calendar_text(event("dentist", "20261005T100000", "20261005T110000")), '"v1"')
    path = f"/calendars/{o.cal}/imports"
    for body, field in (({"import": {"url": "ftp://example.org/x.ics"}}, "url"),
                        ({"import": {"url": "http://"}}, "url"),
                        ({"import": {"url": "https://example.org/a b.ics"}}, "url"),
                        ({"import": {}}, "url"),
                        ({"import": {"url": feed.url, "interval": 10}}, "interval"),
                        ({"import": {"url": feed.url, "interval": "often"}}, "interval")):
        expect_error(o.api.post(path, body), 422, field)
    expect_error(o.api.post(path, {"import": "x"}), 422)
    expect_error(o.api.post("/calendars/999999/imports", {"import": {"url": feed.url}}), 404)
    assert o.imports() == []
    # the command line: usage errors exit 2, a missing calendar 1
    cli = o.p.cli
    for args in (["--calendar", str(o.cal), "--url", "gopher://x/y"],
                 ["--calendar", str(o.cal), "--url", feed.url, "--interval", "5"],
                 ["--calendar", "zero", "--url", feed.url],
                 ["--url", feed.url]):
        p = cli.run("feed", "import", *args)
        assert p.returncode == 2 and p.stderr.count("\n") == 1, (args, p.stderr)
    p = cli.run("feed", "import", "--calendar", "999999", "--url", feed.url, "--config",
                str(o.conf))
    assert p.returncode == 1 and "calendar not found" in p.stderr, p.stderr
    assert o.imports() == [] and feed.requests == 0

    # added by the command line, listed by both; a second import of the
    # same address is refused
    iid = int(cli.ok("feed", "import", "--calendar", str(o.cal), "--url", feed.url,
                     "--interval", str(INTERVAL), "--config", str(o.conf)))
    p = cli.run("feed", "import", "--calendar", str(o.cal), "--url", feed.url, "--config",
                str(o.conf))
    assert p.returncode == 1 and "already exists" in p.stderr, p.stderr
    expect_error(o.api.post(path, {"import": {"url": feed.url}}), 409)
    o.wait_fetch("the first fetch", lambda i: i["last_success"] is not None)
    assert [i["id"] for i in o.imports()] == [iid]
    listed = cli.ok("feed", "imports", "--calendar", str(o.cal))
    assert listed.startswith(f"{iid} http://127.0.0.1:") and "/feed.ics" not in listed, listed
    assert "events=1" in listed and "last_error=none" in listed, listed
    assert o.busy() == [(t("10:00"), t("11:00"))]

    # removal: not found elsewhere, then removed with its busy time
    other = o.acct.add_calendar()
    expect_error(o.api.delete(f"/calendars/{other}/imports/{iid}"), 404)
    expect_error(o.api.delete(f"{path}/999999"), 404)
    p = cli.run("feed", "unimport", "--id", "999999")
    assert p.returncode == 1 and "import not found" in p.stderr, p.stderr
    assert o.busy() == [(t("10:00"), t("11:00"))]
    expect(o.api.delete(f"{path}/{iid}"), 204)
    assert o.imports() == [] and o.busy() == []
    expect(o.book(t("10:00")), 201)
    expect_error(o.api.delete(f"{path}/{iid}"), 404)

    # the busy list's parameters
    busy = f"/calendars/{o.cal}/busy"
    expect_error(o.api.get(busy, params={"from": "soon"}), 400)
    expect_error(o.api.get(busy, params={"from": 100, "to": 50}), 400)
    expect_error(o.api.get(busy, params={"from": 0, "to": 401 * DAY}), 400)


def test_the_server_stops_at_once_during_a_download(office, feed):
    o = office(timeout=60)
    feed.hang = 30
    with feed.lock:
        feed.mode = "hang"
    o.add_import(feed.url)
    wait_until(lambda: feed.requests == 1, what="the download to start")
    began = time.monotonic()
    assert o.srv.terminate(timeout=10) == 0
    assert time.monotonic() - began < 5
    listed = o.p.cli.ok("feed", "imports", "--calendar", str(o.cal))
    assert "last_error=interrupted: the server stopped" in listed, listed
    assert f"next={o.clock.now} " in listed, listed  # due at once for the next server


def test_sync_off_fetches_nothing(agenda_bin, tmp_path, feed):
    p = Practice(agenda_bin, tmp_path, T0, config=False)
    conf = tmp_path / "loopback.ini"
    conf.write_text(sync_section())
    try:
        p.serve("--config", str(conf), "--sync", "off", "--dispatch", "off")
        feed.set(calendar_text(event("dentist", "20261005T100000", "20261005T110000")), '"v1"')
        expect(p.api.post(f"/calendars/{p.calendar_id}/imports",
                          {"import": {"url": feed.url}}), 201)
        time.sleep(1)
        assert feed.requests == 0
    finally:
        p.stop()
    p = p.cli.run("feed", "bogus")
    assert p.returncode == 2 and "usage: agenda feed" in p.stderr


def test_internal_addresses_are_refused_unless_the_configuration_allows_them(office, feed,
                                                                              tmp_path):
    """The server allows no internal network: an import of the test's feed
    on 127.0.0.1, or on "localhost", is a 422 on `url` naming the address
    through the API and one line from `feed import`, and stores nothing.
    One stored all the same (by a command line whose configuration allows
    loopback) is refused where the server connects: its download fails
    with that reason, the feed never sees a request."""
    o = office(allow=None)
    path = f"/calendars/{o.cal}/imports"
    port = feed.url.split(":")[2].split("/")[0]
    by_name = f"http://localhost:{port}/feed.ics"
    err = expect_error(o.api.post(path, {"import": {"url": feed.url}}), 422, "url")
    assert err["errors"]["url"] == "address not allowed: 127.0.0.1; see [sync] allow_networks", err
    err = expect_error(o.api.post(path, {"import": {"url": by_name}}), 422, "url")
    assert err["errors"]["url"].startswith("address not allowed: "), err
    for url in (feed.url, by_name, "webcal://127.0.0.1/x.ics", "http://[::1]:9/x.ics"):
        p = o.p.cli.run("feed", "import", "--calendar", str(o.cal), "--url", url, "--config",
                        str(o.conf))
        assert p.returncode == 1 and p.stderr.count("\n") == 1, (url, p.stderr)
        assert "address not allowed: " in p.stderr and "[sync] allow_networks" in p.stderr
    assert o.imports() == [] and feed.requests == 0

    feed.set(calendar_text(event("dentist", "20261006T100000", "20261006T110000")), '"v1"')
    open_conf = tmp_path / "open.ini"
    open_conf.write_text(sync_section())
    iid = int(o.p.cli.ok("feed", "import", "--calendar", str(o.cal), "--url", feed.url,
                         "--config", str(open_conf)))
    im = o.wait_fetch("the refused download", lambda i: i["last_error"] is not None)
    assert im["id"] == iid and "address not allowed: 127.0.0.1" in im["last_error"], im
    assert feed.requests == 0 and o.busy() == []

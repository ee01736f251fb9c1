"""A calendar's iCalendar feed (issue 13): GET /calendars/{id}/feed.ics?token=...
served by the real `agenda serve`, its secret made and revoked by
`agenda feed create|revoke` and by the API.

The feed is read with python3-icalendar (and, once, by vdirsyncer, a real
calendar client); expected instants come from Python's zoneinfo, not from
the server.  The server's clock is a file the test moves (--clock-file), so
a cancelled appointment's 30 days in the feed pass without waiting."""

import configparser
import subprocess
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime, timezone
from email.utils import format_datetime

import pytest
import requests
from icalendar import Calendar

from helpers import (API, appointment_fields, assert_cli_failed, database_contents, expect,
                     unique, unwrap_one)
from reminders_support import Practice
from schedule_support import BRUSSELS, at

DAY = 86400
MONDAY = date(2026, 10, 5)
T0 = at(BRUSSELS, MONDAY, "08:00")  # the clock's start
TEN = at(BRUSSELS, date(2026, 10, 6), "10:00")  # Tuesday 10:00, the appointments' time
CANCELLED_DAYS = 30


class Office:
    """A practice in Brussels (calendar "Anna Peeters"), a patient and a
    server on the clock file."""

    def __init__(self, agenda_bin, tmp_path):
        self.p = Practice(agenda_bin, tmp_path, T0, config=False)
        self.srv = self.p.serve("--dispatch", "off")
        self.acct = self.p.acct
        self.api = self.acct.api
        self.cal = self.p.calendar_id
        self.cli = self.p.cli
        self.patient = self.acct.create_patient(
            remote_id=unique("p"), first_name="Wouter", last_name="Claes",
            email="wouter.claes@example.com", phone_number="+32470123456",
            notes="allergic to penicillin")

    @property
    def clock(self):
        return self.p.clock

    def feed_url(self, calendar_id=None):
        return f"{self.srv.base}{API}/calendars/{calendar_id or self.cal}/feed.ics"

    def create(self, *extra, calendar_id=None):
        token = self.cli.ok("feed", "create", "--calendar", str(calendar_id or self.cal), *extra)
        assert token and len(token.split()) == 1, token
        return token

    def fetch(self, token, headers=None, calendar_id=None):
        return requests.get(self.feed_url(calendar_id), params={"token": token},
                            headers=headers or {}, timeout=30)

    def read(self, token):
        r = served(self.fetch(token))
        assert r.headers["Content-Type"] == "text/calendar; charset=utf-8"
        return r.text, Calendar.from_ical(r.content)

    def appointment(self, **fields):
        fields.setdefault("start", TEN)
        fields.setdefault("title", "Consultation")
        fields.setdefault("notes", "bring the x-rays")
        return self.acct.create_appointment(**fields)

    def put(self, appointment, **fields):
        path = f"/calendars/{self.cal}/appointments/{appointment['id']}"
        return unwrap_one(expect(self.api.put(path, {"appointment": fields}), 200), "appointment")


def served(resp):
    """A feed served: 200 with a body (not JSON); the response."""
    assert resp.status_code == 200, f"{resp.status_code} {resp.text[:300]}"
    assert resp.content.startswith(b"BEGIN:VCALENDAR\r\n")
    return resp


def events(cal):
    return {str(e["UID"]): e for e in cal.walk("VEVENT")}


def the_event(cal):
    [e] = cal.walk("VEVENT")
    return e


def instant(prop):
    return int(prop.dt.timestamp())


@pytest.fixture
def office(agenda_bin, tmp_path):
    o = Office(agenda_bin, tmp_path)
    yield o
    o.p.stop()


def test_the_feed_is_rfc5545_in_the_centers_zone_and_keeps_patients_out(office):
    o = office
    token = o.create()
    a = o.appointment(patient_remote_id=o.patient["remote_id"])
    text, cal = o.read(token)
    assert str(cal["VERSION"]) == "2.0"
    assert "Agenda" in str(cal["PRODID"])
    assert str(cal["X-WR-CALNAME"]) == "Anna Peeters"
    [tz] = cal.walk("VTIMEZONE")
    assert str(tz["TZID"]) == BRUSSELS
    e = the_event(cal)
    assert e["DTSTART"].params["TZID"] == BRUSSELS
    assert instant(e["DTSTART"]) == TEN and instant(e["DTEND"]) == TEN + 1800
    assert e["DTSTART"].dt.utcoffset().total_seconds() == 7200  # CEST in October
    assert str(e["SUMMARY"]) == "Consultation"
    assert str(e["STATUS"]) == "CONFIRMED"
    assert int(e["SEQUENCE"]) == 1
    assert int(e["LAST-MODIFIED"].dt.timestamp()) == T0  # the clock of its last write
    assert str(e["UID"]).startswith(f"{a['id']}-")
    # nothing of the patient, nor the appointment's notes
    for secret in ("Wouter", "Claes", "wouter.claes", "470123456", "penicillin", "x-rays"):
        assert secret not in text
    assert "\r\n" in text


def test_uid_stays_and_sequence_rises_when_an_appointment_moves(office):
    o = office
    token = o.create()
    a = o.appointment()
    before = the_event(o.read(token)[1])
    o.clock.set(T0 + 3600, settle=True)
    o.put(a, start=str(TEN + DAY), stop=str(TEN + DAY + 3600))
    after = the_event(o.read(token)[1])
    assert str(after["UID"]) == str(before["UID"])
    assert int(after["SEQUENCE"]) > int(before["SEQUENCE"])
    assert instant(after["DTSTART"]) == TEN + DAY and instant(after["DTEND"]) == TEN + DAY + 3600
    assert int(after["LAST-MODIFIED"].dt.timestamp()) == T0 + 3600
    # a title change raises it again; the service's name stands in for no title
    svc = o.acct.upsert_services({"remote_id": "cons", "name": "Check-up", "duration": 30})[0]
    o.put(a, title="", service_remote_id=svc["remote_id"])
    last = the_event(o.read(token)[1])
    assert int(last["SEQUENCE"]) > int(after["SEQUENCE"])
    assert str(last["SUMMARY"]) == "Check-up"


def test_cancelled_and_deleted_show_as_cancelled_for_30_days_then_go(office):
    o = office
    token = o.create()
    cancelled = o.appointment(remote_id="c")
    deleted = o.appointment(remote_id="d", start=TEN + 3600)
    noshow = o.appointment(remote_id="n", start=TEN + 7200)
    kept = o.appointment(remote_id="k", start=TEN + 3 * 3600)
    o.put(cancelled, status="cancelled")
    expect(o.api.delete(f"/calendars/{o.cal}/appointments/{deleted['id']}"), 204)
    o.put(noshow, status="noshow")
    by_id = {uid.split("-")[0]: e for uid, e in events(o.read(token)[1]).items()}
    assert str(by_id[cancelled["id"]]["STATUS"]) == "CANCELLED"
    assert str(by_id[deleted["id"]]["STATUS"]) == "CANCELLED"
    assert str(by_id[noshow["id"]]["STATUS"]) == "CONFIRMED"
    assert str(by_id[kept["id"]]["STATUS"]) == "CONFIRMED"

    o.clock.set(T0 + (CANCELLED_DAYS - 1) * DAY, settle=True)
    assert len(events(o.read(token)[1])) == 4
    o.clock.set(T0 + (CANCELLED_DAYS + 1) * DAY, settle=True)
    left = {uid.split("-")[0] for uid in events(o.read(token)[1])}
    assert left == {noshow["id"], kept["id"]}  # past, but within the 90 days shown


def test_the_past_90_days_are_shown(office):
    o = office
    token = o.create()
    o.appointment()
    o.clock.set(TEN + 89 * DAY, settle=True)
    assert len(events(o.read(token)[1])) == 1
    o.clock.set(TEN + 91 * DAY, settle=True)
    assert len(events(o.read(token)[1])) == 0


def test_patient_names_only_with_the_option(office):
    o = office
    o.appointment(patient_remote_id=o.patient["remote_id"])
    token = o.create()
    assert str(the_event(o.read(token)[1])["SUMMARY"]) == "Consultation"
    token = o.create("--patient-names", "on")
    text, cal = o.read(token)
    assert str(the_event(cal)["SUMMARY"]) == "Consultation (Wouter Claes)"
    assert "penicillin" not in text and "470123456" not in text
    token = o.create()  # a new token keeps the option
    assert "Wouter Claes" in str(the_event(o.read(token)[1])["SUMMARY"])
    r = expect(o.api.post(f"/calendars/{o.cal}/feed", {"feed": {"patient_names": False}}), 201)
    token = unwrap_one(r, "feed")["token"]
    assert str(the_event(o.read(token)[1])["SUMMARY"]) == "Consultation"


def test_etag_and_last_modified_answer_304(office):
    o = office
    token = o.create()
    a = o.appointment()
    r = served(o.fetch(token))
    etag, modified = r.headers["ETag"], r.headers["Last-Modified"]
    assert etag.startswith('"') and etag.endswith('"')
    assert modified == format_datetime(datetime.fromtimestamp(T0, timezone.utc), usegmt=True)
    same = o.fetch(token, {"If-None-Match": etag})
    assert same.status_code == 304 and same.content == b""
    assert same.headers["ETag"] == etag
    assert o.fetch(token, {"If-None-Match": f'"other", W/{etag}'}).status_code == 304
    assert o.fetch(token, {"If-Modified-Since": modified}).status_code == 304
    earlier = format_datetime(datetime.fromtimestamp(T0 - 1, timezone.utc), usegmt=True)
    assert o.fetch(token, {"If-Modified-Since": earlier}).status_code == 200
    # If-None-Match wins over If-Modified-Since (RFC 9110 13.2.2)
    assert o.fetch(token, {"If-None-Match": '"other"',
                           "If-Modified-Since": modified}).status_code == 200
    assert o.fetch(token, {"If-Modified-Since": "yesterday"}).status_code == 200

    o.clock.set(T0 + 60, settle=True)
    o.put(a, title="Follow-up")
    changed = o.fetch(token, {"If-None-Match": etag, "If-Modified-Since": modified})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert o.fetch(token, {"If-Modified-Since": modified}).status_code == 200
    assert o.fetch(token, {"If-None-Match": changed.headers["ETag"]}).status_code == 304


def test_a_rename_that_touches_no_appointment_changes_the_etag(office):
    o = office
    token = o.create("--patient-names", "on")
    svc = o.acct.upsert_services({"remote_id": "cons", "name": "Check-up", "duration": 30})[0]
    o.appointment(title="", service_remote_id=svc["remote_id"],
                  patient_remote_id=o.patient["remote_id"])
    etag = served(o.fetch(token)).headers["ETag"]
    o.acct.upsert_services({"id": svc["id"], "name": "Control visit", "duration": 30})
    r = served(o.fetch(token, {"If-None-Match": etag}))
    assert str(the_event(Calendar.from_ical(r.content))["SUMMARY"]) == \
        "Control visit (Wouter Claes)"
    path = f"{o.acct.patients}/{o.patient['id']}"
    expect(o.api.put(path, {"patient": {"last_name": "Claessens"}}), 200)
    r2 = served(o.fetch(token, {"If-None-Match": r.headers["ETag"]}))
    assert "(Wouter Claessens)" in str(the_event(Calendar.from_ical(r2.content))["SUMMARY"])
    assert o.fetch(token, {"If-None-Match": r2.headers["ETag"]}).status_code == 304


def test_concurrent_first_readers_get_the_same_feed(office):
    """The server's first feeds, read at once by several workers (libical
    loads the zone on first use): every answer is the whole feed."""
    o = office
    token = o.create()
    o.appointment()
    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _: served(o.fetch(token)), range(16)))
    assert len({(r.content, r.headers["ETag"]) for r in answers}) == 1


def not_found(resp):
    """The feed's one refusal: 404 with the API's JSON error envelope."""
    assert resp.status_code == 404, resp.text
    assert resp.headers["Content-Type"].startswith("application/json")
    assert "error" in resp.json()
    return resp.status_code, resp.content


def test_tokens_rotate_and_revoke_and_others_are_refused_alike(office):
    o = office
    o.appointment()
    old = o.create()
    served(o.fetch(old))
    new = o.create()
    assert new != old
    answers = {not_found(o.fetch(old))}
    served(o.fetch(new))

    other_cal = o.acct.add_calendar(first="Bart", last="Jacobs", slug=unique("cal"))
    other = o.create(calendar_id=other_cal)
    served(o.fetch(other, calendar_id=other_cal))
    answers.add(not_found(o.fetch(other)))  # another calendar's token
    answers.add(not_found(o.fetch(new, calendar_id=other_cal)))
    answers.add(not_found(o.fetch(new[::-1])))
    answers.add(not_found(o.fetch("")))
    answers.add(not_found(requests.get(o.feed_url(), timeout=30)))  # no token at all
    answers.add(not_found(o.fetch(new, calendar_id=987654321)))
    assert o.cli.run("feed", "revoke", "--calendar", str(o.cal)).returncode == 0
    answers.add(not_found(o.fetch(new)))
    assert len(answers) == 1, answers
    served(o.fetch(other, calendar_id=other_cal))  # the other calendar's feed is its own


def test_the_api_makes_shows_and_revokes_the_feed(office):
    o = office
    path = f"/calendars/{o.cal}/feed"
    assert expect(o.api.get(path), 404)["error"]
    r = unwrap_one(expect(o.api.post(path), 201), "feed")
    assert r["patient_names"] is False
    assert r["url"] == f"/api/v2/calendars/{o.cal}/feed.ics?token={r['token']}"
    served(requests.get(o.srv.base + r["url"], timeout=30))
    shown = unwrap_one(expect(o.api.get(path), 200), "feed")
    assert "token" not in shown and "url" not in shown and r["token"] not in str(shown)
    assert shown["created_at"] == shown["rotated_at"] == str(T0)

    o.clock.set(T0 + 60, settle=True)
    again = unwrap_one(expect(o.api.post(path, {"feed": {"patient_names": True}}), 201), "feed")
    assert again["token"] != r["token"] and again["patient_names"] is True
    assert again["created_at"] == str(T0) and again["rotated_at"] == str(T0 + 60)
    not_found(o.fetch(r["token"]))
    served(o.fetch(again["token"]))
    assert "patient_names" in expect(o.api.post(path, {"feed": {"patient_names": "yes"}}),
                                     422)["errors"]
    served(o.fetch(again["token"]))  # the refused request changed nothing

    expect(o.api.delete(path), 204)
    not_found(o.fetch(again["token"]))
    expect(o.api.delete(path), 404)
    expect(o.api.get(path), 404)


def test_cli_refusals_are_one_line_and_change_nothing(office):
    o = office
    token = o.create()
    before = database_contents(o.cli.db)
    for args in (["feed", "create"],
                 ["feed", "create", "--calendar", "x"],
                 ["feed", "create", "--calendar", "0"],
                 ["feed", "create", "--calendar", "987654"],
                 ["feed", "create", "--calendar", str(o.cal), "--patient-names", "maybe"],
                 ["feed", "create", "--calendar", str(o.cal), "--bogus", "1"],
                 ["feed", "revoke"],
                 ["feed", "revoke", "--calendar", "987654"],
                 ["feed", "rotate", "--calendar", str(o.cal)]):
        assert_cli_failed(o.cli.run(*args))
    assert database_contents(o.cli.db) == before
    served(o.fetch(token))
    assert o.cli.run("feed", "revoke", "--calendar", str(o.cal)).returncode == 0
    assert_cli_failed(o.cli.run("feed", "revoke", "--calendar", str(o.cal)))  # none left


def test_vdirsyncer_subscribes_to_the_feed(office, tmp_path):
    """A real client: vdirsyncer's http storage reads the feed into a
    directory, one .ics per event, and a second sync follows a move.  (Its
    http storage names items by a hash of their text, not by UID, so the
    events are told apart by their titles.)"""
    o = office
    token = o.create()
    made = [o.appointment(start=TEN + i * 3600, title=f"Visit {i}") for i in range(3)]
    out = tmp_path / "vdir"
    out.mkdir()
    conf = configparser.ConfigParser()
    conf["general"] = {"status_path": f'"{tmp_path / "status"}"'}
    conf["pair feed"] = {"a": '"remote"', "b": '"local"', "collections": "null",
                         "conflict_resolution": '"a wins"'}
    conf["storage remote"] = {"type": '"http"',
                              "url": f'"{o.feed_url()}?token={token}"'}
    conf["storage local"] = {"type": '"filesystem"', "path": f'"{out}"',
                             "fileext": '".ics"'}
    path = tmp_path / "vdirsyncer.conf"
    with open(path, "w") as f:
        conf.write(f)

    def sync(*steps):
        for step in steps:
            p = subprocess.run(["vdirsyncer", "-c", str(path), *step], capture_output=True,
                               text=True, timeout=60, input="")
            assert p.returncode == 0, p.stdout + p.stderr
        arrived = {}
        for f in out.glob("*.ics"):
            e = the_event(Calendar.from_ical(f.read_bytes()))
            arrived[str(e["SUMMARY"])] = instant(e["DTSTART"])
        return arrived

    assert sync(["discover", "feed"], ["sync", "feed"]) == {
        f"Visit {i}": TEN + i * 3600 for i in range(3)}
    o.clock.set(T0 + 60, settle=True)
    o.put(made[1], start=str(TEN + DAY), stop=str(TEN + DAY + 1800))
    assert sync(["sync", "feed"]) == {"Visit 0": TEN, "Visit 1": TEN + DAY, "Visit 2": TEN + 7200}

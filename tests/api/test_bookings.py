"""POST /calendars/{id}/bookings: a suggested slot taken atomically.

A booking answers 201 with the new appointment when its start is a slot the
suggestions would offer at that moment, 409 when it is not, 422 for a body
that names no valid service, start or patient.  Many clients racing for one
slot: exactly one wins."""

import threading
import time
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from helpers import Api, describe, expect, expect_error, unique, unwrap_one
from schedule_support import (BRUSSELS, DAY, add_range, at, dst_year, future_monday, iso,
                              last_sunday, parse_iso, put_hours, service, suggest)

APPOINTMENT_KEYS = {"id", "remote_id", "start", "stop", "notes", "warning", "color", "title",
                    "status", "patient_id", "patient_remote_id", "service_remote_id", "noshow",
                    "patient_arrived_at"}

MISSING = 999_999_999


class Clinic:
    """acct with Monday 09:00-12:00 (step 15) and Sunday closed, a 30-minute
    service and a patient."""

    def __init__(self, acct):
        self.acct = acct
        self.mon = future_monday()
        put_hours(acct, [("monday", "09:00", "12:00"), ("tuesday", "00:00", "24:00")], 15)
        self.svc = service(acct, 30, remote_id="cons")
        self.patient = acct.create_patient(remote_id=unique("p"))
        self.path = f"/calendars/{acct.calendar_id}/bookings"

    def t(self, hhmm, day=0):
        return at(BRUSSELS, self.mon + timedelta(days=day), hhmm)

    def body(self, start, **fields):
        b = {"service_id": self.svc["id"], "start": str(start),
             "patient_remote_id": self.patient["remote_id"]}
        b.update(fields)
        return {"booking": {k: v for k, v in b.items() if v is not None}}

    def book(self, start, api=None, calendar_id=None, **fields):
        path = f"/calendars/{calendar_id}/bookings" if calendar_id else self.path
        return (api or self.acct.api).post(path, self.body(start, **fields))

    def starts(self, calendar_id=None, day=0):
        frm = self.t("00:00", day)
        got = suggest(self.acct, [calendar_id or self.acct.calendar_id],
                      service_remote_id="cons", start=frm, stop=frm + DAY, limit=1000)
        return [s["start"] for s in got]

    def appointments_at(self, start, calendar_id=None):
        return self.acct.list_appointments(calendar_id=calendar_id, start=start,
                                           stop=start + 1)


@pytest.fixture
def clinic(acct):
    return Clinic(acct)


def iso_of(clinic, hhmm, day=0):
    return iso(BRUSSELS, clinic.t(hhmm, day))


# ---- success -----------------------------------------------------------------------


def test_booking_a_suggested_slot(clinic):
    acct = clinic.acct
    assert iso_of(clinic, "10:00") in clinic.starts()
    r = clinic.book(clinic.t("10:00"), remote_id="b-1")
    a = unwrap_one(expect(r, 201), "appointment")
    assert set(a) >= APPOINTMENT_KEYS
    assert isinstance(a["id"], str) and a["id"].isdigit()
    assert a["remote_id"] == "b-1"
    assert a["start"] == str(clinic.t("10:00"))
    assert a["stop"] == str(clinic.t("10:30"))
    assert a["status"] == "booked" and a["noshow"] is False
    assert a["patient_remote_id"] == clinic.patient["remote_id"]
    assert a["patient_id"] == str(clinic.patient["id"])
    assert a["service_remote_id"] == "cons"
    assert a["warning"] is False
    # It is a real appointment of the calendar, the same through every read.
    assert acct.get_appointment(a["id"]) == a
    assert acct.get_appointment("remote_id:b-1") == a
    assert clinic.appointments_at(clinic.t("10:00")) == [a]
    # And its time is no longer suggested; 09:45 (would end at 10:15) neither.
    starts = clinic.starts()
    for hhmm in ("09:45", "10:00", "10:15"):
        assert iso_of(clinic, hhmm) not in starts
    assert iso_of(clinic, "09:30") in starts and iso_of(clinic, "10:30") in starts


def test_booking_without_remote_id_and_by_service_remote_id(clinic):
    r = clinic.book(clinic.t("09:00"), service_id=None, service_remote_id="cons")
    a = unwrap_one(expect(r, 201), "appointment")
    assert a["start"] == str(clinic.t("09:00")) and a["stop"] == str(clinic.t("09:30"))
    assert a["service_remote_id"] == "cons"
    assert a["remote_id"] in (None, "")
    assert clinic.acct.get_appointment(a["id"]) == a


def test_booking_as_a_form_and_with_numbers(clinic):
    acct = clinic.acct
    data = {"booking[service_id]": str(clinic.svc["id"]),
            "booking[start]": str(clinic.t("11:00")),
            "booking[patient_remote_id]": clinic.patient["remote_id"],
            "booking[remote_id]": "form-1"}
    a = unwrap_one(expect(acct.api.post(clinic.path, data=data), 201), "appointment")
    assert a["remote_id"] == "form-1" and a["start"] == str(clinic.t("11:00"))
    b = unwrap_one(expect(acct.api.post(clinic.path, {
        "service_id": clinic.svc["id"], "start": clinic.t("11:30"),
        "patient_remote_id": clinic.patient["remote_id"], "remote_id": 77}), 201), "appointment")
    assert b["remote_id"] == "77" and b["start"] == str(clinic.t("11:30"))


def test_booking_the_last_slot_before_closing_and_over_a_cancelled_appointment(clinic):
    acct = clinic.acct
    expect(clinic.book(clinic.t("11:30")), 201)
    c = acct.create_appointment(start=clinic.t("09:00"), stop=clinic.t("10:00"),
                                status="cancelled")
    expect(clinic.book(clinic.t("09:15")), 201)
    assert acct.get_appointment(c["id"])["status"] == "cancelled"


def test_booking_an_extra_opening(clinic):
    sun = 6
    add_range(clinic.acct, "openings", clinic.t("14:00", sun), clinic.t("15:00", sun))
    expect(clinic.book(clinic.t("14:30", sun)), 201)
    expect_error(clinic.book(clinic.t("14:45", sun)), 409)  # would end at 15:15


def test_a_deleted_booking_frees_its_slot(clinic):
    acct = clinic.acct
    a = unwrap_one(expect(clinic.book(clinic.t("10:00")), 201), "appointment")
    expect_error(clinic.book(clinic.t("10:00")), 409)
    expect(acct.api.delete(f"{acct.appointments}/{a['id']}"), 204)
    assert iso_of(clinic, "10:00") in clinic.starts()
    expect(clinic.book(clinic.t("10:00")), 201)


# ---- 409: not a slot ------------------------------------------------------------------


def test_times_that_are_not_slots_are_409(clinic):
    acct = clinic.acct
    acct.create_appointment(start=clinic.t("10:40"), stop=clinic.t("10:50"))
    acct.create_appointment(start=clinic.t("11:00"), stop=clinic.t("11:15"), noshow=True)
    add_range(acct, "absences", clinic.t("09:00", 1), clinic.t("12:00", 1))
    expect(clinic.book(clinic.t("09:00")), 201)
    today = datetime.now(ZoneInfo(BRUSSELS)).date()
    last_tuesday = today - timedelta(days=(today.weekday() - 1) % 7 or 7)
    past_tuesday = at(BRUSSELS, last_tuesday, "10:00")  # open, but gone
    assert past_tuesday < time.time()
    cases = {
        "before opening": clinic.t("08:45"),
        "after closing": clinic.t("12:00"),
        "would end after closing": clinic.t("11:45"),
        "on a closed day": clinic.t("10:00", 2),
        "off the grid": clinic.t("09:35"),
        "one second off the grid": clinic.t("09:30") + 1,
        "taken by a booking": clinic.t("09:00"),
        "overlapping a booking": clinic.t("09:15"),
        "overlapping an appointment": clinic.t("10:15"),
        "overlapping a noshow": clinic.t("10:45"),
        "in an absence": clinic.t("10:00", 1),
        "ending in an absence": clinic.t("08:45", 1),
        "in the past, in open hours": past_tuesday,
        "long ago": 1_000_000_000,
        "the epoch": 0,
    }
    for why, start in cases.items():
        r = clinic.book(start, remote_id=unique("r"))
        body = expect_error(r, 409)
        assert body["error"], why
    # Nothing was written by any of them.
    booked = acct.list_appointments(start=0, stop=2**40)
    assert len(booked) == 3


def test_the_largest_timestamp_is_409_not_500(clinic):
    """9999-12-31T23:59:59Z is a valid timestamp (a Friday, and Tuesday and
    Monday hours do not cover it): not a slot, so 409."""
    last = 253_402_300_799
    for start in (last, last - 59):
        r = clinic.book(start)
        assert r.status_code == 409, describe(r)
    assert clinic.acct.list_appointments(start=0, stop=last) == []


def test_both_repeated_hours_of_the_fall_change_can_be_booked(new_account):
    acct = new_account()
    year = dst_year()
    sun = last_sunday(year, 10)
    put_hours(acct, [("sunday", "01:00", "04:00")], 60)
    svc = service(acct, 60)
    patient = acct.create_patient(remote_id="dst")
    path = f"/calendars/{acct.calendar_id}/bookings"
    first = at(BRUSSELS, sun, "02:00")              # 02:00+02:00
    second = at(BRUSSELS, sun, "02:00", last=True)  # 02:00+01:00, an hour later
    assert second - first == 3600
    for start in (second, first):
        r = acct.api.post(path, {"booking": {"service_id": svc["id"], "start": start,
                                             "patient_remote_id": "dst"}})
        a = unwrap_one(expect(r, 201), "appointment")
        assert a["start"] == str(start) and a["stop"] == str(start + 3600)
        assert a["patient_id"] == str(patient["id"])
    frm = at(BRUSSELS, sun, "00:00")
    got = suggest(acct, service_id=svc["id"], start=frm, stop=frm + DAY)
    assert [s["start"] for s in got] == [f"{sun}T01:00:00+02:00", f"{sun}T03:00:00+01:00"]
    # On the spring day the range's second slot is 03:00+02:00, an hour after 01:00+01:00.
    spring = last_sunday(year, 3)
    r = acct.api.post(path, {"booking": {"service_id": svc["id"],
                                         "start": at(BRUSSELS, spring, "03:00"),
                                         "patient_remote_id": "dst"}})
    expect(r, 201)
    r = acct.api.post(path, {"booking": {"service_id": svc["id"],
                                         "start": at(BRUSSELS, spring, "01:00") + 1800,
                                         "patient_remote_id": "dst"}})
    expect_error(r, 409)


def test_a_slot_booked_in_one_calendar_stays_free_in_another(clinic):
    acct = clinic.acct
    cal2 = acct.add_calendar(slug=unique("cal"))
    put_hours(acct, [("monday", "09:00", "12:00")], 15, calendar_id=cal2)
    [svc2] = acct.upsert_services({"remote_id": "cons", "name": "C", "duration": 30},
                                  calendar_id=cal2)
    expect(clinic.book(clinic.t("10:00")), 201)
    assert iso_of(clinic, "10:00") in clinic.starts(calendar_id=cal2)
    r = acct.api.post(f"/calendars/{cal2}/bookings", clinic.body(clinic.t("10:00"),
                                                                 service_id=svc2["id"]))
    a = unwrap_one(expect(r, 201), "appointment")
    assert a["start"] == str(clinic.t("10:00"))
    assert len(clinic.appointments_at(clinic.t("10:00"))) == 1
    assert len(clinic.appointments_at(clinic.t("10:00"), calendar_id=cal2)) == 1
    expect_error(acct.api.post(f"/calendars/{cal2}/bookings",
                               clinic.body(clinic.t("10:00"), service_id=svc2["id"])), 409)


def book_as_returned(acct, suggestion, patient_remote_id):
    """Books a suggestion exactly as GET /suggestions returned it."""
    r = acct.api.post(f"/calendars/{suggestion['calendar_id']}/bookings",
                      {"booking": {"service_id": suggestion["service_id"],
                                   "start": suggestion["start"],
                                   "patient_remote_id": patient_remote_id}})
    a = unwrap_one(expect(r, 201), "appointment")
    assert (int(a["start"]), int(a["stop"])) == (parse_iso(suggestion["start"]),
                                                 parse_iso(suggestion["stop"]))
    return a


def test_every_suggestion_of_several_calendars_is_bookable_as_returned(acct):
    mon = future_monday()
    cal1, cal2, cal3 = (acct.calendar_id, acct.add_calendar(slug=unique("cal")),
                        acct.add_calendar(slug=unique("cal")))
    put_hours(acct, [("monday", "09:00", "10:30")], 30, calendar_id=cal1)
    put_hours(acct, [("monday", "09:00", "11:00")], 60, calendar_id=cal2)
    put_hours(acct, [("monday", "09:00", "12:00")], 30, calendar_id=cal3)
    s1 = service(acct, 30, remote_id="cons", calendar_id=cal1)
    s2 = service(acct, 60, remote_id="cons", calendar_id=cal2)
    service(acct, 30, remote_id="other", calendar_id=cal3)
    patient = acct.create_patient(remote_id=unique("p"))
    frm = at(BRUSSELS, mon, "00:00")
    window = {"start": frm, "stop": frm + DAY, "limit": 1000}
    calendars = [cal1, cal2, cal3]

    # service_id of one calendar: only that calendar proposes, with that service
    got = suggest(acct, calendars, service_id=s2["id"], **window)
    assert [(s["calendar_id"], s["service_id"]) for s in got] == [(cal2, s2["id"])] * 2
    booked = [book_as_returned(acct, s, patient["remote_id"]) for s in got]
    assert {a["service_remote_id"] for a in booked} == {"cons"}
    assert suggest(acct, calendars, service_id=s2["id"], **window) == []

    # service_remote_id: each calendar with such a service proposes with its own
    got = suggest(acct, calendars, service_remote_id="cons", **window)
    assert [(s["calendar_id"], s["service_id"]) for s in got] == [(cal1, s1["id"])] * 3
    for s in got:
        book_as_returned(acct, s, patient["remote_id"])
    assert suggest(acct, calendars, service_remote_id="cons", **window) == []
    assert len(acct.list_appointments(calendar_id=cal1)) == 3
    assert len(acct.list_appointments(calendar_id=cal2)) == 2
    assert acct.list_appointments(calendar_id=cal3) == []


def test_start_in_iso_8601_with_any_offset(clinic):
    acct = clinic.acct
    t = clinic.t("10:00")
    as_suggested = iso_of(clinic, "10:00")  # "...T10:00:00+01:00" or "+02:00"
    a = unwrap_one(expect(clinic.book(as_suggested), 201), "appointment")
    assert a["start"] == str(t) and a["stop"] == str(t + 1800)
    # the same instant written with another offset names the same slot
    utc = datetime.fromtimestamp(clinic.t("11:00"), timezone.utc)
    for text in (utc.strftime("%Y-%m-%dT%H:%M:%SZ"), utc.strftime("%Y-%m-%dT%H:%M:%S+00:00"),
                 utc.astimezone(timezone(timedelta(hours=-5, minutes=-30)))
                 .strftime("%Y-%m-%dT%H:%M:%S-05:30")):
        b = unwrap_one(expect(clinic.book(text), 201), "appointment")
        assert b["start"] == str(clinic.t("11:00"))
        expect(acct.api.delete(f"{acct.appointments}/{b['id']}"), 204)
    # a taken or off-grid time is 409 in either form
    expect_error(clinic.book(as_suggested), 409)
    expect_error(clinic.book(iso_of(clinic, "10:05")), 409)
    # as a form too
    data = {"booking[service_id]": str(clinic.svc["id"]),
            "booking[start]": iso_of(clinic, "09:00"),
            "booking[patient_remote_id]": clinic.patient["remote_id"]}
    c = unwrap_one(expect(acct.api.post(clinic.path, data=data), 201), "appointment")
    assert c["start"] == str(clinic.t("09:00"))


@pytest.mark.parametrize("start", [
    "2027-03-01T08:30:00",             # no offset: local to what?
    "2027-03-01 08:30:00+01:00",       # not the T form
    "2027-03-01T08:30+01:00",          # no seconds
    "2027-03-01T08:30:00.000+01:00",   # fractions
    "2027-02-29T08:30:00+01:00",       # no such day
    "2027-03-01T24:00:00+01:00",
    "2027-03-01T08:60:00+01:00",
    "2027-03-01T08:30:60+01:00",
    "2027-03-01T08:30:00+24:00",
    "2027-03-01T08:30:00+01:60",
    "2027-03-01T08:30:00+0100",
    "2027-03-01T08:30:00+01",
    "2027-03-01T08:30:00z",
    "2027-03-01T08:30:00+01:00 ",
    " 2027-03-01T08:30:00+01:00",
    "2027-3-01T08:30:00+01:00",
    "1969-12-31T23:59:59Z",            # before the first timestamp
    "T",
    "today",
])
def test_malformed_iso_8601_start_is_422(clinic, start):
    body = expect_error(clinic.book(start), 422, "start")
    assert "ISO 8601" in body["errors"]["start"]
    assert clinic.acct.list_appointments(start=0, stop=2**40) == []


def test_a_taken_remote_id_is_409_and_books_nothing(clinic):
    acct = clinic.acct
    acct.create_appointment(remote_id="taken", start=clinic.t("08:00"), stop=clinic.t("08:10"))
    r = clinic.book(clinic.t("10:00"), remote_id="taken")
    expect_error(r, 409)
    assert clinic.appointments_at(clinic.t("10:00")) == []
    assert iso_of(clinic, "10:00") in clinic.starts()


# ---- 422 and 400: the body ----------------------------------------------------------------


def test_invalid_bookings_are_422_and_write_nothing(clinic, other):
    acct = clinic.acct
    cal2 = acct.add_calendar(slug=unique("cal"))
    [foreign_svc] = acct.upsert_services({"remote_id": "elsewhere", "name": "E",
                                          "duration": 30}, calendar_id=cal2)
    stranger = other.create_patient(remote_id=unique("p"))
    t = clinic.t("10:00")
    cases = [
        # (fields replacing the valid ones; None removes; the fields at fault)
        ({"service_id": None}, ["service_id"]),
        ({"service_id": None, "service_remote_id": ""}, ["service_id"]),
        ({"service_id": MISSING}, ["service_id"]),
        ({"service_id": foreign_svc["id"]}, ["service_id"]),
        ({"service_id": "abc"}, ["service_id"]),
        ({"service_id": None, "service_remote_id": "elsewhere"}, ["service_remote_id"]),
        ({"service_id": None, "service_remote_id": "nope"}, ["service_remote_id"]),
        ({"start": None}, ["start"]),
        ({"start": ""}, ["start"]),
        ({"start": "abc"}, ["start"]),
        ({"start": "-1"}, ["start"]),
        ({"start": str(t) + ".5"}, ["start"]),
        ({"patient_remote_id": None}, ["patient_remote_id"]),
        ({"patient_remote_id": ""}, ["patient_remote_id"]),
        ({"patient_remote_id": "nobody"}, ["patient_remote_id"]),
        ({"patient_remote_id": stranger["remote_id"]}, ["patient_remote_id"]),
        ({"service_id": None, "start": None, "patient_remote_id": None},
         ["service_id", "start", "patient_remote_id"]),
    ]
    for changes, fields in cases:
        body = clinic.body(t)
        for k, v in changes.items():
            if v is None:
                body["booking"].pop(k, None)
            else:
                body["booking"][k] = v
        r = acct.api.post(clinic.path, body)
        expect_error(r, 422, *fields)
    assert acct.list_appointments(start=0, stop=2**40) == []
    assert iso_of(clinic, "10:00") in clinic.starts()


def test_a_body_that_is_not_an_object_is_400(clinic):
    acct = clinic.acct
    expect_error(acct.api.post(clinic.path), 400)
    expect_error(acct.api.post(clinic.path, [clinic.body(clinic.t("10:00"))["booking"]]), 400)
    expect_error(acct.api.post(clinic.path, "booking"), 400)
    assert acct.list_appointments(start=0, stop=2**40) == []


def test_bookings_in_a_calendar_not_granted_are_404(clinic, other):
    acct = clinic.acct
    expect_error(other.api.post(clinic.path, clinic.body(clinic.t("10:00"))), 404)
    expect_error(acct.api.post(f"/calendars/{MISSING}/bookings",
                               clinic.body(clinic.t("10:00"))), 404)
    expect_error(acct.api.with_auth(None).post(clinic.path, clinic.body(clinic.t("10:00"))),
                 401)
    r = acct.api.get(clinic.path)
    expect_error(r, 405)
    assert acct.list_appointments(start=0, stop=2**40) == []


# ---- concurrency ---------------------------------------------------------------------------


def race(requests_to_send):
    """Sends each (api, path, body) from its own thread, all released at
    once; returns the responses (or exceptions) in order."""
    results = [None] * len(requests_to_send)
    barrier = threading.Barrier(len(requests_to_send))

    def run(i, api, path, body):
        try:
            barrier.wait(timeout=30)
            results[i] = api.post(path, body)
        except Exception as e:  # reported by the caller
            results[i] = e

    threads = [threading.Thread(target=run, args=(i, *req))
               for i, req in enumerate(requests_to_send)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(timeout=120)
    for i, r in enumerate(results):
        assert not isinstance(r, Exception) and r is not None, f"request {i}: {r!r}"
    return results


THREADS = 16
ROUNDS = 6


def test_many_clients_racing_for_one_slot_get_one_201(clinic):
    acct = clinic.acct
    # One client (connection) per thread, as separate programs would be.
    clients = [Api(acct.api.base, acct.email, acct.token) for _ in range(THREADS)]
    for rnd in range(ROUNDS):
        start = clinic.t("00:00", 1) + rnd * 3600  # Tuesday, open all day
        reqs = [(clients[i], clinic.path, clinic.body(start, remote_id=f"race-{rnd}-{i}"))
                for i in range(THREADS)]
        results = race(reqs)
        statuses = sorted(r.status_code for r in results)
        assert statuses == [201] + [409] * (THREADS - 1), (rnd, statuses)
        [winner] = [r for r in results if r.status_code == 201]
        won = unwrap_one(winner.json(), "appointment")
        assert clinic.appointments_at(start) == [acct.get_appointment(won["id"])]
        for r in results:
            if r.status_code == 409:
                assert r.json()["error"]


def test_racing_for_overlapping_slots_books_no_overlap(clinic):
    """Starts 15 minutes apart with a 30-minute service: whatever the order,
    the winners never overlap."""
    acct = clinic.acct
    clients = [Api(acct.api.base, acct.email, acct.token) for _ in range(THREADS)]
    base = clinic.t("08:00", 1)
    reqs = [(clients[i], clinic.path, clinic.body(base + (i % 4) * 900,
                                                  remote_id=f"ov-{i}"))
            for i in range(THREADS)]
    results = race(reqs)
    assert {r.status_code for r in results} <= {201, 409}
    won = sorted(int(unwrap_one(r.json(), "appointment")["start"])
                 for r in results if r.status_code == 201)
    assert 1 <= len(won) <= 2
    assert all(b - a >= 1800 for a, b in zip(won, won[1:]))
    booked = acct.list_appointments(start=base, stop=base + 7200)
    assert sorted(int(a["start"]) for a in booked) == won


def test_racing_in_two_calendars_gives_one_201_per_calendar(clinic):
    acct = clinic.acct
    cal2 = acct.add_calendar(slug=unique("cal"))
    put_hours(acct, [("tuesday", "00:00", "24:00")], 15, calendar_id=cal2)
    [svc2] = acct.upsert_services({"remote_id": "cons", "name": "C", "duration": 30},
                                  calendar_id=cal2)
    clients = [Api(acct.api.base, acct.email, acct.token) for _ in range(THREADS)]
    for rnd in range(3):
        start = clinic.t("12:00", 1) + rnd * 3600
        reqs = []
        for i in range(THREADS):
            if i % 2:
                reqs.append((clients[i], f"/calendars/{cal2}/bookings",
                             clinic.body(start, service_id=svc2["id"], remote_id=f"c2-{i}")))
            else:
                reqs.append((clients[i], clinic.path, clinic.body(start, remote_id=f"c1-{i}")))
        results = race(reqs)
        by_cal = {}
        for i, r in enumerate(results):
            by_cal.setdefault(i % 2, []).append(r.status_code)
        for parity, statuses in by_cal.items():
            assert sorted(statuses) == [201] + [409] * (THREADS // 2 - 1), (rnd, parity,
                                                                            statuses)
        assert len(clinic.appointments_at(start)) == 1
        assert len(clinic.appointments_at(start, calendar_id=cal2)) == 1

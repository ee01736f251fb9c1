"""Patient messages delivered end to end (issue 12): the real `agenda serve`
with its dispatcher, a real SMTP server (aiosmtpd) and an HTTP SMS gateway
on loopback, and the server's clock in a file the test moves.

Every test sets its center up with `agenda reminders set` (planned with the
same clock through $AGENDA_CLOCK_FILE), writes appointments through the API,
moves the clock to just before and just after each due time, and checks what
the peers received (who, when by the message's own Date, in which language,
naming which local HH:MM, with which Message-ID and .ics) against `agenda
reminders list`.  Waits are short polls of real time, never the lead time.
The center is in Europe/Brussels; expected instants come from Python's
zoneinfo, not from the server."""

import random
import signal
import time
from email.utils import parsedate_to_datetime

import pytest

from helpers import expect, unique, unwrap_one
from reminders_support import (BRUSSELS, QUIET_WATCH, Practice, SmsSink, SmtpSink,
                               count_by_message_id, ics_of, local, local_date, local_hhmm,
                               message_id_for, text_of, wait_until)
from schedule_support import put_hours, service

HOUR = 3600
DAY = 86400

# Per language, words of the default reminder (the subject and SMS open
# with the first, the email's text with the second) and how it names the
# local date D and time T.
PHRASES = {
    "en": (("Reminder", "Dear"), "on {d} at {t}"),
    "fr": (("Rappel", "Bonjour"), "le {d} à {t}"),
    "nl": (("Herinnering", "Beste"), "op {d} om {t}"),
    "de": (("Erinnerung", "Guten Tag"), "am {d} um {t} Uhr"),
    "es": (("Recordatorio", "Estimado/a"), "el {d} a las {t}"),
}


@pytest.fixture
def smtp():
    sink = SmtpSink().start()
    yield sink
    sink.stop()


@pytest.fixture
def sms():
    sink = SmsSink().start()
    yield sink
    sink.stop()


@pytest.fixture
def practice(agenda_bin, tmp_path):
    """Factory: Practice(t0, smtp, sms, ...); its servers stop at the end."""
    made = []

    def make(t0, smtp=None, sms=None, **kw):
        p = Practice(agenda_bin, tmp_path, t0, smtp, sms, **kw)
        made.append(p)
        return p

    yield make
    for p in made:
        p.stop()


def assert_language(msg_text, lang, start):
    """The text is the reminder in `lang`, naming start's local date and HH:MM."""
    words, phrase = PHRASES[lang]
    expected = phrase.format(d=local_date(start), t=local_hhmm(start))
    assert msg_text.startswith(words) and expected in msg_text, \
        f"expected {lang} naming {expected!r}: {msg_text!r}"
    for other, (other_words, _) in PHRASES.items():
        assert other == lang or not msg_text.startswith(other_words), msg_text


def sent_at_local(msg):
    """The email's Date header as local wall time "yyyy-mm-dd HH:MM:SS"."""
    return parsedate_to_datetime(msg["Date"]).astimezone(BRUSSELS).strftime("%Y-%m-%d %H:%M:%S")


def drive(p, checkpoints, expected, watch):
    """Moves the clock through `checkpoints` in order; at each, waits until
    every address of `watch` got the emails `expected` (address -> list of
    due instants) says are due by then, watches QUIET_WATCH s more and
    requires exactly that many."""
    for t in sorted(set(checkpoints)):
        p.clock.set(t)
        want = {a: sum(1 for d in expected.get(a, []) if d <= t) for a in watch}
        wait_until(lambda: all(p.smtp.count(a) >= n for a, n in want.items()),
                   what=f"the emails due by {t}: {want}")
        time.sleep(QUIET_WATCH)
        got = {a: p.smtp.count(a) for a in watch}
        assert got == want, f"at {t} ({sent_at_local_t(t)}): got {got}, expected {want}"


def sent_at_local_t(t):
    return f"{local_date(t)} {local_hhmm(t)}"


# ---- the right instant, in the patient's language --------------------------------


def test_reminders_arrive_at_their_instant_in_the_patients_language(practice, smtp, sms):
    # summer time: local 09:00 is 07:00 UTC, so a UTC time in a text shows
    p = practice(local(2026, 6, 1, "08:00"), smtp, sms)
    assert p.settings("email 24h", "sms 90m", language="nl") == ["email 24h", "sms 90m"]
    p.serve()
    people = []
    for i, lang in enumerate(["fr", "nl", "de", "es", "en", None]):
        start = local(2026, 6, 3, f"{9 + i}:{'30' if i % 2 else '00'}")
        fields = {"language_code": lang} if lang else {}
        pt = p.patient(first_name=f"Pat{i}", last_name="Janssens",
                       email=f"pat{i}@example.net", phone_number=f"0470 12 34 5{i}", **fields)
        a = p.appointment(pt, start)
        people.append((lang or "nl", start, pt, a))  # no language: the center's (nl)

    listed = p.messages()
    assert len(listed) == 12 and all(m["state"] == "pending" for m in listed)
    for lang, start, pt, a in people:
        [e] = [m for m in p.messages_of(a["id"]) if m["channel"] == "email"]
        [s] = [m for m in p.messages_of(a["id"]) if m["channel"] == "sms"]
        assert (e["due"], s["due"]) == (start - DAY, start - 90 * 60)

    # each email: not a second early, there at its second
    for n, (lang, start, pt, a) in enumerate(people):
        p.clock.set(start - DAY - 1)
        time.sleep(QUIET_WATCH)
        assert smtp.count() == n, f"an email came before {sent_at_local_t(start - DAY)}"
        p.clock.set(start - DAY)
        [msg] = smtp.wait_for(1, to=pt["email"])
        [e] = [m for m in p.messages_of(a["id"]) if m["channel"] == "email"]
        assert msg["Message-ID"] == message_id_for(e["id"])
        assert msg["To"] == pt["email"]
        assert sent_at_local(msg) == f"{local_date(start - DAY)} {local_hhmm(start)}:00"
        assert_language(str(msg["Subject"]), lang, start)
        assert_language(text_of(msg), lang, start)
        assert f"{pt['first_name']} Janssens" in text_of(msg)
        assert "Anna Peeters" in text_of(msg)
        ics = ics_of(msg)
        utc = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(start))
        stop = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(start + 1800))
        for line in (f"UID:appointment-{a['id']}@agenda.test", f"DTSTART:{utc}",
                     f"DTEND:{stop}", "STATUS:CONFIRMED", "METHOD:PUBLISH"):
            assert line in ics.splitlines(), f"{line!r} not in {ics!r}"
    assert smtp.count() == len(people)

    # each SMS the same way
    for n, (lang, start, pt, a) in enumerate(people):
        p.clock.set(start - 90 * 60 - 1)
        time.sleep(QUIET_WATCH)
        assert len(sms.accepted()) == n
        p.clock.set(start - 90 * 60)
        e164 = f"+3247012345{n}"
        [body] = sms.wait_for(1, to=e164)
        [s] = [m for m in p.messages_of(a["id"]) if m["channel"] == "sms"]
        assert body["reference"] == f"agenda-message-{s['id']}"
        assert_language(body["text"], lang, start)
        assert "Anna Peeters" in body["text"]
    assert all(r["headers"]["Authorization"] == "Bearer abc" for r in sms.all_requests())
    assert len(sms.all_requests()) == len(people)
    assert [m["state"] for m in p.messages()] == ["sent"] * 12


def test_a_centers_own_templates_are_the_texts_sent_and_a_new_one_counts_from_then_on(
        practice, smtp):
    p = practice(local(2026, 6, 1, "08:00"), smtp)
    assert p.settings("email 24h") == ["email 24h"]
    p.serve()
    path = f"/centers/{p.center_id}/templates/reminder/email/fr"
    expect(p.api.put(path, {"template": {
        "subject": "Rendez-vous {date} {time}",
        "body": "Cher {patient_name}, {calendar} vous attend à {time}."}}), 200)
    first, second = local(2026, 6, 3, "10:00"), local(2026, 6, 4, "11:30")
    pf = p.patient(first_name="Jean", last_name="Dupont", email="jean@example.net",
                   language_code="fr")
    pn = p.patient(first_name="Els", last_name="Peeters", email="els@example.net",
                   language_code="nl")
    for start in (first, second):
        p.appointment(pf, start)
    p.appointment(pn, first)
    p.clock.set(first - DAY)
    [fr] = smtp.wait_for(1, to="jean@example.net")
    [nl] = smtp.wait_for(1, to="els@example.net")
    assert str(fr["Subject"]) == f"Rendez-vous {local_date(first)} 10:00"
    assert text_of(fr).startswith("Cher Jean Dupont, Anna Peeters vous attend à 10:00.")
    assert_language(text_of(nl), "nl", first)  # no template of its own: the default
    # a template saved now is the one the next message uses
    expect(p.api.put(path, {"template": {"subject": "Nouveau {time}", "body": "Texte {time}"}}),
           200)
    p.clock.set(second - DAY)
    msgs = smtp.wait_for(2, to="jean@example.net")
    assert str(msgs[1]["Subject"]) == "Nouveau 11:30"
    assert text_of(msgs[1]).startswith("Texte 11:30")


# ---- day-before@18:00 across the daylight-saving Sundays -------------------------------


def test_day_before_at_1800_is_right_across_both_daylight_saving_sundays(practice, smtp):
    p = practice(local(2026, 3, 20, "12:00"), smtp)
    assert p.settings("email day-before@18:00") == ["email day-before@18:00"]
    p.serve()
    # (start, the Saturday or Sunday 18:00 it is due, real hours between)
    cases = [
        (local(2026, 3, 29, "09:00"), local(2026, 3, 28, "18:00"), 14),  # spring forward between
        (local(2026, 3, 30, "09:00"), local(2026, 3, 29, "18:00"), 15),  # due on the short Sunday
        (local(2026, 10, 25, "09:00"), local(2026, 10, 24, "18:00"), 16),  # fall back between
        (local(2026, 10, 26, "09:00"), local(2026, 10, 25, "18:00"), 15),  # due on the long Sunday
    ]
    booked = []
    for i, (start, due, hours) in enumerate(cases):
        assert start - due == hours * HOUR  # the expectations themselves
        pt = p.patient(email=f"dst{i}@example.net", language_code="en")
        a = p.appointment(pt, start)
        [m] = p.messages_of(a["id"])
        assert (m["due"], m["state"], m["channel"]) == (due, "pending", "email"), cases[i]
        booked.append((pt["email"], start, due, m["id"]))

    for n, (addr, start, due, mid) in enumerate(booked):
        p.clock.set(due - 1)
        time.sleep(QUIET_WATCH)
        assert smtp.count() == n, f"an email came before {sent_at_local_t(due)}"
        p.clock.set(due)
        [msg] = smtp.wait_for(1, to=addr)
        assert sent_at_local(msg).endswith(" 18:00:00"), msg["Date"]
        assert sent_at_local(msg).startswith(local_date(start - DAY))
        assert msg["Message-ID"] == message_id_for(mid)
        assert_language(text_of(msg), "en", start)  # names 09:00 on the right day
    assert smtp.count() == len(cases)


# ---- quiet hours --------------------------------------------------------------


def test_quiet_hours_move_a_reminder_before_them_or_skip_it_with_a_reason(practice, smtp):
    p = practice(local(2026, 3, 2, "10:00"), smtp)
    p.settings("email 2h", quiet="21:00-08:00")
    p.serve()
    pts = [p.patient(email=f"q{i}@example.net", language_code="en") for i in range(4)]
    # due 07:00, inside: the last second before 21:00 the evening before
    a0 = p.appointment(pts[0], local(2026, 3, 10, "09:00"))
    # the same across the spring-forward night: 20:59:59 at +01:00 on Saturday
    a1 = p.appointment(pts[1], local(2026, 3, 29, "09:00"))
    # due 08:30, outside: unchanged
    a2 = p.appointment(pts[2], local(2026, 3, 10, "10:30"))
    expected_due = {
        a0["id"]: local(2026, 3, 9, "21:00") - 1,
        a1["id"]: local(2026, 3, 28, "21:00") - 1,
        a2["id"]: local(2026, 3, 10, "08:30"),
    }
    assert expected_due[a1["id"]] == local(2026, 3, 29, "09:00") - 11 * HOUR - 1  # 19:59:59Z
    for aid, due in expected_due.items():
        [m] = p.messages_of(aid)
        assert (m["due"], m["state"]) == (due, "pending")

    expected = {pts[0]["email"]: [expected_due[a0["id"]]],
                pts[2]["email"]: [expected_due[a2["id"]]]}
    watch = [pt["email"] for pt in pts[:3]]
    drive(p, [expected_due[a0["id"]] - 1, expected_due[a0["id"]],
              expected_due[a2["id"]] - 1, expected_due[a2["id"]]], expected, watch)
    [msg] = smtp.received(pts[0]["email"])
    assert sent_at_local(msg) == "2026-03-09 20:59:59"
    assert_language(text_of(msg), "en", local(2026, 3, 10, "09:00"))

    # written at 21:30 for 09:00 the next morning: due 07:00 in quiet hours,
    # and 20:59:59 has passed: skipped, with the reason recorded
    p.clock.set(local(2026, 3, 10, "21:30"), settle=True)
    a3 = p.appointment(pts[3], local(2026, 3, 11, "09:00"))
    [m3] = p.messages_of(a3["id"])
    assert m3["state"] == "skipped"
    assert p.reasons()[m3["id"]] == \
        "due in quiet hours, and the last instant before them had passed"
    expected[pts[1]["email"]] = [expected_due[a1["id"]]]
    drive(p, [local(2026, 3, 11, "07:00"), local(2026, 3, 11, "10:00"),
              expected_due[a1["id"]] - 1, expected_due[a1["id"]]], expected,
          [pt["email"] for pt in pts])
    [msg] = smtp.received(pts[1]["email"])
    assert sent_at_local(msg) == "2026-03-28 20:59:59"
    assert parsedate_to_datetime(msg["Date"]).timestamp() == expected_due[a1["id"]]
    assert p.messages_of(a3["id"])[0]["state"] == "skipped"


# ---- moved, cancelled and deleted appointments ----------------------------------


def test_moved_reminders_move_and_cancelled_or_deleted_ones_never_go_out(practice, smtp):
    t0 = local(2026, 6, 1, "08:00")  # a Monday
    p = practice(t0, smtp)
    p.settings("email 24h")
    p.serve()
    api, cal = p.api, p.calendar_id
    path = f"/calendars/{cal}/appointments"
    put_hours(p.acct, [("wednesday", "08:00", "18:00"), ("thursday", "08:00", "18:00")], 15)
    svc = service(p.acct, 30, remote_id="cons")

    def wed(hhmm):
        return local(2026, 6, 3, hhmm)

    def thu(hhmm):
        return local(2026, 6, 4, hhmm)

    pts = {}

    def patient(key):
        pts[key] = p.patient(remote_id=f"p-{key}", email=f"{key}@example.net",
                             language_code="en")
        return pts[key]

    def book(key, start):
        r = api.post(f"/calendars/{cal}/bookings",
                     {"booking": {"service_id": svc["id"], "start": str(start),
                                  "patient_remote_id": patient(key)["remote_id"],
                                  "remote_id": f"r-{key}"}})
        return unwrap_one(expect(r, 201), "appointment")

    def moved(start):
        return {"start": str(start), "stop": str(start + 1800)}

    # key -> (appointment start the patient must be reminded of, or None)
    final = {}
    appts = {}
    # single API
    appts["put_id"] = p.appointment(patient("put_id"), wed("10:00"), remote_id="r-put_id")
    expect(api.put(f"{path}/{appts['put_id']['id']}",
                   {"appointment": moved(thu("14:00"))}), 200)
    final["put_id"] = thu("14:00")
    appts["put_rid"] = p.appointment(patient("put_rid"), thu("11:00"), remote_id="r-put_rid")
    expect(api.put(f"{path}/remote_id:r-put_rid", {"appointment": moved(wed("09:00"))}),
           200)
    final["put_rid"] = wed("09:00")
    appts["put_cancel"] = p.appointment(patient("put_cancel"), wed("11:00"))
    expect(api.put(f"{path}/{appts['put_cancel']['id']}",
                   {"appointment": {"status": "cancelled"}}), 200)
    final["put_cancel"] = None
    appts["delete"] = p.appointment(patient("delete"), wed("11:30"))
    expect(api.delete(f"{path}/{appts['delete']['id']}"), 204)
    final["delete"] = None
    # collections
    for key, hhmm in (("coll_move", "12:00"), ("coll_cancel", "12:30"), ("coll_delete", "13:00")):
        appts[key] = p.appointment(patient(key), wed(hhmm), remote_id=f"r-{key}")
    p.collection([{"id": appts["coll_move"]["id"], **moved(thu("12:00"))},
                  {"remote_id": "r-coll_cancel", "status": "cancelled"},
                  {"remote_id": "r-coll_delete", "status": "deleted"}])
    final.update(coll_move=thu("12:00"), coll_cancel=None, coll_delete=None)
    appts["coll_new"] = p.collection([{"remote_id": "r-coll_new", "start": str(wed("17:00")),
                                       "stop": str(wed("17:30")),
                                       "patient_remote_id": patient("coll_new")["remote_id"]}])[0]
    final["coll_new"] = wed("17:00")
    # bookings, then moved, cancelled or deleted by the other paths
    appts["book"] = book("book", wed("16:00"))
    final["book"] = wed("16:00")
    appts["book_move"] = book("book_move", wed("15:00"))
    p.collection([{"remote_id": "r-book_move", **moved(thu("15:00"))}])
    final["book_move"] = thu("15:00")
    appts["book_cancel"] = book("book_cancel", wed("15:30"))
    expect(api.put(f"{path}/remote_id:r-book_cancel", {"appointment": {"status": "cancelled"}}),
           200)
    final["book_cancel"] = None
    appts["book_delete"] = book("book_delete", wed("16:30"))
    expect(api.delete(f"{path}/remote_id:r-book_delete"), 204)
    final["book_delete"] = None
    # moved and moved back: due where it was
    appts["undo"] = p.appointment(patient("undo"), wed("14:00"), remote_id="r-undo")
    expect(api.put(f"{path}/remote_id:r-undo", {"appointment": moved(thu("09:30"))}), 200)
    expect(api.put(f"{path}/remote_id:r-undo", {"appointment": moved(wed("14:00"))}), 200)
    final["undo"] = wed("14:00")

    for key, start in final.items():
        rows = p.messages_of(appts[key]["id"])
        if start is None:
            assert rows and all(m["state"] == "cancelled" for m in rows), (key, rows)
        else:
            pending = [m for m in rows if m["state"] == "pending"]
            assert [m["due"] for m in pending] == [start - DAY], (key, rows)
            assert all(m["state"] in ("pending", "cancelled") for m in rows), (key, rows)

    # the old due times, then the new ones, one second early and on time
    old = [wed("10:00"), thu("11:00"), wed("11:00"), wed("11:30"), wed("12:00"), wed("12:30"),
           wed("13:00"), wed("15:00"), wed("15:30"), wed("16:30"), thu("09:30")]
    checkpoints = [t - DAY for t in old]
    for start in final.values():
        if start is not None:
            checkpoints += [start - DAY - 1, start - DAY]
    expected = {pts[k]["email"]: [s - DAY] for k, s in final.items() if s is not None}
    watch = [pt["email"] for pt in pts.values()]
    drive(p, checkpoints + [thu("18:00")], expected, watch)
    for key, start in final.items():
        if start is not None:
            [msg] = smtp.received(pts[key]["email"])
            assert_language(text_of(msg), "en", start)
            [m] = [m for m in p.messages_of(appts[key]["id"]) if m["state"] == "sent"]
            assert msg["Message-ID"] == message_id_for(m["id"])
    assert smtp.count() == sum(1 for s in final.values() if s is not None)


def test_a_reminder_sent_then_moved_is_planned_again_for_the_new_time(practice, smtp):
    p = practice(local(2026, 6, 1, "08:00"), smtp)
    p.settings("email 24h")
    p.serve()
    pt = p.patient(email="again@example.net", language_code="fr")
    a = p.appointment(pt, local(2026, 6, 2, "18:00"))
    p.clock.set(local(2026, 6, 1, "18:00"))
    [first] = smtp.wait_for(1, to=pt["email"])
    assert_language(text_of(first), "fr", local(2026, 6, 2, "18:00"))
    new_start = local(2026, 6, 4, "17:00")
    expect(p.api.put(f"/calendars/{p.calendar_id}/appointments/{a['id']}",
                     {"appointment": {"start": str(new_start), "stop": str(new_start + 1800)}}),
           200)
    rows = p.messages_of(a["id"])
    assert sorted((m["state"], m["due"]) for m in rows) == \
        [("pending", new_start - DAY), ("sent", local(2026, 6, 1, "18:00"))]
    drive(p, [local(2026, 6, 2, "18:00"), new_start - DAY - 1, new_start - DAY],
          {pt["email"]: [local(2026, 6, 1, "18:00"), new_start - DAY]}, [pt["email"]])
    second = smtp.received(pt["email"])[1]
    assert_language(text_of(second), "fr", new_start)
    assert second["Message-ID"] != first["Message-ID"]
    assert "SEQUENCE:2" in ics_of(second).splitlines()  # the appointment's second version


def test_a_reminder_not_sent_by_the_start_is_never_sent_after_it(practice, smtp):
    # the clock jumps from before the due time to after the start, as after
    # an outage: the late reminder is skipped, not sent
    p = practice(local(2026, 6, 1, "08:00"), smtp)
    p.settings("email 24h")
    p.serve()
    start = local(2026, 6, 3, "10:00")
    a = p.appointment(p.patient(email="late@example.net"), start)
    p.clock.set(start + 60)
    wait_until(lambda: p.messages_of(a["id"])[0]["state"] != "pending", what="the outcome")
    [row] = p.messages_of(a["id"])
    assert row["state"] == "skipped"
    assert p.reasons()[row["id"]] == "the appointment has started"
    time.sleep(QUIET_WATCH)
    assert smtp.count() == 0


# ---- failing peers ------------------------------------------------------------------


def test_an_smtp_server_that_refuses_then_recovers_gets_the_message_once(practice, smtp):
    p = practice(local(2026, 6, 1, "08:00"), smtp)
    p.settings("email 24h")
    p.serve()
    pt = p.patient(email="retry@example.net", language_code="de")
    start = local(2026, 6, 3, "10:00")
    a = p.appointment(pt, start)
    [m] = p.messages_of(a["id"])
    smtp.refuse_next(2)
    p.clock.set(start - DAY)
    wait_until(lambda: smtp.refused == 1, what="the first refusal")
    time.sleep(QUIET_WATCH)
    assert smtp.refused == 1 and smtp.count() == 0  # no tight retry loop
    [row] = p.messages_of(a["id"])
    assert row["state"] == "pending" and start - DAY + 24 <= row["due"] <= start - DAY + 36
    assert "451" in p.reasons()[m["id"]]
    p.clock.set(row["due"] - 1)
    time.sleep(QUIET_WATCH)
    assert smtp.refused == 1
    p.clock.set(row["due"])
    wait_until(lambda: smtp.refused == 2, what="the second refusal")
    [row] = p.messages_of(a["id"])
    assert row["state"] == "pending" and row["due"] >= start - DAY + 24 + 48  # backoff doubled
    p.clock.set(row["due"])
    [msg] = smtp.wait_for(1)
    assert msg["Message-ID"] == message_id_for(m["id"])
    assert_language(text_of(msg), "de", start)
    p.clock.advance(6 * HOUR)  # long after: nothing more
    time.sleep(QUIET_WATCH)
    assert smtp.count() == 1 and smtp.refused == 2
    assert p.messages_of(a["id"])[0]["state"] == "sent"


def test_a_reminder_waiting_for_a_retry_is_superseded_by_a_move_or_a_cancellation(practice,
                                                                                   smtp):
    p = practice(local(2026, 6, 1, "08:00"), smtp)
    p.settings("email 24h")
    p.serve()
    path = f"/calendars/{p.calendar_id}/appointments"
    pts = [p.patient(email=f"w{i}@example.net", language_code="nl") for i in range(2)]
    start = local(2026, 6, 3, "10:00")
    moved, cancelled = (p.appointment(pt, start + 3600 * i) for i, pt in enumerate(pts))
    smtp.refuse_next(2)
    p.clock.set(start - DAY + HOUR)  # both due: both refused, both wait for a retry
    wait_until(lambda: smtp.refused == 2, what="two refusals")
    wait_until(lambda: all(m["due"] > start - DAY + HOUR for m in p.messages()),
               what="both retries planned")
    retry_at = max(m["due"] for m in p.messages())
    new_start = local(2026, 6, 4, "15:00")
    expect(p.api.put(f"{path}/{moved['id']}", {"appointment": {
        "start": str(new_start), "stop": str(new_start + 1800)}}), 200)
    expect(p.api.put(f"{path}/{cancelled['id']}", {"appointment": {"status": "cancelled"}}), 200)
    [old] = [m for m in p.messages_of(moved["id"]) if m["state"] == "cancelled"]
    assert p.reasons()[old["id"]] == "superseded by a later change"
    assert [m["state"] for m in p.messages_of(cancelled["id"])] == ["cancelled"]
    [new] = [m for m in p.messages_of(moved["id"]) if m["state"] == "pending"]
    assert new["due"] == new_start - DAY
    drive(p, [retry_at, retry_at + 10 * 60, new["due"] - 1, new["due"]],
          {pts[0]["email"]: [new["due"]]}, [pt["email"] for pt in pts])
    [msg] = smtp.received(pts[0]["email"])
    assert msg["Message-ID"] == message_id_for(new["id"]) != message_id_for(old["id"])
    assert_language(text_of(msg), "nl", new_start)


def test_an_sms_gateway_answering_500_then_200_gets_the_message_once(practice, sms):
    p = practice(local(2026, 6, 1, "08:00"), sms=sms)
    p.settings("sms 2h")
    p.serve()
    pt = p.patient(phone_number="+32 470 99 88 77", language_code="es")
    start = local(2026, 6, 3, "10:00")
    a = p.appointment(pt, start)
    [m] = p.messages_of(a["id"])
    sms.answer_next(500)
    p.clock.set(start - 2 * HOUR)
    wait_until(lambda: len(sms.all_requests()) == 1, what="the first request")
    time.sleep(QUIET_WATCH)
    assert len(sms.all_requests()) == 1 and sms.accepted() == []
    [row] = p.messages_of(a["id"])
    assert row["state"] == "pending" and row["due"] > start - 2 * HOUR
    p.clock.set(row["due"])
    [body] = sms.wait_for(1)
    p.clock.advance(HOUR)
    time.sleep(QUIET_WATCH)
    reqs = sms.all_requests()
    assert [r["status"] for r in reqs] == [500, 200]
    assert {r["body"]["reference"] for r in reqs} == {f"agenda-message-{m['id']}"}
    assert body["to"] == "+32470998877"
    assert_language(body["text"], "es", start)
    assert p.messages_of(a["id"])[0]["state"] == "sent"


def test_a_peer_that_keeps_failing_gets_retries_with_backoff_until_the_start_never_after(
        practice, smtp):
    p = practice(local(2026, 6, 1, "08:00"), smtp)
    p.settings("email 90m")
    p.serve()
    pt = p.patient(email="down@example.net")
    start = local(2026, 6, 3, "10:00")
    a = p.appointment(pt, start)
    smtp.refuse_next(1000)
    attempts_at, delays = [], []
    [row] = p.messages_of(a["id"])
    assert row["due"] == start - 90 * 60
    while row["state"] == "pending":
        assert row["due"] < start
        p.clock.set(row["due"])
        attempts_at.append(row["due"])
        wait_until(lambda: smtp.refused == len(attempts_at), what=f"attempt {len(attempts_at)}")
        prev = row["due"]
        row = wait_until(lambda: next((m for m in p.messages_of(a["id"])
                                       if m["state"] != "pending" or m["due"] != prev), None),
                         what="the attempt's outcome")
        if row["state"] == "pending":
            delays.append(row["due"] - prev)
    # 30 s doubled per attempt, +-20%
    for n, d in enumerate(delays):
        assert 0.8 * 30 * 2 ** n <= d <= 1.2 * 30 * 2 ** n, delays
    assert row["state"] == "failed" and "451" in p.reasons()[row["id"]]
    assert len(attempts_at) >= 6 and all(t < start for t in attempts_at)
    p.clock.set(start + HOUR)
    time.sleep(QUIET_WATCH)
    assert smtp.refused == len(attempts_at) and smtp.count() == 0
    assert p.messages_of(a["id"])[0]["state"] == "failed"


def test_an_sms_refused_for_good_fails_at_once_with_the_reason(practice, sms):
    p = practice(local(2026, 6, 1, "08:00"), sms=sms)
    p.settings("sms 2h")
    p.serve()
    a = p.appointment(p.patient(phone_number="0470 99 88 77"), local(2026, 6, 3, "10:00"))
    sms.answer_next(400)
    p.clock.set(local(2026, 6, 3, "08:00"))
    wait_until(lambda: p.messages_of(a["id"])[0]["state"] != "pending", what="the outcome")
    [row] = p.messages_of(a["id"])
    assert row["state"] == "failed" and "400" in p.reasons()[row["id"]]
    p.clock.set(local(2026, 6, 3, "09:59"))
    time.sleep(QUIET_WATCH)
    assert [r["status"] for r in sms.all_requests()] == [400]


# ---- nobody to send to, or no way to send -----------------------------------------------


def test_messages_without_address_or_channel_are_skipped_with_a_reason(practice, smtp, sms,
                                                                        tmp_path):
    start = local(2026, 6, 3, "10:00")
    p = practice(local(2026, 6, 1, "08:00"), smtp, sms)
    p.settings("email 24h", "sms 24h")
    srv = p.serve()
    cases = {
        "no email": p.patient(phone_number="0470 11 22 33"),
        "no phone": p.patient(email="nophone@example.net"),
        "bad phone": p.patient(email="badphone@example.net", phone_number="12"),
    }
    appts = {k: p.appointment(pt, start) for k, pt in cases.items()}
    appts["no patient"] = p.appointment(None, start)
    p.clock.set(start - DAY)
    smtp.wait_for(2)  # the two who have an address
    sms.wait_for(1)   # the one whose number works
    wait_until(lambda: all(m["state"] != "pending" for m in p.messages()), what="every message")
    got = {(k, m["channel"]): m for k, a in appts.items() for m in p.messages_of(a["id"])}
    reasons = p.reasons()
    want = {
        ("no email", "email"): ("skipped", "the patient has no email address"),
        ("no email", "sms"): ("sent", None),
        ("no phone", "email"): ("sent", None),
        ("no phone", "sms"): ("skipped", "the patient has no phone number"),
        ("bad phone", "email"): ("sent", None),
        ("bad phone", "sms"): ("skipped", "the patient's phone number cannot be used"),
        ("no patient", "email"): ("skipped", "the appointment has no patient"),
        ("no patient", "sms"): ("skipped", "the appointment has no patient"),
    }
    assert {k: (m["state"], reasons.get(m["id"])) for k, m in got.items()} == want
    log = srv.log_tail(100000)
    for (k, ch), (state, reason) in want.items():
        if reason:
            assert f"message {got[(k, ch)]['id']} (reminder, {ch}" in log
            assert f"skipped ({reason})" in log
    assert smtp.count() == 2 and len(sms.all_requests()) == 1

    # no [smtp] and no [sms] section: both channels skipped, never lost
    q = practice(local(2026, 6, 1, "08:00"), config=False)
    q.settings("email 24h", "sms 24h")
    q.serve()
    a = q.appointment(q.patient(email="both@example.net", phone_number="0470 44 55 66"), start)
    q.clock.set(start - DAY)
    wait_until(lambda: all(m["state"] == "skipped" for m in q.messages_of(a["id"])),
               what="both messages skipped")
    reasons = q.reasons()
    assert {m["channel"]: reasons[m["id"]] for m in q.messages_of(a["id"])} == {
        "email": "no [smtp] section in the configuration",
        "sms": "no [sms] section in the configuration"}
    assert smtp.count() == 2 and len(sms.all_requests()) == 1


# ---- crashes ----------------------------------------------------------------------


BURST = 1000


def burst(p, start):
    """BURST patients with their own address and one appointment each at
    `start` (two collections); returns the addresses."""
    tag = unique("b")
    patients = p.patients_collection([{"remote_id": f"{tag}-{i}", "first_name": "Burst",
                                       "last_name": str(i), "email": f"{tag}-{i}@example.net",
                                       "phone_number": "", "language_code": "en"}
                                      for i in range(BURST)])
    p.collection([{"remote_id": f"{tag}-a{i}", "start": str(start), "stop": str(start + 900),
                   "patient_remote_id": pt["remote_id"]} for i, pt in enumerate(patients)])
    return [pt["email"] for pt in patients]


def test_sigkill_during_a_dispatch_of_1000_loses_none_and_duplicates_keep_the_message_id(
        practice, smtp):
    seed = random.randrange(1 << 30)
    rng = random.Random(seed)
    start = local(2026, 6, 3, "10:00")
    p = practice(local(2026, 6, 1, "08:00"), smtp)
    p.settings("email 24h")
    srv = p.serve()
    addresses = burst(p, start)
    listed = [m for m in p.messages() if m["kind"] == "reminder"]
    assert len(listed) == BURST and {m["state"] for m in listed} == {"pending"}
    expected_ids = {message_id_for(m["id"]) for m in listed}

    p.clock.set(start - DAY)
    kills, sent_at_kill = 0, []
    while (smtp.count() < BURST // 2 or kills < 3) and \
            len(count_by_message_id(smtp.received())) < BURST:
        # kill at a random point once this server is sending: a slow start
        # (a loaded machine, a sanitizer build) is no progress lost
        before = smtp.count()
        wait_until(lambda: smtp.count() > before, timeout=120,
                   what=f"the restarted server's first message (seed {seed})")
        time.sleep(rng.uniform(0.0, 0.6))
        srv.proc.send_signal(signal.SIGKILL)
        srv.proc.wait()
        kills += 1
        sent_at_kill.append(smtp.count())
        # the leases of the killed server lapse 300 s later on its clock
        p.clock.advance(301)
        srv = p.serve()
        # every round made progress (above); this only bounds the test's time
        assert kills < 400, f"seed {seed}: {kills} kills and still not half way"
    wait_until(lambda: len(count_by_message_id(smtp.received())) == BURST, timeout=120,
               what=f"every message (seed {seed})")
    wait_until(lambda: all(m["state"] == "sent" for m in p.messages()), timeout=30,
               what="every message recorded as sent")
    time.sleep(QUIET_WATCH)

    print(f"seed {seed}: {kills} kills after {sent_at_kill} emails")
    assert any(0 < n < BURST for n in sent_at_kill), f"seed {seed}: no kill during the dispatch"
    msgs = smtp.received()
    by_id = count_by_message_id(msgs)
    assert set(by_id) == expected_ids, f"seed {seed}"
    # a duplicate is a message sent, then killed before its outcome was
    # recorded: at most one per dispatcher thread (2) per kill, and always
    # to the same patient under the same Message-ID
    duplicates = sum(n - 1 for n in by_id.values())
    print(f"seed {seed}: {duplicates} duplicates")
    assert duplicates <= 2 * kills, f"seed {seed}: {duplicates} duplicates in {kills} kills"
    owner = {}
    for m in msgs:
        assert owner.setdefault(m["Message-ID"], m["To"]) == m["To"], f"seed {seed}"
    assert sorted(owner.values()) == sorted(addresses)

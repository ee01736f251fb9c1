"""The booking flow after the service (issue 14), without JavaScript, against
the real binary, real SQLite and the server's clock under the test's
control (a practice in Europe/Brussels, booking_flow_support.py): the
practitioner (or any), a day of a week strip and its times, holding one,
the patient's details, the confirmation, and the private link's page."""

import threading
from datetime import datetime

import pytest
import requests

from booking_flow_support import (T0, BookingPractice, at, patient_fields, query_of,
                                  slot_value)
from helpers import unique
from schedule_support import BRUSSELS, put_hours


@pytest.fixture
def practice(agenda_bin, tmp_path):
    p = BookingPractice(agenda_bin, tmp_path)
    yield p
    p.stop()


def test_step_two_lists_the_practitioners_of_the_service_and_any(practice):
    p = practice
    second = p.acct.add_calendar(first="Luc", last="Janssens")
    [other] = p.acct.upsert_services({"remote_id": "c2", "name": "Consultation", "duration": 20},
                                     calendar_id=second)
    b = p.browser()
    r, page = b.get(f"/book/{p.slug}")
    assert r.status_code == 200
    [radio] = [i for i in page.forms[0]["inputs"] if i.get("name") == "service"]
    r, page = b.get(f"/book/{p.slug}/practitioner", service=radio["value"])
    assert r.status_code == 200, r.text[:300]
    assert page.form("practitioner")["action"] == f"/book/{p.slug}/day"
    radios = page.radios("practitioner", "calendar")
    assert [x["value"] for x in radios] == ["any", str(p.calendar_id), str(second)]
    assert "checked" in radios[0]
    assert page.labels["c-any"].startswith("Any practitioner")
    assert page.labels[f"c{p.calendar_id}"] == "Anna Peeters"
    assert page.labels[f"c{second}"] == "Luc Janssens"
    assert "Step 2 of 5" in page.text
    assert page.fields("practitioner") == {"service": radio["value"], "lang": "en"}
    # in French, and an unknown service or calendar is the 404 page
    r, page = p.browser("fr").get(f"/book/{p.slug}/practitioner", service=other["id"])
    assert "Choisissez un praticien" in page.text and "Étape 2 sur 5" in page.text
    for params in ({"service": "999999"}, {"service": "x"}, {}):
        r, _ = b.get(f"/book/{p.slug}/practitioner", **params)
        assert r.status_code == 404
    r, _ = b.day(p.slug, p.service["id"], calendar=str(second + 1000))
    assert r.status_code == 404


def test_step_three_a_week_strip_and_the_times_of_a_day(practice):
    p = practice
    b = p.browser()
    r, page = b.day(p.slug, p.service["id"], calendar=str(p.calendar_id))
    assert r.status_code == 200, r.text[:500]
    assert "Step 3 of 5" in page.text
    assert "All times are in the practice's time zone (Europe/Brussels)." in page.text
    # Monday 1 March 07:00, an hour's notice: the first day is today, 09:00-12:00
    values = page.slot_values()
    assert values == [slot_value(p.calendar_id, at(2027, 3, 1, 9, 0) + 20 * 60 * i)
                      for i in range(9)]
    first = values[0]
    assert page.labels[f"t{first}"] == "Monday 1 March 2027, 09:00 to 09:20, Anna Peeters"
    assert "required" in page.radios("slots", "slot")[0]
    # the strip: Monday..Sunday, weekdays with 9 free times, the weekend none
    strip = strip_of(page)
    assert [link["text"] for link in strip[:5]] == [
        f"{d} {n} March9 free times" for d, n in
        (("Monday", 1), ("Tuesday", 2), ("Wednesday", 3), ("Thursday", 4), ("Friday", 5))]
    assert strip[0].get("aria-current") == "date"
    assert strip[5]["text"] == "Saturday 6 Marchno free time"
    nexts = [link for link in page.links if link.get("rel") == "next"]
    assert len(nexts) == 1 and query_of(nexts[0]["href"])["date"] == "2027-03-08"
    assert not [link for link in page.links if link.get("rel") == "prev"]
    # another day, and its times equal the suggestions endpoint's
    r, page = b.day(p.slug, p.service["id"], calendar=str(p.calendar_id), date="2027-03-03")
    day = [s for s in p.suggestions([p.calendar_id], p.service["id"], at(2027, 3, 3, 0, 0),
                                    at(2027, 3, 4, 0, 0))]
    assert page.slot_values() == [slot_value(p.calendar_id, _unix(s["start"])) for s in day]
    assert page.ids["day"]["text"] == "Wednesday 3 March 2027"
    # in Dutch
    r, page = p.browser("nl").day(p.slug, p.service["id"], calendar=str(p.calendar_id))
    assert page.labels[f"t{first}"] == "maandag 1 maart 2027, 09:00 tot 09:20, Anna Peeters"


def test_the_window_is_the_notice_and_the_horizon(practice):
    p = practice
    p.enable("--notice", "150", "--horizon", "3")
    b = p.browser()
    r, page = b.day(p.slug, p.service["id"])
    # 07:00 + 150 min = 09:30: 09:40 is the first start on the 20-minute grid
    assert page.slot_values()[0] == slot_value(p.calendar_id, at(2027, 3, 1, 9, 40))
    # 3 days: Thursday 4 March 07:00 is the end, so Thursday's 09:00 is out
    r, page = b.day(p.slug, p.service["id"], date="2027-03-04")
    assert page.ids["day"]["text"] == "Thursday 4 March 2027"
    assert page.slot_values() == [] and "There is no free time on this day." in page.text
    strip = strip_of(page)
    assert [link["text"] for link in strip][2:] == ["Wednesday 3 March9 free times",
                                                   "Thursday 4 Marchno free time"]
    assert not [link for link in page.links if link.get("rel")]
    r, page = b.day(p.slug, p.service["id"], date="2027-03-09")  # past the horizon
    assert page.ids["day"]["text"] == "Thursday 4 March 2027"
    r, page = b.day(p.slug, p.service["id"], date="2026-01-01")
    assert page.ids["day"]["text"] == "Monday 1 March 2027"


def test_any_merges_the_calendars_as_the_suggestions_do(practice):
    p = practice
    second = p.acct.add_calendar(first="Luc", last="Janssens")
    put_hours(p.acct, [(d, "10:00", "11:00") for d in ("monday", "tuesday")], 30,
              calendar_id=second)
    [other] = p.acct.upsert_services({"remote_id": "c2", "name": "Consultation", "duration": 20},
                                     calendar_id=second)
    b = p.browser()
    r, page = b.day(p.slug, p.service["id"], calendar="any", date="2027-03-02")
    mine = p.suggestions([p.calendar_id], p.service["id"], at(2027, 3, 2, 0, 0),
                         at(2027, 3, 3, 0, 0))
    theirs = p.suggestions([second], other["id"], at(2027, 3, 2, 0, 0), at(2027, 3, 3, 0, 0))
    want = sorted([(_unix(s["start"]), 0, p.calendar_id) for s in mine] +
                  [(_unix(s["start"]), 1, second) for s in theirs])
    assert page.slot_values() == [slot_value(c, t) for t, _, c in want]
    v = slot_value(second, at(2027, 3, 2, 10, 30))
    assert page.labels[f"t{v}"] == "Tuesday 2 March 2027, 10:30 to 10:50, Luc Janssens"


def strip_of(page):
    """The week strip's links (the language switch's go to the same day)."""
    return [link for link in page.links if "date=" in link.get("href", "")
            and "rel" not in link and "hreflang" not in link]


def _unix(iso):
    return int(datetime.fromisoformat(iso).timestamp())


# ---- step 3: holding a time ---------------------------------------------------


def test_choosing_a_time_holds_it_for_everyone_else(practice):
    p = practice
    a, b = p.browser(), p.browser()
    r, page = a.day(p.slug, p.service["id"])
    assert "agenda_book=" in r.headers["Set-Cookie"]
    cookie = r.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/book/" in cookie
    assert "Secure" not in cookie
    nine = slot_value(p.calendar_id, at(2027, 3, 1, 9, 0))
    held, page = a.hold(p.slug, page, nine)
    assert held.status_code == 303
    loc = held.headers["Location"]
    assert loc.startswith(f"/book/{p.slug}/details?hold=") and "lang=en" in loc
    # the suggestions and another patient's page skip it; the holder's hold page shows it
    starts = [_unix(s["start"]) for s in p.suggestions([p.calendar_id], p.service["id"],
                                                         T0, at(2027, 3, 2, 0, 0))]
    assert at(2027, 3, 1, 9, 0) not in starts and at(2027, 3, 1, 9, 20) in starts
    r, other = b.day(p.slug, p.service["id"])
    assert nine not in other.slot_values() and len(other.slot_values()) == 8
    r, page = a.follow(held)
    assert r.status_code == 200
    assert "Step 4 of 5" in page.text
    assert "Monday 1 March 2027, 09:00 to 09:20" in page.text
    assert "This time is held for you until 07:05." in page.text
    assert "Time left: about 5 min." in page.text
    # only its browser sees the hold
    r, _ = b.get(loc)
    assert r.status_code == 410 and "Your time is no longer held" in r.text
    # a client's own X-Forwarded-Proto is not believed (test_proxy.py: a
    # trusted proxy's is, and the cookie is then Secure)
    r = requests.get(p.srv.base + f"/book/{p.slug}/day", params={"service": p.service["id"]},
                     headers={"X-Forwarded-Proto": "https"}, timeout=30)
    assert "; Secure" not in r.headers["Set-Cookie"]


def test_forms_without_their_token_change_nothing(practice):
    p = practice
    a, b = p.browser(), p.browser()
    r, page = a.day(p.slug, p.service["id"])
    nine = slot_value(p.calendar_id, at(2027, 3, 1, 9, 0))
    fields = dict(page.fields("slots"), slot=nine)
    for data in (dict(fields, csrf=""), dict(fields, csrf=fields["csrf"][:-2] + "AA"),
                 {k: v for k, v in fields.items() if k != "csrf"}):
        r, _ = a.post(f"/book/{p.slug}/hold", data)
        assert r.status_code == 403 and "Please try again" in r.text
    # another browser's token is not this one's
    r, _ = b.day(p.slug, p.service["id"])
    r, _ = b.post(f"/book/{p.slug}/hold", fields)
    assert r.status_code == 403
    # an expired one (an hour)
    p.clock.set(T0 + 3601, settle=True)
    r, _ = a.post(f"/book/{p.slug}/hold", fields)
    assert r.status_code == 403
    assert len(p.suggestions([p.calendar_id], p.service["id"], T0, at(2027, 3, 2, 0, 0))) == 9


def test_two_patients_racing_for_one_time_one_holds_the_other_gets_alternatives(practice):
    p = practice
    ten = slot_value(p.calendar_id, at(2027, 3, 1, 10, 0))
    for _ in range(3):
        browsers = [p.browser(), p.browser()]
        pages = [br.day(p.slug, p.service["id"])[1] for br in browsers]
        results = [None, None]
        gate = threading.Barrier(2)

        def run(i):
            gate.wait()
            results[i] = browsers[i].hold(p.slug, pages[i], ten)

        threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        codes = sorted(r.status_code for r, _ in results)
        assert codes == [303, 409], codes
        r, page = next(x for x in results if x[0].status_code == 409)
        assert "This time is no longer free" in page.text
        assert "Someone else took this time a moment ago." in page.text
        alternatives = page.slot_values()
        assert ten not in alternatives and len(alternatives) == 6
        # the six nearest, either side, in time order
        assert alternatives == [slot_value(p.calendar_id, at(2027, 3, 1, h, m)) for h, m in
                                ((9, 0), (9, 20), (9, 40), (10, 20), (10, 40), (11, 0))]
        # the alternatives are a form like the day's: one of them can be held
        loser = browsers[[x[0].status_code for x in results].index(409)]
        r, _ = loser.hold(p.slug, page, alternatives[0])
        assert r.status_code == 303
        p.clock.set(p.clock.now + 301, settle=True)  # both holds expire


def test_a_hold_expires_on_the_servers_clock(practice):
    p = practice
    a, b = p.browser(), p.browser()
    nine = slot_value(p.calendar_id, at(2027, 3, 1, 9, 0))
    r, page = a.day(p.slug, p.service["id"])
    r, _ = a.hold(p.slug, page, nine)
    details = r.headers["Location"]
    p.clock.set(T0 + 240, settle=True)
    r, page = a.get(details)
    assert r.status_code == 200 and "Time left: about 1 min." in page.text
    p.clock.set(T0 + 300, settle=True)
    r, _ = a.get(details)
    assert r.status_code == 410 and "Your time is no longer held" in r.text
    # the time is free again, for the page and the suggestions
    r, other = b.day(p.slug, p.service["id"])
    assert nine in other.slot_values()
    # and a confirmation of the expired hold books nothing
    r, page = a.day(p.slug, p.service["id"])
    r, page = a.hold(p.slug, page, slot_value(p.calendar_id, at(2027, 3, 1, 9, 20)))
    r, page = a.follow(r)
    r, page = a.details(p.slug, page, **patient_fields())
    assert r.status_code == 200
    p.clock.set(T0 + 300 + 301, settle=True)
    r, _ = a.confirm(p.slug, page)
    assert r.status_code == 410
    assert p.appointments() == [] and p.patients() == []


def test_holds_per_address_are_limited(practice):
    p = practice
    a = p.browser()
    held = 0
    for day in ("2027-03-01", "2027-03-02", "2027-03-03"):
        r, page = a.day(p.slug, p.service["id"], date=day)
        for v in page.slot_values():
            if held == 20:
                break
            r, _ = a.hold(p.slug, page, v)
            assert r.status_code == 303, r.text[:300]
            held += 1
    r, page = a.day(p.slug, p.service["id"], date="2027-03-04")
    free = page.slot_values()
    r, page = a.hold(p.slug, page, free[0])
    assert r.status_code == 429 and r.headers["Retry-After"] == "600"
    assert "Too many attempts" in page.text
    r, page = p.browser().day(p.slug, p.service["id"], date="2027-03-04")
    assert page.slot_values() == free  # nothing held
    # the window slides: ten minutes later one more may be held
    p.clock.set(T0 + 601, settle=True)
    r, page = a.day(p.slug, p.service["id"], date="2027-03-04")
    r, _ = a.hold(p.slug, page, free[0])
    assert r.status_code == 303


# ---- steps 4 and 5: details, confirmation ---------------------------------------


def held_details(p, browser, slot=None):
    """Holds `slot` (09:00 by default); returns the details page."""
    r, page = browser.day(p.slug, p.service["id"])
    r, _ = browser.hold(p.slug, page, slot or slot_value(p.calendar_id, at(2027, 3, 1, 9, 0)))
    r, page = browser.follow(r)
    assert r.status_code == 200, r.text[:300]
    return page


def test_details_errors_are_tied_to_their_fields(practice):
    p = practice
    a = p.browser()
    page = held_details(p, a)
    form = page.form("details")
    assert form["method"] == "post" and form["action"] == f"/book/{p.slug}/details"
    for name, label in (("first_name", "First name"), ("last_name", "Last name"),
                        ("email", "Email"), ("phone", "Phone"),
                        ("birthdate", "Date of birth (optional)")):
        assert page.labels[f"f-{name}"] == label
    inputs = {i.get("name"): i for i in form["inputs"]}
    assert inputs["email"]["type"] == "email" and inputs["email"]["autocomplete"] == "email"
    assert "required" not in inputs["birthdate"] and "required" in inputs["phone"]
    assert inputs["website"]["tabindex"] == "-1"  # the honeypot, hidden by the stylesheet
    r, page = a.details(p.slug, page, first_name=" ", last_name="Dubois", email="not-an-email",
                        phone="call me", birthdate="2027-02-30")
    assert r.status_code == 422
    assert page.ids["errors"]["tag"] == "div" and page.ids["errors"].get("role") == "alert"
    inputs = {i.get("name"): i for i in page.form("details")["inputs"]}
    for name, message in (("first_name", "Please fill this in."),
                          ("email", "Please enter a valid email address."),
                          ("phone", "Please enter a valid phone number."),
                          ("birthdate", "Please enter a valid date of birth (yyyy-mm-dd).")):
        assert inputs[name]["aria-invalid"] == "true"
        assert page.ids[inputs[name]["aria-describedby"]]["text"] == message
    assert "aria-invalid" not in inputs["last_name"] and inputs["last_name"]["value"] == "Dubois"
    assert inputs["email"]["value"] == "not-an-email"  # given back as typed
    # in German
    g = p.browser("de")
    page = held_details(p, g, slot_value(p.calendar_id, at(2027, 3, 1, 9, 20)))
    r, page = g.details(p.slug, page, **patient_fields(email="x"))
    assert r.status_code == 422 and "Bitte geben Sie eine gültige E-Mail-Adresse ein." in r.text
    # the honeypot: refused, nothing booked
    bot = p.browser()
    page = held_details(p, bot, slot_value(p.calendar_id, at(2027, 3, 1, 9, 40)))
    r, _ = bot.post(f"/book/{p.slug}/details",
                    dict(page.fields("details"), website="http://spam", **patient_fields()))
    assert r.status_code == 400 and "Please try again" in r.text
    assert p.appointments() == [] and p.patients() == []


def test_booking_a_new_patient_seen_by_the_practice_software_through_since(practice):
    p = practice
    p.settings(confirmation="on")
    since = p.clock.now
    a = p.browser("fr")
    page = held_details(p, a)
    r, page = a.details(p.slug, page, **patient_fields(
        first_name="<script>alert('x')</script>", last_name="O'Brien & Co",
        email="Marie@Example.com", phone="+32 (470) 12.34.56", birthdate="1980-05-17"))
    assert r.status_code == 200, r.text[:300]
    assert "Vérifiez et confirmez" in page.text and "Étape 5 sur 5" in page.text
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in r.text and "<script" not in r.text
    assert "<script>alert('x')</script> O'Brien & Co" in page.text  # shown as text
    r, page = a.confirm(p.slug, page)
    assert r.status_code == 303
    link = r.headers["Location"]
    assert link.startswith(f"/book/{p.slug}/a/") and "booked=1" in link
    r, page = a.follow(r)
    assert r.status_code == 200
    assert "Votre rendez-vous est pris" in page.text
    assert "lundi 1 mars 2027, 09:00 à 09:20" in page.text
    assert "Anna Peeters" in page.text and "Consultation" in page.text
    assert page.ids["private-link"]["href"] == link.split("?")[0]
    # the practice software's view: the new patient (no remote_id) and appointment
    patients = p.patients(since=since)
    [pt] = [x for x in patients if x["first_name"] == "<script>alert('x')</script>"]
    assert pt["remote_id"] in (None, "") and pt["id"] > 0
    assert pt["email"] == "Marie@Example.com" and pt["phone_number"] == "+32470123456"
    assert pt["birthdate"] == "1980-05-17"
    [ap] = p.appointments(since=since)
    assert int(ap["patient_id"]) == pt["id"]
    assert ap["service_remote_id"] == "consult", ap
    assert ap["status"] == "booked"
    assert (int(ap["start"]), int(ap["stop"])) == (at(2027, 3, 1, 9, 0), at(2027, 3, 1, 9, 20))
    # its confirmation is planned like any booked appointment's
    assert p.messages_of(ap["id"], "confirmation")
    # the time is no longer offered, and the hold is gone with the booking
    r, page = p.browser().day(p.slug, p.service["id"])
    assert slot_value(p.calendar_id, at(2027, 3, 1, 9, 0)) not in page.slot_values()


def test_a_returning_patient_is_matched_and_the_page_never_says_so(practice):
    p = practice
    p.enable("--notice", "60", "--max-bookings", "10")
    known = p.patient(first_name="Marie", last_name="Dubois", email="marie@example.com",
                      phone_number="+32470123456", birthdate="1980-05-17")
    times = iter([at(2027, 3, 1, 9, 0) + 20 * 60 * i for i in range(9)])
    answers = []

    def book(**fields):
        r, page = p.browser().book(p.slug, p.service["id"], slot_value(p.calendar_id, next(times)),
                                   **fields)
        assert r.status_code == 303, r.text[:300]
        answers.append(r.headers["Location"].split("/a/")[0])
        return int(p.appointments()[-1]["patient_id"])

    # same email and birth date (another phone), same phone (another email)
    assert book(email="MARIE@example.com", phone="0470 99 99 99", birthdate="1980-05-17") == \
        known["id"]
    assert book(email="someone@example.com", phone="+32 470 12 34 56") == known["id"]
    # same email without the birth date, or another birth date: someone new
    first_new = book(email="marie@example.com", phone="0470 11 11 11")
    assert first_new != known["id"]
    assert book(email="marie@example.com", phone="0470 22 22 22", birthdate="1990-01-01") not in (
        known["id"], first_new)
    assert len(set(answers)) == 1  # every answer the same redirect
    got = next(x for x in p.patients() if x["id"] == known["id"])
    assert got["email"] == "marie@example.com"  # the known patient is not changed


def test_the_per_patient_maximum_of_future_online_bookings(practice):
    p = practice
    p.enable("--notice", "60", "--max-bookings", "2")
    for i in range(2):
        r, _ = p.browser().book(p.slug, p.service["id"],
                                slot_value(p.calendar_id, at(2027, 3, 1, 9, 20 * i)))
        assert r.status_code == 303
    a = p.browser()
    page = held_details(p, a, slot_value(p.calendar_id, at(2027, 3, 1, 10, 0)))
    r, page = a.details(p.slug, page, **patient_fields())
    r, page = a.confirm(p.slug, page)
    assert r.status_code == 429
    assert "This appointment cannot be booked online. Please call the practice." in page.text
    assert len(p.appointments()) == 2 and len(p.patients()) == 1
    # a past appointment no longer counts
    p.clock.set(at(2027, 3, 1, 9, 21), settle=True)
    r, _ = p.browser().book(p.slug, p.service["id"],
                            slot_value(p.calendar_id, at(2027, 3, 1, 11, 0)))
    assert r.status_code == 303


def test_a_time_taken_by_the_practice_meanwhile_answers_alternatives(practice):
    p = practice
    a = p.browser()
    page = held_details(p, a)
    r, page = a.details(p.slug, page, **patient_fields())
    # the practice software writes over the held time (appointments do not see holds)
    p.appointment(None, at(2027, 3, 1, 9, 0), minutes=20)
    r, page = a.confirm(p.slug, page)
    assert r.status_code == 409 and "This time is no longer free" in page.text
    assert slot_value(p.calendar_id, at(2027, 3, 1, 9, 20)) in page.slot_values()
    assert len(p.appointments()) == 1 and p.patients() == []


def test_bookings_per_address_are_limited(practice):
    p = practice
    p.enable("--notice", "60", "--max-bookings", "100")
    starts = [at(2027, 3, d, 9, 0) + 20 * 60 * i for d in (1, 2) for i in range(9)]
    for i in range(10):
        r, _ = p.browser().book(p.slug, p.service["id"], slot_value(p.calendar_id, starts[i]),
                                date=f"2027-03-0{1 + i // 9}")
        assert r.status_code == 303, i
    a = p.browser()
    r, page = a.day(p.slug, p.service["id"], date="2027-03-02")
    r, _ = a.hold(p.slug, page, slot_value(p.calendar_id, starts[10]))
    r, page = a.follow(r)
    r, page = a.details(p.slug, page, **patient_fields())
    r, page = a.confirm(p.slug, page)
    assert r.status_code == 429 and "Too many attempts" in page.text
    assert len(p.appointments()) == 10


# ---- the private link: cancel and move ------------------------------------------


def booked_link(p, browser, start):
    r, _ = browser.book(p.slug, p.service["id"], slot_value(p.calendar_id, start))
    assert r.status_code == 303
    return r.headers["Location"].split("?")[0]


def test_the_private_link_cancels_within_the_notice(practice):
    p = practice
    a = p.browser()
    link = booked_link(p, a, at(2027, 3, 1, 11, 0))
    # another browser (a phone, later) opens the link
    other = p.browser()
    r, page = other.get(link)
    assert r.status_code == 200 and "Your appointment" in page.text
    assert page.form("cancel")["action"] == link + "/cancel"
    assert query_of(page.ids["move"]["href"])["move"] == link.rsplit("/", 1)[1]
    # a cancellation without the form's token changes nothing
    r, _ = p.browser().post(link + "/cancel", {"csrf": "1.x"})
    assert r.status_code == 403 and p.appointments()[0]["status"] == "booked"
    r, page = other.post(link + "/cancel", page.fields("cancel"))
    assert r.status_code == 303 and r.headers["Location"].startswith(link)
    r, page = other.follow(r)
    assert page.ids["cancelled"]["text"] == "This appointment is cancelled."
    assert "cancel" not in [f.get("id") for f in page.forms]
    [ap] = p.appointments(since=T0)
    assert ap["status"] == "cancelled"
    r, page = p.browser().day(p.slug, p.service["id"])
    assert slot_value(p.calendar_id, at(2027, 3, 1, 11, 0)) in page.slot_values()
    # within the notice (an hour), no more changes online
    link = booked_link(p, a, at(2027, 3, 1, 9, 0))
    p.clock.set(at(2027, 3, 1, 8, 1), settle=True)
    r, page = a.get(link)
    assert r.status_code == 200 and "It is too late to change this appointment online." in page.text
    assert not page.forms


def test_the_private_link_moves_with_the_same_service_and_practitioner(practice):
    p = practice
    p.settings(confirmation="on")
    a = p.browser()
    link = booked_link(p, a, at(2027, 3, 1, 9, 0))
    [before] = p.appointments()
    b = p.browser()  # moving from another browser, in Spanish
    b.s.headers["Accept-Language"] = "es"
    r, page = b.get(link)
    r, page = b.get(page.ids["move"]["href"])
    assert r.status_code == 200 and "Cambiar su cita" in page.text
    assert page.fields("slots")["move"] == link.rsplit("/", 1)[1]
    assert page.fields("slots")["calendar"] == str(p.calendar_id)
    r, page = b.day(p.slug, p.service["id"], calendar=str(p.calendar_id), date="2027-03-02",
                    move=link.rsplit("/", 1)[1])
    target = slot_value(p.calendar_id, at(2027, 3, 2, 10, 0))
    r, page = b.hold(p.slug, page, target)
    assert r.status_code == 303 and "move=" in r.headers["Location"]
    r, page = b.follow(r)
    # no details to give again: the confirmation of the move
    assert r.status_code == 200 and "details" not in [f.get("id") for f in page.forms]
    assert "martes, 2 de marzo de 2027, 10:00 a 10:20" in page.text
    r, page = b.confirm(p.slug, page)
    assert r.status_code == 303 and "moved=1" in r.headers["Location"]
    r, page = b.follow(r)
    assert "Su cita ha sido cambiada." in page.text
    [after] = p.appointments(since=T0)
    assert after["id"] == before["id"] and int(after["start"]) == at(2027, 3, 2, 10, 0)
    assert after["patient_id"] == before["patient_id"]
    r, page = p.browser().day(p.slug, p.service["id"])
    assert slot_value(p.calendar_id, at(2027, 3, 1, 9, 0)) in page.slot_values()


def test_a_forged_or_past_private_link_is_not_found(practice):
    p = practice
    a = p.browser()
    link = booked_link(p, a, at(2027, 3, 1, 9, 0))
    head, mac = link.rsplit(".", 1)
    ap_id, cal_id, rest = link.rsplit("/", 1)[1].split("-", 2)
    for forged in (head + "." + mac[:-1] + ("A" if mac[-1] != "A" else "B"),
                   link.replace(f"/a/{ap_id}-", f"/a/{int(ap_id) + 1}-"),
                   link + "x", f"/book/{p.slug}/a/1-1-1.x", f"/book/{p.slug}/a/nothing"):
        r, page = a.get(forged)
        assert r.status_code == 404 and "This link is no longer valid." in page.text, forged
    # another center's page does not open it
    slug = unique("center")
    other = p.cli.center_add(name="Elsewhere", slug=slug, timezone=BRUSSELS)
    p.cli.ok("booking", "enable", "--center", str(other))
    r, page = a.get(link.replace(f"/book/{p.slug}/", f"/book/{slug}/"))
    assert r.status_code == 404
    # nor does it once the appointment has begun
    r, page = a.get(link)
    assert r.status_code == 200
    p.clock.set(at(2027, 3, 1, 9, 0), settle=True)
    r, page = a.get(link)
    assert r.status_code == 404


# ---- page weights and daylight saving ---------------------------------------------


def test_page_weights(practice):
    """Each page's HTML plus its stylesheet: the first at most 30 kB, any at
    most 100 kB, on a busy center (10 practitioners, "any", a full day)."""
    p = practice
    p.enable("--notice", "60", "--max-bookings", "100")
    for i in range(9):
        cal = p.acct.add_calendar(first=f"Practitioner{i}", last="With A Rather Long Name")
        put_hours(p.acct, [(d, "08:00", "18:00") for d in ("monday", "tuesday")], 20,
                  calendar_id=cal)
        p.acct.upsert_services({"remote_id": "c", "name": "Consultation", "duration": 20},
                               calendar_id=cal)
    css = len(requests.get(p.srv.base + "/assets/book.css", timeout=30).content)
    a = p.browser()
    sizes = {}
    r, page = a.get(f"/book/{p.slug}")
    sizes["service"] = len(r.content)
    r, page = a.get(f"/book/{p.slug}/practitioner", service=p.service["id"])
    sizes["practitioner"] = len(r.content)
    r, day = a.day(p.slug, p.service["id"], date="2027-03-02")
    sizes["day"] = len(r.content)
    assert len(day.slot_values()) > 250  # 9 x 30 + 9
    r, page = a.hold(p.slug, day, day.slot_values()[0])
    r, page = a.follow(r)
    sizes["details"] = len(r.content)
    r, page = a.details(p.slug, page, **patient_fields())
    sizes["confirm"] = len(r.content)
    r, page = a.confirm(p.slug, page)
    r, page = a.follow(r)
    sizes["link"] = len(r.content)
    b = p.browser()
    r, mine = b.day(p.slug, p.service["id"], date="2027-03-02")  # b's session and token
    r, _ = b.post(f"/book/{p.slug}/hold", dict(mine.fields("slots"), slot=day.slot_values()[0]))
    assert r.status_code == 409
    sizes["taken"] = len(r.content)
    print("page weights (bytes, HTML; stylesheet", css, "):", sizes)
    assert sizes["service"] + css <= 30 * 1024, sizes
    for name, size in sizes.items():
        assert size + css <= 100 * 1024, (name, size)


@pytest.mark.parametrize("month", [3, 10])
def test_on_both_daylight_saving_sundays_the_page_shows_the_suggestions(agenda_bin, tmp_path,
                                                                      month):
    """Europe/Brussels, 2027: 28 March (02:00 -> 03:00) and 31 October
    (03:00 -> 02:00).  Sunday 01:00-04:00 on a 30-minute grid."""
    sunday = {3: 28, 10: 31}[month]
    p = BookingPractice(agenda_bin, tmp_path, t0=at(2027, month, sunday - 2, 12, 0))
    try:
        put_hours(p.acct, [("sunday", "01:00", "04:00")], 30)
        [svc] = p.acct.upsert_services({"remote_id": "s30", "name": "Short", "duration": 30})
        day_from = at(2027, month, sunday, 0, 0)
        day_to = at(2027, month + 1, 1, 0, 0) if month == 10 else at(2027, 3, 29, 0, 0)
        want = p.suggestions([p.calendar_id], svc["id"], day_from, day_to)
        assert len(want) == (4 if month == 3 else 8)  # the lost hour, the repeated one
        r, page = p.browser().day(p.slug, svc["id"], calendar=str(p.calendar_id),
                                  date=f"2027-{month:02d}-{sunday}")
        assert r.status_code == 200
        assert page.slot_values() == [slot_value(p.calendar_id, _unix(s["start"])) for s in want]
        for s in want:
            label = page.labels[f"t{slot_value(p.calendar_id, _unix(s['start']))}"]
            date_part = f"Sunday {sunday} {'March' if month == 3 else 'October'} 2027"
            assert label == (f"{date_part}, {s['start'][11:16]} to {s['stop'][11:16]}, "
                             "Anna Peeters"), label
        assert "All times are in the practice's time zone (Europe/Brussels)." in page.text
    finally:
        p.stop()


def test_the_language_chosen_with_the_switch_is_kept_through_the_forms(practice):
    p = practice
    a = p.browser("en")  # the browser asks for English; the patient switched to German
    r, page = a.day(p.slug, p.service["id"], lang="de")
    assert page.fields("slots")["lang"] == "de"
    r, page = a.hold(p.slug, page, slot_value(p.calendar_id, at(2027, 3, 1, 9, 0)))
    assert "lang=de" in r.headers["Location"]
    r, page = a.follow(r)
    assert "Ihre Angaben" in page.text
    r, page = a.details(p.slug, page, **patient_fields(email="x"))
    assert r.status_code == 422 and "Bitte geben Sie eine gültige E-Mail-Adresse ein." in r.text

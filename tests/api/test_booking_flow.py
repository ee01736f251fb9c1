"""The booking flow after the service (issue 14), without JavaScript, against
the real binary, real SQLite and the server's clock under the test's
control (a practice in Europe/Brussels, booking_flow_support.py): the
practitioner (or any), a day of a week strip and its times, holding one,
the patient's details, the confirmation, and the private link's page."""

from datetime import datetime

import pytest

from booking_flow_support import T0, BookingPractice, at, query_of, slot_value
from schedule_support import put_hours


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
    # Monday 1 March 07:00, notice 120 min: the first day is today, 09:00-12:00
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

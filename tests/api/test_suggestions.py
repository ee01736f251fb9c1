"""GET /suggestions end to end: hours set through the API or the command
line, then the free slots checked against literal expectations and against
the reference model of tests/api/schedule_support.py."""

import time
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from helpers import appointment_fields, describe, expect, expect_error, unique
from schedule_support import (BRUSSELS, DAY, add_center_for, add_range, at, dst_year,
                              expected_iso, future_monday, got_iso, instants, iso, last_sunday,
                              make_zone_account, model, parse_iso, put_hours, ranges_path,
                              service, set_hours, suggest, suggest_raw)

MISSING = 999_999_999
HOW = ["api", "cli"]


@pytest.fixture
def mon():
    """A Monday two weeks ahead (Brussels date)."""
    return future_monday()


def week_of(zone, monday):
    """[Monday 00:00, next Monday 00:00) local, as Unix seconds."""
    return at(zone, monday, "00:00"), at(zone, monday + timedelta(days=7), "00:00")


def slots_at(zone, day, starts, duration):
    """Literal expectations: local "HH:MM" starts on `day` -> [(iso start, iso stop)]."""
    out = []
    for hhmm in starts:
        t = at(zone, day, hhmm)
        out.append((iso(zone, t), iso(zone, t + duration * 60)))
    return out


def hm_range(first, last, step):
    """["09:00", "09:15", ...] from first to last inclusive, every step minutes."""
    h, m = map(int, first.split(":"))
    cur, end = h * 60 + m, int(last[:2]) * 60 + int(last[3:])
    out = []
    while cur <= end:
        out.append(f"{cur // 60:02d}:{cur % 60:02d}")
        cur += step
    return out


def check(acct, zone, weekly, frm, to, duration, step=15, svc=None, calendar_id=None, **kw):
    """Asks the server and compares with the model; returns the suggestions."""
    svc = svc or service(acct, duration, calendar_id=calendar_id)
    limit = kw.pop("limit", 1000)
    got = suggest(acct, [calendar_id or acct.calendar_id], service_id=svc["id"], start=frm,
                  stop=to, limit=limit)
    want = model(zone, weekly, frm, to, duration, step, limit=limit, **kw)
    assert got_iso(got) == expected_iso(zone, want)
    assert all(s["service_id"] == svc["id"] and s["calendar_id"] == (calendar_id or
                                                                   acct.calendar_id)
               for s in got)
    return got


# ---- weekly hours -----------------------------------------------------------------


@pytest.mark.parametrize("how", HOW)
def test_breaks_split_a_range(acct, mon, how):
    weekly = [("monday", "08:30", "12:00"), ("monday", "13:00", "17:30")]
    set_hours(how, acct, weekly)
    svc = service(acct, 30)
    frm, to = week_of(BRUSSELS, mon)
    got = suggest(acct, service_id=svc["id"], start=frm, stop=to, limit=1000)
    starts = hm_range("08:30", "11:30", 15) + hm_range("13:00", "17:00", 15)
    assert got_iso(got) == slots_at(BRUSSELS, mon, starts, 30)
    assert len(got) == 13 + 17
    assert got_iso(got) == expected_iso(BRUSSELS, model(BRUSSELS, weekly, frm, to, 30,
                                                        limit=1000))
    assert {s["calendar_id"] for s in got} == {acct.calendar_id}
    assert {s["service_id"] for s in got} == {svc["id"]}


@pytest.mark.parametrize("how", HOW)
def test_slots_that_would_end_after_closing_are_not_offered(acct, mon, how):
    set_hours(how, acct, [("monday", "09:00", "10:00")])
    svc = service(acct, 45)
    frm, to = week_of(BRUSSELS, mon)
    got = suggest(acct, service_id=svc["id"], start=frm, stop=to)
    assert got_iso(got) == slots_at(BRUSSELS, mon, ["09:00", "09:15"], 45)
    # A service longer than any range: nothing.
    longer = service(acct, 61)
    assert suggest(acct, service_id=longer["id"], start=frm, stop=to) == []


@pytest.mark.parametrize("how", HOW)
def test_step_grid_with_a_service_longer_than_the_step(acct, mon, how):
    set_hours(how, acct, [("monday", "09:00", "10:00"), ("tuesday", "09:10", "10:30")])
    svc = service(acct, 20)
    frm, to = week_of(BRUSSELS, mon)
    got = suggest(acct, service_id=svc["id"], start=frm, stop=to)
    assert got_iso(got) == (slots_at(BRUSSELS, mon, ["09:00", "09:15", "09:30"], 20) +
                            slots_at(BRUSSELS, mon + timedelta(days=1),
                                     ["09:10", "09:25", "09:40", "09:55", "10:10"], 20))


@pytest.mark.parametrize("how", HOW)
def test_step_grid_is_anchored_at_each_range_start(acct, mon, how):
    weekly = [("monday", "09:10", "10:30"), ("monday", "14:05", "15:00")]
    set_hours(how, acct, weekly, step=20)
    svc = service(acct, 20)
    frm, to = week_of(BRUSSELS, mon)
    got = suggest(acct, service_id=svc["id"], start=frm, stop=to)
    assert got_iso(got) == slots_at(BRUSSELS, mon, ["09:10", "09:30", "09:50", "10:10",
                                                    "14:05", "14:25"], 20)


@pytest.mark.parametrize("how", HOW)
def test_step_longer_than_the_service(acct, mon, how):
    set_hours(how, acct, [("wednesday", "09:00", "12:00")], step=60)
    svc = service(acct, 20)
    frm, to = week_of(BRUSSELS, mon)
    got = suggest(acct, service_id=svc["id"], start=frm, stop=to)
    assert got_iso(got) == slots_at(BRUSSELS, mon + timedelta(days=2),
                                    ["09:00", "10:00", "11:00"], 20)


def test_a_calendar_without_hours_suggests_nothing(acct, mon):
    svc = service(acct, 15)
    frm, to = week_of(BRUSSELS, mon)
    assert suggest(acct, service_id=svc["id"], start=frm, stop=to) == []


def test_a_full_week_against_the_model(acct, mon):
    weekly = [("monday", "08:00", "12:00"), ("monday", "13:30", "18:00"),
              ("tuesday", "07:45", "11:15"), ("thursday", "12:00", "24:00"),
              ("friday", "00:00", "02:00"), ("saturday", "09:00", "09:40")]
    put_hours(acct, weekly, 10)
    frm, to = week_of(BRUSSELS, mon)
    got = check(acct, BRUSSELS, weekly, frm, to, 25, step=10)
    assert len(got) > 100


# ---- absences ---------------------------------------------------------------------


@pytest.mark.parametrize("how", HOW)
def test_an_absence_cuts_a_range(acct, mon, how):
    weekly = [("monday", "09:00", "12:00")]
    set_hours(how, acct, weekly)
    a0, a1 = at(BRUSSELS, mon, "10:10"), at(BRUSSELS, mon, "10:50")
    if how == "api":
        add_range(acct, "absences", a0, a1, "Meeting")
    else:
        acct.cli.ok("absence", "add", "--calendar", str(acct.calendar_id), "--start", str(a0),
                    "--stop", str(a1), "--title", "Meeting")
    svc = service(acct, 30)
    frm, to = week_of(BRUSSELS, mon)
    got = suggest(acct, service_id=svc["id"], start=frm, stop=to)
    # 09:30 ends at 10:00; 09:45 would run into the absence; 11:00 is the first
    # grid point after it.
    starts = ["09:00", "09:15", "09:30", "11:00", "11:15", "11:30"]
    assert got_iso(got) == slots_at(BRUSSELS, mon, starts, 30)
    assert got_iso(got) == expected_iso(BRUSSELS, model(BRUSSELS, weekly, frm, to, 30,
                                                        absences=[(a0, a1)]))


def test_absences_touching_a_slot_do_not_block_it(acct, mon):
    put_hours(acct, [("monday", "09:00", "11:00")], 30)
    svc = service(acct, 30)
    add_range(acct, "absences", at(BRUSSELS, mon, "09:30"), at(BRUSSELS, mon, "10:00"))
    frm, to = week_of(BRUSSELS, mon)
    got = suggest(acct, service_id=svc["id"], start=frm, stop=to)
    assert got_iso(got) == slots_at(BRUSSELS, mon, ["09:00", "10:00", "10:30"], 30)


def test_a_holiday_blocks_whole_days_and_removing_it_frees_them(acct, mon):
    weekly = [(d, "09:00", "10:00") for d in ("monday", "tuesday", "wednesday")]
    put_hours(acct, weekly, 30)
    svc = service(acct, 30)
    holiday = add_range(acct, "absences", at(BRUSSELS, mon, "00:00"),
                        at(BRUSSELS, mon + timedelta(days=2), "00:00"), "Holiday")
    frm, to = week_of(BRUSSELS, mon)
    wed = mon + timedelta(days=2)
    assert got_iso(suggest(acct, service_id=svc["id"], start=frm, stop=to)) == slots_at(
        BRUSSELS, wed, ["09:00", "09:30"], 30)
    expect(acct.api.delete(f"{ranges_path(acct.calendar_id, 'absences')}/{holiday['id']}"), 204)
    got = suggest(acct, service_id=svc["id"], start=frm, stop=to)
    assert len(got) == 6
    assert got_iso(got) == expected_iso(BRUSSELS, model(BRUSSELS, weekly, frm, to, 30, 30))


def test_overlapping_absences_and_appointments_against_the_model(acct, mon):
    weekly = [(d, "08:00", "18:00") for d in ("monday", "tuesday", "wednesday", "thursday",
                                              "friday")]
    put_hours(acct, weekly, 10)
    frm, to = week_of(BRUSSELS, mon)
    absences, busy = [], []
    for i, (h0, h1) in enumerate([("08:05", "09:00"), ("08:30", "10:15"), ("12:00", "13:30"),
                                  ("17:55", "19:00")]):
        d = mon + timedelta(days=i % 5)
        absences.append((at(BRUSSELS, d, h0), at(BRUSSELS, d, h1)))
        add_range(acct, "absences", *absences[-1])
    for i, (h0, h1) in enumerate([("10:00", "10:20"), ("10:10", "11:00"), ("14:03", "14:58"),
                                  ("15:00", "15:10"), ("16:00", "16:01"), ("09:00", "17:00")]):
        d = mon + timedelta(days=(i * 2) % 5)
        busy.append((at(BRUSSELS, d, h0), at(BRUSSELS, d, h1)))
        acct.create_appointment(start=busy[-1][0], stop=busy[-1][1])
    check(acct, BRUSSELS, weekly, frm, to, 20, step=10, absences=absences, busy=busy)


# ---- appointments -------------------------------------------------------------------


@pytest.mark.parametrize("how", HOW)
def test_booked_and_noshow_appointments_block_cancelled_and_deleted_do_not(acct, mon, how):
    set_hours(how, acct, [("monday", "09:00", "13:00")], step=30)
    svc = service(acct, 30)
    t = {h: at(BRUSSELS, mon, h) for h in hm_range("09:00", "13:00", 30)}
    acct.create_appointment(start=t["09:00"], stop=t["09:30"], status="booked")
    acct.create_appointment(start=t["09:30"], stop=t["10:00"], noshow=True)
    acct.create_appointment(start=t["10:00"], stop=t["10:30"], status="cancelled")
    gone = acct.create_appointment(start=t["10:30"], stop=t["11:00"])
    expect(acct.api.delete(f"{acct.appointments}/{gone['id']}"), 204)
    later = acct.create_appointment(start=t["11:00"], stop=t["11:30"])
    expect(acct.api.put(f"{acct.appointments}/{later['id']}",
                        {"appointment": {"status": "cancelled"}}), 200)
    noshow_then_booked = acct.create_appointment(start=t["11:30"], stop=t["12:00"],
                                                 status="noshow")
    expect(acct.api.put(f"{acct.appointments}/{noshow_then_booked['id']}",
                        {"appointment": {"noshow": False}}), 200)
    frm, to = week_of(BRUSSELS, mon)
    got = suggest(acct, service_id=svc["id"], start=frm, stop=to)
    assert got_iso(got) == slots_at(BRUSSELS, mon, ["10:00", "10:30", "11:00", "12:00",
                                                    "12:30"], 30)


def test_appointments_touching_a_slot_do_not_block_it_but_any_overlap_does(acct, mon):
    put_hours(acct, [("monday", "09:00", "12:00")], 30)
    svc = service(acct, 30)
    acct.create_appointment(start=at(BRUSSELS, mon, "09:30"), stop=at(BRUSSELS, mon, "10:00"))
    # one second into the 10:30 slot
    acct.create_appointment(start=at(BRUSSELS, mon, "11:00") - 1,
                            stop=at(BRUSSELS, mon, "11:00") + 1)
    frm, to = week_of(BRUSSELS, mon)
    got = suggest(acct, service_id=svc["id"], start=frm, stop=to)
    assert got_iso(got) == slots_at(BRUSSELS, mon, ["09:00", "10:00", "11:30"], 30)


def test_appointments_of_another_calendar_do_not_block(acct, mon):
    cal2 = acct.add_calendar(slug=unique("cal"))
    put_hours(acct, [("monday", "09:00", "10:00")], 30)
    svc = service(acct, 30)
    acct.create_appointment(calendar_id=cal2, start=at(BRUSSELS, mon, "09:00"),
                            stop=at(BRUSSELS, mon, "10:00"))
    add_range(acct, "absences", at(BRUSSELS, mon, "09:00"), at(BRUSSELS, mon, "10:00"),
              calendar_id=cal2)
    frm, to = week_of(BRUSSELS, mon)
    assert got_iso(suggest(acct, service_id=svc["id"], start=frm, stop=to)) == slots_at(
        BRUSSELS, mon, ["09:00", "09:30"], 30)


def test_a_long_appointment_that_starts_before_the_window_blocks(acct, mon):
    put_hours(acct, [("tuesday", "09:00", "12:00")], 30)
    svc = service(acct, 30)
    tue = mon + timedelta(days=1)
    a = acct.create_appointment(start=at(BRUSSELS, mon, "08:00"),
                                stop=at(BRUSSELS, mon, "08:30"))
    # Lengthened afterwards to run from Monday 08:00 until Tuesday 10:00.
    expect(acct.api.put(f"{acct.appointments}/{a['id']}",
                        {"appointment": {"stop": str(at(BRUSSELS, tue, "10:00"))}}), 200)
    frm = at(BRUSSELS, tue, "00:00")
    got = suggest(acct, service_id=svc["id"], start=frm, stop=frm + DAY)
    assert got_iso(got) == slots_at(BRUSSELS, tue, ["10:00", "10:30", "11:00", "11:30"], 30)


def test_ranges_and_appointments_that_began_long_before_the_window(acct, mon):
    """An opening of two years that began 400 days ago (its grid anchored at
    its start, 7 minutes past an hour), an absence that began long ago and an
    appointment of the longest span allowed (7 days) that began 6 days
    before: each still counts inside the window."""
    frm = at(BRUSSELS, mon, "00:00")
    o = (frm - 400 * DAY + 7 * 60, frm + 330 * DAY)
    add_range(acct, "openings", *o)
    absence = (frm - 200 * DAY, frm + DAY // 2)
    add_range(acct, "absences", *absence)
    busy = (frm - 6 * DAY, frm + DAY)
    entry = appointment_fields(start=busy[0], stop=busy[1])
    body = {"appointments_collection": {"appointments": [{"appointment": entry}]}}
    expect(acct.api.post(f"/calendars/{acct.calendar_id}/appointments_collections", body), 200)
    to = frm + 2 * DAY
    got = check(acct, BRUSSELS, [], frm, to, 15, step=15, openings=[o], absences=[absence],
                busy=[busy], limit=1000)
    assert len(got) == 96  # only the second day, every 15 minutes
    assert all(s["start"][14:16] in ("07", "22", "37", "52") for s in got), got[:3]
    assert got[0]["start"] == iso(BRUSSELS, frm + DAY + 7 * 60)


def test_an_appointment_made_through_a_collection_blocks(acct, mon):
    put_hours(acct, [("monday", "09:00", "10:00")], 30)
    svc = service(acct, 30)
    entry = appointment_fields(start=at(BRUSSELS, mon, "09:15"), stop=at(BRUSSELS, mon, "09:20"))
    body = {"appointments_collection": {"appointments": [{"appointment": entry}]}}
    expect(acct.api.post(f"/calendars/{acct.calendar_id}/appointments_collections", body), 200)
    frm, to = week_of(BRUSSELS, mon)
    assert got_iso(suggest(acct, service_id=svc["id"], start=frm, stop=to)) == slots_at(
        BRUSSELS, mon, ["09:30"], 30)


# ---- extra openings ---------------------------------------------------------------------


@pytest.mark.parametrize("how", HOW)
def test_an_extra_opening_on_a_closed_day(acct, mon, how):
    put_hours(acct, [("monday", "09:00", "10:00")])
    sun = mon + timedelta(days=6)
    o0, o1 = at(BRUSSELS, sun, "10:10"), at(BRUSSELS, sun, "11:10")
    if how == "api":
        add_range(acct, "openings", o0, o1, "Sunday clinic")
    else:
        acct.cli.ok("opening", "add", "--calendar", str(acct.calendar_id), "--start", str(o0),
                    "--stop", str(o1))
    svc = service(acct, 30)
    frm, to = week_of(BRUSSELS, mon)
    got = suggest(acct, service_id=svc["id"], start=frm, stop=to)
    assert got_iso(got) == (slots_at(BRUSSELS, mon, ["09:00", "09:15", "09:30"], 30) +
                            slots_at(BRUSSELS, sun, ["10:10", "10:25", "10:40"], 30))


def test_an_opening_overlapping_the_weekly_hours_adds_its_grid_once(acct, mon):
    weekly = [("monday", "09:00", "11:00")]
    put_hours(acct, weekly, 30)
    o = (at(BRUSSELS, mon, "09:10"), at(BRUSSELS, mon, "12:10"))
    add_range(acct, "openings", *o)
    frm, to = week_of(BRUSSELS, mon)
    got = check(acct, BRUSSELS, weekly, frm, to, 30, step=30, openings=[o])
    starts = ["09:00", "09:10", "09:30", "09:40", "10:00", "10:10", "10:30", "10:40", "11:10",
              "11:40"]
    assert got_iso(got) == slots_at(BRUSSELS, mon, starts, 30)


def test_a_slot_may_run_from_the_weekly_hours_into_an_adjoining_opening(acct, mon):
    put_hours(acct, [("monday", "09:00", "10:00")], 30)
    add_range(acct, "openings", at(BRUSSELS, mon, "10:00"), at(BRUSSELS, mon, "10:30"))
    svc = service(acct, 60)
    frm, to = week_of(BRUSSELS, mon)
    assert got_iso(suggest(acct, service_id=svc["id"], start=frm, stop=to)) == slots_at(
        BRUSSELS, mon, ["09:00", "09:30"], 60)


def test_an_absence_inside_an_opening_blocks(acct, mon):
    sat = mon + timedelta(days=5)
    add_range(acct, "openings", at(BRUSSELS, sat, "09:00"), at(BRUSSELS, sat, "11:00"))
    add_range(acct, "absences", at(BRUSSELS, sat, "09:30"), at(BRUSSELS, sat, "10:30"))
    svc = service(acct, 30)
    frm, to = week_of(BRUSSELS, mon)
    assert got_iso(suggest(acct, service_id=svc["id"], start=frm, stop=to)) == slots_at(
        BRUSSELS, sat, ["09:00", "10:30"], 30)


# ---- midnight --------------------------------------------------------------------------


@pytest.mark.parametrize("how", HOW)
def test_a_range_ending_at_midnight(acct, mon, how):
    fri = mon + timedelta(days=4)
    set_hours(how, acct, [("friday", "22:00", "24:00")], step=30)
    svc = service(acct, 90)
    frm, to = week_of(BRUSSELS, mon)
    got = suggest(acct, service_id=svc["id"], start=frm, stop=to)
    assert got_iso(got) == slots_at(BRUSSELS, fri, ["22:00", "22:30"], 90)
    assert got[-1]["stop"].startswith(f"{fri + timedelta(days=1)}T00:00:00")


def test_a_slot_may_cross_midnight_into_the_next_days_range(acct, mon):
    fri = mon + timedelta(days=4)
    weekly = [("friday", "22:00", "24:00"), ("saturday", "00:00", "01:00")]
    put_hours(acct, weekly, 30)
    svc = service(acct, 90)
    frm, to = week_of(BRUSSELS, mon)
    got = suggest(acct, service_id=svc["id"], start=frm, stop=to)
    assert got_iso(got) == slots_at(BRUSSELS, fri, ["22:00", "22:30", "23:00", "23:30"], 90)
    assert got[-1]["stop"] == iso(BRUSSELS, at(BRUSSELS, fri + timedelta(days=1), "01:00"))
    assert got_iso(got) == expected_iso(BRUSSELS, model(BRUSSELS, weekly, frm, to, 90, 30))


# ---- time zones and daylight saving ---------------------------------------------------


def dst_account(new_account, how, weekly, step):
    acct = new_account()
    set_hours(how, acct, weekly, step=step)
    return acct


@pytest.mark.parametrize("how", HOW)
def test_spring_forward_loses_the_missing_hour(new_account, how):
    sun = last_sunday(dst_year(), 3)
    weekly = [("sunday", "01:00", "05:00")]
    acct = dst_account(new_account, how, weekly, 60)
    svc = service(acct, 60)
    frm, to = at(BRUSSELS, sun, "00:00"), at(BRUSSELS, sun + timedelta(days=1), "00:00")
    got = suggest(acct, service_id=svc["id"], start=frm, stop=to)
    d = sun.isoformat()
    assert got_iso(got) == [(f"{d}T01:00:00+01:00", f"{d}T03:00:00+02:00"),
                            (f"{d}T03:00:00+02:00", f"{d}T04:00:00+02:00"),
                            (f"{d}T04:00:00+02:00", f"{d}T05:00:00+02:00")]
    # Real hours: the first slot is one hour long although its wall clock jumps two.
    assert [b - a for a, b in instants(got)] == [3600] * 3
    assert got_iso(got) == expected_iso(BRUSSELS, model(BRUSSELS, weekly, frm, to, 60, 60))


def test_spring_forward_with_half_hour_slots_and_a_range_starting_in_the_gap(new_account):
    sun = last_sunday(dst_year(), 3)
    acct = new_account()
    put_hours(acct, [("sunday", "00:30", "02:00"), ("sunday", "02:30", "04:00")], 30)
    svc = service(acct, 30)
    frm, to = at(BRUSSELS, sun, "00:00"), at(BRUSSELS, sun + timedelta(days=1), "00:00")
    got = suggest(acct, service_id=svc["id"], start=frm, stop=to)
    d = sun.isoformat()
    assert [s for s, _ in got_iso(got)] == [
        f"{d}T00:30:00+01:00", f"{d}T01:00:00+01:00", f"{d}T01:30:00+01:00",
        # 02:30 does not exist: that range starts at the first instant after the gap
        f"{d}T03:00:00+02:00", f"{d}T03:30:00+02:00"]
    assert got_iso(got)[2][1] == f"{d}T03:00:00+02:00"  # 01:30 + 30 real minutes
    assert got_iso(got) == expected_iso(BRUSSELS, model(
        BRUSSELS, [("sunday", "00:30", "02:00"), ("sunday", "02:30", "04:00")], frm, to, 30, 30))


@pytest.mark.parametrize("how", HOW)
def test_fall_back_offers_the_repeated_hour_twice(new_account, how):
    sun = last_sunday(dst_year(), 10)
    weekly = [("sunday", "01:00", "04:00")]
    acct = dst_account(new_account, how, weekly, 60)
    svc = service(acct, 60)
    frm, to = at(BRUSSELS, sun, "00:00"), at(BRUSSELS, sun + timedelta(days=1), "00:00")
    got = suggest(acct, service_id=svc["id"], start=frm, stop=to)
    d = sun.isoformat()
    assert got_iso(got) == [(f"{d}T01:00:00+02:00", f"{d}T02:00:00+02:00"),
                            (f"{d}T02:00:00+02:00", f"{d}T02:00:00+01:00"),
                            (f"{d}T02:00:00+01:00", f"{d}T03:00:00+01:00"),
                            (f"{d}T03:00:00+01:00", f"{d}T04:00:00+01:00")]
    starts = [a for a, _ in instants(got)]
    assert [b - a for a, b in zip(starts, starts[1:])] == [3600] * 3
    assert got_iso(got) == expected_iso(BRUSSELS, model(BRUSSELS, weekly, frm, to, 60, 60))


def test_fall_back_with_ranges_starting_and_ending_in_the_repeated_hour(new_account):
    sun = last_sunday(dst_year(), 10)
    weekly = [("sunday", "00:00", "02:30"), ("sunday", "02:30", "03:00")]
    acct = new_account()
    put_hours(acct, weekly, 30)
    svc = service(acct, 30)
    frm, to = at(BRUSSELS, sun, "00:00"), at(BRUSSELS, sun + timedelta(days=1), "00:00")
    got = suggest(acct, service_id=svc["id"], start=frm, stop=to)
    d = sun.isoformat()
    # A start that occurs twice means its first occurrence, a stop its last,
    # so the two ranges overlap in real time and each start is offered once.
    assert [s for s, _ in got_iso(got)] == [
        f"{d}T00:00:00+02:00", f"{d}T00:30:00+02:00", f"{d}T01:00:00+02:00",
        f"{d}T01:30:00+02:00", f"{d}T02:00:00+02:00", f"{d}T02:30:00+02:00",
        f"{d}T02:00:00+01:00", f"{d}T02:30:00+01:00"]
    assert got_iso(got) == expected_iso(BRUSSELS, model(BRUSSELS, weekly, frm, to, 30, 30))


def test_the_weeks_around_both_changes_against_the_model(new_account):
    year = dst_year()
    weekly = [(d, "00:30", "03:30") for d in ("saturday", "sunday")] + [
        ("monday", "08:00", "10:00"), ("sunday", "22:00", "24:00")]
    acct = new_account()
    put_hours(acct, weekly, 20)
    for month in (3, 10):
        sun = last_sunday(year, month)
        frm = at(BRUSSELS, sun - timedelta(days=3), "00:00")
        to = at(BRUSSELS, sun + timedelta(days=4), "00:00")
        svc = service(acct, 40)
        got = check(acct, BRUSSELS, weekly, frm, to, 40, step=20, svc=svc)
        offsets = {s["start"][-6:] for s in got}
        assert offsets == {"+01:00", "+02:00"}, offsets


@pytest.mark.parametrize("how", HOW)
def test_asia_kolkata_half_hour_offset(acct, server, cli, how):
    zone = "Asia/Kolkata"
    k = make_zone_account(cli, server.base, zone)
    set_hours(how, k, [("monday", "09:00", "10:00"), ("tuesday", "23:30", "24:00")], step=30)
    svc = service(k, 30)
    day = datetime.now(ZoneInfo(zone)).date() + timedelta(days=14)
    day += timedelta(days=(7 - day.weekday()) % 7)  # a Monday
    ist = timezone(timedelta(hours=5, minutes=30))
    frm = int(datetime(day.year, day.month, day.day, tzinfo=ist).timestamp())
    got = suggest(k, service_id=svc["id"], start=frm, stop=frm + 7 * DAY)
    d, e = day.isoformat(), (day + timedelta(days=1)).isoformat()
    f = (day + timedelta(days=2)).isoformat()
    assert got_iso(got) == [(f"{d}T09:00:00+05:30", f"{d}T09:30:00+05:30"),
                            (f"{d}T09:30:00+05:30", f"{d}T10:00:00+05:30"),
                            (f"{e}T23:30:00+05:30", f"{f}T00:00:00+05:30")]
    # 09:00 in Kolkata is 03:30 UTC.
    assert instants(got)[0][0] == int(datetime(day.year, day.month, day.day, 3, 30,
                                               tzinfo=timezone.utc).timestamp())


def test_a_calendar_in_new_york(cli, server):
    zone = "America/New_York"
    k = make_zone_account(cli, server.base, zone)
    # Second Sunday of March: 02:00 jumps to 03:00.
    year = dst_year()
    while True:
        sun = datetime(year, 3, 8).date()
        sun += timedelta(days=(6 - sun.weekday()) % 7)
        if sun > datetime.now(ZoneInfo(zone)).date() + timedelta(days=2):
            break
        year += 1
    weekly = [("sunday", "01:00", "04:00")]
    put_hours(k, weekly, 60)
    svc = service(k, 60)
    frm, to = at(zone, sun, "00:00"), at(zone, sun + timedelta(days=1), "00:00")
    got = suggest(k, service_id=svc["id"], start=frm, stop=to)
    d = sun.isoformat()
    assert [s for s, _ in got_iso(got)] == [f"{d}T01:00:00-05:00", f"{d}T03:00:00-04:00"]
    assert got_iso(got) == expected_iso(zone, model(zone, weekly, frm, to, 60, 60))


def next_transitions(zone, count=2, after_days=3, within_days=800):
    """The next `count` instants where `zone`'s UTC offset changes (found
    with zoneinfo, to the second), starting `after_days` from now."""
    z = ZoneInfo(zone)
    t = int(time.time()) + after_days * DAY
    off = datetime.fromtimestamp(t, z).utcoffset()
    found = []
    for _ in range(within_days * 4):
        u = t + 6 * 3600
        if datetime.fromtimestamp(u, z).utcoffset() != off:
            lo, hi = t, u
            while hi - lo > 1:
                mid = (lo + hi) // 2
                if datetime.fromtimestamp(mid, z).utcoffset() == off:
                    lo = mid
                else:
                    hi = mid
            found.append(hi)
            off = datetime.fromtimestamp(u, z).utcoffset()
            if len(found) == count:
                return found
        t = u
    raise AssertionError(f"{zone}: fewer than {count} offset changes ahead")


# Zones whose changes are unusual: at midnight (Santiago, Havana), by 30
# minutes (Lord Howe), with :45 offsets (Chatham), at -03:30 (St John's),
# southern hemisphere (Sydney); Kathmandu (+05:45) has none and is checked
# over an ordinary week.
@pytest.mark.parametrize("zone", ["America/Santiago", "America/Havana", "Australia/Lord_Howe",
                                  "Pacific/Chatham", "America/St_Johns", "Australia/Sydney",
                                  "Asia/Kathmandu"])
def test_zones_with_unusual_changes_against_the_model(cli, server, zone):
    k = make_zone_account(cli, server.base, zone)
    weekly = [(d, "00:00", "03:00") for d in ("saturday", "sunday")] + [
        (d, "22:00", "24:00") for d in ("friday", "saturday", "sunday")] + [
        ("monday", "09:00", "12:30"), ("wednesday", "00:00", "24:00")]
    put_hours(k, weekly, 30)
    svc = service(k, 45)
    if zone == "Asia/Kathmandu":
        windows = [int(time.time()) + 7 * DAY]
    else:
        windows = [t - 3 * DAY for t in next_transitions(zone)]
    for frm in windows:
        to = frm + 6 * DAY
        got = suggest(k, service_id=svc["id"], start=frm, stop=to, limit=1000)
        want = model(zone, weekly, frm, to, 45, 30, limit=1000)
        assert got_iso(got) == expected_iso(zone, want), (zone, frm)
        assert len(got) > 20


# ---- window, now and limit ---------------------------------------------------------------


def test_start_and_stop_select_slot_starts(acct, mon):
    put_hours(acct, [("monday", "09:00", "12:00")], 30)
    svc = service(acct, 60)
    t = {h: at(BRUSSELS, mon, h) for h in hm_range("09:00", "12:00", 30)}
    # [09:30, 10:30): 09:30 and 10:00 start inside (10:00 ends after the window's stop)
    got = suggest(acct, service_id=svc["id"], start=t["09:30"], stop=t["10:30"])
    assert got_iso(got) == slots_at(BRUSSELS, mon, ["09:30", "10:00"], 60)
    # A start between grid points: the grid stays anchored at the range's start.
    got = suggest(acct, service_id=svc["id"], start=t["09:30"] + 1, stop=t["12:00"])
    assert got_iso(got) == slots_at(BRUSSELS, mon, ["10:00", "10:30", "11:00"], 60)
    got = suggest(acct, service_id=svc["id"], start=t["09:00"], stop=t["09:00"] + 1)
    assert got_iso(got) == slots_at(BRUSSELS, mon, ["09:00"], 60)


def test_stop_alone_and_the_default_window(acct):
    weekly = [(d, "09:00", "10:00") for d in ("monday", "tuesday", "wednesday", "thursday",
                                              "friday", "saturday", "sunday")]
    put_hours(acct, weekly, 60)
    svc = service(acct, 60)

    def ask(**params):
        t0 = int(time.time())
        got = suggest(acct, service_id=svc["id"], limit=1000, **params)
        t1 = int(time.time()) + 1
        return got, range(t0, t1 + 1)

    got, nows = ask()
    assert any(got_iso(got) == expected_iso(BRUSSELS, model(BRUSSELS, weekly, n, n + 14 * DAY,
                                                            60, 60, now=n, limit=1000))
               for n in nows), got_iso(got)
    assert 13 <= len(got) <= 15
    stop = int(time.time()) + 3 * DAY
    got, nows = ask(stop=stop)
    assert any(got_iso(got) == expected_iso(BRUSSELS, model(BRUSSELS, weekly, n, stop, 60, 60,
                                                            now=n, limit=1000))
               for n in nows), got_iso(got)
    assert 2 <= len(got) <= 4


def test_no_slot_in_the_past_even_when_start_is(acct):
    weekly = [(d, "00:00", "24:00") for d in ("monday", "tuesday", "wednesday", "thursday",
                                              "friday", "saturday", "sunday")]
    put_hours(acct, weekly, 60)
    svc = service(acct, 60)
    t0 = int(time.time())
    frm, to = t0 - 2 * DAY, t0 + DAY
    got = suggest(acct, service_id=svc["id"], start=frm, stop=to, limit=1000)
    t1 = int(time.time()) + 1
    assert all(a >= t0 for a, _ in instants(got))
    assert any(got_iso(got) == expected_iso(BRUSSELS, model(BRUSSELS, weekly, frm, to, 60, 60,
                                                            now=n, limit=1000))
               for n in range(t0, t1 + 1)), got_iso(got)
    # A window wholly in the past: nothing.
    assert suggest(acct, service_id=svc["id"], start=t0 - 2 * DAY, stop=t0 - DAY) == []


def test_a_window_ending_before_midnight_sees_the_next_days_range(acct, mon):
    fri, sat = mon + timedelta(days=4), mon + timedelta(days=5)
    put_hours(acct, [("friday", "22:00", "24:00"), ("saturday", "00:00", "01:00")], 30)
    svc = service(acct, 90)
    frm, to = at(BRUSSELS, fri, "23:00"), at(BRUSSELS, fri, "23:31")
    got = suggest(acct, service_id=svc["id"], start=frm, stop=to)
    assert got_iso(got) == slots_at(BRUSSELS, fri, ["23:00", "23:30"], 90)
    assert got[-1]["stop"] == iso(BRUSSELS, at(BRUSSELS, sat, "01:00"))


def test_an_opening_that_started_before_the_window_keeps_its_grid(acct, mon):
    sat = mon + timedelta(days=5)
    add_range(acct, "openings", at(BRUSSELS, sat, "09:10"), at(BRUSSELS, sat, "11:10"))
    svc = service(acct, 30)
    got = suggest(acct, service_id=svc["id"], start=at(BRUSSELS, sat, "10:00"),
                  stop=at(BRUSSELS, sat, "12:00"))
    assert got_iso(got) == slots_at(BRUSSELS, sat, ["10:10", "10:25", "10:40"], 30)


def test_a_service_lasting_days_needs_every_day_it_covers(acct, mon):
    weekly = [(d, "00:00", "24:00") for d in ("monday", "tuesday", "wednesday", "thursday")]
    put_hours(acct, weekly, 60)
    svc = service(acct, 3 * 1440)  # three days
    frm = at(BRUSSELS, mon, "00:00")
    got = suggest(acct, service_id=svc["id"], start=frm, stop=frm + 2 * DAY)
    # From Monday 00:00 to Thursday 00:00 ... Friday 00:00 at the latest.
    assert len(got) == 25
    assert got[0]["start"] == iso(BRUSSELS, frm)
    assert got[-1]["stop"] == iso(BRUSSELS, at(BRUSSELS, mon + timedelta(days=4), "00:00"))
    assert got_iso(got) == expected_iso(BRUSSELS, model(BRUSSELS, weekly, frm, frm + 2 * DAY,
                                                        3 * 1440, 60))
    # An absence on Thursday, after the window, cuts the slots that would reach it.
    add_range(acct, "absences", at(BRUSSELS, mon + timedelta(days=3), "12:00"),
              at(BRUSSELS, mon + timedelta(days=3), "13:00"))
    got = suggest(acct, service_id=svc["id"], start=frm, stop=frm + 2 * DAY)
    assert got[-1]["stop"] == iso(BRUSSELS, at(BRUSSELS, mon + timedelta(days=3), "12:00"))
    assert len(got) == 13


def test_limit(acct, mon):
    weekly = [(d, "08:00", "18:00") for d in ("monday", "tuesday", "wednesday")]
    put_hours(acct, weekly, 15)
    svc = service(acct, 15)
    frm, to = week_of(BRUSSELS, mon)
    full = model(BRUSSELS, weekly, frm, to, 15, 15, limit=10_000)
    assert len(full) == 120
    assert got_iso(suggest(acct, service_id=svc["id"], start=frm, stop=to)) == expected_iso(
        BRUSSELS, full[:50])  # the default
    for limit in (1, 7, 119, 120, 121, 1000):
        got = suggest(acct, service_id=svc["id"], start=frm, stop=to, limit=limit)
        assert got_iso(got) == expected_iso(BRUSSELS, full[:limit]), limit


def test_limit_of_1000_is_the_most(acct, mon):
    weekly = [("monday", "00:00", "24:00")]
    put_hours(acct, weekly, 1)
    svc = service(acct, 1)
    frm, to = week_of(BRUSSELS, mon)
    got = suggest(acct, service_id=svc["id"], start=frm, stop=to, limit=1000)
    assert got_iso(got) == expected_iso(BRUSSELS, model(BRUSSELS, weekly, frm, to, 1, 1,
                                                        limit=1000))
    assert len(got) == 1000
    expect_error(suggest_raw(acct, service_id=svc["id"], start=frm, stop=to, limit=1001), 400,
                 "limit")


def test_a_window_of_62_days_is_the_most(acct, mon):
    put_hours(acct, [("monday", "09:00", "09:30")], 30)
    svc = service(acct, 30)
    frm = at(BRUSSELS, mon, "00:00")
    got = suggest(acct, service_id=svc["id"], start=frm, stop=frm + 62 * DAY)
    assert len(got) == 9  # nine Mondays in 62 days
    assert got_iso(got) == expected_iso(BRUSSELS, model(BRUSSELS, [("monday", "09:00", "09:30")],
                                                        frm, frm + 62 * DAY, 30, 30))
    expect_error(suggest_raw(acct, service_id=svc["id"], start=frm, stop=frm + 62 * DAY + 1),
                 400, "stop")


# ---- query errors ------------------------------------------------------------------------


def test_query_errors(acct, mon):
    put_hours(acct, [("monday", "09:00", "10:00")])
    svc = service(acct, 15)
    frm = at(BRUSSELS, mon, "00:00")
    ok = {"service_id": svc["id"], "start": frm, "stop": frm + DAY}
    cal = str(acct.calendar_id)
    cases = [
        # (calendar_id, changes to ok, the field at fault)
        (None, {}, "calendar_id"),
        ("", {}, "calendar_id"),
        ("abc", {}, "calendar_id"),
        ("0", {}, "calendar_id"),
        ("-1", {}, "calendar_id"),
        (f"{cal},", {}, "calendar_id"),
        (f"{cal},,{cal}", {}, "calendar_id"),
        (f"{cal};{cal}", {}, "calendar_id"),
        (cal, {"service_id": None}, "service_id"),
        (cal, {"service_id": "abc"}, "service_id"),
        (cal, {"service_id": "0"}, "service_id"),
        (cal, {"service_id": None, "service_remote_id": ""}, "service_id"),
        (cal, {"start": "abc"}, "start"),
        (cal, {"start": "-5"}, "start"),
        (cal, {"start": "1.5"}, "start"),
        (cal, {"stop": "soon"}, "stop"),
        (cal, {"stop": frm}, "stop"),
        (cal, {"stop": frm - 60}, "stop"),
        (cal, {"stop": frm + 62 * DAY + 1}, "stop"),
        (cal, {"start": None, "stop": int(time.time()) - 60}, "stop"),
        (cal, {"limit": "0"}, "limit"),
        (cal, {"limit": "-1"}, "limit"),
        (cal, {"limit": "1001"}, "limit"),
        (cal, {"limit": "ten"}, "limit"),
        (cal, {"limit": ""}, "limit"),
    ]
    for calendar_id, changes, field in cases:
        params = {k: v for k, v in {**ok, **changes}.items() if v is not None}
        if calendar_id is not None:
            params["calendar_id"] = calendar_id
        r = acct.api.get("/suggestions", params=params)
        expect_error(r, 400, field)
    # 20 calendars are allowed (the others have no hours).
    more = [acct.add_calendar(slug=unique("cal")) for _ in range(19)]
    got = suggest(acct, [acct.calendar_id] + more, **ok)
    assert got_iso(got) == slots_at(BRUSSELS, mon, ["09:00", "09:15", "09:30", "09:45"], 15)
    extra = acct.add_calendar(slug=unique("cal"))
    expect_error(suggest_raw(acct, [acct.calendar_id] + more + [extra], **ok), 400,
                 "calendar_id")
    # a repeated calendar counts once (test_a_calendar_listed_twice_counts_once)
    assert suggest(acct, [acct.calendar_id] + more + [more[0]], **ok) == got


LAST_SECOND = 253_402_300_799  # 9999-12-31T23:59:59Z, the largest start accepted


def test_windows_at_the_end_of_time_are_answered_not_500(acct):
    """start is accepted up to 9999-12-31T23:59:59Z; near it, the default stop
    (start + 14 days) or a slot's end lie beyond it.  The answer may be a
    400 or the slots that fit, never an internal error."""
    put_hours(acct, [(d, "00:00", "24:00") for d in ("monday", "tuesday", "wednesday",
                                                      "thursday", "friday", "saturday",
                                                      "sunday")], 60)
    svc = service(acct, 60)
    for params in ({"start": LAST_SECOND - 3600}, {"start": LAST_SECOND},
                   {"start": LAST_SECOND - 3 * DAY, "stop": LAST_SECOND}):
        r = suggest_raw(acct, service_id=svc["id"], **params)
        assert r.status_code in (200, 400), describe(r)
        if r.status_code == 200:
            assert all(parse_iso(s["suggestion"]["stop"]) <= LAST_SECOND + 1
                       for s in r.json()["suggestions"]), r.text


def test_unknown_or_foreign_calendars_and_services_are_404(acct, other, mon):
    put_hours(acct, [("monday", "09:00", "10:00")])
    svc = service(acct, 15)
    put_hours(other, [("monday", "09:00", "10:00")])
    theirs = service(other, 15, remote_id="shared")
    service(acct, 15, remote_id="shared")
    frm = at(BRUSSELS, mon, "00:00")
    w = {"start": frm, "stop": frm + DAY}
    for ids, params in [([other.calendar_id], {"service_id": theirs["id"]}),
                        ([other.calendar_id], {"service_remote_id": "shared"}),
                        ([acct.calendar_id, other.calendar_id], {"service_id": svc["id"]}),
                        ([other.calendar_id, acct.calendar_id], {"service_id": svc["id"]}),
                        ([acct.calendar_id, other.calendar_id],
                         {"service_remote_id": "shared"}),
                        ([MISSING], {"service_id": svc["id"]}),
                        ([acct.calendar_id], {"service_id": theirs["id"]}),
                        ([acct.calendar_id], {"service_id": MISSING}),
                        ([acct.calendar_id], {"service_remote_id": "nope"})]:
        r = suggest_raw(acct, ids, **params, **w)
        body = expect_error(r, 404)
        assert "shared" not in r.text and str(theirs["id"]) not in body["error"]
    r = acct.api.with_auth(None).get("/suggestions", params={
        "calendar_id": acct.calendar_id, "service_id": svc["id"], **w})
    expect_error(r, 401)
    r = acct.api.with_auth("query", token="x" * 43).get("/suggestions", params={
        "calendar_id": acct.calendar_id, "service_id": svc["id"], **w})
    expect_error(r, 401)
    # Basic authentication works as for the rest of the API.
    r = acct.basic.get("/suggestions", params={"calendar_id": acct.calendar_id,
                                               "service_id": svc["id"], **w})
    assert len(expect(r, 200)["suggestions"]) == 4


def test_other_methods_are_405(acct):
    r = acct.api.post("/suggestions", {"calendar_id": acct.calendar_id})
    expect_error(r, 405)
    assert r.headers["Allow"].replace(" ", "") in ("GET", "GET,HEAD", "HEAD,GET")


# ---- services and several calendars -------------------------------------------------------


def test_service_remote_id_is_resolved_in_each_calendar(acct, mon):
    cal2 = acct.add_calendar(slug=unique("cal"))
    cal3 = acct.add_calendar(slug=unique("cal"))
    for cal in (acct.calendar_id, cal2, cal3):
        put_hours(acct, [("monday", "09:00", "10:30")], 30, calendar_id=cal)
    s1 = service(acct, 30, remote_id="cons")
    s2 = service(acct, 60, remote_id="cons", calendar_id=cal2)
    service(acct, 30, remote_id="other", calendar_id=cal3)
    frm, to = week_of(BRUSSELS, mon)
    got = suggest(acct, [acct.calendar_id, cal2, cal3], service_remote_id="cons", start=frm,
                  stop=to)
    t = {h: at(BRUSSELS, mon, h) for h in ("09:00", "09:30", "10:00", "10:30")}
    expected = [(acct.calendar_id, s1["id"], "09:00", 30), (cal2, s2["id"], "09:00", 60),
                (acct.calendar_id, s1["id"], "09:30", 30), (cal2, s2["id"], "09:30", 60),
                (acct.calendar_id, s1["id"], "10:00", 30)]
    assert [(s["calendar_id"], s["service_id"], s["start"], s["stop"]) for s in got] == [
        (c, sid, iso(BRUSSELS, t[h]), iso(BRUSSELS, t[h] + d * 60))
        for c, sid, h, d in expected]
    # Through service_id, only the calendar the service belongs to proposes:
    # a slot of another calendar could not be booked with it.
    got = suggest(acct, [cal3, cal2, acct.calendar_id], service_id=s2["id"], start=frm,
                  stop=to)
    assert [(s["calendar_id"], s["service_id"], s["start"], s["stop"]) for s in got] == [
        (cal2, s2["id"], iso(BRUSSELS, t[h]), iso(BRUSSELS, t[h] + 3600))
        for h in ("09:00", "09:30")]
    # service_id wins over service_remote_id.
    got = suggest(acct, [acct.calendar_id], service_id=s1["id"], service_remote_id="other",
                  start=frm, stop=to)
    assert len(got) == 3 and {s["service_id"] for s in got} == {s1["id"]}


def test_several_calendars_merge_in_time_order_ties_in_query_order(acct, mon):
    a, b = acct.calendar_id, acct.add_calendar(slug=unique("cal"))
    put_hours(acct, [("monday", "09:00", "11:00")], 30, calendar_id=a)
    put_hours(acct, [("monday", "09:15", "10:15"), ("monday", "10:30", "11:00")], 15,
              calendar_id=b)
    # one service per calendar, named alike: a service belongs to one calendar
    for cal in (a, b):
        service(acct, 30, remote_id="cons", calendar_id=cal)
    frm, to = week_of(BRUSSELS, mon)
    got = suggest(acct, [b, a], service_remote_id="cons", start=frm, stop=to)
    # b: 10:00 would end after 10:15
    expected = [(a, "09:00"), (b, "09:15"), (b, "09:30"), (a, "09:30"), (b, "09:45"),
                (a, "10:00"), (b, "10:30"), (a, "10:30")]
    assert [(s["calendar_id"], s["start"]) for s in got] == [
        (c, iso(BRUSSELS, at(BRUSSELS, mon, h))) for c, h in expected]
    got = suggest(acct, [a, b], service_remote_id="cons", start=frm, stop=to)
    assert [(s["calendar_id"], s["start"]) for s in got][:4] == [
        (c, iso(BRUSSELS, at(BRUSSELS, mon, h)))
        for c, h in [(a, "09:00"), (b, "09:15"), (a, "09:30"), (b, "09:30")]]
    # The limit applies to the merged list.
    got = suggest(acct, [b, a], service_remote_id="cons", start=frm, stop=to, limit=4)
    assert [(s["calendar_id"], s["start"]) for s in got] == [
        (c, iso(BRUSSELS, at(BRUSSELS, mon, h))) for c, h in expected[:4]]


def test_a_calendar_listed_twice_counts_once(acct, mon):
    a, b = acct.calendar_id, acct.add_calendar(slug=unique("cal"))
    for cal in (a, b):
        put_hours(acct, [("monday", "09:00", "10:00")], 30, calendar_id=cal)
        service(acct, 30, remote_id="cons", calendar_id=cal)
    svc_a = acct.list_services()[0]
    frm, to = week_of(BRUSSELS, mon)
    once = suggest(acct, [a], service_remote_id="cons", start=frm, stop=to)
    assert len(once) == 2
    assert suggest(acct, [a, a], service_remote_id="cons", start=frm, stop=to) == once
    assert suggest(acct, [a, a], service_id=svc_a["id"], start=frm, stop=to) == once
    both = suggest(acct, [b, a], service_remote_id="cons", start=frm, stop=to)
    assert len(both) == 4
    # the first mention decides the order of ties
    assert suggest(acct, [b, a, b, a, b], service_remote_id="cons", start=frm, stop=to) == both
    # repeats do not count towards the 20 calendars a request may name
    got = suggest(acct, [a] * 25, service_remote_id="cons", start=frm, stop=to)
    assert got == once


def test_calendars_in_different_time_zones_merge_by_instant(acct, mon):
    kol = add_center_for(acct, "Asia/Kolkata")
    weekly_b = [("monday", "08:00", "12:00")]
    weekly_k = [("monday", "12:00", "16:30")]
    put_hours(acct, weekly_b, 30)
    put_hours(acct, weekly_k, 45, calendar_id=kol)
    for cal in (acct.calendar_id, kol):
        service(acct, 30, remote_id="cons", calendar_id=cal)
    frm = at(BRUSSELS, mon, "00:00") - DAY
    to = frm + 3 * DAY
    got = suggest(acct, [acct.calendar_id, kol], service_remote_id="cons", start=frm, stop=to,
                  limit=1000)
    lists = [[(acct.calendar_id, BRUSSELS, s) for s in model(BRUSSELS, weekly_b, frm, to, 30,
                                                             30, limit=1000)],
             [(kol, "Asia/Kolkata", s) for s in model("Asia/Kolkata", weekly_k, frm, to, 30,
                                                      45, limit=1000)]]
    merged = sorted(lists[0] + lists[1], key=lambda x: x[2][0])  # stable: ties keep order
    assert [(s["calendar_id"], s["start"], s["stop"]) for s in got] == [
        (c, iso(z, a), iso(z, b)) for c, z, (a, b) in merged]
    assert {s["start"][-6:] for s in got if s["calendar_id"] == kol} == {"+05:30"}
    starts = [a for a, _ in instants(got)]
    assert starts == sorted(starts)
    assert len({s["calendar_id"] for s in got}) == 2

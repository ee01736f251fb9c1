"""Working hours: the weekly schedule with its slot step, absences and extra
openings, through the API (JSON and forms) and the admin command line."""

import re

import pytest
import requests

from helpers import (Cli, assert_cli_failed, expect, expect_error, make_account, unique,
                     unwrap_one)
from schedule_support import (add_range, cli_hours, get_hours, hours_body, hours_path,
                              list_ranges, put_hours, ranges_path)

MISSING = 999_999_999
WEEK = [("monday", "08:30", "12:00"), ("monday", "13:00", "17:30"),
        ("wednesday", "09:00", "12:00"), ("friday", "22:00", "24:00")]


def hours_list_lines(acct, calendar_id=None):
    out = acct.cli.ok("hours", "list", "--calendar", str(calendar_id or acct.calendar_id))
    return out.splitlines()


# ---- opening hours through the API --------------------------------------------


def test_new_calendar_has_no_hours_and_the_default_step(acct):
    body = expect(acct.api.get(hours_path(acct.calendar_id)), 200)
    assert body == {"opening_hours": [], "slot_step": 15}


def test_put_replaces_and_get_returns_the_schedule(acct):
    body = expect(acct.api.put(hours_path(acct.calendar_id), hours_body(WEEK, 20)), 200)
    expected = {"opening_hours": [{"opening_hour": {"day": d, "start": s, "stop": e}}
                                  for d, s, e in WEEK], "slot_step": 20}
    assert body == expected
    assert expect(acct.api.get(hours_path(acct.calendar_id)), 200) == expected
    # A second PUT replaces the whole schedule; without slot_step the step stays.
    put_hours(acct, [("tuesday", "10:00", "11:00")])
    assert get_hours(acct) == ([("tuesday", "10:00", "11:00")], 20)


def test_put_answers_in_day_then_start_order(acct):
    shuffled = [WEEK[3], WEEK[1], WEEK[2], WEEK[0], ("sunday", "00:00", "01:00")]
    body = put_hours(acct, shuffled)
    got = [(h["opening_hour"]["day"], h["opening_hour"]["start"], h["opening_hour"]["stop"])
           for h in body["opening_hours"]]
    assert got == WEEK + [("sunday", "00:00", "01:00")]
    assert get_hours(acct)[0] == got


def test_empty_list_clears_the_schedule(acct):
    put_hours(acct, WEEK, 30)
    assert put_hours(acct, []) == {"opening_hours": [], "slot_step": 30}
    assert get_hours(acct) == ([], 30)


def test_touching_ranges_and_full_days_are_fine(acct):
    ranges = [("monday", "00:00", "12:00"), ("monday", "12:00", "24:00"),
              ("tuesday", "00:00", "24:00"), ("sunday", "23:59", "24:00")]
    put_hours(acct, ranges)
    assert get_hours(acct)[0] == ranges


def test_same_times_on_different_days_do_not_overlap(acct):
    ranges = [(d, "09:00", "17:00") for d in ("monday", "tuesday", "wednesday", "thursday",
                                              "friday", "saturday", "sunday")]
    put_hours(acct, ranges)
    assert get_hours(acct)[0] == ranges


@pytest.mark.parametrize("step", [1, 5, 15, 60, 1440, "45"])
def test_slot_step_range(acct, step):
    assert put_hours(acct, WEEK[:1], step)["slot_step"] == int(step)
    assert get_hours(acct)[1] == int(step)


def test_unwrapped_entries_are_read_too(acct):
    body = {"opening_hours": [{"day": "thursday", "start": "07:00", "stop": "07:30"}]}
    expect(acct.api.put(hours_path(acct.calendar_id), body), 200)
    assert get_hours(acct)[0] == [("thursday", "07:00", "07:30")]


def test_form_body_rails_style(acct):
    data = []
    for d, s, e in WEEK[:2]:
        data += [("opening_hours[][opening_hour][day]", d),
                 ("opening_hours[][opening_hour][start]", s),
                 ("opening_hours[][opening_hour][stop]", e)]
    data.append(("slot_step", "10"))
    expect(acct.api.request("PUT", hours_path(acct.calendar_id), data=data), 200)
    assert get_hours(acct) == (WEEK[:2], 10)


def test_form_body_indexed(acct):
    data = {"opening_hours[1][opening_hour][day]": "friday",
            "opening_hours[1][opening_hour][start]": "14:00",
            "opening_hours[1][opening_hour][stop]": "24:00",
            "opening_hours[0][opening_hour][day]": "monday",
            "opening_hours[0][opening_hour][start]": "08:00",
            "opening_hours[0][opening_hour][stop]": "09:00"}
    expect(acct.api.request("PUT", hours_path(acct.calendar_id), data=data), 200)
    assert get_hours(acct) == ([("monday", "08:00", "09:00"), ("friday", "14:00", "24:00")], 15)


def test_form_body_with_an_error_writes_nothing(acct):
    put_hours(acct, WEEK, 20)
    data = [("opening_hours[][opening_hour][day]", "monday"),
            ("opening_hours[][opening_hour][start]", "12:00"),
            ("opening_hours[][opening_hour][stop]", "11:00")]
    expect_error(acct.api.request("PUT", hours_path(acct.calendar_id), data=data), 422,
                 "opening_hours[0].stop")
    assert get_hours(acct) == (WEEK, 20)


BAD_ENTRIES = [
    # (entry, field at fault)
    ({"start": "08:00", "stop": "09:00"}, "day"),
    ({"day": "Monday", "start": "08:00", "stop": "09:00"}, "day"),
    ({"day": "mon", "start": "08:00", "stop": "09:00"}, "day"),
    ({"day": "funday", "start": "08:00", "stop": "09:00"}, "day"),
    ({"day": 1, "start": "08:00", "stop": "09:00"}, "day"),
    ({"day": None, "start": "08:00", "stop": "09:00"}, "day"),
    ({"day": "monday", "stop": "09:00"}, "start"),
    ({"day": "monday", "start": "8:00", "stop": "09:00"}, "start"),
    ({"day": "monday", "start": "08:0", "stop": "09:00"}, "start"),
    ({"day": "monday", "start": "08:60", "stop": "09:00"}, "start"),
    ({"day": "monday", "start": "25:00", "stop": "26:00"}, "start"),
    ({"day": "monday", "start": "24:00", "stop": "24:00"}, "start"),
    ({"day": "monday", "start": "08:00:00", "stop": "09:00"}, "start"),
    ({"day": "monday", "start": "08h00", "stop": "09:00"}, "start"),
    ({"day": "monday", "start": " 8:00", "stop": "09:00"}, "start"),
    ({"day": "monday", "start": 480, "stop": "09:00"}, "start"),
    ({"day": "monday", "start": "08:00"}, "stop"),
    ({"day": "monday", "start": "08:00", "stop": "24:01"}, "stop"),
    ({"day": "monday", "start": "08:00", "stop": "24:30"}, "stop"),
    ({"day": "monday", "start": "08:00", "stop": "9:00"}, "stop"),
    ({"day": "monday", "start": "09:00", "stop": "09:00"}, "stop"),
    ({"day": "monday", "start": "09:00", "stop": "08:59"}, "stop"),
    ({"day": "monday", "start": "00:00", "stop": "00:00"}, "stop"),
]


@pytest.mark.parametrize("entry,field", BAD_ENTRIES,
                         ids=[f"{f}-{i}" for i, (_, f) in enumerate(BAD_ENTRIES)])
def test_invalid_entry_is_422_and_writes_nothing(acct, entry, field):
    put_hours(acct, WEEK, 20)
    body = {"opening_hours": [{"opening_hour": {"day": "sunday", "start": "10:00",
                                                "stop": "11:00"}},
                              {"opening_hour": entry}], "slot_step": 30}
    expect_error(acct.api.put(hours_path(acct.calendar_id), body), 422,
                 f"opening_hours[1].{field}")
    assert get_hours(acct) == (WEEK, 20)


@pytest.mark.parametrize("ranges", [
    [("monday", "08:00", "12:00"), ("monday", "11:59", "13:00")],
    [("monday", "08:00", "12:00"), ("monday", "08:00", "09:00")],
    [("monday", "08:00", "12:00"), ("monday", "09:00", "10:00")],
    [("tuesday", "10:00", "11:00"), ("friday", "00:00", "24:00"), ("friday", "23:00", "24:00")],
    [("monday", "08:00", "12:00"), ("monday", "08:00", "12:00")],
], ids=["straddle", "same-start", "inside", "with-24:00", "duplicate"])
def test_overlapping_ranges_are_422_and_write_nothing(acct, ranges):
    put_hours(acct, WEEK, 20)
    body = expect_error(acct.api.put(hours_path(acct.calendar_id), hours_body(ranges, 5)), 422,
                        "opening_hours")
    assert "overlap" in body["errors"]["opening_hours"]
    assert get_hours(acct) == (WEEK, 20)


@pytest.mark.parametrize("step", [0, -15, 1441, 100000, "abc", 7.5, True])
def test_invalid_slot_step_is_422_and_writes_nothing(acct, step):
    put_hours(acct, WEEK, 20)
    expect_error(acct.api.put(hours_path(acct.calendar_id), hours_body(WEEK[:1], step)), 422,
                 "slot_step")
    assert get_hours(acct) == (WEEK, 20)


@pytest.mark.parametrize("step", [0, -15, 1441, "abc"])
def test_invalid_slot_step_with_an_empty_schedule_is_422_and_writes_nothing(
        agenda_bin, tmp_path, start_server, step):
    """On a server of its own: should the request bring the server down, the
    rest of the suite keeps its server."""
    cli = Cli(agenda_bin, tmp_path / "steps.db")
    srv = start_server(cli.db)
    acct = make_account(cli, srv.base)
    put_hours(acct, WEEK, 20)
    try:
        r = acct.api.put(hours_path(acct.calendar_id), hours_body([], step))
    except requests.ConnectionError as e:
        raise AssertionError(f"PUT opening_hours with slot_step {step!r} and an empty list: "
                             f"no answer ({e}); server log: {srv.log_tail(300)!r}")
    expect_error(r, 422, "slot_step")
    assert get_hours(acct) == (WEEK, 20)


@pytest.mark.parametrize("body", [{"slot_step": 30}, {"opening_hours": "monday 08:00-09:00"},
                                  {"opening_hours": {"opening_hour": {"day": "monday"}}}])
def test_opening_hours_must_be_a_list(acct, body):
    put_hours(acct, WEEK, 20)
    expect_error(acct.api.put(hours_path(acct.calendar_id), body), 422, "opening_hours")
    assert get_hours(acct) == (WEEK, 20)


def test_null_opening_hours_close_every_day(acct):
    # null (a form's empty value) is the empty list, as in a form
    put_hours(acct, WEEK, 20)
    expect(acct.api.put(hours_path(acct.calendar_id), {"opening_hours": None}), 200)
    assert get_hours(acct) == ([], 20)


@pytest.mark.parametrize("entry", ["monday 08:00-09:00", 5, None, ["monday", "08:00", "09:00"]])
def test_entry_must_be_an_object(acct, entry):
    put_hours(acct, WEEK, 20)
    expect_error(acct.api.put(hours_path(acct.calendar_id), {"opening_hours": [entry]}), 422,
                 "opening_hours[0].day")
    assert get_hours(acct) == (WEEK, 20)


def test_body_must_be_a_json_object(acct):
    put_hours(acct, WEEK, 20)
    path = acct.api.url(hours_path(acct.calendar_id))
    for raw in (b"[]", b"{", b'"opening_hours"'):
        r = acct.api.session.put(path, params={"user_email": acct.email,
                                               "user_token": acct.token},
                                 data=raw, headers={"Content-Type": "application/json"})
        expect_error(r, 400)
    expect_error(acct.api.put(hours_path(acct.calendar_id)), 400)  # no body
    assert get_hours(acct) == (WEEK, 20)


def test_more_than_100_ranges_is_413(acct):
    put_hours(acct, WEEK, 20)
    ranges = [(d, f"{h:02d}:00", f"{h:02d}:30") for d in ("monday", "tuesday", "wednesday",
                                                            "thursday", "friday")
              for h in range(0, 21)]
    assert len(ranges) == 105
    expect_error(acct.api.put(hours_path(acct.calendar_id), hours_body(ranges)), 413)
    assert get_hours(acct) == (WEEK, 20)
    put_hours(acct, ranges[:100])
    assert len(get_hours(acct)[0]) == 100


def test_other_methods_are_405(acct):
    r = acct.api.delete(hours_path(acct.calendar_id))
    expect_error(r, 405)
    assert set(m.strip() for m in r.headers["Allow"].split(",")) == {"GET", "PUT"}


def test_hours_of_a_calendar_not_granted_are_404(acct, other):
    put_hours(acct, WEEK, 20)
    for who, cal in ((other, acct.calendar_id), (acct, MISSING)):
        expect_error(who.api.get(hours_path(cal)), 404)
        expect_error(who.api.put(hours_path(cal), hours_body([("sunday", "01:00", "02:00")], 5)),
                     404)
    assert get_hours(acct) == (WEEK, 20)
    expect_error(acct.api.get("/calendars/abc/opening_hours"), 404)
    r = acct.api.with_auth(None).get(hours_path(acct.calendar_id))
    expect_error(r, 401)


def test_hours_belong_to_their_calendar(acct):
    cal2 = acct.add_calendar(slug=unique("cal"))
    put_hours(acct, WEEK, 20)
    put_hours(acct, [("saturday", "09:00", "10:00")], 45, calendar_id=cal2)
    assert get_hours(acct) == (WEEK, 20)
    assert get_hours(acct, cal2) == ([("saturday", "09:00", "10:00")], 45)


# ---- opening hours through the command line -----------------------------------


def test_cli_hours_set_prints_the_schedule_sorted(acct):
    p = acct.cli.run("hours", "set", "--calendar", str(acct.calendar_id),
                     "--range", "friday 22:00-24:00", "--range", "monday 13:00-17:30",
                     "--range", "monday 08:30-12:00", "--range", "wednesday 09:00-12:00",
                     "--step", "10")
    assert p.returncode == 0, p.stderr
    assert p.stderr == ""
    expected = ["monday 08:30-12:00", "monday 13:00-17:30", "wednesday 09:00-12:00",
                "friday 22:00-24:00", "step 10"]
    assert p.stdout.splitlines() == expected
    assert hours_list_lines(acct) == expected
    assert get_hours(acct) == (WEEK, 10)


def test_cli_and_api_see_the_same_schedule(acct):
    put_hours(acct, WEEK, 25)
    assert hours_list_lines(acct) == [f"{d} {s}-{e}" for d, s, e in WEEK] + ["step 25"]
    cli_hours(acct, [("sunday", "00:00", "24:00")])
    assert get_hours(acct) == ([("sunday", "00:00", "24:00")], 25)  # step kept


def test_cli_hours_set_without_ranges_clears(acct):
    put_hours(acct, WEEK, 20)
    out = acct.cli.ok("hours", "set", "--calendar", str(acct.calendar_id))
    assert out.splitlines() == ["step 20"]
    assert get_hours(acct) == ([], 20)
    assert hours_list_lines(acct) == ["step 20"]


def test_cli_hours_list_of_a_new_calendar(acct):
    assert hours_list_lines(acct) == ["step 15"]


@pytest.mark.parametrize("args", [
    ["--range", "Monday 08:00-09:00"],
    ["--range", "monday 8:00-09:00"],
    ["--range", "monday 08:00-24:30"],
    ["--range", "monday 24:00-24:00"],
    ["--range", "monday 09:00-08:00"],
    ["--range", "monday 09:00-09:00"],
    ["--range", "funday 08:00-09:00"],
    ["--range", "monday 08:00-09:00 extra"],
    ["--range", "monday 08:00"],
    ["--range", ""],
    ["--range", "monday 08:00-12:00", "--range", "monday 11:00-13:00"],
    ["--range", "monday 08:00-09:00", "--range", "monday 08:00-09:00"],
    ["--step", "0"],
    ["--step", "1441"],
    ["--step", "abc"],
    ["--step", "-5"],
    ["--step"],
    ["--range", "monday 08:00-09:00", "--bogus", "1"],
    ["--step", "10", "--step", "20"],
], ids=lambda a: " ".join(a) or "empty")
def test_cli_hours_set_refusals(acct, args):
    put_hours(acct, WEEK, 20)
    p = acct.cli.run("hours", "set", "--calendar", str(acct.calendar_id),
                     "--range", "sunday 10:00-11:00", *args)
    assert_cli_failed(p)
    assert p.returncode == 2, p.stderr
    assert p.stdout == ""
    assert get_hours(acct) == (WEEK, 20)


def test_cli_hours_unknown_calendar(acct):
    for verb in ("set", "list"):
        p = acct.cli.run("hours", verb, "--calendar", str(MISSING))
        assert_cli_failed(p)
        assert p.returncode == 1
        assert "calendar" in p.stderr


def test_cli_malformed_calendar_is_bad_usage_and_touches_no_database(agenda_bin, tmp_path):
    """Like every other malformed option: exit 2, checked before the
    database is opened (so a database file is not even created)."""
    db = tmp_path / "untouched.db"
    cli = Cli(agenda_bin, db)
    problems = []
    for args in (["hours", "set", "--range", "monday 08:00-09:00"], ["hours", "list"],
                 ["absence", "add", "--start", "1900000000", "--stop", "1900000060"],
                 ["absence", "list"], ["opening", "remove", "--id", "1"]):
        for calendar in ("abc", "0", "-1", "1x"):
            p = cli.run(*args[:2], "--calendar", calendar, *args[2:])
            assert_cli_failed(p)
            if p.returncode != 2 or db.exists():
                problems.append(f"agenda {' '.join(args[:2])} --calendar {calendar!r}: exit "
                                f"{p.returncode}, database file created: {db.exists()}")
            for f in tmp_path.glob("untouched.db*"):
                f.unlink()
    assert not problems, "\n".join(problems)


def test_cli_hours_usage_errors(acct):
    put_hours(acct, WEEK, 20)
    cal = str(acct.calendar_id)
    for args in (["hours"], ["hours", "show", "--calendar", cal], ["hours", "set"],
                 ["hours", "list"], ["hours", "list", "--calendar", cal, "--step", "5"],
                 ["hours", "list", "--calendar", cal, "--range", "monday 08:00-09:00"]):
        p = acct.cli.run(*args)
        assert_cli_failed(p)
        assert p.returncode == 2, (args, p.returncode)
    assert get_hours(acct) == (WEEK, 20)


def test_cli_ranges_need_a_space_and_ranges_are_capped_like_the_api(acct):
    put_hours(acct, WEEK, 20)
    cal = str(acct.calendar_id)
    p = acct.cli.run("hours", "set", "--calendar", cal, "--range", "monday08:00-09:00")
    assert_cli_failed(p)
    assert p.returncode == 2
    assert get_hours(acct) == (WEEK, 20)
    # the API refuses ranges over ten years; so does the command line
    p = acct.cli.run("absence", "add", "--calendar", cal, "--start", "1900000000",
                     "--stop", str(1900000000 + 11 * 366 * 86400))
    assert_cli_failed(p)
    assert p.returncode == 2
    assert acct.cli.ok("absence", "list", "--calendar", cal).strip() == ""


def test_cli_touching_ranges_are_fine(acct):
    """The same overlap rule on both paths: touching is fine."""
    cli_hours(acct, [("monday", "08:00", "12:00"), ("monday", "12:00", "13:00")], 5)
    assert get_hours(acct) == ([("monday", "08:00", "12:00"), ("monday", "12:00", "13:00")], 5)


# ---- absences and openings through the API ------------------------------------

KINDS = ["absences", "openings"]
T = 1_900_000_000  # 2030-03-17, a round future time


@pytest.mark.parametrize("kind", KINDS)
def test_create_list_delete(acct, kind):
    singular = kind[:-1]
    r = acct.api.post(ranges_path(acct.calendar_id, kind),
                      {singular: {"start": str(T), "stop": str(T + 3600), "title": "Holiday"}})
    a = unwrap_one(expect(r, 201), singular)
    assert set(a) == {"id", "start", "stop", "title"}
    assert type(a["id"]) is int and a["id"] > 0
    assert a == {"id": a["id"], "start": str(T), "stop": str(T + 3600), "title": "Holiday"}
    assert list_ranges(acct, kind) == [a]
    expect(acct.api.delete(f"{ranges_path(acct.calendar_id, kind)}/{a['id']}"), 204)
    assert list_ranges(acct, kind) == []
    expect_error(acct.api.delete(f"{ranges_path(acct.calendar_id, kind)}/{a['id']}"), 404)


@pytest.mark.parametrize("kind", KINDS)
def test_numbers_unwrapped_bodies_and_default_title(acct, kind):
    singular = kind[:-1]
    path = ranges_path(acct.calendar_id, kind)
    a = unwrap_one(expect(acct.api.post(path, {singular: {"start": T, "stop": T + 60}}), 201),
                   singular)
    assert a["start"] == str(T) and a["stop"] == str(T + 60) and a["title"] == ""
    b = unwrap_one(expect(acct.api.post(path, {"start": str(T + 60), "stop": T + 120,
                                               "title": "top level"}), 201), singular)
    assert b["title"] == "top level" and b["start"] == str(T + 60)
    assert list_ranges(acct, kind) == [a, b]


@pytest.mark.parametrize("kind", KINDS)
def test_form_body(acct, kind):
    singular = kind[:-1]
    data = {f"{singular}[start]": str(T), f"{singular}[stop]": str(T + 900),
            f"{singular}[title]": "Congé annuel"}
    a = unwrap_one(expect(acct.api.post(ranges_path(acct.calendar_id, kind), data=data), 201),
                   singular)
    assert (a["start"], a["stop"], a["title"]) == (str(T), str(T + 900), "Congé annuel")
    bad = {f"{singular}[start]": str(T), f"{singular}[stop]": str(T)}
    expect_error(acct.api.post(ranges_path(acct.calendar_id, kind), data=bad), 422, "stop")
    assert list_ranges(acct, kind) == [a]


BAD_RANGES = [
    ({"stop": T}, "start"),
    ({"start": T}, "stop"),
    ({"start": None, "stop": T}, "start"),
    ({"start": "", "stop": T}, "start"),
    ({"start": "abc", "stop": T}, "start"),
    ({"start": "2030-01-01", "stop": T}, "start"),
    ({"start": -1, "stop": T}, "start"),
    ({"start": 1.5, "stop": T}, "start"),
    ({"start": T, "stop": "soon"}, "stop"),
    ({"start": T, "stop": T}, "stop"),
    ({"start": T, "stop": T - 1}, "stop"),
    ({"start": T, "stop": T + 11 * 366 * 86400}, "stop"),
    ({"start": T, "stop": T + 60, "title": {"x": 1}}, "title"),
    ({"start": T, "stop": T + 60, "title": "x" * 100_000}, "title"),
]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("fields,field", BAD_RANGES,
                         ids=[f"{f}-{i}" for i, (_, f) in enumerate(BAD_RANGES)])
def test_invalid_range_is_422_and_writes_nothing(acct, kind, fields, field):
    before = add_range(acct, kind, T, T + 60, "kept")
    r = acct.api.post(ranges_path(acct.calendar_id, kind), {kind[:-1]: fields})
    expect_error(r, 422, field)
    assert list_ranges(acct, kind) == [before]


@pytest.mark.parametrize("kind", KINDS)
def test_body_must_be_an_object(acct, kind):
    path = ranges_path(acct.calendar_id, kind)
    expect_error(acct.api.post(path), 400)
    expect_error(acct.api.post(path, [{"start": T, "stop": T + 60}]), 400)
    assert list_ranges(acct, kind) == []


@pytest.mark.parametrize("kind", KINDS)
def test_list_filters_by_overlap(acct, kind):
    a = add_range(acct, kind, T, T + 100, "a")
    b = add_range(acct, kind, T + 100, T + 200, "b")
    c = add_range(acct, kind, T - 1000, T + 1000, "c")  # spans both
    assert list_ranges(acct, kind) == [c, a, b]  # by start
    assert list_ranges(acct, kind, start=T + 100, stop=T + 101) == [c, b]
    assert list_ranges(acct, kind, start=T + 99, stop=T + 100) == [c, a]
    assert list_ranges(acct, kind, start=T + 200, stop=T + 300) == [c]
    assert list_ranges(acct, kind, start=T + 1000) == []
    assert list_ranges(acct, kind, stop=T - 1000) == []
    assert list_ranges(acct, kind, stop=T - 999) == [c]
    assert list_ranges(acct, kind, start=0) == [c, a, b]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("params,field", [({"start": "abc"}, "start"), ({"stop": "-1"}, "stop"),
                                          ({"start": T, "stop": T}, "stop"),
                                          ({"start": T, "stop": T - 5}, "stop")])
def test_list_bad_window_is_400(acct, kind, params, field):
    expect_error(acct.api.get(ranges_path(acct.calendar_id, kind), params=params), 400, field)


@pytest.mark.parametrize("kind", KINDS)
def test_ids_are_not_reused_after_removal(acct, kind):
    a = add_range(acct, kind, T, T + 60)
    expect(acct.api.delete(f"{ranges_path(acct.calendar_id, kind)}/{a['id']}"), 204)
    b = add_range(acct, kind, T, T + 60)
    assert b["id"] > a["id"]


@pytest.mark.parametrize("kind", KINDS)
def test_delete_refusals(acct, kind):
    a = add_range(acct, kind, T, T + 60, "mine")
    path = ranges_path(acct.calendar_id, kind)
    expect_error(acct.api.delete(f"{path}/{MISSING}"), 404)
    expect_error(acct.api.delete(f"{path}/remote_id:{a['id']}"), 404)
    expect_error(acct.api.delete(f"{path}/abc"), 404)
    # Through another calendar of the same user: not there.
    cal2 = acct.add_calendar(slug=unique("cal"))
    expect_error(acct.api.delete(f"{ranges_path(cal2, kind)}/{a['id']}"), 404)
    r = acct.api.put(f"{path}/{a['id']}", {kind[:-1]: {"start": T, "stop": T + 5}})
    expect_error(r, 405)
    assert list_ranges(acct, kind) == [a]


@pytest.mark.parametrize("kind", KINDS)
def test_ranges_of_a_calendar_not_granted_are_404(acct, other, kind):
    a = add_range(acct, kind, T, T + 60, "private")
    path = ranges_path(acct.calendar_id, kind)
    expect_error(other.api.get(path), 404)
    expect_error(other.api.post(path, {kind[:-1]: {"start": T, "stop": T + 60}}), 404)
    expect_error(other.api.delete(f"{path}/{a['id']}"), 404)
    expect_error(acct.api.get(ranges_path(MISSING, kind)), 404)
    assert list_ranges(acct, kind) == [a]
    assert list_ranges(other, kind) == []


def test_absences_and_openings_are_separate(acct):
    a = add_range(acct, "absences", T, T + 60, "away")
    o = add_range(acct, "openings", T + 60, T + 120, "extra")
    assert list_ranges(acct, "absences") == [a]
    assert list_ranges(acct, "openings") == [o]


# ---- absences and openings through the command line ---------------------------


@pytest.mark.parametrize("kind", KINDS)
def test_cli_add_list_remove(acct, kind):
    noun = kind[:-1]
    cal = str(acct.calendar_id)
    p = acct.cli.run(noun, "add", "--calendar", cal, "--start", str(T), "--stop", str(T + 600),
                     "--title", "Holiday")
    assert p.returncode == 0, p.stderr
    assert re.fullmatch(r"\d+\n", p.stdout), p.stdout
    rid = int(p.stdout)
    second = int(acct.cli.ok(noun, "add", "--calendar", cal, "--start", str(T - 600),
                             "--stop", str(T)))
    assert list_ranges(acct, kind) == [
        {"id": second, "start": str(T - 600), "stop": str(T), "title": ""},
        {"id": rid, "start": str(T), "stop": str(T + 600), "title": "Holiday"}]
    lines = acct.cli.ok(noun, "list", "--calendar", cal).splitlines()
    assert [ln.rstrip() for ln in lines] == [f"{second} {T - 600} {T}",
                                              f"{rid} {T} {T + 600} Holiday"]
    p = acct.cli.run(noun, "remove", "--calendar", cal, "--id", str(rid))
    assert p.returncode == 0 and p.stderr == "", p.stderr
    assert [r["id"] for r in list_ranges(acct, kind)] == [second]
    p = acct.cli.run(noun, "remove", "--calendar", cal, "--id", str(rid))
    assert_cli_failed(p)
    assert p.returncode == 1


@pytest.mark.parametrize("kind", KINDS)
def test_cli_sees_what_the_api_added(acct, kind):
    a = add_range(acct, kind, T, T + 60, "Vacances de Pâques")
    lines = acct.cli.ok(kind[:-1], "list", "--calendar", str(acct.calendar_id)).splitlines()
    assert lines == [f"{a['id']} {T} {T + 60} Vacances de Pâques"]
    acct.cli.ok(kind[:-1], "remove", "--calendar", str(acct.calendar_id), "--id", str(a["id"]))
    assert list_ranges(acct, kind) == []


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("args", [
    ["--stop", str(T)],
    ["--start", str(T)],
    ["--start", str(T), "--stop", str(T)],
    ["--start", str(T), "--stop", str(T - 60)],
    ["--start", "abc", "--stop", str(T)],
    ["--start", str(T), "--stop", "1e9"],
    ["--start", "-60", "--stop", str(T)],
    ["--start", str(T), "--stop", str(T + 60), "--start", str(T)],
    ["--start", str(T), "--stop", str(T + 60), "--id", "3", "--bogus", "x"],
    ["--start", str(T), "--stop"],
], ids=lambda a: " ".join(a))
def test_cli_add_refusals(acct, kind, args):
    before = add_range(acct, kind, T, T + 60, "kept")
    p = acct.cli.run(kind[:-1], "add", "--calendar", str(acct.calendar_id), *args)
    assert_cli_failed(p)
    assert p.returncode == 2
    assert p.stdout == ""
    assert list_ranges(acct, kind) == [before]


@pytest.mark.parametrize("kind", KINDS)
def test_cli_range_errors(acct, kind):
    noun = kind[:-1]
    kept = add_range(acct, kind, T, T + 60, "kept")
    cal = str(acct.calendar_id)
    cal2 = str(acct.add_calendar(slug=unique("cal")))
    cases = [
        # (args, exit status)
        ([noun], 2),
        ([noun, "edit", "--calendar", cal], 2),
        ([noun, "add", "--start", str(T), "--stop", str(T + 60)], 2),
        ([noun, "add", "--calendar", str(MISSING), "--start", str(T), "--stop", str(T + 60)], 1),
        ([noun, "list"], 2),
        ([noun, "list", "--calendar", str(MISSING)], 1),
        ([noun, "remove", "--calendar", cal], 2),
        ([noun, "remove", "--calendar", cal, "--id", "0"], 2),
        ([noun, "remove", "--calendar", cal, "--id", "x"], 2),
        ([noun, "remove", "--calendar", cal, "--id", str(MISSING)], 1),
        ([noun, "remove", "--calendar", cal2, "--id", str(kept["id"])], 1),
        ([noun, "remove", "--calendar", str(MISSING), "--id", str(kept["id"])], 1),
    ]
    for args, status in cases:
        p = acct.cli.run(*args)
        assert_cli_failed(p)
        assert p.returncode == status, (args, p.returncode, p.stderr)
        assert p.stdout == "", (args, p.stdout)
    assert list_ranges(acct, kind) == [kept]
    assert list_ranges(acct, kind, calendar_id=int(cal2)) == []

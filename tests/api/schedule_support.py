"""Shared by the scheduling tests (opening hours, absences, openings,
suggestions, bookings): accounts in a chosen time zone, short-hands for the
extension endpoints, and a reference model of the slot rules.

The model is written from the rules in README/src/sched/slots.h, not from the
server's answers: local times are turned into instants with Python's zoneinfo
(the same tz database, a different reader), and the open set and the step
grid are computed naively.  Tests compare the server's suggestions with it,
and pin the cases that matter (daylight saving, +05:30, 24:00) with literal
expected values as well."""

import bisect
import time
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from helpers import Account, expect, unique, unwrap_list, unwrap_one

DAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
BRUSSELS = "Europe/Brussels"
DAY = 86400


# ---- accounts ---------------------------------------------------------------


def make_zone_account(cli, base, zone):
    """A center in `zone`, one calendar in it, and a user granted on it."""
    center_id = cli.center_add(name="Centre " + unique("n"), slug=unique("center"),
                               timezone=zone)
    calendar_id = cli.calendar_add(center_id, slug=unique("cal"))
    email = unique("user") + "@example.com"
    token = cli.user_add(email)
    cli.grant(email, center_id)
    return Account(cli, base, center_id, calendar_id, email, token)


def add_center_for(acct, zone):
    """Another center (in `zone`) with one calendar, granted to acct's user;
    returns the calendar id."""
    center_id = acct.cli.center_add(name="Centre " + unique("n"), slug=unique("center"),
                                    timezone=zone)
    calendar_id = acct.cli.calendar_add(center_id, slug=unique("cal"))
    acct.cli.grant(acct.email, center_id)
    return calendar_id


def service(acct, duration, remote_id=None, calendar_id=None, name="Consultation"):
    [s] = acct.upsert_services({"remote_id": remote_id or unique("s"), "name": name,
                                "duration": duration}, calendar_id=calendar_id)
    return s


# ---- extension endpoints ------------------------------------------------------


def hours_path(calendar_id):
    return f"/calendars/{calendar_id}/opening_hours"


def ranges_path(calendar_id, kind):
    """kind: "absences" or "openings"."""
    return f"/calendars/{calendar_id}/{kind}"


def hours_body(ranges, step=None):
    body = {"opening_hours": [{"opening_hour": {"day": d, "start": s, "stop": e}}
                              for d, s, e in ranges]}
    if step is not None:
        body["slot_step"] = step
    return body


def put_hours(acct, ranges, step=None, calendar_id=None):
    """Replaces the weekly schedule through the API; returns the answer."""
    return expect(acct.api.put(hours_path(calendar_id or acct.calendar_id),
                               hours_body(ranges, step)), 200)


def cli_hours(acct, ranges, step=None, calendar_id=None):
    """Replaces the weekly schedule through the command line; returns stdout."""
    args = ["hours", "set", "--calendar", str(calendar_id or acct.calendar_id)]
    for d, s, e in ranges:
        args += ["--range", f"{d} {s}-{e}"]
    if step is not None:
        args += ["--step", str(step)]
    return acct.cli.ok(*args)


def set_hours(how, acct, ranges, step=None, calendar_id=None):
    """how: "api" or "cli"."""
    if how == "api":
        put_hours(acct, ranges, step, calendar_id)
    else:
        cli_hours(acct, ranges, step, calendar_id)


def get_hours(acct, calendar_id=None):
    body = expect(acct.api.get(hours_path(calendar_id or acct.calendar_id)), 200)
    assert set(body) == {"opening_hours", "slot_step"}, body
    return ([(h["day"], h["start"], h["stop"])
             for h in unwrap_list({"opening_hours": body["opening_hours"]}, "opening_hours",
                                  "opening_hour")], body["slot_step"])


def add_range(acct, kind, start, stop, title=None, calendar_id=None):
    singular = kind[:-1]
    fields = {"start": str(start), "stop": str(stop)}
    if title is not None:
        fields["title"] = title
    return unwrap_one(expect(acct.api.post(ranges_path(calendar_id or acct.calendar_id, kind),
                                           {singular: fields}), 201), singular)


def list_ranges(acct, kind, calendar_id=None, **params):
    return unwrap_list(expect(acct.api.get(ranges_path(calendar_id or acct.calendar_id, kind),
                                           params=params), 200), kind, kind[:-1])


def suggest_raw(acct, calendar_ids=None, **params):
    ids = calendar_ids if calendar_ids is not None else [acct.calendar_id]
    params["calendar_id"] = ",".join(str(i) for i in ids)
    return acct.api.get("/suggestions", params=params)


def suggest(acct, calendar_ids=None, **params):
    """The suggestions, unwrapped, after checking the envelope and types."""
    out = unwrap_list(expect(suggest_raw(acct, calendar_ids, **params), 200), "suggestions",
                      "suggestion")
    for s in out:
        assert set(s) == {"calendar_id", "service_id", "start", "stop"}, s
        assert type(s["calendar_id"]) is int and type(s["service_id"]) is int, s
        assert isinstance(s["start"], str) and isinstance(s["stop"], str), s
    return out


def instants(suggestions):
    """[(start, stop)] in Unix seconds, parsed from the ISO 8601 strings."""
    return [(parse_iso(s["start"]), parse_iso(s["stop"])) for s in suggestions]


def parse_iso(text):
    d = datetime.fromisoformat(text)
    assert d.tzinfo is not None, f"{text!r} has no UTC offset"
    return int(d.timestamp())


# ---- local time -----------------------------------------------------------------


def local_wall(zone, t):
    return datetime.fromtimestamp(t, zone).replace(tzinfo=None)


def resolve(zone, day, minute, last=False):
    """The instant of local wall time `minute` (0..1440, 1440 being the next
    day's 00:00) on `day`: its first occurrence (its last when `last`), and
    for a time in a gap the first instant after the gap."""
    zone = ZoneInfo(zone) if isinstance(zone, str) else zone
    if minute == 1440:
        day, minute = day + timedelta(days=1), 0
    wall = datetime(day.year, day.month, day.day, minute // 60, minute % 60)
    guesses = [int(wall.replace(tzinfo=zone, fold=f).timestamp()) for f in (0, 1)]
    valid = sorted({t for t in guesses if local_wall(zone, t) == wall})
    if valid:
        return valid[-1] if last else valid[0]
    # In a gap: the first instant whose wall clock reads `wall` or later.
    lo, hi = min(guesses), max(guesses)
    assert local_wall(zone, hi) >= wall > local_wall(zone, lo)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if local_wall(zone, mid) >= wall:
            hi = mid
        else:
            lo = mid
    return hi


def minutes(hhmm):
    h, m = hhmm.split(":")
    return int(h) * 60 + int(m)


def at(zone, day, hhmm, last=False):
    """Instant of local "HH:MM" on date `day` in `zone`."""
    return resolve(zone, day, minutes(hhmm), last)


def iso(zone, t):
    """Instant t as the server should render it: local time and offset."""
    zone = ZoneInfo(zone) if isinstance(zone, str) else zone
    return datetime.fromtimestamp(t, zone).isoformat()


def future_monday(zone=BRUSSELS, weeks=2):
    """A Monday (a local date) at least `weeks` weeks from today."""
    today = datetime.now(ZoneInfo(zone)).date()
    d = today + timedelta(days=7 * weeks)
    return d + timedelta(days=(7 - d.weekday()) % 7)


def last_sunday(year, month):
    d = date(year, month + 1, 1) - timedelta(days=1) if month < 12 else date(year, 12, 31)
    return d - timedelta(days=(d.weekday() - 6) % 7)


def dst_year(earliest=2027):
    """The first year from `earliest` whose last Sunday of March is still
    more than two days ahead, so "now" cuts nothing of that day."""
    y = earliest
    while last_sunday(y, 3) <= date.today() + timedelta(days=2):
        y += 1
    return y


# ---- the reference model ------------------------------------------------------


def _union(intervals):
    out = []
    for a, b in sorted(i for i in intervals if i[1] > i[0]):
        if out and a <= out[-1][1]:  # touching intervals join
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return out


def _subtract(opened, blocks):
    out = []
    for a, b in opened:
        pieces = [(a, b)]
        for c, d in blocks:
            nxt = []
            for x, y in pieces:
                if d <= x or c >= y:
                    nxt.append((x, y))
                    continue
                if c > x:
                    nxt.append((x, c))
                if d < y:
                    nxt.append((d, y))
            pieces = nxt
        out.extend(pieces)
    return out


def weekly_instances(zone, weekly, frm, to):
    """The weekly ranges materialized as instants for every local day that
    can touch [frm, to)."""
    zone = ZoneInfo(zone) if isinstance(zone, str) else zone
    first = local_wall(zone, frm).date() - timedelta(days=2)
    last = local_wall(zone, to).date() + timedelta(days=2)
    out = []
    d = first
    while d <= last:
        for day, start, stop in weekly:
            if DAYS.index(day) == d.weekday():
                a = resolve(zone, d, minutes(start))
                b = resolve(zone, d, minutes(stop), last=True)
                if b > a:
                    out.append((a, b))
        d += timedelta(days=1)
    return out


def model(zone, weekly, frm, to, duration, step=15, now=None, openings=(), absences=(),
          busy=(), limit=50):
    """The expected slots [(start, stop)] in Unix seconds.

    weekly: [("monday", "08:30", "12:00"), ...]; openings, absences, busy:
    [(start, stop)]; duration and step in minutes."""
    now = int(time.time()) if now is None else now
    sources = weekly_instances(zone, weekly, frm, to + duration * 60) + [tuple(o)
                                                                       for o in openings]
    opened = sorted(_subtract(_union(sources), list(absences) + list(busy)))
    lefts = [x for x, _ in opened]
    dur = duration * 60

    def inside(s):
        i = bisect.bisect_right(lefts, s) - 1
        return i >= 0 and s + dur <= opened[i][1]

    starts = set()
    for a, b in sources:
        s = a
        while s < b and s < to:
            if s >= frm and s >= now and inside(s):
                starts.add(s)
            s += step * 60
    return [(s, s + dur) for s in sorted(starts)][:limit]


def expected_iso(zone, slots):
    return [(iso(zone, a), iso(zone, b)) for a, b in slots]


def got_iso(suggestions):
    return [(s["start"], s["stop"]) for s in suggestions]

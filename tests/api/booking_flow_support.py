"""Shared by the booking-flow tests (tests/api/test_booking_flow.py): a
practice in Europe/Brussels whose booking page is on, with the server's
clock under the test's control, and a patient's browser without
JavaScript: a requests session (cookies kept) reading each page with
html.parser and sending its forms as a browser would."""

import html.parser
from datetime import datetime
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import requests

from helpers import expect, unwrap_list
from reminders_support import Practice
from schedule_support import BRUSSELS, put_hours

# Monday 1 March 2027, 07:00 in Brussels: the clock's start.
T0 = int(datetime(2027, 3, 1, 7, 0, tzinfo=ZoneInfo(BRUSSELS)).timestamp())
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday")


def at(y, m, d, hh, mm):
    return int(datetime(y, m, d, hh, mm, tzinfo=ZoneInfo(BRUSSELS)).timestamp())


class Page(html.parser.HTMLParser):
    """What a test reads of a page: its forms (inputs with their
    attributes), labels by `for` with their text content, links, elements
    by id, and the whole text."""

    def __init__(self, text):
        super().__init__(convert_charrefs=True)
        self.forms, self.labels, self.links, self.ids = [], {}, [], {}
        self.chunks, self._label, self._link, self._open = [], None, None, []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids[a["id"]] = dict(a, tag=tag, text="")
            if tag not in ("input", "br", "meta", "link"):
                self._open.append(a["id"])
        if tag == "form":
            self.forms.append(dict(a, inputs=[]))
        elif tag in ("input", "button") and self.forms:
            self.forms[-1]["inputs"].append(dict(a, tag=tag))
        elif tag == "label":
            self._label = [a.get("for"), ""]
        elif tag == "a":
            self._link = dict(a, text="")

    def handle_endtag(self, tag):
        if self._open and self.ids[self._open[-1]]["tag"] == tag:
            self._open.pop()
        if tag == "label" and self._label:
            self.labels[self._label[0]] = self._label[1]
            self._label = None
        elif tag == "a" and self._link is not None:
            self.links.append(self._link)
            self._link = None

    def handle_data(self, data):
        self.chunks.append(data)
        if self._label:
            self._label[1] += data
        if self._link is not None:
            self._link["text"] += data
        for i in self._open:
            self.ids[i]["text"] += data

    @property
    def text(self):
        return "".join(self.chunks)

    def form(self, form_id):
        return next(f for f in self.forms if f.get("id") == form_id)

    def fields(self, form_id):
        """The form's hidden fields (what a browser sends besides the
        user's choices)."""
        return {i["name"]: i.get("value", "") for i in self.form(form_id)["inputs"]
                if i.get("type") == "hidden"}

    def radios(self, form_id, name):
        return [i for i in self.form(form_id)["inputs"]
                if i.get("type") == "radio" and i.get("name") == name]

    def slot_values(self):
        return [r["value"] for r in self.radios("slots", "slot")] if any(
            f.get("id") == "slots" for f in self.forms) else []


class Browser:
    """One patient's browser (no JavaScript)."""

    def __init__(self, base, lang="en"):
        self.base = base
        self.s = requests.Session()
        self.s.headers["Accept-Language"] = lang

    def get(self, path, **params):
        r = self.s.get(self.base + path, params=params, timeout=30, allow_redirects=False)
        return r, Page(r.text)

    def post(self, path, data):
        r = self.s.post(self.base + path, data=data, timeout=30, allow_redirects=False)
        return r, Page(r.text)

    def follow(self, r):
        assert r.status_code == 303, (r.status_code, r.text[:500])
        loc = r.headers["Location"]
        assert loc.startswith("/book/"), loc
        return self.get(loc)

    # the steps
    def day(self, slug, service_id, calendar="any", date=None, **extra):
        params = {"service": service_id, "calendar": calendar, **extra}
        if date:
            params["date"] = date
        return self.get(f"/book/{slug}/day", **params)

    def hold(self, slug, page, slot):
        data = dict(page.fields("slots"), slot=slot)
        return self.post(f"/book/{slug}/hold", data)

    def details(self, slug, page, **fields):
        data = dict(page.fields("details"), **fields)
        return self.post(f"/book/{slug}/details", data)

    def confirm(self, slug, page):
        return self.post(f"/book/{slug}/confirm", page.fields("confirm"))

    def book(self, slug, service_id, slot, calendar="any", date=None, **patient):
        """The whole flow from the day page to the private link's page;
        returns (the last response, its page)."""
        r, page = self.day(slug, service_id, calendar, date)
        assert r.status_code == 200, r.text[:500]
        assert slot in page.slot_values(), (slot, page.slot_values())
        r, page = self.hold(slug, page, slot)
        r, page = self.follow(r)
        assert r.status_code == 200, r.text[:500]
        r, page = self.details(slug, page, **patient_fields(**patient))
        assert r.status_code == 200, r.text[:500]
        r, page = self.confirm(slug, page)
        return r, page


def patient_fields(**kw):
    out = {"first_name": "Marie", "last_name": "Dubois", "email": "marie@example.com",
           "phone": "+32 470 12 34 56", "birthdate": ""}
    out.update(kw)
    return out


def slot_value(calendar_id, start):
    return f"{calendar_id}-{start}"


def query_of(location):
    return {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}


class BookingPractice(Practice):
    """A practice whose page is on (an hour's notice, so moving the clock by
    minutes keeps 09:00 bookable): Anna Peeters works weekdays 09:00-12:00
    on a 20-minute grid, offering "Consultation" (20 min)."""

    def __init__(self, agenda_bin, tmp_path, t0=T0):
        super().__init__(agenda_bin, tmp_path, t0, config=False)
        self.srv = self.serve()
        self.slug = self.center_slug()
        put_hours(self.acct, [(d, "09:00", "12:00") for d in WEEKDAYS], 20)
        [self.service] = self.acct.upsert_services(
            {"remote_id": "consult", "name": "Consultation", "duration": 20})
        self.enable("--notice", "60")

    def center_slug(self):
        centers = expect(self.api.get("/centers"), 200)["centers"]
        return next(c["center"]["slug"] for c in centers if c["center"]["id"] == self.center_id)

    def enable(self, *extra):
        self.cli.ok("booking", "enable", "--center", str(self.center_id), *extra)

    def browser(self, lang="en"):
        return Browser(self.srv.base, lang)

    def suggestions(self, calendar_ids, service_id, start, stop):
        body = expect(self.api.get("/suggestions", params={
            "calendar_id": ",".join(map(str, calendar_ids)), "service_id": service_id,
            "start": start, "stop": stop, "limit": 1000}), 200)
        return [s["suggestion"] for s in body["suggestions"]]

    def appointments(self, calendar_id=None, **params):
        body = expect(self.api.get(f"/calendars/{calendar_id or self.calendar_id}/appointments",
                                   params=params), 200)
        return unwrap_list(body, "appointments", "appointment")

    def patients(self, **params):
        body = expect(self.api.get(f"/centers/{self.center_id}/patients", params=params), 200)
        return unwrap_list(body, "patients", "patient")

"""Authorization matrix: every route of the server, every method, every kind of
caller that must not see a center's data.

The routes are read from the server's own table (src/api/routes.c) when the
tests are collected, so a route added there is covered without touching this
file.  One server of its own, with the failed-authentication limit off (the
matrix sends hundreds of bad credentials on purpose).

A target center is planted with objects carrying distinctive marker strings
(names, slugs, remote_ids, emails, titles).  Then each route is called with
GET, POST, PUT, DELETE, PATCH and HEAD by:

  nobody          no credentials
  wrong_token     the owner's email with a wrong token (query, then Basic)
  other_center    a valid user granted only on another center
  disabled        a user granted on the target, disabled (`user revoke`)
  grant_removed   a valid user whose grant on the target was removed

and no answer may be 2xx (except lists of the caller's own centers and
calendars), and no status line, header or body may carry a marker or an id
of the target's objects.  The public routes (OWNER_PUBLIC: the SMS
gateway's callbacks, a calendar's feed) take no credentials but a signature
or a secret, which no persona has: they must refuse every one of them too;
the one exception is the API's OpenAPI document (GET openapi.json), public
by design, which shows nothing of any center.  For the two valid users, the answers about the
target's existing objects must also be byte-identical to the answers about
objects that do not exist (headers other than Date included).

The same calls made by the owner (on a second world built the same way) are
served, proving the requests were ones the server would have honoured (the
public routes' signed as the gateway signs them, the feed's with its token); and
the target's data is checked unchanged after the matrix."""

import pathlib
import re
import subprocess
import threading
import uuid
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from helpers import (API, Account, Api, Cli, Server, appointment_fields, expect, make_account,
                     patient_fields, sync_section, twilio_signature, unwrap_list, unwrap_one)

REPO = pathlib.Path(__file__).resolve().parents[2]
ROUTER = REPO / "src" / "api" / "routes.c"
METHODS = ("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD")
PERSONAS = ("nobody", "wrong_token", "other_center", "disabled", "grant_removed")
MISSING_ID = "987654321"
SMS_SECRET = "matrix-" + uuid.uuid4().hex
# What the other captures of a path name ({kind} and the like).
CAPTURES = {"{kind}": "reminder", "{channel}": "email", "{language}": "en"}

# The documented routes: the table must hold at least these, so a change in
# its layout that the parser no longer understands fails loudly instead of
# silently testing nothing.
DOCUMENTED = {
    "centers", "calendars", "centers/{id}/patients", "centers/{id}/patients/{ref}",
    "centers/{id}/patients_collections", "calendars/{id}/appointments",
    "calendars/{id}/appointments/{ref}", "calendars/{id}/appointments_collections",
    "calendars/{id}/services", "calendars/{id}/services_collections",
}

# {"METHOD", "pattern", handler, &resource or NULL, OWNER_...}
_ROUTE = re.compile(r'\{\s*"([A-Z]+)"\s*,\s*"([^"]+)"\s*,\s*\w+\s*,\s*(?:&\w+|NULL)\s*,'
                    r'\s*(OWNER_[A-Z]+)\s*\}')


def router_table():
    """{pattern: (owner, {methods})} from the server's route table."""
    source = ROUTER.read_text()
    entries = _ROUTE.findall(source)
    lines = re.findall(r'^\s*\{"[A-Z]+",', source, re.M)
    assert len(entries) == len(lines), f"{ROUTER}: some route entries no longer parse"
    table = {}
    for method, pattern, owner in entries:
        _, methods = table.setdefault(pattern, (owner, set()))
        methods.add(method)
    missing = DOCUMENTED - set(table)
    assert not missing, f"{ROUTER} no longer parses: documented routes not found: {missing}"
    return table


ROUTES = router_table()


# ---- the world: a target center, other accounts, a server -------------------


class CalendarCollection(BaseHTTPRequestHandler):
    """The least CalDAV server a link's check accepts: every path is a
    calendar collection, whatever the credentials (the routes' own tests,
    test_caldav_link.py, use a real Radicale)."""

    def log_message(self, *args):
        pass

    def do_PROPFIND(self):
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        body = ('<d:multistatus xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">'
                f"<d:response><d:href>{self.path}</d:href><d:propstat><d:prop>"
                "<d:resourcetype><d:collection/><c:calendar/></d:resourcetype></d:prop>"
                "<d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>"
                "</d:multistatus>").encode()
        self.send_response(207)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def calendar_collection_server():
    """A CalendarCollection server on a free loopback port (a daemon thread
    of this process); its base URL."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), CalendarCollection)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{httpd.server_address[1]}"


class World:
    """The server, the target account (owner) with its planted objects and
    markers, and one API client per persona."""

    def __init__(self, agenda_bin, directory):
        self.cli = Cli(agenda_bin, directory / "matrix.db")
        config = directory / "matrix.ini"
        key = directory / "sync.key"
        subprocess.run([agenda_bin, "keygen", str(key)], check=True, timeout=30)
        self.caldav_base = calendar_collection_server()
        config.write_text("[sms]\nurl = http://127.0.0.1:9/send\nformat = form\n"
                          "body = To={to}&Body={text}\n"
                          f"secret = {SMS_SECRET}\n"
                          + sync_section(key))
        self.server = Server(agenda_bin, self.cli.db, directory / "server.log",
                             "--auth-failures", 0, "--config", config, "--dispatch", "off").start()
        try:
            self.plant(uuid.uuid4().hex[:10])
        except BaseException:
            self.server.stop()  # no server left behind when the setup fails
            raise

    def plant(self, tag):
        base = self.server.base
        m = f"zq{tag}"  # every marker contains this, and nothing else does
        self.marker_root = m
        cli = self.cli

        center = cli.center_add(name=f"Centre {m}-centername", slug=f"{m}-centerslug")
        calendar = cli.calendar_add(center, first=f"{m}-calfirst", last=f"{m}-callast",
                                    slug=f"{m}-calslug", specialities=(f"{m}-speciality",))
        email = f"{m}-owner@example.com"
        token = cli.user_add(email)
        cli.grant(email, center)
        self.owner = Account(cli, base, center, calendar, email, token)
        o = self.owner

        self.patient = o.create_patient(
            remote_id=f"{m}-patientrid", first_name=f"{m}-firstname",
            last_name=f"{m}-lastname", email=f"{m}-patient@example.com",
            phone_number="+3247" + str(int(tag, 16) % 10**7).zfill(7),
            address=f"{m}-address", notes=f"{m}-patientnotes")
        deleted = o.create_patient(remote_id=f"{m}-deletedrid", first_name=f"{m}-deletedname")
        expect(o.api.delete(f"{o.patients}/{deleted['id']}"), 204)
        self.service = o.upsert_services({"remote_id": f"{m}-servicerid",
                                          "name": f"{m}-servicename", "duration": 30,
                                          "color": "#123456"})[0]
        self.appointment = o.create_appointment(
            remote_id=f"{m}-appointmentrid", title=f"{m}-title", notes=f"{m}-apptnotes",
            patient_remote_id=self.patient["remote_id"],
            service_remote_id=self.service["remote_id"])
        self.absence = unwrap_one(expect(o.api.post(
            f"/calendars/{calendar}/absences",
            {"absence": {"start": "1700000000", "stop": "1700086400",
                         "title": f"{m}-absence"}}), 201), "absence")
        expect(o.api.put(f"/calendars/{calendar}/caldav",
                         {"caldav": {"url": f"{self.caldav_base}/{m}-caldav/",
                                     "username": f"{m}-davuser", "password": "pw"}}), 200)
        self.opening = unwrap_one(expect(o.api.post(
            f"/calendars/{calendar}/openings",
            {"opening": {"start": "1700200000", "stop": "1700210000",
                         "title": f"{m}-opening"}}), 201), "opening")
        # an imported feed (never reachable: its fetches fail, which keeps
        # nothing from being served); its address is shown by host only
        self.imported = unwrap_one(expect(o.api.post(
            f"/calendars/{calendar}/imports",
            {"import": {"url": f"https://feed.invalid/{m}-feed.ics"}}), 201), "import")
        days = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
        expect(o.api.put(f"/calendars/{calendar}/opening_hours",
                         {"opening_hours": [{"opening_hour": {"day": d, "start": "08:00",
                                                              "stop": "18:00"}} for d in days],
                          "slot_step": 15}), 200)
        # A free slot, so that a booking made with the matrix's body is valid.
        self.suggestion = unwrap_list(expect(o.api.get(
            "/suggestions", params={"calendar_id": calendar, "service_id": self.service["id"]}),
            200), "suggestions", "suggestion")[0]

        # the calendar's iCalendar feed: public, opened by its token alone
        self.feed_token = self.new_feed_token()

        # The secrets the answers must never show: every marker-bearing
        # string is found by the common root; these are checked in addition.
        self.secrets = [m, token, self.patient["phone_number"], self.feed_token]
        self.typed_ids = {
            "center": {str(center)}, "calendar": {str(calendar)},
            "patient": {str(self.patient["id"]), str(deleted["id"])},
            "service": {str(self.service["id"])},
            "appointment": {str(self.appointment["id"])},
            "absence": {str(self.absence["id"])}, "opening": {str(self.opening["id"])},
            "import": {str(self.imported["id"])},
        }
        self.ids = set().union(*self.typed_ids.values())

        # Personas.
        other = make_account(cli, base)  # a valid user of another center only
        disabled_email = f"disabled-{tag}@example.com"
        disabled_token = cli.user_add(disabled_email)
        cli.grant(disabled_email, center)
        cli.revoke(disabled_email)
        removed = make_account(cli, base)  # keeps its own center ...
        cli.grant(removed.email, center)
        cli.revoke(removed.email, center)  # ... and loses the target's
        self.other = other
        self.personas = {
            "nobody": [Api(base, auth=None)],
            "wrong_token": [Api(base, email, token[::-1], "query"),
                            Api(base, email, token[::-1], "basic")],
            "other_center": [other.api, other.basic],
            "disabled": [Api(base, disabled_email, disabled_token, "query"),
                         Api(base, disabled_email, disabled_token, "basic")],
            "grant_removed": [removed.api, removed.basic],
        }
        self.own_ids = {
            "other_center": (other.center_id, other.calendar_id),
            "grant_removed": (removed.center_id, removed.calendar_id),
        }

    def new_feed_token(self):
        """A new secret for the target calendar's feed (the previous one
        stops working)."""
        return self.cli.ok("feed", "create", "--calendar", str(self.owner.calendar_id))

    # -- request building --

    def refs(self, resource):
        """Refs of existing objects of the target for a {ref} after `resource`."""
        known = {
            "patients": [self.patient["id"], "remote_id:" + self.patient["remote_id"]],
            "appointments": [self.appointment["id"],
                             "remote_id:" + self.appointment["remote_id"]],
            "services": [self.service["id"], "remote_id:" + self.service["remote_id"]],
            "absences": [self.absence["id"]],
            "openings": [self.opening["id"]],
            "imports": [self.imported["id"]],
        }
        return [str(r) for r in known.get(resource, [self.patient["id"]])]

    def paths(self, pattern, existing=True):
        """Concrete paths for a pattern: about the target's existing objects,
        or (existing=False) about objects that do not exist."""
        segs = pattern.split("/")
        variants = [[]]
        for i, seg in enumerate(segs):
            if seg == "{id}":
                owner_id = (self.owner.center_id if segs[i - 1] == "centers"
                            else self.owner.calendar_id)
                choices = [str(owner_id) if existing else MISSING_ID]
            elif seg == "{ref}":
                choices = (self.refs(segs[i - 1]) if existing
                           else [MISSING_ID, f"remote_id:absent-{self.marker_root[::-1]}"])
            elif seg in CAPTURES:
                choices = [CAPTURES[seg]]
            else:
                choices = [seg]
            variants = [v + [c] for v in variants for c in choices]
        return ["/" + "/".join(v) for v in variants]

    def query(self, existing=True):
        """Parameters that would select the target's data on routes taking
        them (suggestions and the like); `since=0` asks for tombstones too."""
        if existing:
            ids = (self.owner.center_id, self.owner.calendar_id, self.service["id"],
                   self.patient["id"])
        else:
            ids = (MISSING_ID,) * 4
        return {"center_id": ids[0], "calendar_id": ids[1], "service_id": ids[2],
                "patient_id": ids[3], "since": "0"}

    def body(self, tag="intruder"):
        """One body that every write route of the API would accept: each
        resource reads its own envelope and ignores the others.  `tag` names
        the objects it would create."""
        return {
            "patient": patient_fields(f"{tag}-patient"),
            "appointment": appointment_fields(f"{tag}-appointment"),
            "absence": {"start": "1800000000", "stop": "1800003600", "title": "intruder"},
            "opening": {"start": "1800010000", "stop": "1800013600", "title": "intruder"},
            "booking": {"remote_id": f"{tag}-booking", "service_id": self.service["id"],
                        "patient_remote_id": self.patient["remote_id"],
                        "start": int(datetime.fromisoformat(self.suggestion["start"])
                                     .timestamp())},
            "patients_collection": {"patients": [
                {"patient": patient_fields(f"{tag}-c", id=self.patient["id"])}]},
            "appointments_collection": {"appointments": [
                {"appointment": {"id": self.appointment["id"], "title": "intruder"}}]},
            "services_collection": {"services": [
                {"service": {"id": self.service["id"], "name": "intruder", "duration": 5}}]},
            "opening_hours": [{"opening_hour": {"day": "sunday", "start": "01:00",
                                                "stop": "02:00"}}],
            "slot_step": 5,
            "template": {"subject": "intruder", "body": "intruder"},
            "caldav": {"url": f"{self.caldav_base}/{tag}-caldav/", "username": "intruder",
                       "password": "intruder"},
            "import": {"url": f"https://feed.invalid/{tag}.ics"},
            "booking_settings": {"enabled": True, "horizon_days": 30},
        }

    def signed_post(self, path, params):
        """A public route's request as the SMS gateway signs it."""
        url = self.server.base + API + path
        return requests.post(url, data=params, timeout=60, headers={
            "X-Twilio-Signature": twilio_signature(SMS_SECRET, url, params)})

    def snapshot(self):
        """Everything the owner can read of the target (tombstones included)."""
        o = self.owner
        cal = f"/calendars/{o.calendar_id}"
        return {path: expect(o.api.get(path, params={"since": "0"}), 200)
                for path in (o.patients, o.appointments, f"{cal}/services",
                             f"{cal}/absences", f"{cal}/openings", f"{cal}/opening_hours",
                             f"/centers/{o.center_id}/booking", "/centers", "/calendars")}

    def leaks(self, resp):
        """What of the target an answer shows: markers or secrets anywhere
        (status line, headers, body), or the ids of its objects."""
        found = []
        head = (resp.reason or "") + "\n" + "\n".join(f"{k}: {v}"
                                                      for k, v in resp.headers.items())
        body = resp.content.decode("utf-8", errors="replace")
        found += [s for s in self.secrets if s in head or s in body]
        for k, v in resp.headers.items():
            if k.lower() not in ("date", "content-length", "x-total-count"):
                found += [f"id {i} in {k}" for i in numbers_in(v) & self.ids]
        try:
            parsed = resp.json() if resp.content else None
        except ValueError:
            return found + [f"a body that is not JSON: {body[:100]!r}"]
        for kind, value, text in walk(parsed):
            if kind == "text":  # error messages: no id of the target in them
                found += [f"id {i} in {text!r}" for i in numbers_in(text) & self.ids]
            elif str(value) in self.typed_ids.get(kind, ()):
                found.append(f"{kind} id {value}")
        return found


OPENAPI = REPO / "src" / "api" / "openapi.json"


def document_differs(resp):
    """The OpenAPI document shows nothing of any center when it is the
    checked-in file itself (its own text is full of example ids, so the
    markers and ids test cannot read it): what differs, if anything."""
    if resp.status_code != 200:
        return world_free_error(resp)
    if resp.request.method == "HEAD":
        return [] if resp.content == b"" else ["a HEAD answer with a body"]
    return [] if resp.content == OPENAPI.read_bytes() else ["a document other than the file"]


def world_free_error(resp):
    """Another status of the OpenAPI route: the usual JSON error, with no id."""
    body = resp.content.decode("utf-8", errors="replace")
    return [f"id {i} in {body!r}" for i in numbers_in(body)]


def numbers_in(text):
    return set(re.findall(r"\d+", text))


def walk(node, kind=None, message=False):
    """Yields (kind, id, None) for every id in a JSON answer, its kind taken
    from the enclosing envelope ("patient": {"id": ...}) or from the key
    ("patient_id"), and ("text", None, s) for the strings of error messages
    ("error", "errors")."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "id" and kind and not isinstance(value, (dict, list)):
                yield kind, value, None
            elif key.endswith("_id") and not isinstance(value, (dict, list)):
                yield key[:-3], value, None
            else:
                yield from walk(value, key if isinstance(value, dict) else kind,
                                message or key in ("error", "errors"))
    elif isinstance(node, list):
        for item in node:
            yield from walk(item, kind, message)
    elif isinstance(node, str) and message:
        yield "text", None, node


@pytest.fixture(scope="module")
def world(agenda_bin, tmp_path_factory):
    w = World(agenda_bin, tmp_path_factory.mktemp("matrix"))
    before = w.snapshot()
    yield w
    try:
        assert w.snapshot() == before, "the matrix changed the target center's data"
    finally:
        w.server.stop()


def call(api, method, path, params, body):
    if method in ("POST", "PUT", "PATCH", "DELETE"):
        return api.request(method, path, params=params, json=body)
    return api.request(method, path, params=params)


def fingerprint(resp):
    """What must not differ between an existing and a missing object."""
    headers = tuple(sorted((k.lower(), v) for k, v in resp.headers.items()
                           if k.lower() != "date"))
    return resp.status_code, resp.reason, headers, resp.content


def lists_own_data(pattern, persona, method="GET"):
    """A valid user listing its own centers or calendars gets 200 (with none
    of the target's data, which `leaks` checks); anyone reading the OpenAPI
    document too."""
    if pattern == "openapi.json":
        return method in ("GET", "HEAD")
    return ROUTES[pattern][0] == "OWNER_NONE" and persona in ("other_center", "grant_removed")


# ---- the matrix --------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("pattern", sorted(ROUTES))
def test_matrix(world, pattern, persona):
    problems = []
    body = world.body()
    for api in world.personas[persona]:
        for method in METHODS:
            answers = {}
            for existing in (True, False):
                for path in world.paths(pattern, existing):
                    r = call(api, method, path, world.query(existing), body)
                    where = f"{method} {path} as {persona}/{api.auth} -> {r.status_code}"
                    if 200 <= r.status_code < 300 and not lists_own_data(pattern, persona, method):
                        problems.append(f"{where}: a 2xx answer {r.text[:200]!r}")
                    if r.status_code >= 500:
                        problems.append(f"{where}: a server error {r.text[:200]!r}")
                    leaked = world.leaks(r) if pattern != "openapi.json" else document_differs(r)
                    if leaked:
                        problems.append(f"{where}: shows {leaked} in {r.text[:300]!r}")
                    answers[(existing, path)] = fingerprint(r)
            # Valid users must not tell an existing object from a missing one.
            if persona in ("other_center", "grant_removed"):
                distinct = set(answers.values())
                if len(distinct) > 1:
                    shown = "\n    ".join(f"{'existing' if e else 'missing'} {p}: {fp[0]} "
                                          f"{fp[3][:120]!r} {fp[2]}"
                                          for (e, p), fp in answers.items())
                    problems.append(f"{method} {pattern} as {persona}/{api.auth}: existing and "
                                    f"missing objects answer differently:\n    {shown}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("persona", ("other_center", "grant_removed"))
@pytest.mark.parametrize("pattern", sorted(p for p in ROUTES if "{ref}" in p))
def test_target_objects_under_own_center(world, pattern, persona):
    """A valid user naming the target's objects under a center or calendar it
    may use: the target's ids and remote_ids must resolve to nothing there,
    exactly like ids that exist nowhere."""
    center_id, calendar_id = world.own_ids[persona]
    api = world.personas[persona][0]
    body = world.body()
    problems = []

    def own(path):
        kind, _, rest = path.lstrip("/").split("/", 2)
        return f"/{kind}/{center_id if kind == 'centers' else calendar_id}/{rest}"

    existing = [own(p) for p in world.paths(pattern, True)]
    missing = [own(p) for p in world.paths(pattern, False)]
    for method in sorted(ROUTES[pattern][1]):
        answers = {}
        for path in existing + missing:
            r = call(api, method, path, None, body)
            where = f"{method} {path} as {persona} -> {r.status_code}"
            if r.status_code != 404:
                problems.append(f"{where}: expected 404, got {r.text[:200]!r}")
            leaked = world.leaks(r)
            if leaked:
                problems.append(f"{where}: shows {leaked}")
            answers[path] = fingerprint(r)
        if len(set(answers.values())) > 1:
            problems.append(f"{method} {pattern}: the target's objects answer unlike missing "
                            f"ones: {answers}")
    assert not problems, "\n".join(problems)


def test_target_ids_in_own_collections_and_links(world):
    """Collections and links naming the target's objects by id or remote_id,
    sent to the other user's own center and calendar: refused exactly as if
    the objects did not exist, and nothing of the target is changed or shown."""
    o = world.other
    p, a, s = world.patient, world.appointment, world.service
    cases = [
        (f"/centers/{o.center_id}/patients_collections", "patients_collection", "patients",
         "patient", {"id": p["id"], "first_name": "intruder"}),
        (f"/calendars/{o.calendar_id}/appointments_collections", "appointments_collection",
         "appointments", "appointment", {"id": a["id"], "title": "intruder"}),
        (f"/calendars/{o.calendar_id}/services_collections", "services_collection", "services",
         "service", {"id": s["id"], "name": "intruder", "duration": 5}),
    ]
    for path, envelope, plural, singular, entry in cases:
        answers = []
        for target_id in (entry["id"], int(MISSING_ID)):
            body = {envelope: {plural: [{singular: dict(entry, id=target_id)}]}}
            r = o.api.post(path, body)
            assert r.status_code == 422, f"{path} with id {target_id}: {r.status_code} {r.text}"
            assert not world.leaks(r), f"{path}: {world.leaks(r)} in {r.text}"
            answers.append(fingerprint(r))
        assert answers[0] == answers[1], f"{path}: {answers}"

    # Links from the other user's appointments to the target's patient/service.
    for field, value in (("patient_remote_id", p["remote_id"]),
                         ("service_remote_id", s["remote_id"])):
        answers = []
        for ref in (value, "absent-" + value[::-1]):
            r = o.api.post(o.appointments, {"appointment": appointment_fields(**{field: ref})})
            assert r.status_code == 422, f"{field}={ref}: {r.status_code} {r.text}"
            assert field in r.json().get("errors", {}), r.text
            assert not world.leaks(r), f"{field}: {world.leaks(r)} in {r.text}"
            answers.append((r.status_code, r.json()["errors"][field]))
        assert answers[0] == answers[1], f"{field}: {answers}"

    # A booking in the other user's calendar naming the target's service or
    # patient.
    own_service = o.upsert_services({"remote_id": "own", "name": "Own", "duration": 30})[0]
    for field, value, absent in (("service_id", s["id"], int(MISSING_ID)),
                                 ("service_remote_id", s["remote_id"], "absent-service"),
                                 ("patient_remote_id", p["remote_id"], "absent-patient")):
        answers = []
        for ref in (value, absent):
            booking = {"remote_id": "own-booking", "start": 1900000000,
                       "service_id": own_service["id"], "patient_remote_id": "absent-patient"}
            if field == "service_remote_id":
                del booking["service_id"]
            booking[field] = ref
            r = o.api.post(f"/calendars/{o.calendar_id}/bookings", {"booking": booking})
            assert r.status_code == 422, f"booking {field}={ref}: {r.status_code} {r.text}"
            assert not world.leaks(r), f"booking {field}: {world.leaks(r)} in {r.text}"
            answers.append(fingerprint(r))
        assert answers[0] == answers[1], f"booking {field}: {answers}"


def test_the_owner_is_served_on_every_route(agenda_bin, tmp_path):
    """The control, on a world built the same way: the matrix's requests made
    by the owner reach the handlers (no 401/404/405, no 5xx), and the owner's
    reads show the markers, so the matrix would have seen them had they
    leaked."""
    world = World(agenda_bin, tmp_path)
    try:
        o = world.owner
        problems = []
        reads_with_markers = 0
        writes_done = set()
        order = {"GET": 0, "HEAD": 1, "POST": 2, "PUT": 3}
        for pattern in sorted(ROUTES):
            methods = sorted(ROUTES[pattern][1] - {"DELETE"}, key=lambda m: order.get(m, 9))
            for method in methods:
                for api in (o.api, o.basic):
                    path = world.paths(pattern, True)[0]
                    if ROUTES[pattern][0] == "OWNER_PUBLIC" and method == "GET":
                        # the calendar's feed, opened by its own secret
                        r = requests.get(world.server.base + API + path, timeout=60,
                                         params={"token": world.new_feed_token()})
                    elif ROUTES[pattern][0] == "OWNER_PUBLIC":
                        r = world.signed_post(path, {"From": "+32470000000", "Body": "?",
                                                     "MessageSid": "SM1",
                                                     "MessageStatus": "delivered"})
                    else:
                        r = call(api, method, path, world.query(True), world.body(method))
                    if r.status_code in (401, 404, 405) or r.status_code >= 500:
                        problems.append(f"{method} {path} as the owner -> {r.status_code} "
                                        f"{r.text[:200]}")
                    if method == "GET" and r.ok and world.marker_root in r.text:
                        reads_with_markers += 1
                    if method in ("POST", "PUT") and r.ok:
                        writes_done.add(pattern)
        for pattern in sorted(ROUTES):  # deletions last, once everything was read
            if "DELETE" in ROUTES[pattern][1]:
                path = world.paths(pattern, True)[0]
                r = o.api.delete(path, params=world.query(True))
                if r.status_code != 204:
                    problems.append(f"DELETE {path} as the owner -> {r.status_code} "
                                    f"{r.text[:200]}")
        assert not problems, "\n".join(problems)
        assert reads_with_markers >= 8, "the owner's reads should show the planted markers"
        # Every write route accepted the matrix's body from its owner.
        writable = {p for p, (_, methods) in ROUTES.items() if methods & {"POST", "PUT"}}
        assert writes_done == writable, f"refused from the owner: {writable - writes_done}"
    finally:
        world.server.stop()

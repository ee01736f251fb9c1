"""What the CalDAV sync tests share (test_caldav_sync.py, and
tests/pg/test_caldav_shared.py with two servers on one PostgreSQL): the
clock's Monday in Brussels, the remote collection as python3-caldav sees it
(Remote), a practice linked to it (Office), reading events' text, and
restarting a stopped CalDAV server.  The servers themselves come from
tests/sync_peers/servers.py (the `remote` fixture: Radicale, then
Xandikos)."""

import os
import pathlib
import subprocess
import sys
from datetime import date

import caldav
import pytest

from helpers import expect, sync_section, unique, unwrap_list
from reminders_support import Practice
from schedule_support import BRUSSELS, at, put_hours, service

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "sync_peers"))
import servers  # noqa: E402

DAY = 86400
# Monday 5 October 2026, 08:00 in Brussels: the clock's start.
MONDAY = date(2026, 10, 5)
T0 = at(BRUSSELS, MONDAY, "08:00")


def t(hhmm, day=0):
    return at(BRUSSELS, date.fromordinal(MONDAY.toordinal() + day), hhmm)


def utc(ts):
    from datetime import datetime, timezone
    return datetime.fromtimestamp(ts, timezone.utc).strftime("%Y%m%dT%H%M%SZ")


@pytest.fixture(params=["radicale", "xandikos"])
def remote(request, tmp_path_factory):
    start = servers.start_radicale if request.param == "radicale" else servers.start_xandikos
    s = start(tmp_path_factory.mktemp(request.param))
    yield s
    s.stop()


class Remote:
    """The collection as a CalDAV client sees it (python3-caldav)."""

    def __init__(self, server):
        self.server = server
        kw = {"username": server.username, "password": server.password} if server.username else {}
        self.client = caldav.DAVClient(url=server.base, **kw)
        self.cal = self.client.calendar(url=server.calendar)

    def events(self):
        """{uid: {property: (params, value)}} of each event's VEVENT, read
        from its text (unfolded)."""
        out = {}
        for ev in self.cal.events():
            props = vevent(ev.data)
            uid = props["UID"][1]
            assert uid not in out, f"two copies of {uid}"
            out[uid] = props
        return out

    def add(self, uid, start, stop, extra=""):
        text = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//phone//EN\r\n"
                f"BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20261001T000000Z\r\n"
                f"DTSTART:{utc(start)}\r\nDTEND:{utc(stop)}\r\nSUMMARY:Private\r\n{extra}"
                "END:VEVENT\r\nEND:VCALENDAR\r\n")
        return self.cal.save_event(text)

    def put_text(self, text):
        return self.cal.save_event(text)

    def put_many(self, texts):
        """PUTs many events quickly (a kept connection per thread)."""
        import concurrent.futures
        import requests
        auth = (self.server.username, self.server.password) if self.server.username else None
        local = __import__("threading").local()

        def one(item):
            uid, text = item
            if not hasattr(local, "s"):
                local.s = requests.Session()
            r = local.s.put(f"{self.server.calendar}{uid}.ics", data=text.encode(), auth=auth,
                            headers={"Content-Type": "text/calendar",
                                     "If-None-Match": "*"}, timeout=60)
            assert r.status_code in (201, 204), (r.status_code, r.text)

        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            list(pool.map(one, texts))

    def write_many(self, texts):
        """Writes many events straight into the server's storage (as if a
        client had written them long ago), far faster than PUTs: Radicale
        reads its folder, Xandikos its git repository's last commit."""
        root = pathlib.Path(self.server.log).parent
        if self.server.name == "radicale":
            folder = root / "collections" / "collection-root" / servers.USER / "work"
        else:
            folder = root / "data" / "user" / "calendars" / "calendar"
        for uid, text in texts:
            (folder / f"{uid}.ics").write_bytes(text.encode())
        if self.server.name == "xandikos":
            git = ["git", "-C", str(folder), "-c", "user.name=t", "-c", "user.email=t@t"]
            subprocess.run(git + ["add", "-A"], check=True, timeout=60)
            subprocess.run(git + ["commit", "-qm", "events"], check=True, timeout=60)

    def find(self, uid):
        [ev] = [ev for ev in self.cal.events() if vevent(ev.data)["UID"][1] == uid]
        return ev

    def move(self, uid, start, stop):
        """Rewrites the event's times (UTC), as a phone's edit would."""
        ev = self.find(uid)
        lines = []
        for line in unfold(ev.data):
            if line.startswith("DTSTART"):
                line = f"DTSTART:{utc(start)}"
            elif line.startswith("DTEND"):
                line = f"DTEND:{utc(stop)}"
            elif line.startswith("SEQUENCE"):
                continue
            lines.append(line)
        ev.data = "\r\n".join(lines) + "\r\n"
        ev.save()

    def delete(self, uid):
        self.find(uid).delete()


class Office:
    """A practice in Brussels open 09:00-12:00 and 13:00-16:00 on weekdays,
    a 30-minute service, a patient, a server without its sync worker (with
    it: sync=True), and the calendar linked to the remote collection.
    `p.serve(*serve_args)` starts one more server like the first."""

    def __init__(self, agenda_bin, tmp_path, server, sync=False):
        self.p = Practice(agenda_bin, tmp_path, T0, config=False)
        key = tmp_path / f"{unique('key')}.key"
        subprocess.run([agenda_bin, "keygen", str(key)], check=True, timeout=30)
        self.conf = tmp_path / f"{unique('sync')}.ini"
        # a request may take long: Xandikos answers a first sync-collection of
        # 1,000 members slowly
        self.conf.write_text("[server]\nsync_timeout = 300\n" + sync_section(key))
        self.serve_args = ["--config", str(self.conf), "--dispatch", "off", "--sync",
                           "on" if sync else "off"]
        self.srv = self.p.serve(*self.serve_args)
        self.acct = self.p.acct
        self.api = self.acct.api
        self.cal = self.p.calendar_id
        week = ["monday", "tuesday", "wednesday", "thursday", "friday"]
        put_hours(self.acct, [(d, s, e) for d in week
                              for s, e in (("09:00", "12:00"), ("13:00", "16:00"))], 15)
        self.svc = service(self.acct, 30, remote_id="cons", name="Consultation")
        self.patient = self.acct.create_patient(remote_id=unique("p"), first_name="Secret",
                                                last_name="Patientname")
        self.server = server
        self.link()

    def caldav(self, *args, password=None):
        argv = [self.p.agenda_bin, "caldav", *args, "--db", str(self.p.cli.db)]
        env = {k: v for k, v in os.environ.items() if k != "AGENDA_CONFIG"}
        env["AGENDA_CLOCK_FILE"] = self.p.clock.path
        return subprocess.run(argv, input=None if password is None else password + "\n",
                              capture_output=True, text=True, timeout=120, env=env)

    def link(self):
        p = self.caldav("link", "--calendar", str(self.cal), "--url", self.server.calendar,
                        "--username", self.server.username or "anyone", "--config",
                        str(self.conf), password=self.server.password or "none")
        assert p.returncode == 0, p.stderr

    def sync(self):
        p = self.caldav("sync", "--calendar", str(self.cal), "--config", str(self.conf))
        assert p.returncode == 0 and p.stdout == "", p.stderr
        return p

    def sync_fails(self):
        p = self.caldav("sync", "--calendar", str(self.cal), "--config", str(self.conf))
        assert p.returncode == 1, p
        lines = p.stderr.strip().splitlines()
        assert len(lines) == 1, p.stderr
        return lines[0]

    def status(self):
        p = self.caldav("status", "--calendar", str(self.cal))
        assert p.returncode == 0, p.stderr
        return dict(line.partition(" ")[::2] for line in p.stdout.splitlines())

    def book_api(self, start, stop=None):
        return self.acct.create_appointment(start=start, stop=stop or start + 1800,
                                            service_remote_id="cons",
                                            patient_remote_id=self.patient["remote_id"])

    def path(self, ap):
        return f"/calendars/{self.cal}/appointments/{ap['id']}"

    def busy(self, frm=None, to=None):
        params = {"from": frm or self.p.clock.now, "to": to or self.p.clock.now + 60 * DAY}
        body = expect(self.api.get(f"/calendars/{self.cal}/busy", params=params), 200)
        return [(int(b["start"]), int(b["stop"])) for b in body["busy"]]

    def starts(self, day):
        from schedule_support import parse_iso
        frm = t("00:00", day)
        got = unwrap_list(expect(self.api.get("/suggestions", params={
            "calendar_id": self.cal, "service_remote_id": "cons", "start": frm,
            "stop": frm + DAY, "limit": 1000}), 200), "suggestions", "suggestion")
        return [parse_iso(s["start"]) for s in got]

    def book(self, start):
        return self.api.post(f"/calendars/{self.cal}/bookings", {"booking": {
            "service_id": self.svc["id"], "start": str(start),
            "patient_remote_id": self.patient["remote_id"]}})


def unfold(text):
    return text.replace("\r\n", "\n").replace("\n ", "").replace("\n\t", "").strip().split("\n")


def vevent(text):
    """The VEVENT's properties: {name: (params, value)}."""
    props, inside = {}, False
    for line in unfold(text):
        if line == "BEGIN:VEVENT":
            inside = True
        elif line == "END:VEVENT":
            break
        elif inside:
            head, _, value = line.partition(":")
            name, *params = head.split(";")
            props[name] = (dict(p.split("=", 1) for p in params), value)
    return props


def instant(prop):
    from datetime import datetime, timezone
    from zoneinfo import ZoneInfo
    params, value = prop
    if value.endswith("Z"):
        return int(datetime.strptime(value, "%Y%m%dT%H%M%SZ").replace(
            tzinfo=timezone.utc).timestamp())
    zone = params["TZID"].split("/freeassociation.sourceforge.net/")[-1]
    return int(datetime.strptime(value, "%Y%m%dT%H%M%S").replace(
        tzinfo=ZoneInfo(zone)).timestamp())


def start_of(ev):
    return instant(ev["DTSTART"])


def stop_of(ev):
    return instant(ev["DTEND"])


def restart(server, port):
    """Starts the stopped server again on its port with its data."""
    if server.name == "radicale":
        conf = pathlib.Path(server.log).parent / "config"
        cmd = ["radicale", "--config", str(conf)]
    else:
        data = pathlib.Path(server.log).parent / "data"
        cmd = ["xandikos", "-d", str(data), "--defaults", "-l", "127.0.0.1", "-p", str(port)]
    server.proc = subprocess.Popen(cmd, stdout=open(server.log, "a"), stderr=subprocess.STDOUT)
    servers.wait_port(port, server.proc, server.log)

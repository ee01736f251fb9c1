"""Shared by the patient-message tests (tests/api/test_reminders.py and
tests/pg/test_reminders_pg.py): the real peers the dispatcher talks to, the
server's clock under the test's control, and a practice set up through the
command line and the API.

- SmtpSink: Debian's aiosmtpd on loopback, keeping every message it
  accepted (parsed), able to refuse the next N with a 4xx reply.
- SmsSink: an HTTP gateway (http.server in a thread) keeping every request,
  answering the statuses it is told to, then 200 with a JSON `sid`.
- ClockFile: the file `agenda serve --clock-file` and $AGENDA_CLOCK_FILE
  read; written whole (rename), so a reader never sees half a number.
- Practice: a database, a center in Europe/Brussels with one calendar and a
  user, the INI configuration, and `agenda serve` on all of it.

Waiting is always a short poll of real time (the dispatcher idles 100 ms,
the clock file is re-read every 50 ms): never the lead time itself."""

import email
import email.policy
import json
import os
import sqlite3
import subprocess
import threading
import time
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from zoneinfo import ZoneInfo

from aiosmtpd.controller import Controller

from helpers import Account, Cli, Server, expect, free_port, unique, unwrap_list, unwrap_one

BRUSSELS = ZoneInfo("Europe/Brussels")
FROM_DOMAIN = "example.org"
# How long a test waits (real time) for the dispatcher to act on a clock
# change, and how long it watches for something that must not happen.
ARRIVAL_TIMEOUT = 5.0
QUIET_WATCH = 0.5


def local(y, mo, d, hhmm, zone=BRUSSELS):
    """Unix time of the local wall time y-mo-d HH:MM in `zone` (an existing,
    unambiguous time)."""
    h, m = map(int, hhmm.split(":"))
    return int(datetime(y, mo, d, h, m, tzinfo=zone).timestamp())


def local_hhmm(t, zone=BRUSSELS):
    return datetime.fromtimestamp(t, zone).strftime("%H:%M")


def local_date(t, zone=BRUSSELS):
    return datetime.fromtimestamp(t, zone).strftime("%Y-%m-%d")


def wait_until(pred, timeout=ARRIVAL_TIMEOUT, what="the condition"):
    """Polls pred() every 20 ms until it is true; returns its value."""
    deadline = time.monotonic() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.monotonic() >= deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.02)


# ---- the clock ------------------------------------------------------------


# The server re-reads its clock file at least every 100 ms (README); a test
# that writes through the API right after moving the clock waits this long
# so that the write is stamped with the new time.
CLOCK_SETTLE = 0.15


class ClockFile:
    def __init__(self, path, t):
        self.path = str(path)
        self.set(t)

    def set(self, t, settle=False):
        """Writes t; with settle, returns once every server has read it."""
        self.now = int(t)
        tmp = self.path + ".tmp"
        with open(tmp, "w") as f:
            f.write(f"{self.now}\n")
        os.replace(tmp, self.path)
        if settle:
            time.sleep(CLOCK_SETTLE)

    def advance(self, seconds):
        self.set(self.now + seconds)


# ---- SMTP -------------------------------------------------------------------


class _SmtpHandler:
    def __init__(self, sink):
        self.sink = sink

    async def handle_DATA(self, server, session, envelope):
        with self.sink.lock:
            if self.sink.refusals:
                self.sink.refusals -= 1
                self.sink.refused += 1
                return "451 4.3.0 Try again later"
            msg = email.message_from_bytes(envelope.content, policy=email.policy.default)
            self.sink.messages.append({"rcpt": list(envelope.rcpt_tos),
                                       "mail_from": envelope.mail_from, "msg": msg})
        return "250 OK"


class SmtpSink:
    """aiosmtpd on 127.0.0.1; `messages` holds what it accepted, in order."""

    def __init__(self):
        self.lock = threading.Lock()
        self.messages = []
        self.refusals = 0
        self.refused = 0
        self.port = free_port()
        self.controller = Controller(_SmtpHandler(self), hostname="127.0.0.1", port=self.port)

    def start(self):
        self.controller.start()
        return self

    def stop(self):
        self.controller.stop()

    @property
    def url(self):
        return f"smtp://127.0.0.1:{self.port}"

    def refuse_next(self, n):
        with self.lock:
            self.refusals = n

    def received(self, to=None):
        with self.lock:
            return [m["msg"] for m in self.messages if to is None or to in m["rcpt"]]

    def count(self, to=None):
        return len(self.received(to))

    def wait_for(self, n, to=None, timeout=ARRIVAL_TIMEOUT):
        """Waits until at least n messages (to `to`) arrived; returns them."""
        wait_until(lambda: self.count(to) >= n, timeout, f"{n} emails to {to or 'anyone'}")
        return self.received(to)


def text_of(msg):
    """The text/plain part of a received email."""
    part = msg.get_body(preferencelist=("plain",))
    assert part is not None, f"no text part in {msg!r}"
    return part.get_content()


def ics_of(msg):
    """The text of its appointment.ics attachment."""
    found = [p for p in msg.iter_attachments() if p.get_content_type() == "text/calendar"]
    assert len(found) == 1, f"expected one text/calendar part, got {len(found)}"
    assert found[0].get_filename() == "appointment.ics"
    data = found[0].get_content()
    return data.decode() if isinstance(data, bytes) else data


def message_id_for(message_id):
    """The Message-ID the dispatcher gives outbox message `message_id`."""
    return f"<agenda-message-{message_id}@{FROM_DOMAIN}>"


# ---- SMS gateway --------------------------------------------------------------


class SmsSink:
    """A JSON SMS gateway on 127.0.0.1: POST /send; `requests` holds every
    request (accepted or not) as dicts {status, headers, body}; `statuses`
    are answered first, then 200 {"sid": "SM<n>"}."""

    def __init__(self):
        sink = self
        self.lock = threading.Lock()
        self.requests = []
        self.statuses = []

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                n = int(self.headers.get("Content-Length", "0"))
                raw = self.rfile.read(n)
                with sink.lock:
                    status = sink.statuses.pop(0) if sink.statuses else 200
                    sink.requests.append({"status": status, "path": self.path,
                                          "headers": dict(self.headers),
                                          "body": json.loads(raw)})
                    sid = f"SM{len(sink.requests)}"
                answer = json.dumps({"sid": sid} if status == 200 else
                                    {"error": "try again"}).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}/send"

    def answer_next(self, *statuses):
        with self.lock:
            self.statuses = list(statuses)

    def accepted(self, to=None):
        """Bodies of the requests answered 200 (to `to`)."""
        with self.lock:
            return [r["body"] for r in self.requests
                    if r["status"] == 200 and (to is None or r["body"]["to"] == to)]

    def all_requests(self, to=None):
        with self.lock:
            return [r for r in self.requests if to is None or r["body"]["to"] == to]

    def wait_for(self, n, to=None, timeout=ARRIVAL_TIMEOUT):
        wait_until(lambda: len(self.accepted(to)) >= n, timeout,
                   f"{n} SMS to {to or 'anyone'}")
        return self.accepted(to)


# ---- configuration ------------------------------------------------------------


def write_config(path, smtp=None, sms=None, extra=""):
    """The INI file of the pinned form; a section only for the sinks given."""
    lines = ["[server]", "public_url = http://agenda.test"]
    if smtp:
        lines += ["[smtp]", f"url = {smtp.url}", "starttls = off",
                  f"from = Demo practice <noreply@{FROM_DOMAIN}>"]
    if sms:
        lines += ["[sms]", f"url = {sms.url}", "format = json",
                  'body = {"to": "{to}", "text": "{text}", "reference": "{id}"}',
                  "header = Authorization: Bearer abc", "id_field = sid"]
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n" + extra)
    return str(path)


# ---- the practice ---------------------------------------------------------------


class ClockCli(Cli):
    """The command line with $AGENDA_CLOCK_FILE: admin commands plan with
    the server's clock."""

    def __init__(self, binary, db, clock):
        super().__init__(binary, db)
        self.clock = clock

    def run(self, *args):
        argv = [self.binary, *args[:2], "--db", self.db, *args[2:]]
        env = dict(os.environ, AGENDA_CLOCK_FILE=self.clock.path)
        return subprocess.run(argv, capture_output=True, text=True, timeout=120, env=env)


class Practice:
    """One database with a center in Europe/Brussels, a calendar ("Anna
    Peeters") and a user; `start()` runs `agenda serve` with the config and
    the clock file."""

    def __init__(self, agenda_bin, tmp_path, t0, smtp=None, sms=None, db=None, config=True):
        self.agenda_bin = agenda_bin
        self.tmp_path = tmp_path
        self.clock = ClockFile(tmp_path / unique("clock"), t0)
        self.cli = ClockCli(agenda_bin, db or tmp_path / f"{unique('db')}.db", self.clock)
        self.smtp, self.sms = smtp, sms
        self.config = (write_config(tmp_path / f"{unique('agenda')}.ini", smtp, sms)
                       if config else None)
        self.center_id = self.cli.center_add(name="Cabinet Sud", slug=unique("center"),
                                             timezone="Europe/Brussels")
        self.calendar_id = self.cli.calendar_add(self.center_id, first="Anna", last="Peeters",
                                                 slug=unique("cal"))
        self.email = unique("user") + "@example.com"
        self.token = self.cli.user_add(self.email)
        self.cli.grant(self.email, self.center_id)
        self.servers = []
        self.acct = None

    def serve(self, *extra, log=None):
        """Starts one more server on the database; returns it."""
        args = ["--clock-file", self.clock.path, "--auth-failures", "0", *extra]
        if self.config:
            args = ["--config", self.config, *args]
        srv = Server(self.agenda_bin, self.cli.db, log or self.tmp_path / f"{unique('log')}.log",
                     *args).start()
        self.servers.append(srv)
        if self.acct is None:
            self.acct = Account(self.cli, srv.base, self.center_id, self.calendar_id,
                                self.email, self.token)
        return srv

    def stop(self):
        for srv in self.servers:
            srv.stop()

    @property
    def api(self):
        return self.acct.api

    # settings and messages through the command line
    def settings(self, *rules, quiet=None, language=None, **switches):
        """agenda reminders set; switches like confirmation="off"; returns
        the printed rules."""
        args = ["reminders", "set", "--center", str(self.center_id)]
        for r in rules:
            args += ["--rule", r]
        if quiet:
            args += ["--quiet", quiet]
        if language:
            args += ["--language", language]
        for k in ("confirmation", "change_notice", "cancellation_notice"):
            args += [f"--{k.replace('_', '-')}", switches.get(k, "off")]
        out = self.cli.ok(*args)
        return out.splitlines() if out else []

    def messages(self):
        """`agenda reminders list` as dicts, checking every line's form."""
        out = self.cli.ok("reminders", "list", "--center", str(self.center_id))
        rows = []
        for line in out.splitlines():
            parts = line.split(" ")
            assert len(parts) == 6, f"bad reminders list line {line!r}"
            mid, appt, kind, channel, due, state = parts
            rows.append({"id": int(mid), "appointment_id": int(appt), "kind": kind,
                         "channel": channel, "due": int(due), "state": state})
        return rows

    def messages_of(self, appointment_id, kind="reminder"):
        return [m for m in self.messages()
                if m["appointment_id"] == int(appointment_id) and m["kind"] == kind]

    def reasons(self):
        """{message id: recorded reason} for every message with one.  No
        command or route shows the reason yet, so it is read from the
        store (read-only)."""
        sql = "SELECT id, last_error FROM messages WHERE last_error IS NOT NULL"
        if self.cli.db.startswith("postgres"):
            out = subprocess.run(["psql", self.cli.db, "-qAt", "-F", "\t", "-c", sql],
                                 check=True, capture_output=True, text=True, timeout=60).stdout
            return {int(i): e for i, e in (line.split("\t", 1) for line in out.splitlines())}
        con = sqlite3.connect(f"file:{self.cli.db}?mode=ro", uri=True, timeout=10)
        try:
            return {int(i): e for i, e in con.execute(sql)}
        finally:
            con.close()

    # patients and appointments through the API
    def patient(self, remote_id=None, **fields):
        body = {"remote_id": remote_id or unique("p"), "first_name": "Marie",
                "last_name": "Dubois", "email": "", "phone_number": ""}
        body.update(fields)
        return unwrap_one(expect(self.api.post(f"/centers/{self.center_id}/patients",
                                               {"patient": body}), 201), "patient")

    def appointment(self, patient, start, minutes=30, remote_id=None, **fields):
        body = {"remote_id": remote_id or unique("a"), "start": str(start),
                "stop": str(start + minutes * 60),
                "patient_remote_id": patient["remote_id"] if patient else ""}
        body.update(fields)
        return unwrap_one(expect(self.api.post(f"/calendars/{self.calendar_id}/appointments",
                                               {"appointment": body}), 201), "appointment")

    def collection(self, entries):
        body = {"appointments_collection": {"appointments": [{"appointment": e}
                                                             for e in entries]}}
        return unwrap_list(expect(self.api.post(
            f"/calendars/{self.calendar_id}/appointments_collections", body), 200),
            "appointments", "appointment")

    def patients_collection(self, entries):
        body = {"patients_collection": {"patients": [{"patient": e} for e in entries]}}
        return unwrap_list(expect(self.api.post(
            f"/centers/{self.center_id}/patients_collections", body), 200),
            "patients", "patient")


def count_by_message_id(msgs):
    out = {}
    for m in msgs:
        out[m["Message-ID"]] = out.get(m["Message-ID"], 0) + 1
    return out

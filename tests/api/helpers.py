"""Small helpers shared by the API tests: the command line, a server process,
an HTTP client carrying credentials, and response checks.

Everything here drives the real ./agenda binary over real HTTP."""

import base64
import hashlib
import hmac
import http.client
import itertools
import json as jsonlib
import os
import re
import signal
import socket
import sqlite3
import subprocess
import time
import uuid
from urllib.parse import urlencode

import requests

import openapi_check

API = "/api/v2"
# How long the server may keep accepting revoked credentials or grants (its
# per-worker memory of them is 1 s), with a margin for the clock's grain.
AUTH_CACHE_SECONDS = 1.05

_counter = itertools.count(1)


def unique(prefix="x"):
    """A short string unique within the test session (slugs, emails, remote_ids)."""
    return f"{prefix}-{next(_counter)}-{uuid.uuid4().hex[:8]}"


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# ---- the store under test -----------------------------------------------

# When set (make test-api-pg), every database a test asks for by file path
# is a PostgreSQL database of its own on that server instead.
PG_URL = os.environ.get("AGENDA_TEST_PG_URL")
_pg_databases = set()


def database_for(path):
    """The --db value for a test's database `path`: the SQLite file itself, or
    on PostgreSQL a new database named after the path (created on first use),
    so tests stay independent on both stores."""
    if not PG_URL or str(path).startswith("postgres"):
        return str(path)
    name = "t_" + hashlib.sha1(str(path).encode()).hexdigest()[:24]
    if name not in _pg_databases:
        subprocess.run(["psql", PG_URL, "-v", "ON_ERROR_STOP=1", "-qAtc",
                        f'CREATE DATABASE "{name}"'], check=True, capture_output=True,
                       timeout=60)
        _pg_databases.add(name)
    return PG_URL.rsplit("/", 1)[0] + "/" + name


def execute_sql(db, sql):
    """Runs one statement (literals only, no parameters) on database `db` (as
    given to --db) with the engine's own client, behind the server's back."""
    if str(db).startswith("postgres"):
        subprocess.run(["psql", str(db), "-v", "ON_ERROR_STOP=1", "-qAtc", sql], check=True,
                       capture_output=True, timeout=60)
        return
    con = sqlite3.connect(str(db))
    try:
        with con:
            con.execute(sql)
    finally:
        con.close()


def database_contents(db):
    """Every byte the store holds for database `db` (as given to --db): the
    SQLite file and its WAL, or a dump of the PostgreSQL database."""
    if PG_URL:
        dump = subprocess.run(["pg_dump", "--data-only", db], check=True,
                              capture_output=True, timeout=60).stdout
        # pg_dump fences its script with \restrict KEY / \unrestrict KEY, a new
        # random key each run: not the database's contents
        return b"\n".join(line for line in dump.split(b"\n")
                           if not line.startswith((b"\\restrict ", b"\\unrestrict ")))
    data = b""
    for suffix in ("", "-wal"):
        try:
            with open(db + suffix, "rb") as f:
                data += f.read()
        except FileNotFoundError:
            pass
    return data


# ---- configuration files -------------------------------------------------

# The networks a test server's sync may reach although internal: the tests'
# CalDAV servers and feeds listen on loopback, which a server refuses to
# connect to unless its configuration allows it ([sync] allow_networks).
LOOPBACK_NETWORKS = "127.0.0.0/8, ::1/128"


def sync_section(key_file=None, allow=LOOPBACK_NETWORKS):
    """The [sync] section of a test server's configuration: its key (when
    given) and the loopback networks (allow=None: none, the default)."""
    lines = ["[sync]"]
    if key_file:
        lines.append(f"key_file = {key_file}")
    if allow:
        lines.append(f"allow_networks = {allow}")
    return "\n".join(lines) + "\n"


# ---- command line -------------------------------------------------------


class CliError(AssertionError):
    pass


class Cli:
    """Runs `agenda <args> --db PATH` for one database file."""

    def __init__(self, binary, db):
        self.binary = binary
        self.db = database_for(db)

    def run(self, *args):
        """Runs the command and returns the CompletedProcess (never raises)."""
        argv = [self.binary, *args[:2], "--db", self.db, *args[2:]]
        return subprocess.run(argv, capture_output=True, text=True, timeout=60)

    def ok(self, *args):
        """Runs the command, requires exit 0 and returns stdout stripped."""
        p = self.run(*args)
        if p.returncode != 0:
            raise CliError(f"agenda {' '.join(args)} exited {p.returncode}: {p.stderr.strip()}")
        return p.stdout.strip()

    def center_add(self, name=None, slug=None, timezone=None):
        args = ["center", "add", "--name", name or "Center", "--slug", slug or unique("center")]
        if timezone:
            args += ["--timezone", timezone]
        return int(self.ok(*args))

    def calendar_add(self, center_id, first="Joris", last="Van Hecke", slug=None, specialities=()):
        args = ["calendar", "add", "--center", str(center_id), "--first-name", first,
                "--last-name", last, "--slug", slug or unique("cal")]
        for s in specialities:
            args += ["--speciality", s]
        return int(self.ok(*args))

    def user_add(self, email):
        token = self.ok("user", "add", "--email", email)
        assert token and len(token.split()) == 1, f"user add printed {token!r}"
        return token

    def grant(self, email, center_id):
        self.ok("user", "grant", "--email", email, "--center", str(center_id))

    def revoke(self, email, center_id=None):
        """Revokes, then waits out the server's memory of credentials and
        grants (AUTH_CACHE_SECONDS), so the next request sees the change."""
        args = ["user", "revoke", "--email", email]
        if center_id is not None:
            args += ["--center", str(center_id)]
        self.ok(*args)
        time.sleep(AUTH_CACHE_SECONDS)

    def reset_token(self, email):
        token = self.ok("user", "reset-token", "--email", email)
        assert token and len(token.split()) == 1, f"reset-token printed {token!r}"
        return token


def assert_cli_failed(proc):
    """A rejected command: non-zero exit and exactly one line on stderr."""
    assert proc.returncode != 0, f"expected failure, got exit 0, stdout={proc.stdout!r}"
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, f"expected one line on stderr, got {proc.stderr!r}"
    assert lines[0].strip(), "the stderr line is empty"


# ---- server process -----------------------------------------------------


class Server:
    """One `agenda serve` process on a free port."""

    def __init__(self, binary, db, log_path, *extra):
        self.binary = binary
        self.db = database_for(db)
        self.log_path = str(log_path)
        self.extra = [str(e) for e in extra]
        self.proc = None
        self.port = None

    @property
    def base(self):
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout=20):
        self.port = free_port()
        self._log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [self.binary, "serve", "--db", self.db, "--listen", f"127.0.0.1:{self.port}",
             *self.extra],
            stdout=self._log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"agenda serve exited {self.proc.returncode}: {self.log_tail()}")
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return self
            except OSError:
                time.sleep(0.05)
        self.kill()
        raise RuntimeError(f"agenda serve did not answer on port {self.port}: {self.log_tail()}")

    def terminate(self, timeout=30):
        """SIGTERM, wait, return the exit status."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=timeout)
        finally:
            self._log.close()

    def kill(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def stop(self):
        try:
            self.terminate()
        except subprocess.TimeoutExpired:
            self.kill()

    def log_tail(self, n=2000):
        try:
            with open(self.log_path, "rb") as f:
                return f.read()[-n:].decode(errors="replace")
        except OSError:
            return ""


# ---- HTTP ---------------------------------------------------------------


_MISSING = object()


class Api:
    """An HTTP client for one server and one set of credentials.

    `auth` is "query" (user_email/user_token parameters), "basic" (HTTP
    Basic) or None (no credentials).  Paths not starting with /api/ are
    relative to /api/v2, except the probes (/healthz, /readyz, /metrics).

    Every answer is held to the OpenAPI document (openapi_check.py)."""

    def __init__(self, base, email=None, token=None, auth="query"):
        self.base = base
        self.email = email
        self.token = token
        self.auth = auth
        self.session = requests.Session()

    def with_auth(self, auth, email=_MISSING, token=_MISSING):
        return Api(self.base, self.email if email is _MISSING else email,
                   self.token if token is _MISSING else token, auth)

    def url(self, path):
        outside = path.startswith("/api/") or path in ("/", "/healthz", "/readyz", "/metrics")
        return self.base + (path if outside else API + path)

    def request(self, method, path, params=None, json=_MISSING, data=None, headers=None,
                timeout=60, unchecked=None):
        """Sends the request and holds the answer to the OpenAPI document
        (openapi_check.check), unless `unchecked` gives the reason not to."""
        _unchecked_reason(unchecked)
        params = dict(params or {})
        kwargs = {}
        if self.auth == "query":
            params.setdefault("user_email", self.email)
            params.setdefault("user_token", self.token)
        elif self.auth == "basic":
            kwargs["auth"] = (self.email, self.token)
        if json is not _MISSING:
            kwargs["json"] = json
        if data is not None:
            kwargs["data"] = data
        resp = self.session.request(method, self.url(path), params=params, headers=headers,
                                    timeout=timeout, **kwargs)
        if unchecked is None:
            openapi_check.check(method, resp.request.path_url, resp.status_code,
                                resp.headers.get("Content-Type"), resp.content)
        return resp

    def get(self, path, **kw):
        return self.request("GET", path, **kw)

    def post(self, path, body=_MISSING, **kw):
        return self.request("POST", path, json=body, **kw)

    def put(self, path, body=_MISSING, **kw):
        return self.request("PUT", path, json=body, **kw)

    def delete(self, path, **kw):
        return self.request("DELETE", path, **kw)

    def raw(self, method, target, body=None, headers=None, unchecked=None):
        """Sends `target` exactly as given (no normalisation of slashes or
        escapes) and returns (status, headers, parsed JSON or None); the
        answer is held to the OpenAPI document unless `unchecked` says why
        not."""
        _unchecked_reason(unchecked)
        conn = http.client.HTTPConnection("127.0.0.1", int(self.base.rsplit(":", 1)[1]),
                                          timeout=60)
        try:
            hdrs = dict(headers or {})
            if self.auth == "basic":
                cred = base64.b64encode(f"{self.email}:{self.token}".encode()).decode()
                hdrs["Authorization"] = f"Basic {cred}"
            conn.request(method, target, body=body, headers=hdrs)
            resp = conn.getresponse()
            raw = resp.read()
            if unchecked is None:
                openapi_check.check(method, target, resp.status,
                                    resp.headers.get("Content-Type"), raw)
            parsed = None
            if raw:
                parsed = jsonlib.loads(raw)
            return resp.status, resp.headers, parsed
        finally:
            conn.close()

    def creds_query(self):
        return urlencode({"user_email": self.email, "user_token": self.token})


def _unchecked_reason(unchecked):
    """A request sent without holding its answer to the OpenAPI document must
    say why, in words: no silent way around the check."""
    assert unchecked is None or (isinstance(unchecked, str) and unchecked.strip()), \
        "unchecked= needs the reason the answer is not held to the OpenAPI document"


def twilio_signature(secret, url, params):
    """Twilio's X-Twilio-Signature for a form POST of `params` (a dict) to
    `url`: base64 of HMAC-SHA1 under `secret` over the URL and each
    parameter's name and value, in the order of their names."""
    data = url + "".join(k + v for k, v in sorted(params.items()))
    return base64.b64encode(hmac.new(secret.encode(), data.encode(), hashlib.sha1).digest()).decode()


def describe(resp):
    req = resp.request
    body = req.body
    if isinstance(body, bytes):
        body = body[:300].decode(errors="replace")
    elif isinstance(body, str):
        body = body[:300]
    return (f"{req.method} {re.sub(r'user_token=[^&]*', 'user_token=***', req.url)} "
            f"body={body!r} -> {resp.status_code} {resp.text[:600]!r}")


def expect(resp, status):
    """Asserts the status; returns the parsed JSON body (None for 204, which
    must have an empty body)."""
    assert resp.status_code == status, describe(resp)
    if status == 204:
        assert resp.content == b"", describe(resp)
        return None
    assert resp.content, f"empty body: {describe(resp)}"
    try:
        return resp.json()
    except ValueError:
        raise AssertionError(f"body is not JSON: {describe(resp)}")


def expect_error(resp, status, *fields):
    """Asserts an error answer: the status, a JSON body with a non-empty
    "error" string, and (for validation) an "errors" object naming at least
    `fields`.  Returns the body."""
    body = expect(resp, status)
    assert isinstance(body, dict), describe(resp)
    assert isinstance(body.get("error"), str) and body["error"], describe(resp)
    if fields:
        errors = body.get("errors")
        assert isinstance(errors, dict), f"no errors object: {describe(resp)}"
        for f in fields:
            assert f in errors, f"errors lacks {f!r}: {describe(resp)}"
            assert isinstance(errors[f], str) and errors[f], describe(resp)
    return body


def unwrap_list(body, plural, singular):
    """[{singular: {...}}, ...] -> [{...}, ...], checking the envelope."""
    assert isinstance(body, dict) and set(body) == {plural}, f"bad envelope: {body!r}"[:500]
    items = body[plural]
    assert isinstance(items, list)
    out = []
    for item in items:
        assert isinstance(item, dict) and set(item) == {singular}, f"bad item: {item!r}"
        out.append(item[singular])
    return out


def unwrap_one(body, singular):
    assert isinstance(body, dict) and set(body) == {singular}, f"bad envelope: {body!r}"[:500]
    assert isinstance(body[singular], dict)
    return body[singular]


# ---- accounts and objects ------------------------------------------------


def patient_fields(remote_id=None, **fields):
    """A complete, valid patient body (without envelope)."""
    body = {"remote_id": remote_id if remote_id is not None else unique("p"),
            "first_name": "Joris", "last_name": "Van Hecke",
            "email": "joris.vanhecke@example.com", "phone_number": "+32470000000"}
    body.update(fields)
    return body


T0 = 1_700_000_400  # a round Unix time used as the origin of test appointments


def appointment_fields(remote_id=None, start=T0, stop=None, **fields):
    body = {"remote_id": remote_id if remote_id is not None else unique("a"),
            "start": str(start), "stop": str(stop if stop is not None else start + 1800)}
    body.update(fields)
    return body


class Account:
    """A center with one calendar and a user granted on the center."""

    def __init__(self, cli, base, center_id, calendar_id, email, token):
        self.cli = cli
        self.center_id = center_id
        self.calendar_id = calendar_id
        self.email = email
        self.token = token
        self.api = Api(base, email, token, "query")
        self.basic = Api(base, email, token, "basic")

    # paths
    @property
    def patients(self):
        return f"/centers/{self.center_id}/patients"

    @property
    def appointments(self):
        return f"/calendars/{self.calendar_id}/appointments"

    def patients_of(self, center_id):
        return f"/centers/{center_id}/patients"

    def appointments_of(self, calendar_id):
        return f"/calendars/{calendar_id}/appointments"

    # objects
    def create_patient(self, **fields):
        return unwrap_one(expect(self.api.post(self.patients, {"patient": patient_fields(**fields)}),
                                 201), "patient")

    def create_appointment(self, calendar_id=None, **fields):
        path = self.appointments_of(calendar_id or self.calendar_id)
        body = {"appointment": appointment_fields(**fields)}
        return unwrap_one(expect(self.api.post(path, body), 201), "appointment")

    def get_patient(self, ref):
        return unwrap_one(expect(self.api.get(f"{self.patients}/{ref}"), 200), "patient")

    def get_appointment(self, ref, calendar_id=None):
        path = self.appointments_of(calendar_id or self.calendar_id)
        return unwrap_one(expect(self.api.get(f"{path}/{ref}"), 200), "appointment")

    def list_patients(self, **params):
        return unwrap_list(expect(self.api.get(self.patients, params=params), 200),
                           "patients", "patient")

    def list_appointments(self, calendar_id=None, **params):
        path = self.appointments_of(calendar_id or self.calendar_id)
        return unwrap_list(expect(self.api.get(path, params=params), 200),
                           "appointments", "appointment")

    def upsert_services(self, *entries, calendar_id=None):
        cal = calendar_id or self.calendar_id
        body = {"services_collection": {"services": [{"service": e} for e in entries]}}
        return unwrap_list(expect(self.api.post(f"/calendars/{cal}/services_collections", body),
                                  200), "services", "service")

    def list_services(self, calendar_id=None):
        cal = calendar_id or self.calendar_id
        return unwrap_list(expect(self.api.get(f"/calendars/{cal}/services"), 200),
                           "services", "service")

    def add_calendar(self, **kw):
        return self.cli.calendar_add(self.center_id, **kw)


def make_account(cli, base, specialities=()):
    """Creates a center, a calendar in it, and a user granted on the center."""
    center_id = cli.center_add(name="Centre " + unique("n"), slug=unique("center"))
    calendar_id = cli.calendar_add(center_id, first="Joris", last="Van Hecke",
                                   slug=unique("cal"), specialities=specialities)
    email = unique("user") + "@example.com"
    token = cli.user_add(email)
    cli.grant(email, center_id)
    return Account(cli, base, center_id, calendar_id, email, token)


# ---- raw connections -------------------------------------------------------


def connect(port, source=None, timeout=10):
    """A TCP connection to the server on 127.0.0.1:port, optionally from
    another loopback source address (e.g. "127.0.0.2": all of 127.0.0.0/8
    is local on Linux), so tests can play several clients."""
    return socket.create_connection(("127.0.0.1", port), timeout=timeout,
                                    source_address=(source, 0) if source else None)


def read_until_closed(sock, limit=1 << 20):
    """Reads until the peer closes the connection (or resets it, or the
    socket's timeout expires).  Returns (bytes read, how it ended), the
    latter "closed", "reset" or "timeout"."""
    data = b""
    while len(data) < limit:
        try:
            chunk = sock.recv(65536)
        except socket.timeout:
            return data, "timeout"
        except (ConnectionResetError, BrokenPipeError):
            return data, "reset"
        if not chunk:
            return data, "closed"
        data += chunk
    return data, "limit"


def read_response(sock):
    """Reads one HTTP response with a Content-Length (the server's kind) from
    a raw socket; returns its bytes, or what came before the connection
    ended or the socket's timeout expired."""
    data = b""
    try:
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(65536)
            if not chunk:
                return data
            data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        m = re.search(rb"(?im)^content-length:\s*(\d+)", head)
        while m and len(body) < int(m.group(1)):
            chunk = sock.recv(65536)
            if not chunk:
                break
            body += chunk
            data += chunk
    except (socket.timeout, ConnectionResetError):
        pass
    return data


def status_of(raw):
    """The status code of the first HTTP response in raw bytes, or None."""
    m = re.match(rb"HTTP/1\.[01] (\d{3}) ", raw)
    return int(m.group(1)) if m else None


def http_request(port, method, target, headers=None, body=None, source=None, timeout=30):
    """One request on a connection of its own (optionally from another source
    address); returns (status, headers, body bytes).  `target` is sent as
    given."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout,
                                      source_address=(source, 0) if source else None)
    try:
        conn.request(method, target, body=body, headers=dict(headers or {}))
        resp = conn.getresponse()
        return resp.status, resp.headers, resp.read()
    finally:
        conn.close()


def basic_auth_header(email, token):
    cred = base64.b64encode(f"{email}:{token}".encode()).decode()
    return {"Authorization": f"Basic {cred}"}


def rss_kib(pid):
    """The resident set size of a process, in KiB (Linux /proc)."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError(f"no VmRSS for process {pid}")

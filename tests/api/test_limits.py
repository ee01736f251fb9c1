"""Abuse limits, each on a server of its own with the limit set small:
request body size, collection length, header size, slow clients, connection
count, failed authentications per client address, and what the logs may
hold.

Timing bounds here are those of the limits themselves (a timeout of 2 s must
drop a connection after about 2 s, not after 0.5 s nor never) and are
generous; nothing asserts how fast the server is."""

import json
import os
import re
import socket
import subprocess
import threading
import time
from collections import Counter
from urllib.parse import quote

import pytest

from helpers import (Account, Cli, basic_auth_header, unique, connect, expect, expect_error, http_request,
                     make_account, patient_fields, read_response, read_until_closed, status_of)


@pytest.fixture
def limited(agenda_bin, tmp_path, start_server):
    """Factory: a server with the given flags and an account on it."""
    def start(*flags):
        db = tmp_path / f"{unique('limits')}.db"
        srv = start_server(db, *flags)
        return srv, make_account(Cli(agenda_bin, db), srv.base)
    return start


def target(acct, path, **params):
    """A request target with the account's credentials in the query."""
    query = acct.api.creds_query()
    for k, v in params.items():
        query += f"&{k}={quote(str(v))}"
    return f"/api/v2{path}?{query}"


def serves_normally(acct):
    """The server still answers an ordinary request with the right data."""
    centers = expect(acct.api.get("/centers"), 200)["centers"]
    assert [c["center"]["id"] for c in centers] == [acct.center_id]


# ---- request body size ----------------------------------------------------------


def json_patient_body(remote_id, size):
    """A JSON patient body of exactly `size` bytes (padded in notes)."""
    body = {"patient": patient_fields(remote_id, notes="")}
    pad = size - len(json.dumps(body).encode())
    assert pad >= 0
    body["patient"]["notes"] = "n" * pad
    raw = json.dumps(body).encode()
    assert len(raw) == size
    return raw


def test_body_at_the_limit_accepted_one_byte_more_413(limited):
    srv, acct = limited("--max-body", 4096)
    headers = {"Content-Type": "application/json"}
    status, _, _ = http_request(srv.port, "POST", target(acct, acct.patients), headers,
                                json_patient_body("fits", 4096))
    assert status == 201
    status, hdrs, body = http_request(srv.port, "POST", target(acct, acct.patients), headers,
                                      json_patient_body("too-big", 4097))
    assert status == 413, body
    assert hdrs["Content-Type"].startswith("application/json")
    assert json.loads(body)["error"]
    assert [p["remote_id"] for p in acct.list_patients()] == ["fits"]


def test_chunked_body_over_the_limit_413(limited):
    """Without a Content-Length the limit is enforced while reading."""
    srv, acct = limited("--max-body", 4096)
    sock = connect(srv.port, timeout=10)
    with sock:
        sock.sendall(f"POST {target(acct, acct.patients)} HTTP/1.1\r\nHost: test\r\n"
                     "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                     .encode())
        chunks = [b'{"patient": {"remote_id": "chunked", "first_name": "", "last_name": "",'
                  b' "email": "", "phone_number": "", "notes": "'] + [b"n" * 1024] * 64 + [b'"}}']
        try:
            for chunk in chunks:
                sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            sock.sendall(b"0\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass  # answered and closed before the end: fine
        raw = read_response(sock)
    assert status_of(raw) == 413, raw[:200]
    assert raw.endswith(b'{"error":"request body too large"}'), raw[:300]
    assert acct.list_patients() == []
    serves_normally(acct)


def test_huge_declared_body_refused_before_it_is_sent(limited):
    """A Content-Length of 1 GiB is answered 413 at once: the server does not
    wait for (or read) the body, and closes the connection."""
    srv, acct = limited()  # the default limit, 32 MiB
    sock = connect(srv.port, timeout=10)
    with sock:
        sock.sendall(f"POST {target(acct, acct.patients)} HTTP/1.1\r\nHost: test\r\n"
                     "Content-Type: application/json\r\nContent-Length: 1073741824\r\n\r\n{"
                     .encode())
        raw, how = read_until_closed(sock)
    assert status_of(raw) == 413, raw[:200]
    assert how in ("closed", "reset"), how
    assert b'"error"' in raw
    assert acct.list_patients() == []
    serves_normally(acct)


def test_body_whose_tree_outgrows_the_request_memory_413(limited):
    """20 MB of `[0,0,...]` fits the body limit but would take some 600 MB as
    parsed JSON nodes: the parse stops at the request's memory limit and the
    answer is 413, not a server that grows without bound."""
    srv, acct = limited()
    raw = b'{"patient": [' + b"0," * 10_000_000 + b'0]}'
    status, hdrs, body = http_request(srv.port, "POST", target(acct, acct.patients),
                                      {"Content-Type": "application/json"}, raw)
    assert status == 413, body[:200]
    assert json.loads(body) == {"error": "request body too large once parsed"}
    assert acct.list_patients() == []
    serves_normally(acct)


# ---- collection length --------------------------------------------------------------


def test_default_collection_limit_is_ten_thousand(limited):
    srv, acct = limited()
    path = f"/centers/{acct.center_id}/patients_collections"

    def collection(n, prefix):
        return {"patients_collection": {"patients": [
            {"patient": patient_fields(f"{prefix}{i}")} for i in range(n)]}}

    expect_error(acct.api.post(path, collection(10_001, "over-")), 413)
    r = acct.api.get(acct.patients)
    assert r.headers["X-Total-Count"] == "0"
    assert len(expect(acct.api.post(path, collection(10_000, "at-")), 200)["patients"]) == 10_000
    assert acct.api.get(acct.patients).headers["X-Total-Count"] == "10000"


# ---- header size ----------------------------------------------------------------------


def send_headers(port, request_line, header_block, timeout=10):
    """Sends a request with the given header lines; returns (answer, how the
    connection ended).  The server may close while we are still sending."""
    sock = connect(port, timeout=timeout)
    with sock:
        try:
            sock.sendall(f"{request_line}\r\nHost: test\r\n".encode() + header_block +
                         b"Connection: close\r\n\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass
        return read_until_closed(sock)


@pytest.mark.parametrize("case", ["one 64 KiB header", "one 1 MiB header",
                                  "400 headers of 100 bytes"])
def test_oversized_headers_refused_then_server_fine(limited, case):
    srv, acct = limited("--max-header-bytes", 8192)
    block = {
        "one 64 KiB header": b"X-Big: " + b"a" * 65536 + b"\r\n",
        "one 1 MiB header": b"X-Big: " + b"a" * (1 << 20) + b"\r\n",
        "400 headers of 100 bytes": b"".join(b"X-H%d: %s\r\n" % (i, b"b" * 100)
                                              for i in range(400)),
    }[case]
    raw, how = send_headers(srv.port, f"GET {target(acct, '/centers')} HTTP/1.1", block)
    # Refused with 431, or the connection closed without an answer.
    assert status_of(raw) in (431, None), raw[:200]
    assert status_of(raw) == 431 or raw == b"", raw[:200]
    assert how in ("closed", "reset"), how
    assert srv.proc.poll() is None, srv.log_tail()
    serves_normally(acct)


def test_headers_within_the_limit_served(limited):
    srv, acct = limited("--max-header-bytes", 8192)
    raw, _ = send_headers(srv.port, f"GET {target(acct, '/centers')} HTTP/1.1",
                          b"X-Padding: " + b"p" * 2048 + b"\r\n")
    assert status_of(raw) == 200, raw[:200]


def test_default_header_limit_is_16_kib(limited):
    """Room for an 8 KiB header line (nginx's default limit for one line)."""
    srv, acct = limited()
    line = f"GET {target(acct, '/centers')} HTTP/1.1"
    raw, _ = send_headers(srv.port, line, b"X-Padding: " + b"p" * 8192 + b"\r\n")
    assert status_of(raw) == 200, raw[:200]
    raw, how = send_headers(srv.port, line, b"X-Padding: " + b"p" * 20480 + b"\r\n")
    assert status_of(raw) in (431, None) and how in ("closed", "reset"), raw[:200]
    serves_normally(acct)


# ---- slow clients ------------------------------------------------------------------------


class SlowSender(threading.Thread):
    """Sends `data` one byte a second and notes when the server drops the
    connection (end of file, reset, or a refused send)."""

    def __init__(self, port, data):
        super().__init__(daemon=True)
        self.sock = connect(port, timeout=1)
        self.data = data
        self.started = None
        self.dropped_after = None
        self.answer = b""
        self.sent = 0

    def run(self):
        self.started = time.monotonic()
        try:
            for byte in self.data:
                self.sock.sendall(bytes([byte]))
                self.sent += 1
                try:
                    chunk = self.sock.recv(4096)  # waits up to the 1 s pace
                except socket.timeout:
                    continue
                self.answer += chunk
                if not chunk:
                    break
        except (ConnectionResetError, BrokenPipeError):
            pass
        finally:
            if self.sent < len(self.data):
                self.dropped_after = time.monotonic() - self.started
            self.sock.close()


def test_slow_senders_dropped_without_holding_the_worker(limited):
    """With one worker thread, a client sending its headers (or its body) a
    byte a second is dropped after about --timeout seconds, and ordinary
    requests are answered meanwhile: the slow client never holds the worker."""
    srv, acct = limited("--threads", 1, "--timeout", 2)
    head = f"GET {target(acct, '/centers')} HTTP/1.1\r\nHost: test\r\n\r\n".encode()
    body = json.dumps({"patient": patient_fields("slow")}).encode()
    post = (f"POST {target(acct, acct.patients)} HTTP/1.1\r\nHost: test\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n").encode()
    slow_head = SlowSender(srv.port, head)
    slow_body = SlowSender(srv.port, body)
    slow_body.sock.sendall(post)  # the headers at once, then the body byte by byte
    slow_head.start()
    slow_body.start()

    served_while_slow = 0
    while slow_head.is_alive() or slow_body.is_alive():
        r = acct.api.get("/centers", timeout=30)
        assert r.status_code == 200, r.text
        if slow_head.is_alive() and slow_body.is_alive():
            served_while_slow += 1
        time.sleep(0.2)
        assert time.monotonic() - slow_head.started < 30, "a slow sender was never dropped"

    for name, s in (("headers", slow_head), ("body", slow_body)):
        assert s.dropped_after is not None, f"slow {name}: the whole request got through"
        assert 1.5 <= s.dropped_after <= 8, f"slow {name}: dropped after {s.dropped_after:.1f} s"
        assert status_of(s.answer) in (None, 408), s.answer[:200]
    assert served_while_slow >= 3, f"only {served_while_slow} requests served meanwhile"
    assert acct.list_patients() == []
    serves_normally(acct)


def test_idle_connection_closed_after_the_timeout(limited):
    srv, acct = limited("--timeout", 2)
    sock = connect(srv.port, timeout=15)
    with sock:
        sock.sendall(f"GET {target(acct, '/centers')} HTTP/1.1\r\nHost: test\r\n\r\n".encode())
        assert status_of(read_response(sock)) == 200
        t0 = time.monotonic()
        rest, how = read_until_closed(sock)
        waited = time.monotonic() - t0
    assert how in ("closed", "reset"), f"still open after {waited:.1f} s"
    assert 1.5 <= waited <= 8, f"closed after {waited:.1f} s"
    serves_normally(acct)


# ---- connection count -------------------------------------------------------------------


def test_connection_limit(limited):
    """With --max-connections 8 and 8 connections open, a 9th gets no answer
    (closed, or left waiting unaccepted); once they close, new connections
    are served again."""
    srv, acct = limited("--max-connections", 8, "--threads", 2, "--timeout", 30)
    request = f"GET {target(acct, '/centers')} HTTP/1.1\r\nHost: test\r\n\r\n".encode()
    held = []
    try:
        for _ in range(8):
            s = connect(srv.port, timeout=10)
            s.sendall(request)
            assert status_of(read_response(s)) == 200  # accepted and kept alive
            held.append(s)

        extra = connect(srv.port, timeout=3)  # the kernel's backlog may complete it
        try:
            extra.sendall(request)
            raw, how = read_until_closed(extra)
        except (ConnectionResetError, BrokenPipeError):
            raw, how = b"", "reset"
        assert raw == b"", f"the 9th connection was served: {raw[:100]!r}"
        assert how in ("closed", "reset", "timeout")
    finally:
        for s in held:
            s.close()

    deadline = time.monotonic() + 10
    while True:
        try:
            r = acct.api.get("/centers", timeout=5)
            if r.status_code == 200:
                break
        except OSError:
            pass
        assert time.monotonic() < deadline, "not served after the connections closed"
        time.sleep(0.2)
    if how == "timeout":
        # Left waiting in the backlog: it is served now that slots are free.
        extra.settimeout(10)
        raw = read_response(extra)
        assert status_of(raw) in (200, None), raw[:200]
    extra.close()
    serves_normally(acct)


# ---- failed authentications ---------------------------------------------------------------


def auth_get(srv, acct, token, source="127.0.0.1", basic=False):
    """GET /centers from `source` with the account's email and `token`."""
    if basic:
        return http_request(srv.port, "GET", "/api/v2/centers",
                            basic_auth_header(acct.email, token), source=source)
    query = f"user_email={quote(acct.email)}&user_token={quote(token)}"
    return http_request(srv.port, "GET", f"/api/v2/centers?{query}", source=source)


def test_failed_authentications_limited_per_address(limited):
    srv, acct = limited("--auth-failures", 5, "--auth-window", 4)
    first_failure = time.monotonic()
    for i in range(5):
        status, _, body = auth_get(srv, acct, "wrong", basic=i % 2 == 1)
        assert status == 401, body

    status, headers, body = auth_get(srv, acct, "wrong")
    assert status == 429, body
    assert 1 <= int(headers["Retry-After"]) <= 4, headers["Retry-After"]
    assert set(json.loads(body)) == {"error"}
    # Correct credentials from the same address are refused too ...
    for basic in (False, True):
        status, headers, body = auth_get(srv, acct, acct.token, basic=basic)
        assert status == 429, body
        assert 1 <= int(headers["Retry-After"]) <= 4
        assert acct.email.encode() not in body
    # ... while another address is unaffected, and counted on its own.
    assert auth_get(srv, acct, acct.token, source="127.0.0.2")[0] == 200
    assert auth_get(srv, acct, "wrong", source="127.0.0.2")[0] == 401
    assert auth_get(srv, acct, acct.token, source="127.0.0.2")[0] == 200

    # Refused until the window ends, then served again.
    while True:
        status, _, body = auth_get(srv, acct, acct.token)
        waited = time.monotonic() - first_failure
        if status == 200:
            break
        assert status == 429, body
        assert waited < 4 + 3, f"still refused {waited:.1f} s after the first failure"
        time.sleep(0.2)
    assert waited >= 4 - 1.5, f"served again after only {waited:.1f} s"
    # A new window: one failure is a 401 again, not a 429.
    assert auth_get(srv, acct, "wrong")[0] == 401
    assert auth_get(srv, acct, acct.token)[0] == 200


def test_anonymous_requests_never_lock_anyone(limited):
    """A monitoring probe sending no credentials gets 401 forever and never
    counts as a failed login."""
    srv, acct = limited("--auth-failures", 5, "--auth-window", 60)
    for _ in range(30):
        status, headers, body = http_request(srv.port, "GET", "/api/v2/centers")
        assert status == 401, body
    assert auth_get(srv, acct, acct.token)[0] == 200
    assert auth_get(srv, acct, acct.token, basic=True)[0] == 200


def test_one_user_failing_never_locks_another_behind_the_same_address(limited):
    srv, a = limited("--auth-failures", 5, "--auth-window", 60)
    b = make_account(a.cli, srv.base)
    for i in range(20):  # a stale integration of user A
        status, _, body = auth_get(srv, a, "stale-token", basic=i % 2 == 1)
        assert status in (401, 429), body
    # A is locked, valid credentials included ...
    status, headers, _ = auth_get(srv, a, a.token)
    assert status == 429 and 1 <= int(headers["Retry-After"]) <= 60
    # ... the same identity in another case too ...
    upper = Account(a.cli, srv.base, a.center_id, a.calendar_id,
                                                a.email.upper(), a.token)
    assert auth_get(srv, upper, "stale-token")[0] == 429
    # ... while B, behind the same address, works and fails on its own count
    for basic in (False, True):
        assert auth_get(srv, b, b.token, basic=basic)[0] == 200
    for _ in range(4):
        assert auth_get(srv, b, "wrong")[0] == 401
    assert auth_get(srv, b, b.token)[0] == 200
    assert auth_get(srv, b, "wrong")[0] == 401
    assert auth_get(srv, b, b.token)[0] == 429  # B's fifth failure locks B


def test_valid_credentials_work_after_someone_else_failed(limited):
    srv, a = limited("--auth-failures", 3, "--auth-window", 60)
    b = make_account(a.cli, srv.base)
    for _ in range(10):
        auth_get(srv, b, "wrong")
    assert auth_get(srv, b, b.token)[0] == 429
    assert auth_get(srv, a, a.token)[0] == 200
    assert auth_get(srv, a, a.token, basic=True)[0] == 200


def test_failed_authentications_default_limit_is_twenty(limited):
    srv, acct = limited()
    for _ in range(20):
        assert auth_get(srv, acct, "wrong")[0] == 401
    status, headers, _ = auth_get(srv, acct, acct.token)
    assert status == 429
    assert 1 <= int(headers["Retry-After"]) <= 60


def test_failed_authentication_limit_can_be_disabled(limited):
    srv, acct = limited("--auth-failures", 0)
    for _ in range(60):
        assert auth_get(srv, acct, "wrong")[0] == 401
    assert auth_get(srv, acct, acct.token)[0] == 200


# ---- what the logs hold ---------------------------------------------------------------------


LOG_LINE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ \S+ [A-Z]+ /\S* \d{3} \d+us$")


@pytest.mark.parametrize("where", ["file", "stderr"])
def test_logs_hold_no_credentials_or_patient_data(limited, tmp_path, where):
    access = tmp_path / "access.log"
    srv, acct = limited("--access-log", str(access) if where == "file" else "-")
    secrets = {
        "token": acct.token,
        "wrong token": "WrongTok3n-" + acct.token[:10],
        "percent-encoded token": "sl/ash+plus=eq",
        "api token": "ApiTok3nValue", "password": "Pa55wordValue",
        "encoded key": "EncodedKeyValue",
        "first name": "Zephyrine", "last name": "Quackenbush-Oyelaran",
        "phone": "+32470987123", "email": "zephyrine.q@example.org",
        "address": "Rue des Secrets 42", "notes": "allergic to penicillin",
        "form name": "Wilhelmina", "form phone": "+32499111222",
        "bad json name": "Bartholomew", "collection name": "Cunegonde",
    }
    secrets["basic credentials"] = basic_auth_header(acct.email, acct.token)["Authorization"]
    secrets["basic base64"] = secrets["basic credentials"].split()[1]
    patient = patient_fields("logged-1", first_name=secrets["first name"],
                             last_name=secrets["last name"], phone_number=secrets["phone"],
                             email=secrets["email"], address=secrets["address"],
                             notes=secrets["notes"])
    email_q = f"user_email={quote(acct.email)}"
    encoded_token = quote(secrets["percent-encoded token"], safe="")
    p = f"/api/v2{acct.patients}"
    requests_made = [
        ("GET", f"/api/v2/centers?{email_q}&user_token={acct.token}", {}, None, 200),
        ("GET", f"/api/v2/centers?{email_q}&user_token={secrets['wrong token']}", {}, None, 401),
        ("GET", f"/api/v2/centers?{email_q}&user_token={encoded_token}", {}, None, 401),
        ("GET", f"/api/v2/centers?{email_q}&user%5Ftoken={acct.token}", {}, None, 200),
        ("GET", f"/api/v2/centers?{email_q}&user_token={acct.token}"
                f"&api_token={secrets['api token']}&password={secrets['password']}"
                f"&access%5Ftoken={secrets['encoded key']}", {}, None, 200),
        ("GET", "/api/v2/centers", basic_auth_header(acct.email, acct.token), None, 200),
        ("POST", p, {**basic_auth_header(acct.email, acct.token),
                     "Content-Type": "application/json"},
         json.dumps({"patient": patient}).encode(), 201),
        ("POST", f"{p}?{acct.api.creds_query()}",
         {"Content-Type": "application/x-www-form-urlencoded"},
         (f"patient[remote_id]=logged-2&patient[first_name]={secrets['form name']}"
          f"&patient[last_name]=&patient[email]=&patient[phone_number]="
          f"{quote(secrets['form phone'])}").encode(), 201),
        ("PUT", f"{p}/remote_id:logged-1?{acct.api.creds_query()}",
         {"Content-Type": "application/json"},
         json.dumps({"patient": {"notes": secrets["notes"] + " (updated)"}}).encode(), 200),
        ("POST", f"{p}?{acct.api.creds_query()}", {"Content-Type": "application/json"},
         ('{"patient": {"first_name": "%s", ' % secrets["bad json name"]).encode(), 400),
        ("POST", f"/api/v2/centers/{acct.center_id}/patients_collections?{acct.api.creds_query()}",
         {"Content-Type": "application/json"},
         json.dumps({"patients_collection": {"patients": [
             {"patient": patient_fields("c1", first_name=secrets["collection name"])},
             {"patient": patient_fields("c2", birthdate="not-a-date")}]}}).encode(), 422),
        ("GET", f"{p}/remote_id:logged-1?{acct.api.creds_query()}", {}, None, 200),
    ]
    for method, path, headers, body, status in requests_made:
        got, _, answer = http_request(srv.port, method, path, headers, body)
        assert got == status, f"{method} {path[:60]}: {got} {answer[:200]}"
    # Requests libmicrohttpd refuses itself (it logs those errors to stderr).
    refused = [b"X-Big: " + b"a" * 65536 + b"\r\n", b"Not a header line\r\n",
               b"Content-Length: not-a-number\r\n",
               b"Authorization: Basic " + b"QUFB" * 2000 + b"\r\n"]
    for block in refused:
        raw, _ = send_headers(srv.port, f"GET /api/v2/centers?{email_q}&user_token="
                                        f"{acct.token} HTTP/1.1", block)
        assert status_of(raw) in (200, 400, 431), raw[:100]
    assert srv.terminate() == 0  # flushes and closes the logs

    stderr = open(srv.log_path, encoding="utf-8", errors="replace").read()
    logs = {"stderr": stderr}
    if where == "file":
        logs["access log"] = access.read_text(encoding="utf-8", errors="replace")
    for name, text in logs.items():
        for what, secret in secrets.items():
            for form in {secret, quote(secret, safe=""), quote(secret)}:
                assert form not in text, f"the {name} shows the {what} ({form!r})"

    lines = [line for line in (logs.get("access log") or stderr).splitlines()
             if LOG_LINE.match(line)]
    # One line per request answered by the server; lines are written as
    # requests complete, not necessarily in order.
    logged = Counter(tuple(line.split()[2:5:2]) for line in lines)
    missing = Counter((r[0], str(r[4])) for r in requests_made) - logged
    assert not missing, f"no log line for {dict(missing)}:\n" + "\n".join(lines)
    assert sum("user_token=[redacted]" in line for line in lines) >= 6
    assert any("user%5Ftoken=[redacted]" in line for line in lines)
    many = [line for line in lines if "api_token=" in line]
    assert len(many) == 1
    for key in ("user_token", "api_token", "password", "access%5Ftoken"):
        assert f"{key}=[redacted]" in many[0], many[0]


# ---- memory across requests ------------------------------------------------------------------


def vm_kib(pid, field):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise AssertionError(f"no {field} for process {pid}")


def test_concurrent_hostile_bodies_stay_within_the_memory_budget_and_memory_returns(
        limited, monkeypatch):
    """Eight clients at once each send 30 MiB of JSON that would parse into
    far more than that ([0,0,...]).  Each gets 413 or 503 (with Retry-After)
    in JSON; the server's peak RSS stays within --max-memory plus 100 MB, and
    its RSS falls back under 200 MB within seconds after they end.

    Under AddressSanitizer (make test-asan) the sanitizer's allocator holds
    freed memory in a quarantine of 256 MB and returns it lazily; the server
    of this test runs without that retention, so what is measured is still
    the server's own."""
    if "ASAN_OPTIONS" in os.environ:
        monkeypatch.setenv("ASAN_OPTIONS", os.environ["ASAN_OPTIONS"] +
                           ":quarantine_size_mb=0:thread_local_quarantine_size_kb=0"
                           ":allocator_release_to_os_interval_ms=100")
    budget = 256 << 20
    srv, acct = limited("--max-memory", budget, "--threads", 8)
    hostile = b"[" + b"0," * (15 << 20) + b"0]"
    assert len(hostile) > 30 << 20
    path = target(acct, f"/centers/{acct.center_id}/patients_collections")
    results = []

    def send():
        try:
            results.append(http_request(srv.port, "POST", path,
                                        {"Content-Type": "application/json"}, hostile,
                                        timeout=120))
        except OSError as e:  # refused early and closed while still sending
            results.append((None, {}, repr(e).encode()))

    for _ in range(2):  # twice: memory freed by the first round is reused, not added to
        threads = [threading.Thread(target=send) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(180)
    answered = [r for r in results if r[0] is not None]
    assert len(answered) >= 8, results
    for status, headers, body in answered:
        assert status in (413, 503), (status, body[:200])
        assert json.loads(body)["error"]
        if status == 503:
            assert int(headers["Retry-After"]) >= 1
    peak = vm_kib(srv.proc.pid, "VmHWM") * 1024
    assert peak <= budget + 100_000_000, f"peak RSS {peak / 1e6:.0f} MB"

    deadline = time.monotonic() + 10
    while (rss := vm_kib(srv.proc.pid, "VmRSS") * 1024) >= 200_000_000:
        assert time.monotonic() < deadline, f"RSS still {rss / 1e6:.0f} MB after 10 s"
        time.sleep(0.2)
    serves_normally(acct)


def test_max_memory_is_checked(agenda_bin, tmp_path):
    p = subprocess.run([agenda_bin, "serve", "--db", str(tmp_path / "m.db"), "--max-memory",
                        "1000"], capture_output=True, text=True, timeout=30)
    assert p.returncode == 2 and "max-memory" in p.stderr, p.stderr

"""The CalDAV client (src/sync/dav.c) against real servers.

Radicale and Xandikos (Debian packages) run on free loopback ports
(servers.py); build/dav-tool runs one operation of the client from its
arguments and prints what it made of the answer.  Every scenario runs on
both servers; authentication only on Radicale (Xandikos has none).  A
scripted HTTP server covers what real servers do not do on demand:
truncated sync answers (507), server errors, answers over the size limit,
silence past the timeout."""

import json
import os
import pathlib
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
import servers  # noqa: E402

REPO = pathlib.Path(__file__).resolve().parents[2]


@pytest.fixture(scope="session")
def tool():
    path = os.environ.get("DAV_TOOL") or str(REPO / "build" / "dav-tool")
    if not os.access(path, os.X_OK):
        pytest.exit(f"dav-tool not found at {path} (make build/dav-tool, or set DAV_TOOL)", 2)
    return path


@pytest.fixture(params=["radicale", "xandikos"])
def server(request, tmp_path):
    start = servers.start_radicale if request.param == "radicale" else servers.start_xandikos
    s = start(tmp_path)
    yield s
    s.stop()


@pytest.fixture
def radicale(tmp_path):
    s = servers.start_radicale(tmp_path)
    yield s
    s.stop()


def dav(tool, server_or_url, op, *args, password=None, username=None, env=None, tmp=None):
    """Runs dav-tool; returns its JSON answer."""
    url = server_or_url if isinstance(server_or_url, str) else server_or_url.calendar
    e = {k: v for k, v in os.environ.items() if not k.startswith("DAV_TOOL_")}
    # the servers listen on loopback, which is refused unless allowed
    e["DAV_TOOL_ALLOW_NETWORKS"] = "127.0.0.0/8, ::1/128"
    if not isinstance(server_or_url, str) and server_or_url.username:
        e["DAV_TOOL_USERNAME"] = server_or_url.username
        e["DAV_TOOL_PASSWORD"] = server_or_url.password
    if username is not None:
        e["DAV_TOOL_USERNAME"] = username
    if password is not None:
        e["DAV_TOOL_PASSWORD"] = password
    e.update(env or {})
    proc = subprocess.run([tool, op, url, *args], capture_output=True, text=True, env=e,
                          timeout=60)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def put(tool, server, tmp_path, href, text, etag=None):
    f = tmp_path / "event.ics"
    f.write_text(text)
    return dav(tool, server, "put", href, str(f), *([etag] if etag else []))


def etag_of(tool, server, href):
    """The ETag a listing gives for href."""
    items = {i["href"]: i["etag"] for i in dav(tool, server, "list")["items"]}
    return items[href]


# ---- the collection -----------------------------------------------------

def test_check_describes_a_calendar_collection(tool, server):
    r = dav(tool, server, "check")
    assert r["status"] == "ok" and r["http"] == 207, r
    assert r["is_collection"] and r["is_calendar"]
    assert r["sync_collection"] and r["multiget"] and r["reports_listed"]
    assert r["sync_token"] and r["ctag"]


def test_check_tells_a_collection_that_is_no_calendar(tool, server):
    r = dav(tool, server.not_calendar, "check", username=server.username or "",
            password=server.password or "")
    assert r["status"] == "ok", r
    assert r["is_collection"] and not r["is_calendar"]


def test_a_wrong_password_is_refused(tool, radicale):
    r = dav(tool, radicale, "check", password="wrong")
    assert r["status"] == "auth refused" and r["http"] == 401, r
    r = dav(tool, radicale, "list", username="nobody", password="x")
    assert r["status"] == "auth refused", r
    assert "wrong" not in r["message"]


def test_nothing_at_the_url_is_not_found(tool, server):
    r = dav(tool, server.base + ("/alice/none/" if server.username else "/user/none/"), "check",
            username=server.username or "", password=server.password or "")
    assert r["status"] in ("not found", "auth refused"), r
    if server.name == "xandikos":
        assert r["status"] == "not found"


def test_an_unreachable_server_is_transient(tool):
    port = servers.free_port()
    r = dav(tool, f"http://127.0.0.1:{port}/cal/", "check")
    assert r["status"] == "transient" and r["http"] == 0, r


def test_internal_addresses_are_refused_unless_allowed(tool, radicale):
    """Loopback (by address or by name) is refused before any connection
    unless the allowed networks have it; a refusal is no transient failure."""
    port = radicale.base.rsplit(":", 1)[1]
    for url, shown in ((radicale.calendar, "127.0.0.1"),
                       (f"http://localhost:{port}/alice/work/", None)):
        for allow in ("", "10.0.0.0/8, fe80::/10"):
            r = dav(tool, url, "check", username=radicale.username, password=radicale.password,
                    env={"DAV_TOOL_ALLOW_NETWORKS": allow})
            assert r["status"] == "refused" and r["http"] == 0, r
            assert r["message"].startswith("address not allowed: ") and \
                r["message"].endswith("; see [sync] allow_networks"), r
            if shown:
                assert r["message"] == f"address not allowed: {shown}; see [sync] allow_networks"
    r = dav(tool, radicale, "check", env={"DAV_TOOL_ALLOW_NETWORKS": "127.0.0.1/32"})
    assert r["status"] == "ok", r


# ---- members --------------------------------------------------------------

def test_create_update_and_delete_with_etags(tool, server, tmp_path):
    href = dav(tool, server, "member", "ev 1@agenda")["href"]
    assert href.endswith("/ev%201%40agenda")
    created = put(tool, server, tmp_path, href, servers.event("ev1@agenda", "one"))
    assert created["status"] == "ok" and created["http"] == 201, created
    etag1 = created["etag"] or dav(tool, server, "get", href)["item"]["etag"]
    assert etag1

    # a second create of the same href: 412, nothing written
    again = put(tool, server, tmp_path, href, servers.event("ev1@agenda", "other"))
    assert again["status"] == "precondition failed" and again["http"] == 412, again
    got = dav(tool, server, "get", href)
    assert got["status"] == "ok" and "SUMMARY:one" in got["item"]["data"]
    assert got["item"]["etag"] == etag1

    # an update with the current ETag, then one with the stale ETag
    updated = put(tool, server, tmp_path, href, servers.event("ev1@agenda", "two"), etag1)
    assert updated["status"] == "ok", updated
    etag2 = updated["etag"] or dav(tool, server, "get", href)["item"]["etag"]
    assert etag2 and etag2 != etag1
    stale = put(tool, server, tmp_path, href, servers.event("ev1@agenda", "three"), etag1)
    assert stale["status"] == "precondition failed", stale
    assert "SUMMARY:two" in dav(tool, server, "get", href)["item"]["data"]
    assert etag_of(tool, server, href) == etag2

    # delete: stale ETag refused, current one removes, a second is not found
    assert dav(tool, server, "delete", href, etag1)["status"] == "precondition failed"
    assert dav(tool, server, "delete", href, etag2)["status"] == "ok"
    assert dav(tool, server, "delete", href, etag2)["status"] in ("not found",
                                                                  "precondition failed")
    assert dav(tool, server, "get", href)["status"] == "not found"
    assert dav(tool, server, "list")["items"] == []


def test_content_the_server_refuses_is_no_write(tool, server, tmp_path):
    """An empty body: Radicale answers 400, Xandikos a 207 multistatus
    naming 412 valid-calendar-data; neither is a success."""
    href = dav(tool, server, "member", "bad@agenda")["href"]
    text = ""
    got = put(tool, server, tmp_path, href, text)
    assert got["status"] == "refused", got
    assert dav(tool, server, "get", href)["status"] == "not found"


def test_listing_and_multiget(tool, server, tmp_path):
    hrefs = []
    for i in range(3):
        href = dav(tool, server, "member", f"m{i}.ics")["href"]
        assert put(tool, server, tmp_path, href, servers.event(f"m{i}", f"event {i}"))[
            "status"] == "ok"
        hrefs.append(href)
    listed = dav(tool, server, "list")
    assert listed["status"] == "ok"
    assert sorted(i["href"] for i in listed["items"]) == sorted(hrefs)
    assert all(i["etag"] for i in listed["items"])

    missing = dav(tool, server, "member", "missing.ics")["href"]
    got = dav(tool, server, "multiget", hrefs[0], hrefs[2], missing)
    assert got["status"] == "ok", got
    by_href = {i["href"]: i for i in got["items"]}
    assert "SUMMARY:event 0" in by_href[hrefs[0]]["data"]
    assert "SUMMARY:event 2" in by_href[hrefs[2]]["data"]
    assert by_href[hrefs[0]]["etag"] == etag_of(tool, server, hrefs[0])
    # a missing member is said gone, or left out: never given data
    assert missing not in by_href or by_href[missing]["gone"]
    assert hrefs[1] not in by_href


# ---- sync-collection --------------------------------------------------------

def test_sync_collection_with_a_token(tool, server, tmp_path):
    a = dav(tool, server, "member", "a.ics")["href"]
    b = dav(tool, server, "member", "b.ics")["href"]
    put(tool, server, tmp_path, a, servers.event("a"))
    put(tool, server, tmp_path, b, servers.event("b"))
    first = dav(tool, server, "sync")
    assert first["status"] == "ok" and first["token"], first
    assert sorted(i["href"] for i in first["items"] if not i["gone"]) == sorted([a, b])

    # nothing changed: nothing to do
    quiet = dav(tool, server, "sync", first["token"])
    assert quiet["status"] == "ok" and [i for i in quiet["items"] if not i["gone"]] == []

    # one changed, one removed, one added
    c = dav(tool, server, "member", "c.ics")["href"]
    put(tool, server, tmp_path, a, servers.event("a", "moved"), etag_of(tool, server, a))
    assert dav(tool, server, "delete", b, etag_of(tool, server, b))["status"] == "ok"
    put(tool, server, tmp_path, c, servers.event("c"))
    changes = dav(tool, server, "sync", first["token"])
    assert changes["status"] == "ok", changes
    assert changes["token"] != first["token"]
    changed = {i["href"] for i in changes["items"] if not i["gone"]}
    gone = {i["href"] for i in changes["items"] if i["gone"]}
    assert changed == {a, c} and gone == {b}
    assert all(i["etag"] for i in changes["items"] if not i["gone"])


def test_an_invalid_token_is_told_apart(tool, server):
    first = dav(tool, server, "sync")
    assert first["status"] == "ok"
    if server.name == "radicale":
        # Radicale: 403 with DAV:valid-sync-token
        r = dav(tool, server, "sync", "http://radicale.org/ns/sync/" + "0" * 64)
        assert r["status"] == "invalid sync token" and r["http"] == 403, r
        r = dav(tool, server, "sync", "not-a-token")
        assert r["status"] == "invalid sync token", r
    else:
        # Xandikos 0.2.8 answers an unknown token with a 500 (a KeyError in
        # its store): transient, flagged so that the engine resyncs after
        # such failures repeat while the collection answers its check
        r = dav(tool, server, "sync", "0" * 40)
        assert r["status"] == "transient" and r["http"] == 500, r
        assert r["token_suspect"]
        assert dav(tool, server, "check")["status"] == "ok"
    # no token sent: a 5xx is never put on a token
    assert dav(tool, server, "sync")["token_suspect"] is False


# ---- what real servers do not do on demand: a scripted one ----------------

class Script(BaseHTTPRequestHandler):
    answers = []  # (status, headers, body) per request, in order
    seen = []

    def log_message(self, *args):
        pass

    def do_any(self):
        length = int(self.headers.get("Content-Length") or 0)
        Script.seen.append((self.command, self.path, dict(self.headers),
                            self.rfile.read(length).decode()))
        status, headers, body = Script.answers.pop(0)
        if status == "hang":
            threading.Event().wait(10)
            return
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        data = body.encode() if isinstance(body, str) else body
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_REPORT = do_PROPFIND = do_GET = do_PUT = do_DELETE = do_any


@pytest.fixture
def scripted():
    Script.answers, Script.seen = [], []
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Script)
    httpd.daemon_threads = True
    t = threading.Thread(target=httpd.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/cal/"
    httpd.shutdown()
    httpd.server_close()


def multistatus(inner, token):
    return (f'<D:multistatus xmlns:D="DAV:">{inner}'
            f'<D:sync-token>{token}</D:sync-token></D:multistatus>')


def member(href, etag):
    return (f"<D:response><D:href>{href}</D:href><D:propstat><D:prop>"
            f"<D:getetag>{etag}</D:getetag></D:prop><D:status>HTTP/1.1 200 OK</D:status>"
            "</D:propstat></D:response>")


TRUNCATED = ("<D:response><D:href>/cal/</D:href>"
             "<D:status>HTTP/1.1 507 Insufficient Storage</D:status></D:response>")


def test_a_truncated_sync_answer_is_followed(tool, scripted):
    Script.answers = [
        (207, {}, multistatus(member("/cal/1.ics", '"a"') + TRUNCATED, "t1")),
        (207, {}, multistatus(member("/cal/2.ics", '"b"') +
                              "<D:response><D:href>/cal/3.ics</D:href>"
                              "<D:status>HTTP/1.1 404 Not Found</D:status></D:response>", "t2")),
    ]
    r = dav(tool, scripted, "sync", "t0")
    assert r["status"] == "ok" and r["rounds"] == 2 and r["token"] == "t2", r
    assert [(i["href"], i["gone"]) for i in r["items"]] == [
        ("/cal/1.ics", False), ("/cal/2.ics", False), ("/cal/3.ics", True)]
    assert "<D:sync-token>t0</D:sync-token>" in Script.seen[0][3].replace("d:", "D:")
    assert "t1</d:sync-token>" in Script.seen[1][3]
    assert Script.seen[0][2]["Depth"] == "0"


def test_truncation_without_progress_is_transient(tool, scripted):
    Script.answers = [(207, {}, multistatus(TRUNCATED, "t0"))]
    r = dav(tool, scripted, "sync", "t0")
    assert r["status"] == "transient" and "without progress" in r["message"], r


def test_invalid_token_answers_of_each_kind(tool, scripted):
    body = '<?xml version="1.0"?><D:error xmlns:D="DAV:"><D:valid-sync-token/></D:error>'
    Script.answers = [(403, {}, body), (409, {}, body), (412, {}, ""),
                      (403, {}, "Forbidden"), (409, {}, "")]
    assert dav(tool, scripted, "sync", "t")["status"] == "invalid sync token"
    assert dav(tool, scripted, "sync", "t")["status"] == "invalid sync token"
    assert dav(tool, scripted, "sync", "t")["status"] == "invalid sync token"
    assert dav(tool, scripted, "sync", "t")["status"] == "auth refused"
    assert dav(tool, scripted, "sync", "t")["status"] == "refused"


def test_a_sync_collection_refused_without_a_token_error_is_unsupported(tool, scripted):
    """400, 403, 405 and 501 that name no DAV:valid-sync-token, with or
    without a token sent: the server does not do the report (the engine
    falls back to the ctag); an invalid token, a 500 or a 409 are not that."""
    token_error = '<D:error xmlns:D="DAV:"><D:valid-sync-token/></D:error>'
    cases = [(400, "", None, True), (403, "Forbidden", "t", True), (405, "", None, True),
             (501, "", "t", True), (403, token_error, "t", False), (500, "", "t", False),
             (409, "", "t", False), (503, "", None, False)]
    Script.answers = [(status, {}, body) for status, body, _, _ in cases]
    for status, _, token, unsupported in cases:
        r = dav(tool, scripted, "sync", *([token] if token else []))
        assert r["status"] != "ok" and r["http"] == status, r
        assert r["unsupported"] is unsupported, (status, r)
        if status == 501:
            assert r["token_suspect"] is False, r


def test_server_errors_bad_xml_and_huge_answers_are_transient(tool, scripted):
    Script.answers = [
        (503, {}, "down"),
        (207, {}, "<D:multistatus xmlns:D='DAV:'><D:response>"),
        (207, {}, '<!DOCTYPE x [<!ENTITY a "b">]><D:multistatus xmlns:D="DAV:"/>'),
        (207, {}, multistatus(member("/cal/x.ics", '"e"') * 5000, "t")),
        (200, {}, "not a multistatus"),
    ]
    for expect in ("the server failed", "not well-formed", "DOCTYPE", "larger than",
                   "expected a multistatus"):
        r = dav(tool, scripted, "list", env={"DAV_TOOL_MAX_ANSWER": "65536"})
        assert r["status"] == "transient" and expect in r["message"], (expect, r)


def test_silence_past_the_timeout_is_transient(tool, scripted):
    Script.answers = [("hang", {}, "")]
    r = dav(tool, scripted, "check", env={"DAV_TOOL_TIMEOUT": "1"})
    assert r["status"] == "transient" and r["http"] == 0, r


def test_redirects_are_not_followed_and_credentials_stay_home(tool, scripted):
    Script.answers = [(301, {"Location": "http://elsewhere.invalid/cal/"}, "")]
    r = dav(tool, scripted, "check", username="u", password="p")
    assert r["status"] == "refused" and "redirects" in r["message"], r
    assert len(Script.seen) == 1
    # an href naming another origin is read as a path on the collection's
    Script.answers = [(207, {}, multistatus(member("http://other.invalid/cal/y.ics", '"e"'),
                                            "t"))]
    items = dav(tool, scripted, "list")["items"]
    assert items == [{"href": "/cal/y.ics", "etag": '"e"', "gone": False}]
    Script.answers = [(204, {"ETag": '"n"'}, "")]
    dav(tool, scripted, "delete", "http://other.invalid/cal/y.ics", '"e"')
    assert Script.seen[-1][0] == "DELETE" and Script.seen[-1][1] == "/cal/y.ics"
    assert Script.seen[-1][2]["If-Match"] == '"e"'
    assert Script.seen[-1][2]["Host"].startswith("127.0.0.1:")


def test_put_sends_its_condition_and_a_weak_etag_is_none(tool, scripted, tmp_path):
    f = tmp_path / "e.ics"
    f.write_text(servers.event("x"))
    Script.answers = [(201, {"ETag": 'W/"weak"'}, ""), (204, {}, "")]
    r = dav(tool, scripted, "put", "x.ics", str(f))
    assert r["status"] == "ok" and r["etag"] is None, r
    assert Script.seen[0][2]["If-None-Match"] == "*"
    assert Script.seen[0][2]["Content-Type"].startswith("text/calendar")
    r = dav(tool, scripted, "put", "x.ics", str(f), '"v1"')
    assert r["status"] == "ok" and r["etag"] is None, r
    assert Script.seen[1][2]["If-Match"] == '"v1"' and "If-None-Match" not in Script.seen[1][2]

"""The operator's probes: GET /healthz, GET /readyz and GET /metrics.

Real servers over real sockets; the metrics are parsed with
python3-prometheus-client's own parser, and shown to move with the requests
the test makes.  /readyz is shown failing with a database that stopped
answering (SQLite here; PostgreSQL in tests/pg)."""

import socket
import subprocess
import time

import requests
from prometheus_client.parser import text_string_to_metric_families

from helpers import (Cli, database_for, execute_sql, expect, expect_error, free_port,
                     make_account, unique)


def wait_listening(proc, port, address="127.0.0.1"):
    deadline = time.monotonic() + 20
    while True:
        try:
            socket.create_connection((address, port), timeout=0.5).close()
            return
        except OSError:
            assert proc.poll() is None, "agenda serve exited"
            assert time.monotonic() < deadline, "agenda serve did not listen"
            time.sleep(0.05)


def scrape(base, **kw):
    resp = requests.get(f"{base}/metrics", timeout=30, **kw)
    assert resp.status_code == 200, resp.text
    assert resp.headers["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
    return {f.name: f for f in text_string_to_metric_families(resp.text)}


def sample(families, family, name=None, **labels):
    """The value of the sample of that family and name with those labels
    (0 when the series does not exist yet)."""
    for s in families[family].samples if family in families else ():
        if s.name == (name or family) and all(s.labels.get(k) == v for k, v in labels.items()):
            return s.value
    return 0


def test_healthz_and_readyz_answer_without_credentials(server):
    for path, status in (("/healthz", "ok"), ("/readyz", "ready")):
        resp = requests.get(f"{server.base}{path}", timeout=30)
        assert expect(resp, 200) == {"status": status}
        assert requests.head(f"{server.base}{path}", timeout=30).status_code == 200
        refused = requests.post(f"{server.base}{path}", timeout=30)
        expect_error(refused, 405)
        assert refused.headers["Allow"] == "GET, HEAD"


def test_readyz_is_503_when_the_database_stops_answering(agenda_bin, tmp_path):
    """An SQLite file, whichever store the suite runs on (tests/pg shows
    the same with PostgreSQL stopped under a running server)."""
    db = tmp_path / "broken.db"
    port = free_port()
    log = open(tmp_path / "broken.log", "wb")
    proc = subprocess.Popen([agenda_bin, "serve", "--db", str(db), "--listen",
                             f"127.0.0.1:{port}"], stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_listening(proc, port)
        # the server migrated the file at start; its workers open it on their
        # first request, and find something that is not a database any more
        db.write_bytes(b"this is not an SQLite database, whatever its name says" * 100)
        base = f"http://127.0.0.1:{port}"
        expect_error(requests.get(f"{base}/readyz", timeout=30), 503)
        assert expect(requests.get(f"{base}/healthz", timeout=30), 200) == {"status": "ok"}
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()


def test_readyz_reads_the_database_through_an_open_connection(agenda_bin, tmp_path):
    """A connection already open answers `SELECT 1` whatever became of the
    SQLite file; /readyz reads the schema's table, so it sees it."""
    db = tmp_path / "ready.db"
    port = free_port()
    log = open(tmp_path / "ready.log", "wb")
    proc = subprocess.Popen([agenda_bin, "serve", "--db", database_for(db), "--threads", "1",
                             "--listen", f"127.0.0.1:{port}"], stdout=log,
                            stderr=subprocess.STDOUT)
    try:
        wait_listening(proc, port)
        base = f"http://127.0.0.1:{port}"
        assert expect(requests.get(f"{base}/readyz", timeout=30), 200) == {"status": "ready"}
        execute_sql(database_for(db),
                    "ALTER TABLE schema_migrations RENAME TO schema_migrations_away")
        expect_error(requests.get(f"{base}/readyz", timeout=30), 503)
        execute_sql(database_for(db),
                    "ALTER TABLE schema_migrations_away RENAME TO schema_migrations")
        assert expect(requests.get(f"{base}/readyz", timeout=30), 200) == {"status": "ready"}
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()


def test_metrics_parse_and_move_with_requests(server, acct):
    before = scrape(server.base)
    route = "GET /api/v2/centers/{id}/patients"
    for _ in range(3):
        acct.list_patients()
    bad = requests.get(f"{server.base}/api/v2/centers",
                       params={"user_email": f"{unique('nobody')}@example.com",
                               "user_token": "wrong"}, timeout=30)
    expect_error(bad, 401)
    after = scrape(server.base)

    def moved(family, name=None, **labels):
        return sample(after, family, name, **labels) - sample(before, family, name, **labels)

    assert moved("agenda_http_requests", "agenda_http_requests_total", route=route,
                 status="200") == 3
    assert moved("agenda_http_requests", "agenda_http_requests_total",
                 route="GET /api/v2/centers", status="401") >= 1
    assert moved("agenda_http_request_duration_seconds",
                 "agenda_http_request_duration_seconds_count", route=route) == 3
    inf = sample(after, "agenda_http_request_duration_seconds",
                 "agenda_http_request_duration_seconds_bucket", route=route, le="+Inf")
    assert inf == sample(after, "agenda_http_request_duration_seconds",
                         "agenda_http_request_duration_seconds_count", route=route)
    assert moved("agenda_auth_failures", "agenda_auth_failures_total") >= 1
    assert sample(after, "agenda_http_connections") >= 1
    assert sample(after, "agenda_http_connections_opened", "agenda_http_connections_opened_total") >= 1
    assert sample(after, "agenda_store_up") == 1
    for gauge in ("agenda_messages_due", "agenda_messages_pending", "agenda_messages_failed",
                  "agenda_caldav_links_due", "agenda_caldav_links_failing",
                  "agenda_caldav_links_paused", "agenda_imports_due", "agenda_imports_failing"):
        assert after[gauge].type == "gauge" and sample(after, gauge) >= 0
    assert after["agenda_store_errors"].type == "counter"
    assert after["agenda_store_retries"].type == "counter"


def test_the_message_backlog_shows_in_the_metrics(agenda_bin, tmp_path, start_server):
    """A server of its own (the gauges are the whole database's), a center
    with a reminder rule: the reminders of its appointments a month ahead
    are pending, and counted, none of them due or failed."""
    db = tmp_path / "backlog.db"
    srv = start_server(db)
    cli = Cli(agenda_bin, db)
    acct = make_account(cli, srv.base)
    assert sample(scrape(srv.base), "agenda_messages_pending") == 0
    cli.ok("reminders", "set", "--center", str(acct.center_id), "--rule", "email 48h")
    patient = acct.create_patient(email="someone@example.com")
    start = int(time.time()) + 30 * 86400
    for i in range(2):
        acct.create_appointment(start=start + i * 3600, stop=start + i * 3600 + 900,
                                patient_remote_id=patient["remote_id"])
    after = scrape(srv.base)
    assert sample(after, "agenda_messages_pending") == 2
    assert sample(after, "agenda_messages_due") == 0
    assert sample(after, "agenda_messages_failed") == 0


def non_loopback_address():
    """An address of this machine other than loopback, or None."""
    out = subprocess.run(["hostname", "-I"], capture_output=True, text=True).stdout.split()
    for a in out:
        if ":" not in a and not a.startswith("127."):
            return a
    return None


def test_metrics_off_loopback_need_the_token(agenda_bin, tmp_path):
    address = non_loopback_address()
    assert address, "this test needs an IPv4 address other than loopback (hostname -I)"
    token = "metrics-" + unique("t") + "-0123456789"
    config = tmp_path / "agenda.conf"
    config.write_text(f"[server]\nmetrics_token = {token}\n")
    port = free_port()
    log = open(tmp_path / "wide.log", "wb")
    proc = subprocess.Popen([agenda_bin, "serve", "--db", str(tmp_path / "wide.db"), "--listen",
                             f"0.0.0.0:{port}", "--config", str(config)],
                            stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_listening(proc, port, address)
        base = f"http://{address}:{port}"
        expect_error(requests.get(f"{base}/metrics", timeout=30), 403)
        expect_error(requests.get(f"{base}/metrics", timeout=30,
                                  headers={"Authorization": "Bearer wrong-token-of-some-length"}),
                     403)
        families = scrape(base, headers={"Authorization": f"Bearer {token}"})
        assert "agenda_http_requests" in families
        # the probes stay open to anyone: a load balancer has no token
        assert expect(requests.get(f"{base}/healthz", timeout=30), 200) == {"status": "ok"}
        # and loopback needs no token
        scrape(f"http://127.0.0.1:{port}")
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()


def test_a_short_metrics_token_is_refused_at_start(agenda_bin, tmp_path):
    config = tmp_path / "agenda.conf"
    config.write_text("[server]\nmetrics_token = short\n")
    done = subprocess.run([agenda_bin, "serve", "--db", str(tmp_path / "s.db"), "--listen",
                           f"127.0.0.1:{free_port()}", "--config", str(config)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1 and "metrics_token" in done.stderr

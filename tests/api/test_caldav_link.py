"""Linking a calendar to a CalDAV collection (issue 13), end to end with
the real binary and a real Radicale (Debian package) on loopback, with
htpasswd authentication (tests/sync_peers/servers.py starts it).

- `agenda keygen PATH`: a 0600 key, never over an existing file;
- `agenda caldav link` reads the password from standard input and checks
  it against the server before storing anything: a wrong password, a URL
  that is no calendar, an unreachable server, a missing key all leave
  nothing stored, with one line on stderr;
- `agenda caldav status` prints `key value` lines, `unlink` removes;
- GET/PUT/DELETE /calendars/{id}/caldav do the same through the API, with
  the calendar's grants;
- the password never appears in any output, error, log, nor in clear in
  the database."""

import os
import pathlib
import stat
import subprocess
import sys

import pytest

from helpers import (Server, database_contents, expect, expect_error, make_account, unique,
                     sync_section, unwrap_one, Cli)

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "sync_peers"))
import servers  # noqa: E402

PASSWORD = servers.PASSWORD


@pytest.fixture(scope="module")
def radicale(tmp_path_factory):
    s = servers.start_radicale(tmp_path_factory.mktemp("radicale"))
    yield s
    s.stop()


@pytest.fixture(scope="module")
def world(agenda_bin, tmp_path_factory, radicale):
    """A database, a key, a configuration naming it, and a server using it."""
    d = tmp_path_factory.mktemp("caldav")
    key = d / "sync.key"
    subprocess.run([agenda_bin, "keygen", str(key)], check=True, timeout=30)
    config = d / "agenda.ini"
    config.write_text("[server]\ndispatch = off\n" + sync_section(key))
    cli = Cli(agenda_bin, d / "caldav.db")
    # no sync worker: a link's status here is what linking left (the sync
    # itself is test_caldav_sync.py's)
    srv = Server(agenda_bin, cli.db, d / "server.log", "--config", config, "--sync", "off",
                 "--auth-failures", "0", "--access-log", d / "access.log").start()
    w = type("World", (), {})()
    w.dir, w.key, w.config, w.cli, w.server = d, key, config, cli, srv
    yield w
    srv.stop()


def caldav(agenda_bin, db, *args, password=PASSWORD, config=None, env=None):
    """Runs `agenda caldav ARGS --db DB [--config C]` with the password on stdin."""
    argv = [agenda_bin, "caldav", *args, "--db", str(db)]
    if config:
        argv += ["--config", str(config)]
    e = {k: v for k, v in os.environ.items() if k != "AGENDA_CONFIG"}
    e.update(env or {})
    return subprocess.run(argv, input=None if password is None else password + "\n",
                          capture_output=True, text=True, timeout=60, env=e)


def status_lines(proc):
    assert proc.returncode == 0, proc.stderr
    out = {}
    for line in proc.stdout.splitlines():
        key, _, value = line.partition(" ")
        out[key] = value
    return out


def one_line_failure(proc):
    assert proc.returncode != 0, proc.stdout
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert PASSWORD not in proc.stderr and PASSWORD not in proc.stdout
    return lines[0]


def link_args(calendar_id, url, username=servers.USER):
    return ["link", "--calendar", str(calendar_id), "--url", url, "--username", username]


# ---- the key ----------------------------------------------------------------

def test_keygen_writes_a_private_key_and_never_overwrites(agenda_bin, tmp_path):
    key = tmp_path / "k"
    p = subprocess.run([agenda_bin, "keygen", str(key)], capture_output=True, text=True)
    assert p.returncode == 0 and p.stdout == "" and p.stderr == "", p
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    text = key.read_text()
    assert len(text) == 65 and text.endswith("\n") and int(text, 16) >= 0
    p = subprocess.run([agenda_bin, "keygen", str(key)], capture_output=True, text=True)
    assert p.returncode == 1 and "never overwritten" in p.stderr
    assert key.read_text() == text
    p = subprocess.run([agenda_bin, "keygen"], capture_output=True, text=True)
    assert p.returncode == 2


def test_a_server_whose_key_cannot_be_read_does_not_start(agenda_bin, tmp_path):
    config = tmp_path / "agenda.ini"
    config.write_text(sync_section(tmp_path / "missing.key"))
    p = subprocess.run([agenda_bin, "serve", "--db", str(tmp_path / "x.db"), "--listen",
                        f"127.0.0.1:{servers.free_port()}", "--config", str(config)],
                       capture_output=True, text=True, timeout=30)
    assert p.returncode != 0 and "missing.key" in p.stderr and "cannot open" in p.stderr


# ---- the command line ---------------------------------------------------------

def test_link_status_and_unlink(agenda_bin, world, radicale):
    acct = make_account(world.cli, world.server.base)
    db = world.cli.db
    p = caldav(agenda_bin, db, *link_args(acct.calendar_id, radicale.calendar),
               config=world.config)
    assert p.returncode == 0 and p.stderr == "", p.stderr
    status = status_lines(caldav(agenda_bin, db, "status", "--calendar", str(acct.calendar_id),
                                 password=None))
    for key in ("last_success", "last_error", "pushed", "pulled", "conflicts", "url",
                "username", "state"):
        assert key in status, status
    assert status["url"] == radicale.calendar
    assert status["username"] == servers.USER
    assert status["state"] == "active"
    assert status["last_success"] == "-" and status["last_error"] == "-"
    assert status["pushed"] == status["pulled"] == status["conflicts"] == "0"
    assert PASSWORD not in p.stdout
    assert PASSWORD.encode() not in database_contents(db)

    # linking again (same collection, the password again) is fine
    p = caldav(agenda_bin, db, *link_args(acct.calendar_id, radicale.calendar),
               config=world.config)
    assert p.returncode == 0, p.stderr

    p = caldav(agenda_bin, db, "unlink", "--calendar", str(acct.calendar_id), password=None)
    assert p.returncode == 0 and p.stdout == "", p.stderr
    one_line_failure(caldav(agenda_bin, db, "status", "--calendar", str(acct.calendar_id),
                            password=None))
    one_line_failure(caldav(agenda_bin, db, "unlink", "--calendar", str(acct.calendar_id),
                            password=None))


@pytest.mark.parametrize("case", ["wrong password", "not a calendar", "nothing there",
                                  "unreachable", "no key", "no key in config", "no password",
                                  "no such calendar"])
def test_a_refused_link_stores_nothing(agenda_bin, world, radicale, tmp_path, case):
    acct = make_account(world.cli, world.server.base)
    calendar_id, url, password, config = (acct.calendar_id, radicale.calendar, PASSWORD,
                                          world.config)
    expect_text = {"wrong password": "refuses the user name or password",
                   "not a calendar": "is not a calendar collection",
                   "nothing there": "nothing at",
                   "unreachable": "cannot check",
                   "no key": "no key",
                   "no key in config": "no key",
                   "no password": "no password",
                   "no such calendar": "calendar not found"}[case]
    if case == "wrong password":
        password = "not the password"
    elif case == "not a calendar":
        url = radicale.not_calendar
    elif case == "nothing there":
        url = radicale.base + "/alice/nothing/"
    elif case == "unreachable":
        url = f"http://127.0.0.1:{servers.free_port()}/alice/work/"
    elif case == "no key":
        config = None
    elif case == "no key in config":
        config = tmp_path / "plain.ini"
        config.write_text("[server]\ndispatch = off\n" + sync_section())
    elif case == "no password":
        password = ""
    elif case == "no such calendar":
        calendar_id = 999999
    p = caldav(agenda_bin, world.cli.db, *link_args(calendar_id, url), password=password,
               config=config)
    line = one_line_failure(p)
    assert expect_text in line, line
    assert "not the password" not in p.stderr
    status = caldav(agenda_bin, world.cli.db, "status", "--calendar", str(calendar_id),
                    password=None)
    assert status.returncode == 1 and "not found" in status.stderr
    assert PASSWORD.encode() not in database_contents(world.cli.db)
    assert b"not the password" not in database_contents(world.cli.db)


def test_usage_errors(agenda_bin, world):
    p = caldav(agenda_bin, world.cli.db, "link", "--calendar", "1", "--url", "http://x/",
               password=None)
    assert p.returncode == 2 and "--username" in p.stderr
    p = caldav(agenda_bin, world.cli.db, "status", "--calendar", "1", "--url", "http://x/",
               password=None)
    assert p.returncode == 2
    p = caldav(agenda_bin, world.cli.db, "sideways", password=None)
    assert p.returncode == 2


# ---- the API ------------------------------------------------------------------

def link_body(url, password=PASSWORD, username=servers.USER):
    return {"caldav": {"url": url, "username": username, "password": password}}


def test_the_api_links_shows_and_unlinks(world, radicale):
    acct = make_account(world.cli, world.server.base)
    path = f"/calendars/{acct.calendar_id}/caldav"
    expect_error(acct.api.get(path), 404)
    body = unwrap_one(expect(acct.api.put(path, link_body(radicale.calendar)), 200), "caldav")
    assert body["url"] == radicale.calendar and body["username"] == servers.USER
    assert body["state"] == "active" and body["last_success"] is None
    assert body["last_error"] is None
    assert body["pushed"] == body["pulled"] == body["conflicts"] == body["items"] == 0
    assert "password" not in body and "password_sealed" not in body
    got = unwrap_one(expect(acct.api.get(path), 200), "caldav")
    assert got == body
    # the command line sees the same link
    status = world.cli.run("caldav", "status", "--calendar", str(acct.calendar_id))
    assert status_lines(status)["url"] == radicale.calendar
    expect(acct.api.delete(path), 204)
    expect_error(acct.api.get(path), 404)
    expect_error(acct.api.delete(path), 404)


def test_the_api_refuses_a_bad_link_and_stores_nothing(world, radicale):
    acct = make_account(world.cli, world.server.base)
    path = f"/calendars/{acct.calendar_id}/caldav"
    err = expect_error(acct.api.put(path, link_body(radicale.calendar, "wrong-pass")), 422,
                       "password")
    assert "wrong-pass" not in str(err)
    expect_error(acct.api.put(path, link_body(radicale.not_calendar)), 422, "url")
    expect_error(acct.api.put(path, link_body(f"http://127.0.0.1:{servers.free_port()}/c/")),
                 422, "url")
    expect_error(acct.api.put(path, link_body("ftp://example.org/")), 422, "url")
    expect_error(acct.api.put(path, {"caldav": {"url": radicale.calendar}}), 422, "username",
                 "password")
    expect_error(acct.api.put(path, link_body(radicale.calendar, "two\nlines")), 422,
                 "password")
    expect_error(acct.api.get(path), 404)


def test_the_api_follows_the_calendars_grants(world, radicale):
    acct = make_account(world.cli, world.server.base)
    other = make_account(world.cli, world.server.base)
    path = f"/calendars/{acct.calendar_id}/caldav"
    expect(acct.api.put(path, link_body(radicale.calendar)), 200)
    expect_error(other.api.get(path), 404)
    expect_error(other.api.put(path, link_body(radicale.calendar)), 404)
    expect_error(other.api.delete(path), 404)
    expect(acct.api.get(path), 200)


def test_a_server_without_a_key_refuses_links(agenda_bin, tmp_path, radicale):
    cli = Cli(agenda_bin, tmp_path / "nokey.db")
    srv = Server(agenda_bin, cli.db, tmp_path / "server.log", "--dispatch", "off").start()
    try:
        acct = make_account(cli, srv.base)
        path = f"/calendars/{acct.calendar_id}/caldav"
        err = expect_error(acct.api.put(path, link_body(radicale.calendar)), 422)
        assert "key" in err["error"]
        expect_error(acct.api.get(path), 404)
    finally:
        srv.stop()


def test_the_password_is_never_logged(world, radicale):
    acct = make_account(world.cli, world.server.base)
    path = f"/calendars/{acct.calendar_id}/caldav"
    expect(acct.api.put(path, link_body(radicale.calendar)), 200)
    expect_error(acct.api.put(path, link_body(radicale.calendar, "wrong-pass")), 422)
    expect(acct.basic.put(path, link_body(radicale.calendar)), 200)
    logs = (world.dir / "server.log").read_bytes() + (world.dir / "access.log").read_bytes()
    assert logs, "the logs are empty"
    assert PASSWORD.encode() not in logs and b"wrong-pass" not in logs
    assert PASSWORD.encode() not in database_contents(world.cli.db)
    assert PASSWORD.encode() not in world.key.read_bytes()


# ---- internal addresses ----------------------------------------------------------

def test_internal_addresses_are_refused_unless_the_configuration_allows_them(agenda_bin,
                                                                              world, radicale,
                                                                              tmp_path):
    """A server (and the command line) whose [sync] allows no networks
    refuses Radicale on 127.0.0.1, by address and as "localhost": a 422 on
    `url` naming the address, one line from `caldav link`, nothing stored;
    with loopback allowed (the world's configuration) the same link works."""
    config = tmp_path / "closed.ini"
    config.write_text("[server]\ndispatch = off\n" + sync_section(world.key, allow=None))
    srv = Server(agenda_bin, world.cli.db, tmp_path / "closed.log", "--config", config,
                 "--sync", "off", "--auth-failures", "0").start()
    try:
        acct = make_account(world.cli, srv.base)
        path = f"/calendars/{acct.calendar_id}/caldav"
        port = radicale.base.rsplit(":", 1)[1]
        by_name = f"http://localhost:{port}/alice/work/"
        before = database_contents(world.cli.db)
        err = expect_error(acct.api.put(path, link_body(radicale.calendar)), 422, "url")
        assert "address not allowed: 127.0.0.1; see [sync] allow_networks" in \
            err["errors"]["url"], err
        err = expect_error(acct.api.put(path, link_body(by_name)), 422, "url")
        assert "address not allowed: " in err["errors"]["url"], err
        expect_error(acct.api.get(path), 404)
        for url in (radicale.calendar, by_name):
            line = one_line_failure(caldav(agenda_bin, world.cli.db,
                                           *link_args(acct.calendar_id, url), config=config))
            assert "address not allowed: " in line and "[sync] allow_networks" in line, line
        assert "address not allowed: 127.0.0.1;" in line or "address not allowed: ::1;" in line
        assert database_contents(world.cli.db) == before
        status = caldav(agenda_bin, world.cli.db, "status", "--calendar", str(acct.calendar_id),
                        password=None)
        assert status.returncode == 1 and "not found" in status.stderr
        # allowed: the world's server and configuration link it
        allowed = acct.api.__class__(world.server.base, acct.email, acct.token)
        expect(allowed.put(path, link_body(radicale.calendar)), 200)
        p = caldav(agenda_bin, world.cli.db, *link_args(acct.calendar_id, by_name),
                   config=world.config)
        assert p.returncode == 0, p.stderr
    finally:
        srv.stop()

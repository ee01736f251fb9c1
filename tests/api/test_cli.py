"""The command line: accounts (centers, calendars, users, grants) and demo data.

These tests use a database and server of their own, so that "nothing was
written" can be checked by looking at every center and calendar."""

import os
import pathlib
import re
import socket
import sqlite3
import subprocess
import time
from urllib.parse import parse_qs, urlsplit

import pytest

from helpers import (AUTH_CACHE_SECONDS, PG_URL, database_contents, database_for, Api, Cli,
                     Server, assert_cli_failed, expect, unique, unwrap_list)


class Env:
    def __init__(self, cli, server):
        self.cli = cli
        self.server = server
        self.admin_email = "admin@example.com"
        self.admin_token = cli.user_add(self.admin_email)
        self.admin = Api(server.base, self.admin_email, self.admin_token)
        self.known_centers = set()
        self.granted = set()

    def center_add(self, **kw):
        cid = self.cli.center_add(**kw)
        self.known_centers.add(cid)
        return cid

    def all_centers(self):
        """Grants the admin every center id up to past the known ones, then lists:
        the result is every center in the database (once the server's memory
        of the admin's grants has expired, if a grant was added)."""
        granted = False
        for cid in range(1, max(self.known_centers, default=0) + 6):
            if cid not in self.granted:
                p = self.cli.run("user", "grant", "--email", self.admin_email,
                                 "--center", str(cid))
                if p.returncode == 0:
                    self.granted.add(cid)
                    granted = True
        if granted:
            time.sleep(AUTH_CACHE_SECONDS)
        centers = unwrap_list(expect(self.admin.get("/centers"), 200), "centers", "center")
        return {c["id"]: c for c in centers}

    def all_calendars(self):
        self.all_centers()
        calendars = unwrap_list(expect(self.admin.get("/calendars"), 200), "calendars",
                                "calendar")
        return {k["id"]: k for k in calendars}


@pytest.fixture(scope="module")
def env(agenda_bin, tmp_path_factory):
    d = tmp_path_factory.mktemp("cli")
    cli = Cli(agenda_bin, d / "cli.db")
    first = cli.center_add(name="Before start", slug="before-start")  # before serve opens it
    srv = Server(agenda_bin, cli.db, d / "server.log").start()
    e = Env(cli, srv)
    e.known_centers.add(first)
    e.first_center = first
    yield e
    srv.stop()


# ---- centers --------------------------------------------------------------


def test_center_add_prints_id(env):
    slug = unique("c")
    p = env.cli.run("center", "add", "--name", "Centre de Joris", "--slug", slug)
    assert p.returncode == 0, p.stderr
    assert re.fullmatch(r"\d+\n?", p.stdout), p.stdout
    cid = int(p.stdout)
    env.known_centers.add(cid)
    centers = env.all_centers()
    assert centers[cid]["slug"] == slug and centers[cid]["name"] == "Centre de Joris"


def test_center_created_before_server_start_is_there(env):
    assert env.all_centers()[env.first_center]["slug"] == "before-start"


@pytest.mark.parametrize("zone", ["Europe/Brussels", "America/New_York", "UTC", "Asia/Tokyo",
                                  "Etc/UTC", "Etc/GMT+5", "US/Eastern"])
def test_center_add_with_timezone(env, zone):
    cid = env.center_add(slug=unique("tz"), timezone=zone)
    assert cid in env.all_centers()


@pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", "Europe/Bruxelles", "", "../../etc/passwd",
                                  "localtime", "posixrules", "posix/Europe/Brussels",
                                  "right/UTC", "Factory", "zone.tab", "leapseconds",
                                  "tzdata.zi"])
def test_center_add_bad_timezone(env, zone):
    slug = unique("badtz")
    assert_cli_failed(env.cli.run("center", "add", "--name", "N", "--slug", slug,
                                  "--timezone", zone))
    assert slug not in {c["slug"] for c in env.all_centers().values()}
    env.center_add(slug=slug)  # the slug is still free


@pytest.mark.parametrize("args", [
    ["--name", "No slug"],
    ["--slug", "no-name"],
    [],
    ["--name"],
    ["--name", "N", "--slug"],
])
def test_center_add_missing_option(env, args):
    before = env.all_centers()
    assert_cli_failed(env.cli.run("center", "add", *args))
    assert env.all_centers() == before


def test_center_add_unknown_option(env):
    slug = unique("unk")
    assert_cli_failed(env.cli.run("center", "add", "--name", "N", "--slug", slug,
                                  "--colour", "blue"))
    env.center_add(slug=slug)


@pytest.mark.parametrize("slug", ["Upper", "with space", "dots.dots", "slash/slug", ""])
def test_center_add_invalid_slug(env, slug):
    before = env.all_centers()
    assert_cli_failed(env.cli.run("center", "add", "--name", "N", "--slug", slug))
    assert env.all_centers() == before


def test_center_add_duplicate_slug(env):
    slug = unique("dup")
    cid = env.center_add(name="Original", slug=slug)
    before = env.all_centers()
    assert_cli_failed(env.cli.run("center", "add", "--name", "Copy", "--slug", slug))
    after = env.all_centers()
    assert after == before
    assert after[cid]["name"] == "Original"


# ---- calendars ------------------------------------------------------------


def test_calendar_add_prints_id(env):
    cid = env.center_add(slug=unique("c"))
    slug = unique("k")
    p = env.cli.run("calendar", "add", "--center", str(cid), "--first-name", "Joris",
                    "--last-name", "Van Hecke", "--slug", slug, "--speciality",
                    "surgeon_abdominal", "--speciality", "dentist")
    assert p.returncode == 0, p.stderr
    assert re.fullmatch(r"\d+\n?", p.stdout), p.stdout
    k = env.all_calendars()[int(p.stdout)]
    assert k["center_id"] == cid and k["slug"] == slug and k["full_name"] == "Joris Van Hecke"
    assert sorted(s["speciality"]["name"] for s in k["specialities"]) == [
        "dentist", "surgeon_abdominal"]


@pytest.mark.parametrize("drop", ["--center", "--first-name", "--last-name", "--slug"])
def test_calendar_add_missing_option(env, drop):
    cid = env.center_add(slug=unique("c"))
    opts = {"--center": str(cid), "--first-name": "A", "--last-name": "B",
            "--slug": unique("k")}
    del opts[drop]
    before = env.all_calendars()
    assert_cli_failed(env.cli.run("calendar", "add", *[x for kv in opts.items() for x in kv]))
    assert env.all_calendars() == before


@pytest.mark.parametrize("center", ["abc", "1x", "", "-"])
def test_calendar_add_non_numeric_center(env, center):
    slug = unique("k")
    assert_cli_failed(env.cli.run("calendar", "add", "--center", center, "--first-name", "A",
                                  "--last-name", "B", "--slug", slug))
    assert slug not in {k["slug"] for k in env.all_calendars().values()}


def test_calendar_add_unknown_center(env):
    slug = unique("k")
    before = env.all_calendars()
    assert_cli_failed(env.cli.run("calendar", "add", "--center", "999999", "--first-name", "A",
                                  "--last-name", "B", "--slug", slug))
    assert env.all_calendars() == before


def test_calendar_add_duplicate_slug(env):
    cid = env.center_add(slug=unique("c"))
    slug = unique("k")
    kid = env.cli.calendar_add(cid, first="First", last="One", slug=slug)
    before = env.all_calendars()
    assert_cli_failed(env.cli.run("calendar", "add", "--center", str(cid), "--first-name", "X",
                                  "--last-name", "Y", "--slug", slug))
    after = env.all_calendars()
    assert after == before and after[kid]["first_name"] == "First"


def test_calendar_add_unknown_option(env):
    cid = env.center_add(slug=unique("c"))
    slug = unique("k")
    assert_cli_failed(env.cli.run("calendar", "add", "--center", str(cid), "--first-name", "A",
                                  "--last-name", "B", "--slug", slug, "--room", "3"))
    env.cli.calendar_add(cid, slug=slug)  # the slug is still free


# ---- users and grants -----------------------------------------------------


def test_user_add_prints_a_working_token(env):
    cid = env.center_add(slug=unique("c"))
    email = unique("u") + "@example.com"
    p = env.cli.run("user", "add", "--email", email)
    assert p.returncode == 0, p.stderr
    token = p.stdout.strip()
    assert token and "\n" not in token and " " not in token
    api = Api(env.server.base, email, token)
    assert expect(api.get("/centers"), 200) == {"centers": []}
    env.cli.grant(email, cid)
    # the center's own routes accept the new grant at once ...
    expect(api.get(f"/centers/{cid}/patients"), 200)
    # ... and the list of centers shows it once the remembered one expires
    time.sleep(AUTH_CACHE_SECONDS)
    centers = unwrap_list(expect(api.get("/centers"), 200), "centers", "center")
    assert [c["id"] for c in centers] == [cid]


def test_tokens_differ_between_users(env):
    a = env.cli.user_add(unique("u") + "@example.com")
    b = env.cli.user_add(unique("u") + "@example.com")
    assert a != b


def test_token_is_not_stored_in_clear(env):
    email = unique("u") + "@example.com"
    token = env.cli.user_add(email)
    data = database_contents(env.cli.db)
    assert email.encode() in data  # the user is there...
    assert token.encode() not in data  # ...but not the token


def test_user_add_duplicate_email(env):
    email = unique("u") + "@example.com"
    token = env.cli.user_add(email)
    assert_cli_failed(env.cli.run("user", "add", "--email", email))
    # the first token still works (the user was not replaced)
    assert expect(Api(env.server.base, email, token).get("/centers"), 200) == {"centers": []}


def test_user_add_missing_email(env):
    assert_cli_failed(env.cli.run("user", "add"))
    assert_cli_failed(env.cli.run("user", "add", "--email"))


def test_user_add_unknown_option(env):
    email = unique("u") + "@example.com"
    assert_cli_failed(env.cli.run("user", "add", "--email", email, "--admin"))
    env.cli.user_add(email)  # the email is still free


def test_grant_unknown_center(env):
    email = unique("u") + "@example.com"
    token = env.cli.user_add(email)
    assert_cli_failed(env.cli.run("user", "grant", "--email", email, "--center", "999999"))
    assert_cli_failed(env.cli.run("user", "grant", "--email", email, "--center", "abc"))
    assert_cli_failed(env.cli.run("user", "grant", "--email", email))
    assert expect(Api(env.server.base, email, token).get("/centers"), 200) == {"centers": []}


def test_grant_unknown_user(env):
    cid = env.center_add(slug=unique("c"))
    assert_cli_failed(env.cli.run("user", "grant", "--email", "ghost@example.com",
                                  "--center", str(cid)))


def test_revoke_non_numeric_center(env):
    cid = env.center_add(slug=unique("c"))
    email = unique("u") + "@example.com"
    token = env.cli.user_add(email)
    env.cli.grant(email, cid)
    assert_cli_failed(env.cli.run("user", "revoke", "--email", email, "--center", "x"))
    centers = unwrap_list(expect(Api(env.server.base, email, token).get("/centers"), 200),
                          "centers", "center")
    assert [c["id"] for c in centers] == [cid]


def test_reset_token_of_unknown_user(env):
    assert_cli_failed(env.cli.run("user", "reset-token", "--email", "ghost@example.com"))


def test_grant_is_idempotent(env):
    cid = env.center_add(slug=unique("c"))
    email = unique("u") + "@example.com"
    token = env.cli.user_add(email)
    env.cli.grant(email, cid)
    p = env.cli.run("user", "grant", "--email", email, "--center", str(cid))
    # granting twice either succeeds or is refused, but never duplicates the center
    assert p.returncode == 0 or len(p.stderr.strip().splitlines()) == 1
    centers = unwrap_list(expect(Api(env.server.base, email, token).get("/centers"), 200),
                          "centers", "center")
    assert [c["id"] for c in centers] == [cid]


def test_revoke_is_idempotent(env):
    cid = env.center_add(slug=unique("c"))
    email = unique("u") + "@example.com"
    token = env.cli.user_add(email)
    env.cli.grant(email, cid)
    for _ in range(2):
        p = env.cli.run("user", "revoke", "--email", email, "--center", str(cid))
        assert p.returncode == 0 and p.stderr == "", p.stderr
    # a grant never given: nothing to remove, done too
    other = env.center_add(slug=unique("c"))
    assert env.cli.run("user", "revoke", "--email", email, "--center", str(other)).returncode == 0
    # but a center that does not exist is an error
    assert_cli_failed(env.cli.run("user", "revoke", "--email", email, "--center", "999999"))
    time.sleep(AUTH_CACHE_SECONDS)
    assert expect(Api(env.server.base, email, token).get("/centers"), 200) == {"centers": []}
    for _ in range(2):
        p = env.cli.run("user", "revoke", "--email", email)
        assert p.returncode == 0 and p.stderr == "", p.stderr
    time.sleep(AUTH_CACHE_SECONDS)
    assert Api(env.server.base, email, token).get("/centers").status_code == 401


def test_emails_are_case_insensitive(env):
    cid = env.center_add(slug=unique("c"))
    local = unique("Case")
    email = f"{local}@Example.com"
    token = env.cli.user_add(email)
    # the same address in another case is the same user
    assert_cli_failed(env.cli.run("user", "add", "--email", email.upper()))
    assert_cli_failed(env.cli.run("user", "add", "--email", email.lower()))
    env.cli.grant(email.upper(), cid)
    for variant in (email, email.lower(), email.upper()):
        for auth in ("query", "basic"):
            api = Api(env.server.base, variant, token, auth)
            centers = unwrap_list(expect(api.get("/centers"), 200), "centers", "center")
            assert [c["id"] for c in centers] == [cid], (variant, auth)
    # the other commands find it in any case too
    token2 = env.cli.reset_token(email.lower())
    time.sleep(AUTH_CACHE_SECONDS)
    assert Api(env.server.base, email.upper(), token).get("/centers").status_code == 401
    expect(Api(env.server.base, email.upper(), token2).get("/centers"), 200)
    env.cli.revoke(email.lower(), cid)
    assert expect(Api(env.server.base, email, token2).get("/centers"), 200) == {"centers": []}


def run_sql(db, sql):
    """Runs `sql` on the test database `db` (SQLite file or PostgreSQL URL)."""
    if PG_URL:
        subprocess.run(["psql", db, "-v", "ON_ERROR_STOP=1", "-qAtc", sql], check=True,
                       capture_output=True, timeout=60)
    else:
        with sqlite3.connect(db) as conn:
            conn.executescript(sql)
        conn.close()


def test_migration_folds_existing_emails(agenda_bin, tmp_path):
    cli = Cli(agenda_bin, tmp_path / "fold.db")
    token = cli.user_add("keep@example.com")
    cid = cli.center_add(slug="fold")
    cli.grant("keep@example.com", cid)
    # a database of before the migration: emails as they were given
    run_sql(cli.db, "UPDATE users SET email = 'Keep@Example.COM';"
                    "DELETE FROM schema_migrations WHERE version >= 5;")
    assert cli.run("migrate").returncode == 0
    assert b"keep@example.com" in database_contents(cli.db)
    srv = Server(agenda_bin, cli.db, tmp_path / "fold.log").start()
    try:
        for variant in ("keep@example.com", "KEEP@example.com"):
            centers = unwrap_list(expect(Api(srv.base, variant, token).get("/centers"), 200),
                                  "centers", "center")
            assert [c["id"] for c in centers] == [cid]
    finally:
        srv.stop()


def test_migration_refuses_emails_that_differ_only_by_case(agenda_bin, tmp_path):
    cli = Cli(agenda_bin, tmp_path / "clash.db")
    cli.user_add("a@example.com")
    cli.user_add("b@example.com")
    run_sql(cli.db, "UPDATE users SET email = 'A@Example.com' WHERE email = 'b@example.com';"
                    "DELETE FROM schema_migrations WHERE version >= 5;")
    p = cli.run("migrate")
    assert p.returncode != 0
    assert "differ only by case" in p.stderr and "A@Example.com" in p.stderr, p.stderr
    assert "a@example.com" in p.stderr, p.stderr
    # nothing changed: both rows as they were, the migration still to do
    data = database_contents(cli.db)
    assert b"A@Example.com" in data and b"a@example.com" in data


# ---- demo -----------------------------------------------------------------


def test_demo_seeds_a_usable_account(agenda_bin, tmp_path, start_server):
    db = tmp_path / "demo.db"
    p = Cli(agenda_bin, db).run("demo")
    assert p.returncode == 0, p.stderr
    curl = [line for line in p.stdout.splitlines() if "curl" in line]
    assert curl, p.stdout
    line = curl[0]
    url = re.search(r"https?://[^\s'\"]+", line)
    assert url, line
    parts = urlsplit(url.group(0))
    query = parse_qs(parts.query)
    basic = re.search(r"(?:-u|--user)\s+['\"]?([^:\s'\"]+):([^\s'\"]+)", line)
    if basic:
        email, token = basic.group(1), basic.group(2)
    else:
        email, token = query["user_email"][0], query["user_token"][0]
    assert token in line

    srv = start_server(db)
    api = Api(srv.base, email, token)
    # the demo command itself works against this server
    r = api.session.get(srv.base + parts.path, params=parts.query or None,
                        auth=(email, token) if basic else None, timeout=30)
    assert r.status_code == 200, r.text

    centers = unwrap_list(expect(api.get("/centers"), 200), "centers", "center")
    calendars = unwrap_list(expect(api.get("/calendars"), 200), "calendars", "calendar")
    assert centers and calendars
    assert {k["center_id"] for k in calendars} <= {c["id"] for c in centers}
    services = [s for k in calendars
                for s in unwrap_list(expect(api.get(f"/calendars/{k['id']}/services"), 200),
                                     "services", "service")]
    assert services


# ---- serve's listen address -------------------------------------------------


@pytest.mark.parametrize("listen", ["127.0.0.1:99999", "127.0.0.1:65536", "127.0.0.1:0",
                                    "127.0.0.1:-1", "127.0.0.1:80x", "127.0.0.1:+80"])
def test_serve_refuses_a_port_out_of_range(agenda_bin, tmp_path, listen):
    p = subprocess.run([agenda_bin, "serve", "--db", database_for(tmp_path / "l.db"),
                        "--listen", listen], capture_output=True, text=True, timeout=30)
    assert p.returncode == 2, (p.returncode, p.stderr)
    assert_cli_failed(p)
    assert listen in p.stderr


def test_serve_refuses_a_port_in_use(agenda_bin, tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        p = subprocess.run([agenda_bin, "serve", "--db", database_for(tmp_path / "u.db"),
                            "--listen", f"127.0.0.1:{port}"],
                           capture_output=True, text=True, timeout=30)
    assert p.returncode == 1, (p.returncode, p.stderr)
    assert_cli_failed(p)
    assert f"127.0.0.1:{port}" in p.stderr and "in use" in p.stderr, p.stderr
    assert "port 0" not in p.stderr


def test_help_names_postgresql_urls(agenda_bin):
    p = subprocess.run([agenda_bin, "--help"], capture_output=True, text=True, timeout=30)
    assert p.returncode == 0
    assert "postgres://" in p.stdout and "postgresql://" in p.stdout, p.stdout


def test_make_run_honours_agenda_listen_and_agenda_db(tmp_path):
    """`make run` uses $AGENDA_LISTEN and $AGENDA_DB when set (the README's
    defaults), and `make run LISTEN=... DB=...` still wins over them."""
    repo = pathlib.Path(__file__).resolve().parents[2]
    env = {**os.environ, "AGENDA_LISTEN": "127.0.0.1:18999", "AGENDA_DB": str(tmp_path / "e.db")}
    env.pop("MAKEFLAGS", None)
    p = subprocess.run(["make", "-n", "-C", str(repo), "run"], env=env, capture_output=True,
                       text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    assert f"serve --db {tmp_path / 'e.db'} --listen 127.0.0.1:18999" in p.stdout, p.stdout
    assert f"demo --db {tmp_path / 'e.db'} --listen 127.0.0.1:18999" in p.stdout, p.stdout
    p = subprocess.run(["make", "-n", "-C", str(repo), "run", "LISTEN=127.0.0.1:18998",
                        "DB=other.db"], env=env, capture_output=True, text=True, timeout=60)
    assert "serve --db other.db --listen 127.0.0.1:18998" in p.stdout, p.stdout


# ---- serve's worker threads, start and stop ----------------------------------

# The server keeps one store per worker thread in a table of this size, and
# closes those at shutdown: a worker beyond it would never close its store.
MAX_THREADS = 256


@pytest.mark.parametrize("threads", ["257", "1000", "0"])
def test_serve_refuses_more_threads_than_its_worker_table(agenda_bin, tmp_path, threads):
    p = subprocess.run([agenda_bin, "serve", "--db", database_for(tmp_path / "t.db"),
                        "--listen", "127.0.0.1:1", "--threads", threads],
                       capture_output=True, text=True, timeout=30)
    assert p.returncode == 2, (p.returncode, p.stderr)
    assert_cli_failed(p)
    assert "--threads" in p.stderr and f"to {MAX_THREADS}," in p.stderr, p.stderr


# Makes the server see `cores` online cores: sysconf(_SC_NPROCESSORS_ONLN)
# is the only way it learns the count.
_FAKE_CORES_C = r"""
#define _GNU_SOURCE
#include <dlfcn.h>
#include <unistd.h>
long sysconf(int name)
{
    static long (*real)(int);
    if (name == _SC_NPROCESSORS_ONLN)
        return CORES;
    if (!real)
        real = (long (*)(int))dlsym(RTLD_NEXT, "sysconf");
    return real(name);
}
"""


@pytest.mark.parametrize("cores, want", [(1000, MAX_THREADS), (128, MAX_THREADS), (100, 200),
                                         (1, 4)])
def test_serve_default_threads_are_two_per_core_within_the_worker_table(
        agenda_bin, tmp_path, monkeypatch, cores, want):
    source = tmp_path / "cores.c"
    source.write_text(_FAKE_CORES_C)
    shim = tmp_path / "cores.so"
    subprocess.run(["cc", "-shared", "-fPIC", f"-DCORES={cores}L", "-o", str(shim), str(source),
                    "-ldl"], check=True, timeout=60)
    monkeypatch.setenv("LD_PRELOAD", str(shim))
    # a sanitizer build whose runtime is a shared library must not insist
    # on coming first
    monkeypatch.setenv("ASAN_OPTIONS", ":".join(
        filter(None, [os.environ.get("ASAN_OPTIONS"), "verify_asan_link_order=0"])))
    server = Server(agenda_bin, tmp_path / "d.db", tmp_path / "server.log").start()
    try:
        assert server.terminate() == 0
    finally:
        server.stop()
    listening = [line for line in server.log_tail(100000).splitlines() if "listening on" in line]
    assert listening and listening[0].endswith(f", {want} threads)"), listening


def test_serve_stops_cleanly_when_told_to_while_it_starts(agenda_bin, tmp_path):
    """SIGTERM as soon as the port answers, while the workers are still being
    started: the server must stop as it always does (exit 0, "stopped"), not
    die of the signal in a thread that had not blocked it yet."""
    for attempt in range(3):
        server = Server(agenda_bin, tmp_path / f"s{attempt}.db", tmp_path / f"s{attempt}.log",
                        "--threads", MAX_THREADS).start()
        try:
            status = server.terminate()
        finally:
            server.stop()
        assert status == 0, (status, server.log_tail())
        assert "agenda: stopped" in server.log_tail(), server.log_tail()

"""`agenda backup` and `agenda restore` (README "Backups"): a copy of a live
SQLite database taken while a server keeps writing holds every write
acknowledged before the backup began and passes SQLite's integrity check;
a restore checks the copy and puts it in place; refusals are one line and
change nothing.

Backups are of SQLite files, so these tests always use one, whichever store
the rest of the suite runs on."""

import hashlib
import sqlite3
import subprocess
import threading
import time

from helpers import (T0, Api, Cli, Server, appointment_fields, assert_cli_failed, expect,
                     unique, unwrap_one)


def sqlite_cli(agenda_bin, path):
    cli = Cli(agenda_bin, path)
    cli.db = str(path)  # SQLite whatever the suite's store
    return cli


def sqlite_server(agenda_bin, path, log):
    srv = Server(agenda_bin, path, log, "--auth-failures", "0")
    srv.db = str(path)
    return srv.start()


def run(agenda_bin, *args):
    return subprocess.run([agenda_bin, *map(str, args)], capture_output=True, text=True,
                          timeout=120)


def practice(agenda_bin, db, base):
    cli = sqlite_cli(agenda_bin, db)
    center = cli.center_add(name="Centre " + unique("n"), slug=unique("center"))
    calendar = cli.calendar_add(center, slug=unique("cal"))
    email = unique("user") + "@example.com"
    token = cli.user_add(email)
    cli.grant(email, center)
    return cli, calendar, Api(base, email, token)


def remote_ids_in(path):
    con = sqlite3.connect(str(path))
    try:
        return {r for (r,) in con.execute("SELECT remote_id FROM appointments")}
    finally:
        con.close()


def digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_backup_under_write_load_holds_every_acknowledged_write_and_passes_its_check(
        agenda_bin, tmp_path):
    db, copy = tmp_path / "live.db", tmp_path / "backups" / "copy.db"
    copy.parent.mkdir()
    # the server is started on a file the command line made first
    sqlite_cli(agenda_bin, db).ok("migrate")
    srv = sqlite_server(agenda_bin, db, tmp_path / "server.log")
    try:
        _, calendar, api = practice(agenda_bin, db, srv.base)
        # some bulk first, so the copy takes a while
        for lo in range(0, 6000, 2000):
            expect(api.post(f"/calendars/{calendar}/appointments_collections", {
                "appointments_collection": {"appointments": [
                    {"appointment": appointment_fields(f"bulk{i}", start=T0 + i * 1800)}
                    for i in range(lo, lo + 2000)]}}), 200)
        acked, stop, errors = [], threading.Event(), []

        def writer(prefix):
            wapi = Api(srv.base, api.email, api.token)
            i = 0
            while not stop.is_set():
                rid = f"{prefix}{i}"
                resp = wapi.post(f"/calendars/{calendar}/appointments",
                                 {"appointment": appointment_fields(rid, start=T0 - i * 1800)})
                if resp.status_code == 201:
                    acked.append((time.monotonic(), rid))
                else:
                    errors.append(resp.status_code)
                i += 1

        threads = [threading.Thread(target=writer, args=(p,)) for p in ("w", "v")]
        for t in threads:
            t.start()
        try:
            deadline = time.monotonic() + 30
            while len(acked) < 100 and time.monotonic() < deadline:
                time.sleep(0.01)
            began = time.monotonic()
            before = {rid for at, rid in list(acked) if at < began}
            proc = run(agenda_bin, "backup", "--db", db, "--to", copy)
            ended = time.monotonic()
            time.sleep(0.2)
        finally:
            stop.set()
            for t in threads:
                t.join()
        assert proc.returncode == 0 and proc.stderr == "", proc.stderr
        assert not errors, errors
        assert len(before) >= 100
        # the writers kept being answered while the copy was made
        assert any(began <= at <= ended + 0.2 for at, _ in acked)
        con = sqlite3.connect(str(copy))
        try:
            assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            assert con.execute("PRAGMA journal_mode").fetchone() == ("delete",)
        finally:
            con.close()
        held = remote_ids_in(copy)
        assert before <= held, f"missing from the copy: {sorted(before - held)[:5]}"
        assert {f"bulk{i}" for i in range(6000)} <= held
        assert not list(copy.parent.glob("*agenda-backup*")), "a temporary file was left"
    finally:
        srv.stop()

    # the copy restored into a new file serves the same appointments
    restored = tmp_path / "restored.db"
    proc = run(agenda_bin, "restore", "--from", copy, "--db", restored)
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr
    srv = sqlite_server(agenda_bin, restored, tmp_path / "restored.log")
    try:
        rapi = Api(srv.base, api.email, api.token)
        for rid in sorted(before)[:20] + ["bulk0", "bulk5999"]:
            got = expect(rapi.get(f"/calendars/{calendar}/appointments/remote_id:{rid}"), 200)
            assert unwrap_one(got, "appointment")["remote_id"] == rid
        assert remote_ids_in(restored) == held
    finally:
        srv.stop()


def test_refused_backups_say_why_in_one_line_and_leave_nothing(agenda_bin, tmp_path):
    db = tmp_path / "a.db"
    sqlite_cli(agenda_bin, db).ok("migrate")
    cases = [
        (["backup", "--db", db, "--to", tmp_path / "missing-dir" / "copy.db"], "missing-dir"),
        (["backup", "--db", tmp_path / "nothing.db", "--to", tmp_path / "c1.db"], "nothing.db"),
        (["backup", "--db", "postgres://agenda@localhost/agenda", "--to", tmp_path / "c2.db"],
         "pg_dump"),
    ]
    plain = tmp_path / "plain.db"
    sqlite3.connect(str(plain)).execute("CREATE TABLE t (x)").connection.close()
    cases.append((["backup", "--db", plain, "--to", tmp_path / "c3.db"], "not an Agenda"))
    for argv, words in cases:
        proc = run(agenda_bin, *argv)
        assert_cli_failed(proc)
        assert proc.returncode == 1 and words in proc.stderr, proc.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.db", "plain.db"]
    proc = run(agenda_bin, "backup", "--db", db)
    assert_cli_failed(proc)
    assert proc.returncode == 2 and "--to" in proc.stderr


def test_restore_checks_the_copy_and_replaces_a_database_only_when_told(agenda_bin, tmp_path):
    db, other, copy = tmp_path / "a.db", tmp_path / "b.db", tmp_path / "copy.db"
    cli = sqlite_cli(agenda_bin, db)
    cli.ok("migrate")
    center = cli.center_add(name="Restored", slug=unique("center"))
    assert run(agenda_bin, "backup", "--db", db, "--to", copy).returncode == 0
    ocli = sqlite_cli(agenda_bin, other)
    ocli.ok("migrate")
    ocli.center_add(name="Other", slug=unique("center"))
    was = digest(other)

    proc = run(agenda_bin, "restore", "--from", copy, "--db", other)
    assert_cli_failed(proc)
    assert "--replace" in proc.stderr and digest(other) == was

    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(b"SQLite format 3\0" + b"\x07" * 8192)
    for source, words in ((garbage, "garbage.db"), (tmp_path / "none.db", "none.db")):
        proc = run(agenda_bin, "restore", "--from", source, "--db", other, "--replace", "on")
        assert_cli_failed(proc)
        assert words in proc.stderr and digest(other) == was
    proc = run(agenda_bin, "restore", "--from", copy, "--db", tmp_path / "new.db",
               "--replace", "maybe")
    assert_cli_failed(proc)
    assert proc.returncode == 2 and not (tmp_path / "new.db").exists()
    proc = run(agenda_bin, "restore", "--from", garbage, "--db", tmp_path / "new.db")
    assert_cli_failed(proc)
    assert not (tmp_path / "new.db").exists()

    proc = run(agenda_bin, "restore", "--from", copy, "--db", other, "--replace", "on")
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr
    con = sqlite3.connect(str(other))
    try:
        names = [n for (n,) in con.execute("SELECT name FROM centers ORDER BY id")]
        assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    finally:
        con.close()
    assert names == ["Restored"]
    assert center

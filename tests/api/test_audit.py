"""The audit log (README, Personal data): who created, changed or deleted
which patient or appointment, and when, listed by `agenda audit`; never a
value of the object."""

import subprocess

from helpers import (T0, Cli, appointment_fields, assert_cli_failed, database_contents, expect,
                     patient_fields, unique)


def run_audit(cli, *args):
    # `agenda audit` has no verb: --db goes first (Cli.run puts it after two words)
    return subprocess.run([cli.binary, "audit", "--db", cli.db, *args], capture_output=True,
                          text=True, timeout=60)


def audit(cli, *args):
    """`agenda audit ARGS` as tuples (actor_kind, actor, action, kind, id),
    newest first, checking each line's form."""
    rows = []
    done = run_audit(cli, *args)
    assert done.returncode == 0 and done.stderr == "", done
    for line in done.stdout.splitlines():
        parts = line.split(" ")
        assert len(parts) == 7, line
        entry_id, at, kind, actor, action, object_kind, object_id = parts
        assert int(entry_id) > 0 and int(at) > 0
        rows.append((kind, actor, action, object_kind, int(object_id)))
    return rows


def test_api_writes_are_recorded_with_the_user_and_no_values(acct, cli):
    secret = unique("Qz")
    p = acct.create_patient(remote_id=unique("p"), first_name=secret, notes=f"{secret} notes")
    expect(acct.api.put(f"{acct.patients}/{p['id']}",
                        {"patient": patient_fields(p["remote_id"], first_name=secret + "x")}), 200)
    a = acct.create_appointment(start=T0, stop=T0 + 900, patient_remote_id=p["remote_id"])
    expect(acct.api.put(f"{acct.appointments}/{a['id']}",
                        {"appointment": appointment_fields(start=T0 + 900, stop=T0 + 1800)}), 200)
    expect(acct.api.delete(f"{acct.appointments}/{a['id']}"), 204)
    expect(acct.api.delete(f"{acct.patients}/{p['id']}"), 204)

    me = acct.email
    assert audit(cli, "--object", f"patient:{p['id']}") == [
        ("api", me, "delete", "patient", p["id"]), ("api", me, "update", "patient", p["id"]),
        ("api", me, "create", "patient", p["id"])]
    aid = int(a["id"])
    assert audit(cli, "--object", f"appointment:{aid}") == [
        ("api", me, "delete", "appointment", aid), ("api", me, "update", "appointment", aid),
        ("api", me, "create", "appointment", aid)]
    # the user's own history, newest first, any case of the email
    assert audit(cli, "--user", me.upper(), "--limit", "2") == [
        ("api", me, "delete", "patient", p["id"]), ("api", me, "delete", "appointment", aid)]
    # nothing of the values: the log holds kinds and ids, the patient was erased
    assert secret.encode() not in database_contents(cli.db)


def test_a_collection_records_each_appointment_it_writes(acct, cli):
    items = [{"appointment": appointment_fields(f"c{i}-{unique('a')}", start=T0 + i * 900,
                                                stop=T0 + i * 900 + 600)} for i in range(3)]
    out = expect(acct.api.post(f"/calendars/{acct.calendar_id}/appointments_collections",
                               {"appointments_collection": {"appointments": items}}), 200)
    ids = [int(e["appointment"]["id"]) for e in out["appointments"]]
    for i in ids:
        assert audit(cli, "--object", f"appointment:{i}") == [
            ("api", acct.email, "create", "appointment", i)]
    # the same collection again: updates
    expect(acct.api.post(f"/calendars/{acct.calendar_id}/appointments_collections",
                         {"appointments_collection": {"appointments": items}}), 200)
    assert [r[2] for r in audit(cli, "--object", f"appointment:{ids[0]}")] == ["update", "create"]


def test_admin_commands_are_recorded_as_the_command(agenda_bin, tmp_path):
    cli = Cli(agenda_bin, tmp_path / "admin.db")
    center = int(cli.center_add())
    calendar = int(cli.calendar_add(center))
    email = unique("u") + "@example.com"
    cli.user_add(email)
    cli.grant(email, center)
    cli.reset_token(email)
    user_id = next(r[4] for r in audit(cli) if r[3] == "user")
    assert audit(cli, "--object", f"center:{center}") == [
        ("admin", "center-add", "create", "center", center)]
    assert audit(cli, "--object", f"calendar:{calendar}") == [
        ("admin", "calendar-add", "create", "calendar", calendar)]
    assert audit(cli, "--object", f"user:{user_id}") == [
        ("admin", "user-reset-token", "token", "user", user_id),
        ("admin", "user-grant", "grant", "user", user_id),
        ("admin", "user-add", "create", "user", user_id)]


def test_usage_errors_are_one_line(cli):
    for args in (["--object", "nurse:1"], ["--object", "patient:x"], ["--object", "patient:1",
                                                                     "--user", "a@b.c"],
                 ["--limit", "0"], ["--limit", "9999999"], ["--user", ""]):
        proc = run_audit(cli, *args)
        assert_cli_failed(proc)
        assert proc.returncode == 2, (args, proc.stderr)

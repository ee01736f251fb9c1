"""`agenda patient export` (README, Admin commands): everything the platform
holds about one patient, as JSON, for the right of access."""

import json

from helpers import T0, assert_cli_failed, expect


def test_the_export_holds_the_patient_its_appointments_and_their_messages(acct):
    acct.cli.ok("reminders", "set", "--center", str(acct.center_id), "--rule", "email 48h")
    p = acct.create_patient(remote_id="pat-x", first_name="Ada", last_name="Lovelace",
                            email="ada@example.net", notes="allergic to nothing",
                            birthdate="1815-12-10")
    future = T0 + 400 * 86400 * 10  # well ahead of any clock
    kept = acct.create_appointment(remote_id="ap-1", start=future, stop=future + 1800,
                                   patient_remote_id="pat-x")
    gone = acct.create_appointment(remote_id="ap-2", start=future + 86400,
                                   stop=future + 88200, patient_remote_id="pat-x")
    acct.create_appointment(remote_id="ap-other", start=future, stop=future + 1800)
    expect(acct.api.delete(f"{acct.appointments}/remote_id:ap-2"), 204)

    out = json.loads(acct.cli.ok("patient", "export", "--center", str(acct.center_id),
                                 "--remote-id", "pat-x"))
    assert set(out) == {"patient", "appointments", "messages", "sms_replies"}
    pat = out["patient"]
    assert (pat["id"], pat["remote_id"], pat["first_name"], pat["last_name"], pat["email"],
            pat["notes"], pat["birthdate"]) == (p["id"], "pat-x", "Ada", "Lovelace",
                                                 "ada@example.net", "allergic to nothing",
                                                 "1815-12-10")
    assert [(a["id"], a["remote_id"], a["status"]) for a in out["appointments"]] == [
        (int(kept["id"]), "ap-1", "booked"), (int(gone["id"]), "ap-2", "deleted")]
    # every message held, the deleted appointment's cancelled one too
    states = {m["appointment_id"]: m["state"] for m in out["messages"]}
    assert states == {int(kept["id"]): "pending", int(gone["id"]): "cancelled"}
    assert all(m["kind"] == "reminder" and m["channel"] == "email" for m in out["messages"])
    assert out["sms_replies"] == []


def test_an_export_naming_no_patient_is_refused_in_one_line(acct):
    acct.create_patient(remote_id="someone")
    for args, code in ((["--remote-id", "nobody"], 1), (["--remote-id", ""], 2), ([], 2)):
        proc = acct.cli.run("patient", "export", "--center", str(acct.center_id), *args)
        assert_cli_failed(proc)
        assert proc.returncode == code and proc.stdout == "", proc.stderr
    proc = acct.cli.run("patient", "list")
    assert_cli_failed(proc)

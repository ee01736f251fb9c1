"""The patient-message extension of the API (issue 12), end to end.

- /centers/{id}/reminders: the settings, JSON and forms, partial PUTs, every
  bad value a 422 naming its field with nothing changed, and the replanning
  of the center's appointments;
- /centers/{id}/templates: the defaults and the center's own texts, the SMS
  size of a sample rendering, placeholders checked, the segment limit, and
  DELETE back to the default;
- the lists of messages (per appointment, per center) and of replies;
- the SMS gateway's signed callbacks on a server with a configuration file,
  an SMS sink (an HTTP server in this file playing the gateway) and a clock
  file: delivery receipts, and replies that confirm or cancel the patient's
  next appointment an SMS reminder was sent for, with the cancellation seen
  by `since` pollers, the slot offered again and the cancellation notice
  planned; unsigned or wrongly signed callbacks are 403 and change nothing.
"""

import json
import threading
import time
import uuid
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from zoneinfo import ZoneInfo

import pytest
import requests

from helpers import (API, Cli, Server, expect, expect_error, make_account, twilio_signature,
                     unique, unwrap_list, unwrap_one)

DAY = 86400
SECRET = "test-secret-" + uuid.uuid4().hex[:8]
TWIML = "<Response/>"


# ---- helpers ------------------------------------------------------------------


def post_signed(base, path, params, secret=SECRET, signed_url=None, query=""):
    """POSTs the form `params` to /api/v2/PATH+QUERY, signed over signed_url
    (default: the URL called, as the server sees it without public_url)."""
    target = f"{API}/{path}{query}"
    url = signed_url if signed_url is not None else base + target
    headers = {"X-Twilio-Signature": twilio_signature(secret, url, params)}
    return requests.post(base + target, data=params, headers=headers, timeout=30)


def expect_twiml(resp):
    assert resp.status_code == 200, f"{resp.status_code} {resp.text}"
    assert resp.headers["Content-Type"] == "text/xml"
    assert resp.text == TWIML


def messages_of(acct, ref):
    body = expect(acct.api.get(f"{acct.appointments}/{ref}/messages"), 200)
    assert set(body) == {"messages", "confirmed_at"}, body
    return unwrap_list({"messages": body["messages"]}, "messages", "message"), body["confirmed_at"]


def settings_of(acct):
    return unwrap_one(expect(acct.api.get(f"/centers/{acct.center_id}/reminders"), 200),
                      "reminder_settings")


def put_settings(acct, **fields):
    return acct.api.put(f"/centers/{acct.center_id}/reminders", {"reminder_settings": fields})


def templates_of(acct):
    return unwrap_list(expect(acct.api.get(f"/centers/{acct.center_id}/templates"), 200),
                       "templates", "template")


def replies_of(acct, **params):
    return unwrap_list(expect(acct.api.get(f"/centers/{acct.center_id}/replies", params=params),
                              200), "replies", "reply")


def be_mobile():
    """A fresh valid Belgian mobile number: (as a patient types it, E.164)."""
    digits = str(uuid.uuid4().int % 10**6).zfill(6)
    return f"0470 {digits[:2]} {digits[2:4]} {digits[4:]}", f"+32470{digits}"


DEFAULTS = {"rules": [], "quiet_hours": None, "language": "en", "sender_name": None,
            "address": None, "country": "BE", "confirmation": False, "change_notice": False,
            "cancellation_notice": False, "change_delay": 180, "sms_segments": 2,
            "sms_fallback_email": False}


# ---- settings -------------------------------------------------------------------


def test_settings_start_at_the_defaults_and_a_put_changes_what_it_names(acct):
    assert settings_of(acct) == DEFAULTS
    got = unwrap_one(expect(put_settings(
        acct, rules=["email 48h", "sms day-before@18:00"], quiet_hours="21:00-08:00",
        language="FR", country="nl", confirmation="true", change_delay="600",
        sender_name="Dr Peeters", address="Rue Haute 1\n1000 Bruxelles"), 200),
        "reminder_settings")
    want = dict(DEFAULTS, rules=["email 48h", "sms day-before@18:00"], quiet_hours="21:00-08:00",
                language="fr", country="NL", confirmation=True, change_delay=600,
                sender_name="Dr Peeters", address="Rue Haute 1\n1000 Bruxelles")
    assert got == want
    assert settings_of(acct) == want
    # Only what is named changes; the rules are replaced as a whole; null
    # clears the texts and leaves the typed fields.
    got = unwrap_one(expect(put_settings(acct, rules=["sms 90m"], quiet_hours=None,
                                         sender_name=None, language=None, sms_segments=3,
                                         cancellation_notice=True), 200), "reminder_settings")
    want.update(rules=["sms 90m"], quiet_hours=None, sender_name=None, sms_segments=3,
                cancellation_notice=True)
    assert got == want
    # Fields at the top level (no envelope), and no rules at all.
    expect(acct.api.put(f"/centers/{acct.center_id}/reminders", {"rules": None,
                                                                 "address": "  "}), 200)
    want.update(rules=[], address=None)
    assert settings_of(acct) == want


def test_settings_from_a_form(acct):
    resp = acct.api.request("PUT", f"/centers/{acct.center_id}/reminders", data=[
        ("reminder_settings[rules][]", "email 2d"), ("reminder_settings[rules][]", "sms 3h"),
        ("reminder_settings[quiet_hours]", "22:00-07:30"),
        ("reminder_settings[change_notice]", "1"), ("reminder_settings[sms_segments]", "4")])
    got = unwrap_one(expect(resp, 200), "reminder_settings")
    assert got["rules"] == ["email 2d", "sms 3h"]
    assert got["quiet_hours"] == "22:00-07:30"
    assert got["change_notice"] is True and got["sms_segments"] == 4
    # One rule as a plain value; an empty value (a form's null) clears.
    resp = acct.api.request("PUT", f"/centers/{acct.center_id}/reminders", data={
        "reminder_settings[rules]": "email day-before@08:00", "reminder_settings[quiet_hours]": ""})
    got = unwrap_one(expect(resp, 200), "reminder_settings")
    assert got["rules"] == ["email day-before@08:00"] and got["quiet_hours"] is None


@pytest.mark.parametrize("fields, bad", [
    ({"rules": ["email 48h", "fax 2h"]}, "rules[1]"),
    ({"rules": ["email 48h", "email 2d"]}, "rules[1]"),
    ({"rules": ["sms 31d"]}, "rules[0]"),
    ({"rules": ["email 48h"] + [f"sms {i}m" for i in range(1, 17)]}, "rules"),
    ({"rules": {"rule": "email 48h"}}, "rules"),
    ({"rules": [48]}, "rules[0]"),
    ({"quiet_hours": "21:00-21:00"}, "quiet_hours"),
    ({"quiet_hours": "25:00-08:00"}, "quiet_hours"),
    ({"language": "it"}, "language"),
    ({"language": "english"}, "language"),
    ({"country": "BEL"}, "country"),
    ({"country": "B1"}, "country"),
    ({"sender_name": "Dr\nWho"}, "sender_name"),
    ({"sender_name": "x" * 256}, "sender_name"),
    ({"confirmation": "yes"}, "confirmation"),
    ({"change_delay": 0}, "change_delay"),
    ({"change_delay": 86401}, "change_delay"),
    ({"change_delay": 1.5}, "change_delay"),
    ({"sms_segments": 11}, "sms_segments"),
    ({"sms_segments": 0}, "sms_segments"),
    ({"sms_fallback_email": 1}, "sms_fallback_email"),
])
def test_a_bad_setting_is_422_naming_it_and_changes_nothing(acct, fields, bad):
    expect(put_settings(acct, rules=["email 48h"], language="nl"), 200)
    before = settings_of(acct)
    # A good field next to the bad one is not written either.
    good = {"address": "Rue Haute 1"}
    body = expect_error(put_settings(acct, **good, **fields), 422, bad)
    assert body["error"]
    assert settings_of(acct) == before


def test_settings_need_the_usual_auth_and_a_grant(acct, other):
    path = f"/centers/{acct.center_id}/reminders"
    expect_error(acct.api.with_auth(None).get(path), 401)
    expect_error(other.api.get(path), 404)
    expect_error(other.api.put(path, {"reminder_settings": {"rules": ["sms 1d"]}}), 404)
    expect(acct.basic.get(path), 200)
    assert settings_of(acct) == DEFAULTS


def test_new_settings_replan_the_centers_appointments(acct):
    start = (int(time.time()) // 3600 + 24 * 10) * 3600  # ten days ahead
    patient = acct.create_patient(email="pat@example.org")
    appt = acct.create_appointment(start=start, stop=start + 1800,
                                   patient_remote_id=patient["remote_id"])
    assert messages_of(acct, appt["id"]) == ([], None)
    expect(put_settings(acct, rules=["email 48h", "sms day-before@18:00"]), 200)
    msgs, confirmed = messages_of(acct, appt["id"])
    assert confirmed is None
    by_rule = {m["rule"]: m for m in msgs}
    assert set(by_rule) == {"email 48h", "sms day-before@18:00"}
    email = by_rule["email 48h"]
    assert email["kind"] == "reminder" and email["channel"] == "email"
    assert email["due_at"] == str(start - 2 * DAY)
    assert email["state"] == "pending" and email["attempts"] == 0
    for key in ("recipient", "language", "last_error", "sent_at", "delivered_at"):
        assert email[key] is None, key
    assert isinstance(email["id"], int) and email["appointment_id"] == appt["id"]
    # The same list by remote_id; the appointment object itself is unchanged.
    assert messages_of(acct, "remote_id:" + appt["remote_id"])[0] == msgs
    assert acct.get_appointment(appt["id"]) == appt
    # Rules removed: their messages go.
    expect(put_settings(acct, rules=[]), 200)
    assert messages_of(acct, appt["id"]) == ([], None)


# ---- templates ------------------------------------------------------------------


def test_templates_list_the_defaults_of_every_kind_channel_and_language(acct):
    rows = templates_of(acct)
    keys = [(t["kind"], t["channel"], t["language"]) for t in rows]
    assert len(keys) == len(set(keys)) == 4 * 2 * 5
    assert {k[0] for k in keys} == {"reminder", "confirmation", "change", "cancellation"}
    assert {k[2] for k in keys} == {"de", "en", "es", "fr", "nl"}
    for t in rows:
        assert t["custom"] is False
        if t["channel"] == "email":
            assert t["subject"] and t["body"] and "sms" not in t
        else:
            assert t["subject"] is None and t["body"]
            assert t["sms"]["encoding"] == "GSM-7" and t["sms"]["segments"] == 1
            assert 0 < t["sms"]["characters"] <= 160


def test_an_sms_template_answers_its_encoding_and_size_and_delete_restores_the_default(acct):
    path = f"/centers/{acct.center_id}/templates/reminder/sms/FR"
    default = next(t for t in templates_of(acct)
                   if (t["kind"], t["channel"], t["language"]) == ("reminder", "sms", "fr"))
    got = unwrap_one(expect(acct.api.put(path, {"template": {
        "body": "Bonjour {first_name}, RDV le {date} à {time}. OUI/NON", "subject": "ignored"}}),
        200), "template")
    # The sample patient is Sophie; "à" is GSM-7.
    text = "Bonjour Sophie, RDV le 2026-03-30 à 09:00. OUI/NON"
    assert got == {"kind": "reminder", "channel": "sms", "language": "fr", "subject": None,
                   "body": "Bonjour {first_name}, RDV le {date} à {time}. OUI/NON",
                   "custom": True,
                   "sms": {"encoding": "GSM-7", "segments": 1, "characters": len(text)}}
    mine = [t for t in templates_of(acct) if t["custom"]]
    assert mine == [got]
    # A character outside GSM-7 makes it UCS-2; the extension table counts two.
    got = unwrap_one(expect(acct.api.put(path, {"body": "Rendez-vous {time} ✓"}), 200),
                     "template")
    assert got["sms"] == {"encoding": "UCS-2", "segments": 1, "characters": 19}
    got = unwrap_one(expect(acct.api.put(path, {"body": "[{time}]"}), 200), "template")
    assert got["sms"] == {"encoding": "GSM-7", "segments": 1, "characters": 9}

    expect(acct.api.delete(path), 204)
    assert [t for t in templates_of(acct) if t["custom"]] == []
    assert default in templates_of(acct)
    expect_error(acct.api.delete(path), 404)


def test_email_templates_and_other_languages(acct):
    path = f"/centers/{acct.center_id}/templates/cancellation/email/it"
    expect_error(acct.api.put(path, {"template": {"body": "Annullato {date}"}}), 422, "subject")
    got = unwrap_one(expect(acct.api.put(path, {"template": {
        "subject": "Annullato", "body": "Gentile {patient_name}, annullato {date}."}}), 200),
        "template")
    assert got == {"kind": "cancellation", "channel": "email", "language": "it",
                   "subject": "Annullato", "body": "Gentile {patient_name}, annullato {date}.",
                   "custom": True}
    rows = templates_of(acct)
    assert got in rows and len(rows) == 4 * 2 * 5 + 1
    # A form body.
    resp = acct.api.request("PUT", f"/centers/{acct.center_id}/templates/change/email/nl",
                            data={"template[subject]": "Gewijzigd", "template[body]": "{time}"})
    assert unwrap_one(expect(resp, 200), "template")["subject"] == "Gewijzigd"


@pytest.mark.parametrize("channel, fields, bad, words", [
    ("sms", {"body": "Hello {fist_name}"}, "body", "{fist_name}"),
    ("sms", {"body": "Hello {first_name"}, "body", "brace"),
    ("sms", {"body": "   "}, "body", ""),
    ("sms", {}, "body", "required"),
    ("email", {"subject": "Hi {date}\nthere", "body": "ok"}, "subject", ""),
    ("email", {"subject": "Hi {when}", "body": "ok"}, "subject", "{when}"),
    ("email", {"subject": "Hi", "body": None}, "body", "required"),
])
def test_a_bad_template_is_422_naming_the_field_and_changes_nothing(acct, channel, fields, bad,
                                                                     words):
    path = f"/centers/{acct.center_id}/templates/reminder/{channel}/en"
    before = templates_of(acct)
    body = expect_error(acct.api.put(path, {"template": fields}), 422, bad)
    assert words in body["errors"][bad]
    assert templates_of(acct) == before


def test_an_sms_template_over_the_centers_segment_limit_is_refused(acct):
    path = f"/centers/{acct.center_id}/templates/reminder/sms/en"
    long_text = "Reminder for {patient_name}: " + "x" * 300  # three GSM-7 segments
    body = expect_error(acct.api.put(path, {"template": {"body": long_text}}), 422, "body")
    assert "3 SMS segments" in body["errors"]["body"]
    assert not [t for t in templates_of(acct) if t["custom"]]
    expect(put_settings(acct, sms_segments=3), 200)
    got = unwrap_one(expect(acct.api.put(path, {"template": {"body": long_text}}), 200),
                     "template")
    assert got["sms"]["segments"] == 3 and got["sms"]["encoding"] == "GSM-7"


@pytest.mark.parametrize("tail", ["reminders/sms/en", "reminder/fax/en", "reminder/sms/eng",
                                  "reminder/sms/e1", "Reminder/sms/en"])
def test_a_template_path_naming_nothing_is_404(acct, tail):
    path = f"/centers/{acct.center_id}/templates/{tail}"
    expect_error(acct.api.put(path, {"template": {"subject": "s", "body": "b"}}), 404)
    expect_error(acct.api.delete(path), 404)


# ---- lists ---------------------------------------------------------------------------


def test_the_messages_of_a_missing_deleted_or_foreign_appointment_are_404(acct, other):
    appt = acct.create_appointment()
    expect(acct.api.get(f"{acct.appointments}/{appt['id']}/messages"), 200)
    expect_error(acct.api.get(f"{acct.appointments}/987654321/messages"), 404)
    expect_error(acct.api.get(f"{acct.appointments}/remote_id:nope/messages"), 404)
    expect_error(other.api.get(f"{acct.appointments}/{appt['id']}/messages"), 404)
    expect_error(other.api.get(f"{other.appointments}/{appt['id']}/messages"), 404)
    expect(acct.api.delete(f"{acct.appointments}/{appt['id']}"), 204)
    expect_error(acct.api.get(f"{acct.appointments}/{appt['id']}/messages"), 404)


def test_a_centers_messages_newest_due_first_by_state(acct):
    expect(put_settings(acct, rules=["email 48h", "sms 1d"]), 200)
    base = (int(time.time()) // 3600 + 24 * 10) * 3600
    patient = acct.create_patient()
    for i in range(3):
        acct.create_appointment(start=base + i * DAY, stop=base + i * DAY + 900,
                                patient_remote_id=patient["remote_id"])
    resp = acct.api.get(f"/centers/{acct.center_id}/messages")
    rows = unwrap_list(expect(resp, 200), "messages", "message")
    assert resp.headers["X-Total-Count"] == "6" and len(rows) == 6
    dues = [int(m["due_at"]) for m in rows]
    assert dues == sorted(dues, reverse=True) and dues[0] == base + 2 * DAY - DAY
    resp = acct.api.get(f"/centers/{acct.center_id}/messages", params={"state": "pending",
                                                                        "page": "2"})
    assert unwrap_list(expect(resp, 200), "messages", "message") == []
    assert resp.headers["X-Total-Count"] == "6"
    resp = acct.api.get(f"/centers/{acct.center_id}/messages", params={"state": "failed"})
    assert unwrap_list(expect(resp, 200), "messages", "message") == []
    assert resp.headers["X-Total-Count"] == "0"
    expect_error(acct.api.get(f"/centers/{acct.center_id}/messages",
                              params={"state": "lost"}), 400, "state")
    expect_error(acct.api.get(f"/centers/{acct.center_id}/replies",
                              params={"outcome": "maybe"}), 400, "outcome")
    assert replies_of(acct) == []

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

from helpers import (API, Cli, Server, database_contents, expect, expect_error, make_account,
                     twilio_signature, unique, unwrap_list, unwrap_one)

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


# ---- the SMS gateway's callbacks -------------------------------------------------------


class SmsSink:
    """The gateway: takes the server's JSON sends and answers {"sid": ...}."""

    def __init__(self):
        self.sent = []
        self.lock = threading.Lock()
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with sink.lock:
                    sink.sent.append(body)
                    sid = f"SM{uuid.uuid4().hex}"
                    body["sid"] = sid
                answer = json.dumps({"sid": sid}).encode()
                self.send_response(201)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/send"

    def wait_for(self, to, count=1, timeout=15):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                got = [m for m in self.sent if m["to"] == to]
            if len(got) >= count:
                return got
            time.sleep(0.05)
        raise AssertionError(f"no SMS to {to} within {timeout} s: {self.sent[-5:]}")

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def write_config(path, sink_url=None, secret=SECRET, public_url=None):
    lines = []
    if public_url:
        lines += ["[server]", f"public_url = {public_url}"]
    if sink_url:
        lines += ["[sms]", f"url = {sink_url}", "format = json",
                  'body = {"to": "{to}", "text": "{text}", "reference": "{id}"}',
                  "id_field = sid"]
        if secret:
            lines.append(f"secret = {secret}")
    path.write_text("\n".join(lines) + "\n")
    return path


class SmsWorld:
    """A server that sends SMS reminders to a sink, on a clock of the test's."""

    def __init__(self, agenda_bin, directory):
        self.sink = SmsSink()
        self.clock_path = directory / "clock"
        self.now = (int(time.time()) // DAY + 30) * DAY
        self.set_clock(self.now)
        config = write_config(directory / "agenda.ini", self.sink.url)
        self.cli = Cli(agenda_bin, directory / "sms.db")
        self.server = Server(agenda_bin, self.cli.db, directory / "server.log", "--config",
                             config, "--clock-file", self.clock_path, "--auth-failures", "0")
        self.server.start()

    def set_clock(self, t):
        assert t >= getattr(self, "now", t), "the clock only moves forward"
        self.now = t
        tmp = self.clock_path.with_suffix(".tmp")
        tmp.write_text(str(t))
        tmp.replace(self.clock_path)
        time.sleep(0.15)  # the server re-reads it every 50 ms

    def account(self, **settings):
        acct = make_account(self.cli, self.server.base)
        expect(put_settings(acct, **settings), 200)
        return acct

    def local_start(self, days_ahead, hour, zone="Europe/Brussels"):
        """A time `days_ahead` days after the clock, at HH:00 local."""
        day = datetime.fromtimestamp(self.now + days_ahead * DAY, ZoneInfo(zone)).date()
        local = datetime(day.year, day.month, day.day, hour, tzinfo=ZoneInfo(zone))
        return int(local.timestamp())

    def remind(self, acct, e164, *appointments):
        """Moves the clock to the first SMS reminder due among the
        appointments (each reminded "sms 1d") and waits until the sink got
        one per appointment and the server recorded them as sent."""
        due = min(a["start"] for a in appointments) - DAY
        self.set_clock(max(self.now, int(due) + 1, *(int(a["start"]) - DAY + 1
                                                      for a in appointments)))
        self.sink.wait_for(e164, count=len(appointments))
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            states = [m["state"] for a in appointments for m in messages_of(acct, a["id"])[0]
                      if m["kind"] == "reminder" and m["channel"] == "sms"]
            if states and all(s == "sent" for s in states):
                return
            time.sleep(0.05)
        raise AssertionError(f"the reminders were not recorded as sent: {states}")

    def reply(self, frm, body):
        return post_signed(self.server.base, "sms/inbound",
                           {"From": frm, "Body": body, "To": "+3225550000",
                            "MessageSid": "SM" + uuid.uuid4().hex, "NumMedia": "0"})

    def stop(self):
        self.server.stop()
        self.sink.stop()


@pytest.fixture(scope="module")
def sms(agenda_bin, tmp_path_factory):
    world = SmsWorld(agenda_bin, tmp_path_factory.mktemp("sms"))
    yield world
    world.stop()


def booked(world, acct, phone, days_ahead=2, hour=10, **patient):
    patient = acct.create_patient(phone_number=phone, **patient)
    start = world.local_start(days_ahead, hour)
    appt = acct.create_appointment(start=start, stop=start + 1800,
                                   patient_remote_id=patient["remote_id"])
    appt["start"] = int(appt["start"])
    return appt


def test_a_delivery_receipt_moves_the_message_forward_only(sms):
    acct = sms.account(rules=["sms 1d"])
    typed, e164 = be_mobile()
    appt = booked(sms, acct, typed)
    sms.remind(acct, e164, appt)
    sid = sms.sink.wait_for(e164)[0]["sid"]
    (msg,), _ = messages_of(acct, appt["id"])
    assert msg["state"] == "sent" and msg["recipient"] == e164 and msg["sent_at"]
    assert msg["delivered_at"] is None

    def status(value, **kw):
        return post_signed(sms.server.base, "sms/status",
                           {"MessageSid": sid, "MessageStatus": value, "AccountSid": "AC1"}, **kw)

    # Unsigned, wrongly signed, signed over another URL: 403, nothing changes.
    resp = requests.post(f"{sms.server.base}{API}/sms/status",
                         data={"MessageSid": sid, "MessageStatus": "failed"}, timeout=30)
    expect_error(resp, 403)
    expect_error(status("failed", secret="not-the-secret"), 403)
    expect_error(status("failed", signed_url="http://example.org/api/v2/sms/status"), 403)
    assert messages_of(acct, appt["id"])[0] == [msg]

    sms.set_clock(sms.now + 60)
    expect_twiml(status("queued"))  # not a delivery state
    assert messages_of(acct, appt["id"])[0] == [msg]
    expect_twiml(status("delivered"))
    (got,), _ = messages_of(acct, appt["id"])
    assert got["state"] == "delivered" and got["delivered_at"] == str(sms.now)
    expect_twiml(status("sent"))  # never backwards
    assert messages_of(acct, appt["id"])[0] == [got]
    # An unknown message, or none named: answered, nothing changes.
    expect_twiml(post_signed(sms.server.base, "sms/status",
                             {"MessageSid": "SMunknown", "MessageStatus": "failed"}))
    expect_twiml(post_signed(sms.server.base, "sms/status", {}))
    # The query string is part of the signed URL.
    params = {"MessageSid": sid, "MessageStatus": "undelivered"}
    expect_error(post_signed(sms.server.base, "sms/status", params, query="?via=twilio",
                             signed_url=f"{sms.server.base}{API}/sms/status"), 403)
    expect_twiml(post_signed(sms.server.base, "sms/status", params, query="?via=twilio"))
    assert messages_of(acct, appt["id"])[0][0]["state"] == "undelivered"


def test_yes_confirms_the_next_appointment_reminded_by_sms(sms):
    acct = sms.account(rules=["sms 1d"])
    typed, e164 = be_mobile()
    first = booked(sms, acct, typed, days_ahead=2, language_code="fr")
    # Three hours later: both reminders are out before the first starts.
    later = acct.create_appointment(start=first["start"] + 3 * 3600,
                                    stop=first["start"] + 3 * 3600 + 900,
                                    patient_remote_id=first["patient_remote_id"])
    later["start"] = int(later["start"])
    sms.remind(acct, e164, first, later)
    assert messages_of(acct, first["id"])[1] is None

    sms.set_clock(sms.now + 120)
    expect_twiml(sms.reply(e164, "  ¡Sí! "))
    confirmed_at = str(sms.now)
    assert messages_of(acct, first["id"])[1] == confirmed_at
    assert messages_of(acct, later["id"])[1] is None
    # The appointment object is as it was: no new field, not touched.
    assert acct.get_appointment(first["id"])["status"] == "booked"
    (reply,) = replies_of(acct)
    assert reply == {"id": reply["id"], "appointment_id": first["id"], "from": e164,
                     "body": "  ¡Sí! ", "outcome": "confirmed", "received_at": confirmed_at}
    # A second yes keeps the first time; a national number is read in the
    # center's country.
    sms.set_clock(sms.now + 60)
    expect_twiml(sms.reply("0" + e164[3:], "OK"))
    assert messages_of(acct, first["id"])[1] == confirmed_at
    assert [r["outcome"] for r in replies_of(acct)] == ["confirmed", "confirmed"]


def test_no_cancels_as_a_put_would(sms):
    acct = sms.account(rules=["sms 1d"], cancellation_notice=True)
    days = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
    expect(acct.api.put(f"/calendars/{acct.calendar_id}/opening_hours", {
        "opening_hours": [{"opening_hour": {"day": d, "start": "08:00", "stop": "18:00"}}
                          for d in days], "slot_step": 30}), 200)
    service = acct.upsert_services({"remote_id": unique("s"), "name": "Consult",
                                    "duration": 30})[0]
    typed, e164 = be_mobile()
    appt = booked(sms, acct, typed, language_code="nl")

    def slot_offered():
        found = unwrap_list(expect(acct.api.get("/suggestions", params={
            "calendar_id": acct.calendar_id, "service_id": service["id"],
            "start": appt["start"], "stop": appt["start"] + 1800}), 200),
            "suggestions", "suggestion")
        return len(found) == 1

    sms.remind(acct, e164, appt)
    assert not slot_offered()
    sms.set_clock(sms.now + 3600)
    poll_from = sms.now
    assert acct.list_appointments(since=poll_from) == []

    expect_twiml(sms.reply(e164, "Annuleren."))
    got = acct.get_appointment(appt["id"])
    assert got["status"] == "cancelled"
    assert [a["id"] for a in acct.list_appointments(since=poll_from)] == [appt["id"]]
    assert slot_offered()
    msgs, confirmed = messages_of(acct, appt["id"])
    assert confirmed is None
    assert [m["kind"] for m in msgs if m["kind"] == "cancellation"] == ["cancellation"]
    (reply,) = replies_of(acct)
    assert reply["outcome"] == "cancelled" and reply["appointment_id"] == appt["id"]
    # The cancellation notice goes out (by SMS: the patient has no email).
    sms.sink.wait_for(e164, count=2)
    # A later "yes" finds no appointment to answer any more.
    expect_twiml(sms.reply(e164, "ja"))
    assert acct.get_appointment(appt["id"])["status"] == "cancelled"
    assert [r["outcome"] for r in replies_of(acct)] == ["cancelled"]


def test_unclear_and_unmatched_replies_change_nothing(sms):
    acct = sms.account(rules=["sms 1d"])
    typed, e164 = be_mobile()
    appt = booked(sms, acct, typed)
    sms.remind(acct, e164, appt)
    expect_twiml(sms.reply(e164, "Oui merci, à demain"))
    assert acct.get_appointment(appt["id"])["status"] == "booked"
    assert messages_of(acct, appt["id"])[1] is None
    (reply,) = replies_of(acct, outcome="unclear")
    assert reply["appointment_id"] == appt["id"] and reply["body"] == "Oui merci, à demain"
    assert replies_of(acct, outcome="confirmed") == []
    # Another number, or none: kept under no center.
    _, stranger = be_mobile()
    expect_twiml(sms.reply(stranger, "NO"))
    expect_twiml(post_signed(sms.server.base, "sms/inbound", {"Body": "no"}))
    assert len(replies_of(acct)) == 1
    assert acct.get_appointment(appt["id"])["status"] == "booked"


def test_deleting_a_patient_erases_their_number_from_messages_and_replies(sms):
    """The right to erasure reaches what was sent: after the patient's
    deletion the whole database (dumped, every table) holds neither the
    number the reminder went to nor the text of the reply, and the message
    rows stay with their kinds and states."""
    acct = sms.account(rules=["sms 1d"])
    typed, e164 = be_mobile()
    secret = unique("Xq")
    remote_id = unique("erase")  # a tombstone keeps its remote_id: nothing personal in it
    appt = booked(sms, acct, typed, remote_id=remote_id, first_name=secret)
    sms.remind(acct, e164, appt)
    words = f"Merci {secret} à demain"
    expect_twiml(sms.reply(e164, words))
    (msg,), _ = messages_of(acct, appt["id"])
    assert msg["recipient"] == e164
    [reply] = [r for r in replies_of(acct) if r["appointment_id"] == appt["id"]]
    assert reply["body"] == words
    before = database_contents(sms.cli.db).decode(errors="replace")
    assert e164 in before and words in before and secret in before

    expect(acct.api.delete(f"{acct.patients}/remote_id:{remote_id}"), 204)
    after = database_contents(sms.cli.db).decode(errors="replace")
    digits = e164[-6:]
    for value in (e164, typed, digits, words, secret):
        assert value not in after, value
    (kept,), _ = messages_of(acct, appt["id"])
    assert (kept["id"], kept["kind"], kept["state"], kept["recipient"]) == (
        msg["id"], "reminder", "sent", None)
    [erased] = [r for r in replies_of(acct) if r["id"] == reply["id"]]
    assert erased["from"] == "" and erased["body"] == "" and erased["outcome"] == "unclear"


def test_two_appointments_at_one_time_for_one_number_are_unclear(sms):
    acct = sms.account(rules=["sms 1d"])
    typed, e164 = be_mobile()
    parent = booked(sms, acct, typed)
    child = booked(sms, acct, typed.replace(" ", ""))  # the same number, typed otherwise
    assert child["start"] == parent["start"]
    sms.remind(acct, e164, parent, child)
    expect_twiml(sms.reply(e164, "no"))
    for a in (parent, child):
        assert acct.get_appointment(a["id"])["status"] == "booked"
    (reply,) = replies_of(acct)
    assert reply["outcome"] == "unclear" and reply["appointment_id"] is None


def test_unsigned_replies_are_403_and_change_nothing(sms):
    acct = sms.account(rules=["sms 1d"])
    typed, e164 = be_mobile()
    appt = booked(sms, acct, typed)
    sms.remind(acct, e164, appt)
    params = {"From": e164, "Body": "NO"}
    resp = requests.post(f"{sms.server.base}{API}/sms/inbound", data=params, timeout=30)
    expect_error(resp, 403)
    resp = requests.post(f"{sms.server.base}{API}/sms/inbound", data=params, timeout=30,
                         headers={"X-Twilio-Signature": "x" * 28})
    expect_error(resp, 403)
    # Signed, then a parameter changed on the way.
    sig = twilio_signature(SECRET, f"{sms.server.base}{API}/sms/inbound", params)
    resp = requests.post(f"{sms.server.base}{API}/sms/inbound", data=dict(params, Body="no!"),
                         headers={"X-Twilio-Signature": sig}, timeout=30)
    expect_error(resp, 403)
    assert acct.get_appointment(appt["id"])["status"] == "booked"
    assert replies_of(acct) == []
    # Credentials do not stand in for a signature.
    expect_error(acct.api.post("/sms/inbound", data=params), 403)
    expect_error(acct.api.get("/sms/inbound"), 405)


def test_callbacks_are_refused_without_a_secret(start_server, tmp_path):
    params = {"MessageSid": "SM1", "MessageStatus": "delivered"}
    no_config = start_server(None, "--dispatch", "off")
    expect_error(post_signed(no_config.base, "sms/status", params), 403)
    config = write_config(tmp_path / "nosecret.ini", "http://127.0.0.1:9/send", secret=None)
    no_secret = start_server(None, "--config", config, "--dispatch", "off")
    expect_error(post_signed(no_secret.base, "sms/status", params), 403)
    expect_error(post_signed(no_secret.base, "sms/inbound", {"From": "+32470000000",
                                                             "Body": "yes"}), 403)


def test_with_public_url_the_signed_url_is_the_public_one(start_server, tmp_path):
    public = "https://agenda.example.org/booking"
    config = write_config(tmp_path / "public.ini", "http://127.0.0.1:9/send",
                          public_url=public + "/")
    srv = start_server(None, "--config", config, "--dispatch", "off")
    params = {"MessageSid": "SM1", "MessageStatus": "delivered"}
    expect_twiml(post_signed(srv.base, "sms/status", params,
                             signed_url=f"{public}{API}/sms/status"))
    expect_twiml(post_signed(srv.base, "sms/status", params, query="?a=1&b=%2F",
                             signed_url=f"{public}{API}/sms/status?a=1&b=%2F"))
    # The address the server was reached at is not what the gateway called.
    expect_error(post_signed(srv.base, "sms/status", params), 403)
    expect_error(post_signed(srv.base, "sms/inbound", {"From": "+32470000000", "Body": "yes"}),
                 403)

"""The senders of patient messages (src/notify/) against real peers.

A real SMTP server (aiosmtpd, Debian's python3-aiosmtpd) and an HTTP SMS
sink run on free loopback ports; each test scripts their answers, sends one
message with build/send-tool (the server's own sender code, driven from its
command line) and checks what the peer received with Python's own parsers
(the email package, json, urllib.parse) and what the sender made of the
answer: ok, temporary or permanent, with its reason."""

import base64
import email
import email.header
import email.policy
import email.utils
import json
import os
import pathlib
import socket
import subprocess
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

REPO = pathlib.Path(__file__).resolve().parents[2]
FROM = "Demo practice <noreply@example.org>"
DATE = 1796288400  # Thu, 03 Dec 2026 09:00:00 +0000
START = 1796374800  # the next day, 09:00 UTC
STOP = START + 1800


@pytest.fixture(scope="session")
def send_tool():
    path = os.environ.get("SEND_TOOL") or str(REPO / "build" / "send-tool")
    if not os.access(path, os.X_OK):
        pytest.exit(f"send-tool not found at {path} (make build/send-tool, or set SEND_TOOL)", 2)
    return path


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Sent:
    """What send-tool printed: the result, the provider's id, the reason."""

    def __init__(self, proc):
        assert proc.returncode == 0, proc.stderr
        lines = proc.stdout.split("\n")
        assert len(lines) == 2 and lines[1] == "", proc.stdout
        self.result, self.provider_id, self.reason = lines[0].split("\t", 2)

    def __repr__(self):
        return f"Sent({self.result!r}, {self.provider_id!r}, {self.reason!r})"


def run(tool, kind, *args, password=None):
    env = dict(os.environ)
    env.pop("SEND_TOOL_PASSWORD", None)
    if password is not None:
        env["SEND_TOOL_PASSWORD"] = password
    proc = subprocess.run([tool, kind, *args], capture_output=True, text=True, env=env,
                          timeout=90)
    return Sent(proc)


# ---- SMTP ----------------------------------------------------------------

class Mailbox:
    """An aiosmtpd handler whose replies the test scripts: per recipient
    for RCPT, and a queue for the end of DATA (empty: 250)."""

    def __init__(self):
        self.rcpt_replies = {}
        self.data_replies = []
        self.received = []  # envelopes taken (250 after the data)
        self.data_attempts = 0
        self.logins = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        reply = self.rcpt_replies.get(address)
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.data_attempts += 1
        if self.data_replies:
            return self.data_replies.pop(0)
        self.received.append(envelope)
        return "250 Message accepted for delivery"


def start_smtp(handler, **kwargs):
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port, **kwargs)
    controller.start()
    return controller, f"smtp://127.0.0.1:{port}"


@pytest.fixture
def smtp():
    box = Mailbox()
    controller, url = start_smtp(box)
    box.url = url
    yield box
    controller.stop()


@pytest.fixture
def smtp_auth():
    """A server that offers AUTH (without TLS, for the test) and takes
    user / right-password only."""
    box = Mailbox()

    def authenticator(server, session, envelope, mechanism, auth_data):
        assert isinstance(auth_data, LoginPassword)
        box.logins.append((mechanism, auth_data.login, auth_data.password))
        ok = auth_data.login == b"user" and auth_data.password == b"right-password"
        return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd answers 535

    controller, url = start_smtp(box, authenticator=authenticator, auth_require_tls=False,
                                 auth_required=True)
    box.url = url
    yield box
    controller.stop()


def mail_args(url, to="jo.vanhecke@example.com", key="m42.reminder.v3", **extra):
    args = ["--url", url, "--from", FROM, "--to", to, "--subject", "Reminder",
            "--text", "See you tomorrow.\n", "--key", key, "--date", str(DATE)]
    for name, value in extra.items():
        flag = "--" + name.replace("_", "-")
        args += [flag] if value is True else [flag, value]
    return args


def parse(envelope):
    raw = envelope.original_content
    for line in raw.split(b"\r\n"):
        assert len(line) <= 998
        assert b"\n" not in line and b"\r" not in line
    return email.message_from_bytes(raw, policy=email.policy.default), raw


def decoded(raw_value):
    """An encoded header value as text, by the RFC 2047 rules (Python's
    newer header parser puts a blank between adjacent encoded-words of a
    display name, so the older one is used here)."""
    return str(email.header.make_header(email.header.decode_header(raw_value)))


def test_mail_arrives_whole(send_tool, smtp):
    text = ("Bonjour José,\n\nvotre rendez-vous avec Dr. Jeanne Van Hecke est demain à 10:00.\n"
            "= un long paragraphe " + "très " * 40 + "long.\n.\nÀ bientôt\n")
    sent = run(send_tool, "mail", *mail_args(
        smtp.url, subject="Rappel : rendez-vous demain à 10:00 — Cabinet médical",
        text=text, sender_name="Cabinet médical Sainte-Thérèse",
        ics_id="42", ics_host="agenda.example.org", ics_version="3",
        ics_start=str(START), ics_stop=str(STOP), ics_summary="Rendez-vous, Dr. Van Hecke",
        ics_location="Rue de la Loi 16; 1000 Bruxelles"))
    assert (sent.result, sent.reason) == ("ok", "")
    assert len(smtp.received) == 1
    envelope = smtp.received[0]
    assert envelope.mail_from == "noreply@example.org"
    assert envelope.rcpt_tos == ["jo.vanhecke@example.com"]
    msg, raw = parse(envelope)
    assert not msg.defects

    compat = email.message_from_bytes(raw, policy=email.policy.compat32)
    assert decoded(compat["From"]) == "Cabinet médical Sainte-Thérèse <noreply@example.org>"
    assert msg["From"].addresses[0].addr_spec == "noreply@example.org"
    assert msg["To"].addresses[0].addr_spec == "jo.vanhecke@example.com"
    assert str(msg["Subject"]) == "Rappel : rendez-vous demain à 10:00 — Cabinet médical"
    assert email.utils.parsedate_to_datetime(msg["Date"]).timestamp() == DATE
    assert msg["Date"] == "Thu, 03 Dec 2026 09:00:00 +0000"
    assert msg["Message-ID"] == "<m42.reminder.v3@example.org>"
    assert msg["MIME-Version"] == "1.0"
    assert msg["Auto-Submitted"] == "auto-generated"

    assert msg.get_content_type() == "multipart/mixed"
    parts = list(msg.iter_parts())
    assert [p.get_content_type() for p in parts] == ["text/plain", "text/calendar"]
    body, ics = parts
    assert body.get_content_charset() == "utf-8"
    assert body["Content-Transfer-Encoding"] == "quoted-printable"
    assert body.get_content().replace("\r\n", "\n") == text
    assert ics.get_filename() == "appointment.ics"
    assert ics.get_param("method") == "PUBLISH"
    assert ics.get_content_charset() == "utf-8"
    assert ics["Content-Transfer-Encoding"] == "base64"
    assert ics.get_content_disposition() == "attachment"
    calendar = ics.get_payload(decode=True).decode("utf-8")
    unfolded = calendar.replace("\r\n ", "")
    lines = unfolded.split("\r\n")
    for want in ["BEGIN:VCALENDAR", "VERSION:2.0", "METHOD:PUBLISH", "BEGIN:VEVENT",
                 "UID:appointment-42@agenda.example.org", "SEQUENCE:3",
                 "DTSTAMP:20261203T090000Z", "DTSTART:20261204T090000Z",
                 "DTEND:20261204T093000Z", "SUMMARY:Rendez-vous\\, Dr. Van Hecke",
                 "LOCATION:Rue de la Loi 16\\; 1000 Bruxelles", "STATUS:CONFIRMED",
                 "END:VEVENT", "END:VCALENDAR"]:
        assert want in lines, (want, lines)


def test_mail_without_calendar_and_cancelled_calendar(send_tool, smtp):
    assert run(send_tool, "mail", *mail_args(smtp.url)).result == "ok"
    msg, _ = parse(smtp.received[0])
    assert [p.get_content_type() for p in msg.iter_parts()] == ["text/plain"]
    assert str(msg["From"]) == "Demo practice <noreply@example.org>"

    sent = run(send_tool, "mail", *mail_args(
        smtp.url, key="m42.cancellation.v4", ics_id="42", ics_host="agenda.example.org",
        ics_version="4", ics_start=str(START), ics_stop=str(STOP), ics_cancelled=True))
    assert sent.result == "ok"
    msg, _ = parse(smtp.received[1])
    ics = list(msg.iter_parts())[1].get_payload(decode=True).decode()
    assert "\r\nSTATUS:CANCELLED\r\n" in ics and "\r\nSEQUENCE:4\r\n" in ics
    assert msg["Message-ID"] == "<m42.cancellation.v4@example.org>"


def test_mail_refused_then_taken_once(send_tool, smtp):
    """451 at the end of the data: temporary; sent again, the message is
    taken once, with the same Message-ID."""
    smtp.data_replies = ["451 4.3.0 Try again later"]
    first = run(send_tool, "mail", *mail_args(smtp.url))
    assert first.result == "temporary"
    assert first.reason == "SMTP DATA: 451 4.3.0 Try again later"
    assert smtp.received == []
    second = run(send_tool, "mail", *mail_args(smtp.url))
    assert (second.result, second.reason) == ("ok", "")
    assert smtp.data_attempts == 2
    assert len(smtp.received) == 1
    msg, _ = parse(smtp.received[0])
    assert msg["Message-ID"] == "<m42.reminder.v3@example.org>"


def test_mail_permanent_refusals(send_tool, smtp):
    smtp.rcpt_replies["gone@example.com"] = "550 5.1.1 <gone@example.com>: no such user"
    sent = run(send_tool, "mail", *mail_args(smtp.url, to="gone@example.com"))
    assert sent.result == "permanent"
    assert sent.reason == "SMTP RCPT: 550 5.1.1 <gone@example.com>: no such user"

    smtp.data_replies = ["554 5.7.1 Message rejected as spam"]
    sent = run(send_tool, "mail", *mail_args(smtp.url))
    assert (sent.result, sent.reason) == ("permanent", "SMTP DATA: 554 5.7.1 Message rejected as spam")
    assert smtp.received == []

    assert smtp.data_attempts == 1


def test_mail_temporary_refusals(send_tool, smtp):
    smtp.rcpt_replies["full@example.com"] = "452 4.2.2 Mailbox full"
    sent = run(send_tool, "mail", *mail_args(smtp.url, to="full@example.com"))
    assert (sent.result, sent.reason) == ("temporary", "SMTP RCPT: 452 4.2.2 Mailbox full")
    # nobody listening
    sent = run(send_tool, "mail", *mail_args(f"smtp://127.0.0.1:{free_port()}"))
    assert sent.result == "temporary"
    assert sent.reason.startswith("SMTP: Failed to connect to 127.0.0.1 port ")
    # STARTTLS required from a server without it; optional goes on in plain
    sent = run(send_tool, "mail", *mail_args(smtp.url, starttls="required"))
    assert sent.result == "temporary" and "STARTTLS" in sent.reason, sent
    sent = run(send_tool, "mail", *mail_args(smtp.url, starttls="optional"))
    assert sent.result == "ok"
    # smtps:// to a plain server: the TLS handshake fails
    sent = run(send_tool, "mail", *mail_args(smtp.url.replace("smtp://", "smtps://")))
    assert sent.result == "temporary" and sent.reason.startswith("SMTP: "), sent
    assert len(smtp.received) == 1


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_mail_auth(send_tool, smtp_auth):
    sent = run(send_tool, "mail", *mail_args(smtp_auth.url, username="user"),
               password="right-password")
    assert (sent.result, sent.reason) == ("ok", "")
    assert len(smtp_auth.received) == 1
    assert smtp_auth.logins[0][1:] == (b"user", b"right-password")

    # a wrong password: the server's fault to fix, so temporary; the reason
    # quotes the reply and never the password
    sent = run(send_tool, "mail", *mail_args(smtp_auth.url, username="user"),
               password="wrong-password")
    # (the SASL response line is credentials: no piece of it names the step)
    assert (sent.result, sent.reason) == (
        "temporary", "SMTP AUTH: 535 5.7.8 Authentication credentials invalid")
    # no AUTH at all where it is required: 530 to MAIL is the sender's
    # configuration, not the message, so temporary too
    sent = run(send_tool, "mail", *mail_args(smtp_auth.url))
    assert (sent.result, sent.reason) == ("temporary", "SMTP MAIL: 530 5.7.0 Authentication required")
    assert len(smtp_auth.received) == 1


# ---- SMS -------------------------------------------------------------------

class Sink:
    """An HTTP SMS gateway: records every request, answers from a queue of
    (status, body) (empty: 200 with a Twilio-like answer)."""

    def __init__(self):
        self.requests = []
        self.answers = []
        self.lock = threading.Lock()
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def handle_one(self):
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                with sink.lock:
                    sink.requests.append({"method": self.command, "path": self.path,
                                          "headers": self.headers, "body": body})
                    status, answer = (sink.answers.pop(0) if sink.answers
                                      else (200, '{"sid": "SM0001", "status": "queued"}'))
                data = answer.encode() if isinstance(answer, str) else answer
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_POST = do_PUT = handle_one

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/send"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def sink():
    s = Sink()
    yield s
    s.stop()


JSON_BODY = '{"to": "{to}", "text": "{text}", "reference": "{id}", "callback": "{status_url}"}'
TEXT = 'Rappel : RDV demain à 10:00 chez "Dr. Van Hecke" \\ salle 2\nRépondez OUI ou NON'
STATUS_URL = "https://agenda.example.org/api/v2/sms/status"


def sms_args(url, body=JSON_BODY, **extra):
    args = ["--url", url, "--body", body, "--to", "+32470123456", "--text", TEXT,
            "--id", "m42.reminder.v3", "--status-url", STATUS_URL]
    for name, value in extra.items():
        flag = "--" + name.replace("_", "-")
        for v in (value if isinstance(value, list) else [value]):
            args += [flag, v]
    return args


def test_sms_json_gateway(send_tool, sink):
    sink.answers = [(201, '{"data": {"message": {"id": 987654321012}}}')]
    sent = run(send_tool, "sms", *sms_args(
        sink.url, format="json", header=["Authorization: Bearer tok-abc", "X-Tenant: demo"],
        id_field="data.message.id"))
    assert (sent.result, sent.provider_id, sent.reason) == ("ok", "987654321012", "")
    (req,) = sink.requests
    assert req["method"] == "POST" and req["path"] == "/send"
    assert req["headers"]["Content-Type"] == "application/json"
    assert req["headers"]["Authorization"] == "Bearer tok-abc"
    assert req["headers"]["X-Tenant"] == "demo"
    assert "Expect" not in req["headers"]
    assert json.loads(req["body"].decode("utf-8")) == {
        "to": "+32470123456", "text": TEXT, "reference": "m42.reminder.v3",
        "callback": STATUS_URL}
    assert "à".encode() in req["body"]  # UTF-8 as it is, not \u escapes


def test_sms_twilio_form(send_tool, sink):
    """Twilio's shape: a form body, Basic auth, a JSON answer with sid."""
    body = "To={to}&From=%2B3225550000&Body={text}&StatusCallback={status_url}"
    sent = run(send_tool, "sms", *sms_args(sink.url, body=body, format="form",
                                           username="AC123", id_field="sid"),
               password="auth-token")
    assert (sent.result, sent.provider_id, sent.reason) == ("ok", "SM0001", "")
    (req,) = sink.requests
    assert req["headers"]["Content-Type"] == "application/x-www-form-urlencoded"
    assert req["headers"]["Authorization"] == "Basic " + base64.b64encode(
        b"AC123:auth-token").decode()
    form = urllib.parse.parse_qs(req["body"].decode("ascii"), strict_parsing=True)
    assert form == {"To": ["+32470123456"], "From": ["+3225550000"], "Body": [TEXT],
                    "StatusCallback": [STATUS_URL]}


def test_sms_500_then_200_sends_once_more(send_tool, sink):
    sink.answers = [(500, "internal error\nat line 3")]
    first = run(send_tool, "sms", *sms_args(sink.url, id_field="sid"))
    assert (first.result, first.provider_id) == ("temporary", "")
    assert first.reason == "SMS gateway: HTTP 500: internal error\\nat line 3"
    second = run(send_tool, "sms", *sms_args(sink.url, id_field="sid"))
    assert (second.result, second.provider_id) == ("ok", "SM0001")
    assert len(sink.requests) == 2
    assert sink.requests[0]["body"] == sink.requests[1]["body"]  # same reference both times


@pytest.mark.parametrize("status,result", [
    (200, "ok"), (202, "ok"), (408, "temporary"), (429, "temporary"), (502, "temporary"),
    (503, "temporary"), (400, "permanent"), (401, "permanent"), (404, "permanent"),
    (422, "permanent"), (301, "permanent")])
def test_sms_status_results(send_tool, sink, status, result):
    sink.answers = [(status, '{"code": 21211, "message": "x"}')]
    sent = run(send_tool, "sms", *sms_args(sink.url))
    assert sent.result == result
    if result == "ok":
        assert sent.reason == ""
    else:
        assert sent.reason == f'SMS gateway: HTTP {status}: {{"code": 21211, "message": "x"}}'


def test_sms_answers_quoted_short_and_escaped(send_tool, sink):
    sink.answers = [(400, "é" * 150 + "tail"), (400, b"\x00\xff\x1b[31m")]
    sent = run(send_tool, "sms", *sms_args(sink.url))
    assert sent.result == "permanent"
    assert sent.reason == "SMS gateway: HTTP 400: " + "é" * 100 + "..."
    sent = run(send_tool, "sms", *sms_args(sink.url))
    assert sent.reason == "SMS gateway: HTTP 400: \\x00\\xff\\x1b[31m"


def test_sms_sent_without_a_readable_id(send_tool, sink):
    sink.answers = [(200, "OK"), (200, '{"sid": null}')]
    sent = run(send_tool, "sms", *sms_args(sink.url, id_field="sid"))
    assert (sent.result, sent.provider_id) == ("ok", "")
    assert sent.reason == "SMS gateway: sent, but the gateway's answer is not JSON"
    sent = run(send_tool, "sms", *sms_args(sink.url, id_field="sid"))
    assert sent.reason == ("SMS gateway: sent, but the gateway's id_field is neither a string "
                           "nor a number")


def test_sms_method_and_own_content_type(send_tool, sink):
    sent = run(send_tool, "sms", *sms_args(
        sink.url, method="PUT", header="Content-Type: application/vnd.gateway+json"))
    assert sent.result == "ok"
    (req,) = sink.requests
    assert req["method"] == "PUT"
    assert req["headers"].get_all("Content-Type") == ["application/vnd.gateway+json"]


def test_sms_unreachable_and_secrets_kept_out(send_tool, sink):
    sent = run(send_tool, "sms", *sms_args(f"http://127.0.0.1:{free_port()}/send"))
    assert sent.result == "temporary"
    assert sent.reason.startswith("SMS gateway: Failed to connect to 127.0.0.1 port ")
    # a gateway that echoes the credentials back
    sink.answers = [(401, "bad token tok-secret-1 for AC9:pass-word-2")]
    sent = run(send_tool, "sms", *sms_args(sink.url, header="Authorization: Bearer tok-secret-1",
                                           username="AC9"), password="pass-word-2")
    assert sent.result == "permanent"
    assert sent.reason == "SMS gateway: HTTP 401: bad token *** for AC9:***"

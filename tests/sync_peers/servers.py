"""Real CalDAV servers on loopback, from their Debian packages, for the
tests of the CalDAV client (test_dav.py) and of linking
(tests/api/test_caldav_link.py).

Each server runs in a temporary directory of its own on a free port, and
is stopped (its own process, by handle) when the fixture ends.
- Radicale (python3 radicale): htpasswd authentication with plain
  passwords, user "alice" with password "s3cret pass", a calendar at
  /alice/work/ and the principal collection /alice/ (not a calendar).
- Xandikos: no authentication at all (it has none of its own; it is run
  behind nothing), `--defaults` makes a calendar at
  /user/calendars/calendar/ and the collection /user/calendars/ (not a
  calendar).  Authentication is tested against Radicale only.
- CountingProxy: an HTTP proxy on loopback in front of either, counting the
  requests it forwards; with hide_sync it plays a server without
  sync-collection (the report left out of the supported reports, its
  REPORT refused with a 403), with refuse_sync=STATUS one that lists the
  report but answers it with that status (no DAV:valid-sync-token)."""

import http.client
import json
import os
import pathlib
import socket
import subprocess
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

USER = "alice"
PASSWORD = "s3cret pass"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, proc, log):
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited: {pathlib.Path(log).read_text()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"server did not listen on {port}")


class Server:
    """A running server: its name, its calendar's URL, a URL that is a
    collection but no calendar, the credentials (None: no auth)."""

    def __init__(self, name, proc, base, calendar, not_calendar, username, password, log):
        self.name = name
        self.proc = proc
        self.base = base
        self.calendar = calendar
        self.not_calendar = not_calendar
        self.username = username
        self.password = password
        self.log = log

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def start_radicale(tmp):
    tmp = pathlib.Path(tmp)
    root = tmp / "collections" / "collection-root" / USER
    (root / "work").mkdir(parents=True)
    (root / ".Radicale.props").write_text("{}")
    (root / "work" / ".Radicale.props").write_text(
        json.dumps({"tag": "VCALENDAR", "D:displayname": "Work"}))
    (tmp / "users").write_text(f"{USER}:{PASSWORD}\n")
    port = free_port()
    (tmp / "config").write_text(
        "[server]\n"
        f"hosts = 127.0.0.1:{port}\n"
        "[auth]\n"
        "type = htpasswd\n"
        f"htpasswd_filename = {tmp / 'users'}\n"
        "htpasswd_encryption = plain\n"
        "delay = 0\n"
        "[storage]\n"
        f"filesystem_folder = {tmp / 'collections'}\n"
        "[rights]\n"
        "type = owner_only\n"
        "[logging]\n"
        "level = info\n")
    log = tmp / "radicale.log"
    proc = subprocess.Popen(["radicale", "--config", str(tmp / "config")],
                            stdout=open(log, "w"), stderr=subprocess.STDOUT)
    wait_port(port, proc, log)
    base = f"http://127.0.0.1:{port}"
    return Server("radicale", proc, base, f"{base}/{USER}/work/", f"{base}/{USER}/",
                  USER, PASSWORD, log)


def start_xandikos(tmp):
    tmp = pathlib.Path(tmp)
    port = free_port()
    log = tmp / "xandikos.log"
    proc = subprocess.Popen(["xandikos", "-d", str(tmp / "data"), "--defaults",
                             "-l", "127.0.0.1", "-p", str(port)],
                            stdout=open(log, "w"), stderr=subprocess.STDOUT)
    wait_port(port, proc, log)
    base = f"http://127.0.0.1:{port}"
    return Server("xandikos", proc, base, f"{base}/user/calendars/calendar/",
                  f"{base}/user/calendars/", None, None, log)


def event(uid, summary="Busy", start="20261210T090000Z", end="20261210T100000Z"):
    return ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Agenda tests//EN\r\n"
            f"BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20261201T000000Z\r\n"
            f"DTSTART:{start}\r\nDTEND:{end}\r\nSUMMARY:{summary}\r\n"
            "END:VEVENT\r\nEND:VCALENDAR\r\n")


class CountingProxy:
    """Forwards every request to `server` as it is (one kept connection per
    client connection) and records each as "METHOD" ("PROPFIND depth N"),
    and in `requests` as (method, path)."""

    def __init__(self, server, hide_sync=False, refuse_sync=None):
        upstream = urllib.parse.urlsplit(server.base)
        self.lock = threading.Lock()
        self.seen = []
        self.requests = []  # (method, path) of every request answered, never taken
        self.hide_sync = hide_sync
        self.refuse_sync = refuse_sync or (403 if hide_sync else None)
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def forward(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if not hasattr(self, "up"):
                    self.up = http.client.HTTPConnection(upstream.hostname, upstream.port,
                                                         timeout=120)
                # answers are rewritten below: read uncompressed
                drop = ("host", "connection", "content-length", "accept-encoding")
                headers = {k: v for k, v in self.headers.items() if k.lower() not in drop}
                refused = (proxy.refuse_sync and self.command == "REPORT"
                           and b"sync-collection" in body)
                if refused:
                    status, out, data = proxy.refuse_sync, [("Content-Type", "text/plain")], b"no"
                else:
                    self.up.request(self.command, self.path, body=body or None, headers=headers)
                    r = self.up.getresponse()
                    data, status, out = r.read(), r.status, r.getheaders()
                    if proxy.hide_sync and self.command == "PROPFIND":
                        data = data.replace(b"sync-collection", b"x-hidden-report")
                with proxy.lock:  # before the client has its answer
                    proxy.requests.append((self.command, self.path))
                self.send_response(status)
                for k, v in out:
                    if k.lower() not in ("connection", "content-length", "transfer-encoding"):
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                try:
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True  # the client gave up (its timeout)
                    return
                what = self.command + (" sync-collection refused" if refused else "")
                if what == "PROPFIND":
                    what += f" depth {self.headers.get('Depth', 'infinity')}"
                with proxy.lock:
                    proxy.seen.append(what)

            do_GET = do_PUT = do_DELETE = do_PROPFIND = do_REPORT = do_OPTIONS = forward

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def url(self, url):
        """url (of the server) through the proxy."""
        return self.base + urllib.parse.urlsplit(url).path

    def take(self):
        """The requests since the last take, in order."""
        with self.lock:
            out, self.seen = self.seen, []
        return out

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()

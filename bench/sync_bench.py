#!/usr/bin/python3
"""sync_bench.py - what CalDAV sync costs (`make bench-sync`, part of `make
bench`; README, Benchmarks).

A real Radicale (its Debian package) on loopback holds the linked collection,
behind a small counting HTTP proxy in this script, so every request the server
makes to the remote is seen and counted by method.  Two measurements:

1. Push latency: an appointment created, then moved, through the API of an
   `agenda serve` whose sync worker runs; the time from the API's answer to
   the event's arrival on the remote (its new DTSTART), polled with a GET
   straight to Radicale every 5 ms.  Median and worst of N changes (target:
   under 2 s).

2. The cost of a pull of an unchanged collection of 1,000 events (written
   into Radicale's folder, then pulled once in full): `agenda caldav sync`
   (one push and one pull, forced) run N times; the requests the proxy saw
   during each, and their time from the first request to the last answer
   (target: a single request, since Radicale supports sync-collection).  The
   same is then measured with the proxy hiding sync-collection (the report
   missing from the collection's supported reports, REPORT sync-collection
   answered 403), as a server without it is seen: the request count says
   whether an unchanged collection costs a listing of every member.

The server's clock is a clock file that never moves, so no pull is due but
the ones asked for.  Everything listens on loopback only and is stopped when
the script ends."""

import argparse
import datetime
import http.client
import json
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from run import Api, BenchError, Processes, free_port, run, wait_listening  # noqa: E402

NOW = 1893456000  # 2030-01-01T00:00:00Z, the server's clock
DAY = 86400
USER, PASSWORD = "doctor", "bench pass"


def utc(ts):
    return datetime.datetime.fromtimestamp(ts, datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def start_radicale(procs, tmp):
    """Radicale with plain htpasswd authentication and one calendar,
    /doctor/work/; returns (base URL, its collection folder)."""
    root = os.path.join(tmp, "collections", "collection-root", USER)
    folder = os.path.join(root, "work")
    os.makedirs(folder)
    with open(os.path.join(root, ".Radicale.props"), "w") as f:
        f.write("{}")
    with open(os.path.join(folder, ".Radicale.props"), "w") as f:
        json.dump({"tag": "VCALENDAR", "D:displayname": "Work"}, f)
    with open(os.path.join(tmp, "users"), "w") as f:
        f.write(f"{USER}:{PASSWORD}\n")
    port = free_port()
    conf = os.path.join(tmp, "radicale.conf")
    with open(conf, "w") as f:
        f.write(f"[server]\nhosts = 127.0.0.1:{port}\n[auth]\ntype = htpasswd\n"
                f"htpasswd_filename = {tmp}/users\nhtpasswd_encryption = plain\ndelay = 0\n"
                f"[storage]\nfilesystem_folder = {tmp}/collections\n"
                "[rights]\ntype = owner_only\n[logging]\nlevel = warning\n")
    log = os.path.join(tmp, "radicale.log")
    proc = procs.start(["radicale", "--config", conf], log)
    wait_listening(port, proc, "radicale", log)
    return f"http://127.0.0.1:{port}", folder


class CountingProxy:
    """An HTTP/1.1 proxy on loopback in front of one server: forwards every
    request as it is (a kept connection per client connection) and counts
    them by method.  With hide_sync, it plays a server without
    sync-collection: the report leaves the supported reports, and a REPORT
    sync-collection is a 403."""

    def __init__(self, upstream_port):
        self.lock = threading.Lock()
        self.requests = []  # (method [depth], monotonic time of the request, of the answer)
        self.hide_sync = False
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *a):
                pass

            def forward(self):
                began = time.monotonic()
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if not hasattr(self, "up"):
                    self.up = http.client.HTTPConnection("127.0.0.1", upstream_port, timeout=120)
                drop = ("host", "connection", "content-length")
                if proxy.hide_sync:  # answers it rewrites are read uncompressed
                    drop += ("accept-encoding",)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in drop}
                if (proxy.hide_sync and self.command == "REPORT"
                        and b"sync-collection" in body):
                    status, out_headers, data = 403, [("Content-Type", "text/plain")], b"no"
                else:
                    self.up.request(self.command, self.path, body=body or None, headers=headers)
                    r = self.up.getresponse()
                    data = r.read()
                    status, out_headers = r.status, r.getheaders()
                    if proxy.hide_sync and self.command == "PROPFIND":
                        data = data.replace(b"sync-collection", b"x-hidden-report")
                self.send_response(status)
                for k, v in out_headers:
                    if k.lower() not in ("connection", "content-length", "transfer-encoding"):
                        self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                try:
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    self.close_connection = True  # the client gave up (its timeout)
                    return
                what = self.command
                if what == "PROPFIND":
                    what += f" depth {self.headers.get('Depth', 'infinity')}"
                with proxy.lock:
                    proxy.requests.append((what, began, time.monotonic()))

            do_GET = do_PUT = do_DELETE = do_PROPFIND = do_REPORT = do_OPTIONS = forward
            do_HEAD = do_POST = do_PROPPATCH = forward

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def take(self):
        """The requests since the last take."""
        with self.lock:
            out, self.requests = self.requests, []
        return out

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def event_text(uid, start, stop):
    return ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//phone//EN\r\n"
            f"BEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20291201T000000Z\r\n"
            f"DTSTART:{utc(start)}\r\nDTEND:{utc(stop)}\r\nSUMMARY:Private\r\n"
            "END:VEVENT\r\nEND:VCALENDAR\r\n")


class Remote:
    """Reads the collection straight from Radicale (not through the proxy)."""

    def __init__(self, base):
        u = urllib.parse.urlsplit(base)
        self.conn = http.client.HTTPConnection(u.hostname, u.port, timeout=300)
        import base64
        self.auth = "Basic " + base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()

    def warm(self, path):
        """A PROPFIND Depth 0 of the collection: Radicale reads (and caches)
        every event to answer its ctag the first time, which can outlast
        the 20 s that linking waits on a busy machine."""
        self.conn.request("PROPFIND", path, headers={"Authorization": self.auth, "Depth": "0"})
        self.conn.getresponse().read()

    def dtstart(self, path):
        """The DTSTART of the event at path, or None while it is not there."""
        self.conn.request("GET", path, headers={"Authorization": self.auth})
        r = self.conn.getresponse()
        data = r.read().decode(errors="replace")
        if r.status != 200:
            return None
        for line in data.splitlines():
            if line.startswith("DTSTART"):
                return line.split(":", 1)[1].strip()
        return None


def push_latency(agenda, db, tmp, procs, conf, clock, api_cal, remote, changes):
    """Creates then moves `changes` appointments (alternately) through the
    API of a server whose worker runs; the seconds to each one's arrival."""
    port = free_port()
    log = os.path.join(tmp, "serve.log")
    proc = procs.start([agenda, "serve", "--db", db, "--listen", f"127.0.0.1:{port}",
                        "--clock-file", clock, "--config", conf, "--dispatch", "off",
                        "--sync", "on"], log)
    wait_listening(port, proc, "agenda serve", log)
    email, token, cal = api_cal
    api = Api(port, email, token)
    path_of = lambda aid: f"/{USER}/work/agenda-{aid}.ics"  # noqa: E731
    times = {"create": [], "move": []}
    try:
        time.sleep(1)  # the link's first run after the start
        for i in range(changes):
            start = NOW + 2 * DAY + (i // 2) * 3600
            if i % 2 == 0:
                t = time.monotonic()
                _, raw = api.call("POST", f"/api/v2/calendars/{cal}/appointments", {
                    "appointment": {"remote_id": f"lat{i}", "start": start,
                                    "stop": start + 1800, "title": "Consultation"}})
                aid = json.loads(raw)["appointment"]["id"]
                kind = "create"
            else:
                start += 600  # moved by 10 minutes
                t = time.monotonic()
                api.call("PUT", f"/api/v2/calendars/{cal}/appointments/{aid}", {
                    "appointment": {"start": start, "stop": start + 1800}})
                kind = "move"
            want = utc(start)
            deadline = t + 30
            while remote.dtstart(path_of(aid)) != want:
                if time.monotonic() > deadline:
                    raise BenchError(f"appointment {aid} did not arrive within 30 s")
                time.sleep(0.005)
            times[kind].append(time.monotonic() - t)
            time.sleep(0.1)  # changes apart, as a user makes them
    finally:
        procs.stop(proc)
    every = times["create"] + times["move"]
    return {"changes": changes, "median_s": statistics.median(every), "worst_s": max(every),
            "median_create_s": statistics.median(times["create"]),
            "median_move_s": statistics.median(times["move"])}


def pull_cost(cli_sync, proxy, rounds):
    """`agenda caldav sync` of the unchanged collection, `rounds` times: the
    requests the proxy saw and their span."""
    counts, spans, walls, methods = [], [], [], {}
    for _ in range(rounds):
        proxy.take()
        t = time.monotonic()
        cli_sync()
        walls.append(time.monotonic() - t)
        reqs = proxy.take()
        counts.append(len(reqs))
        for m, _, _ in reqs:
            methods[m] = methods.get(m, 0) + 1
        spans.append(max(e for _, _, e in reqs) - min(b for _, b, _ in reqs) if reqs else 0)
    return {"rounds": rounds, "median_requests": statistics.median(counts),
            "max_requests": max(counts), "methods": methods,
            "median_ms": statistics.median(spans) * 1000,
            "median_command_ms": statistics.median(walls) * 1000}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bin", default=os.path.join(ROOT, "build/bench/agenda"))
    ap.add_argument("--changes", type=int, default=20, help="appointment changes timed")
    ap.add_argument("--events", type=int, default=1000, help="events in the collection")
    ap.add_argument("--rounds", type=int, default=10, help="pulls of the unchanged collection")
    ap.add_argument("--label", default="")
    ap.add_argument("--out", default=os.path.join(HERE, "results"))
    args = ap.parse_args()
    agenda = os.path.abspath(args.bin)
    procs = Processes()
    tmp = tempfile.mkdtemp(prefix="agenda-bench-sync-")
    proxy = None
    results = {}
    try:
        clock = os.path.join(tmp, "clock")
        with open(clock, "w") as f:
            f.write(str(NOW))
        env = {k: v for k, v in os.environ.items() if k != "AGENDA_CONFIG"}
        env["AGENDA_CLOCK_FILE"] = clock
        db = os.path.join(tmp, "agenda.db")
        key = os.path.join(tmp, "sync.key")
        run([agenda, "keygen", key], env=env)
        conf = os.path.join(tmp, "agenda.ini")
        with open(conf, "w") as f:
            f.write(f"[server]\nsync_timeout = 120\n[sync]\nkey_file = {key}\n"
                    "allow_networks = 127.0.0.0/8, ::1/128\n")  # Radicale on loopback
        cli = lambda *a, **kw: run([agenda, *a, "--db", db], env=env, **kw)  # noqa: E731
        base, folder = start_radicale(procs, tmp)
        proxy = CountingProxy(int(base.rsplit(":", 1)[1]))
        email = "bench@example.com"
        token = cli("user", "add", "--email", email)
        center = int(cli("center", "add", "--name", "Bench sync", "--slug", "sync",
                         "--timezone", "Europe/Brussels"))
        cal = int(cli("calendar", "add", "--center", str(center), "--first-name", "Doc",
                      "--last-name", "Sync", "--slug", "sync-doc"))
        cli("user", "grant", "--email", email, "--center", str(center))
        for i in range(args.events):
            start = NOW + (i // 20) * DAY + (i % 20) * 3600
            with open(os.path.join(folder, f"ev{i}.ics"), "w", newline="") as f:
                f.write(event_text(f"ev{i}", start, start + 1800))
        remote = Remote(base)
        remote.warm(f"/{USER}/work/")
        r = subprocess.run([agenda, "caldav", "link", "--calendar", str(cal), "--url",
                            f"http://127.0.0.1:{proxy.port}/{USER}/work/", "--username", USER,
                            "--db", db, "--config", conf], input=PASSWORD + "\n", text=True,
                           capture_output=True, env=env, timeout=120)
        if r.returncode != 0:
            raise BenchError(f"caldav link: {r.stderr.strip()}")

        def cli_sync():
            cli("caldav", "sync", "--calendar", str(cal), "--config", conf, timeout=600)

        print(f"bench-sync: a first pull of {args.events} events", file=sys.stderr)
        t = time.monotonic()
        proxy.take()
        cli_sync()
        first = {"seconds": time.monotonic() - t, "requests": len(proxy.take())}
        status = cli("caldav", "status", "--calendar", str(cal))
        items = dict(line.partition(" ")[::2] for line in status.splitlines()).get("items")
        if items != str(args.events):
            raise BenchError(f"the first pull left {items} items, not {args.events}")
        print(f"bench-sync: {args.rounds} pulls of the unchanged collection", file=sys.stderr)
        with_sync = pull_cost(cli_sync, proxy, args.rounds)

        print(f"bench-sync: {args.changes} changes pushed", file=sys.stderr)
        latency = push_latency(agenda, db, tmp, procs, conf, clock, (email, token, cal),
                               remote, args.changes)
        proxy.take()

        # a server without sync-collection: a link learns it when made (a
        # relink of the same URL keeps its state), so unlinked and linked anew
        print(f"bench-sync: {args.rounds} pulls without sync-collection", file=sys.stderr)
        proxy.hide_sync = True
        cli("caldav", "unlink", "--calendar", str(cal))
        r = subprocess.run([agenda, "caldav", "link", "--calendar", str(cal), "--url",
                            f"http://127.0.0.1:{proxy.port}/{USER}/work/", "--username", USER,
                            "--db", db, "--config", conf], input=PASSWORD + "\n", text=True,
                           capture_output=True, env=env, timeout=120)
        if r.returncode != 0:
            raise BenchError(f"caldav link again: {r.stderr.strip()}")
        cli_sync()  # the first pull as such a server: a listing
        without_sync = pull_cost(cli_sync, proxy, args.rounds)
        results = {"events": args.events, "first_pull": first, "push": latency,
                   "pull_sync_collection": with_sync, "pull_ctag": without_sync}
    except BenchError as e:
        print(f"bench-sync: {e}", file=sys.stderr)
        return 1
    finally:
        if proxy:
            proxy.stop()
        procs.stop_all()
        subprocess.run(["rm", "-rf", tmp])
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True, cwd=ROOT).stdout.strip() or "unknown"
    now = datetime.datetime.now(datetime.timezone.utc)
    p, s, c = results["push"], results["pull_sync_collection"], results["pull_ctag"]
    meth = lambda d: ", ".join(f"{k} {v}" for k, v in sorted(d.items()))  # noqa: E731
    lines = [f"# CalDAV sync benchmark {now:%Y-%m-%d %H:%M} UTC", "",
             f"commit `{commit}`, {os.cpu_count()} cores, load average before "
             f"{os.getloadavg()[0]:.2f}; Radicale on loopback behind a counting proxy", "",
             "| measurement | median | worst | target | result |",
             "|---|---:|---:|---|---|",
             f"| local change to remote, {p['changes']} changes (create {p['median_create_s']:.2f}"
             f" s, move {p['median_move_s']:.2f} s) | {p['median_s']:.2f} s | {p['worst_s']:.2f} s"
             f" | < 2 s | {'pass' if p['worst_s'] < 2 else 'FAIL'} |",
             f"| requests per pull of {results['events']:,} unchanged events, sync-collection "
             f"({meth(s['methods'])} over {s['rounds']}) | {s['median_requests']:g} | "
             f"{s['max_requests']} | 1 | {'pass' if s['max_requests'] == 1 else 'FAIL'} |",
             f"| that pull's time at the remote (whole command {s['median_command_ms']:.0f} ms) |"
             f" {s['median_ms']:.1f} ms | | | |",
             f"| requests per pull without sync-collection ({meth(c['methods'])} over "
             f"{c['rounds']}) | {c['median_requests']:g} | {c['max_requests']} | 1, depth 0 "
             f"(ctag) | {'pass' if set(c['methods']) == {'PROPFIND depth 0'} and c['max_requests'] == 1 else 'FAIL'} |",
             f"| that pull's time at the remote (whole command {c['median_command_ms']:.0f} ms) |"
             f" {c['median_ms']:.1f} ms | | | |",
             f"| first pull of {results['events']:,} events: requests, seconds | "
             f"{results['first_pull']['requests']} | {results['first_pull']['seconds']:.1f} s "
             "| | |"]
    text = "\n".join(lines) + "\n"
    print(text)
    os.makedirs(args.out, exist_ok=True)
    stem = f"{now:%Y-%m-%d-%H%M}-{commit}-sync"
    if args.label:
        stem += f"-{args.label}"
    with open(os.path.join(args.out, stem + ".md"), "w") as f:
        f.write(text)
    with open(os.path.join(args.out, stem + ".json"), "w") as f:
        json.dump({"commit": commit, "results": results}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
"""suggestions_bench.py - the time of a 30-day GET /suggestions request on a
busy calendar (`make bench-suggestions`; a benchmark, not a test: it never
fails on a number).

Builds nothing itself: it is given an optimised binary (--bin).  In a fresh
temporary directory it creates a center (Europe/Brussels), a calendar open
Monday to Friday 08:30-12:00 and 13:00-17:30 with a 15-minute step, a
20-minute service, a few absences, and 20,000 appointments spread over five
years around today (loaded through appointments_collections, 1,000 per
request).  Then, on one keep-alive connection, it asks for the suggestions
of 30-day windows starting on each of the next 30 days, many times, and
reports the median, p90 and p99 of:

  - the end-to-end time seen by the client (request written to response
    read, on loopback, including Python's own overhead), and
  - the server-side time from the access log (`--access-log`: request
    received to response sent), which excludes the client.

Two request kinds are measured: the default limit (50 slots, what a booking
page asks for) and limit=1000 (every free slot of the 30 days).  The results
go to bench/results/suggestions-<date>.md and are printed.

Everything it starts listens on loopback only and is stopped at the end,
whether the run finishes, fails or is interrupted.
"""

import argparse
import base64
import datetime as dt
import http.client
import json
import os
import platform
import random
import re
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from zoneinfo import ZoneInfo

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
ZONE = "Europe/Brussels"
DAY = 86400
WORKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday"]
HOURS = [("08:30", "12:00"), ("13:00", "17:30")]


class BenchError(Exception):
    pass


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cli(binary, db, *args):
    p = subprocess.run([binary, *args[:2], "--db", db, *args[2:]], capture_output=True,
                       text=True, timeout=60)
    if p.returncode != 0:
        raise BenchError(f"agenda {' '.join(args)}: {p.stderr.strip()}")
    return p.stdout.strip()


class Client:
    """One keep-alive HTTP/1.1 connection with Basic credentials."""

    def __init__(self, port, email, token):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        cred = base64.b64encode(f"{email}:{token}".encode()).decode()
        self.headers = {"Authorization": f"Basic {cred}", "Connection": "keep-alive"}

    def call(self, method, path, body=None, want=200):
        headers = dict(self.headers)
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        self.conn.request(method, path, body=data, headers=headers)
        resp = self.conn.getresponse()
        raw = resp.read()
        if resp.status != want:
            raise BenchError(f"{method} {path} -> {resp.status} {raw[:300]!r}")
        return resp, raw

    def timed_get(self, path):
        """GET on the open connection; (nanoseconds, status, body bytes)."""
        t0 = time.perf_counter_ns()
        self.conn.request("GET", path, headers=self.headers)
        resp = self.conn.getresponse()
        raw = resp.read()
        return time.perf_counter_ns() - t0, resp.status, raw

    def close(self):
        self.conn.close()


def local_instant(day, hhmm):
    h, m = map(int, hhmm.split(":"))
    return int(dt.datetime(day.year, day.month, day.day, h, m,
                           tzinfo=ZoneInfo(ZONE)).timestamp())


def make_appointments(n, years, seed):
    """n appointments of 20 minutes on the 15-minute grid of the opening
    hours, on random working days from (years - 0.5) years ago to half a year
    ahead; some overlap, as in real calendars."""
    rng = random.Random(seed)
    today = dt.date.today()
    first = today - dt.timedelta(days=int((years - 0.5) * 365))
    days = [first + dt.timedelta(days=i) for i in range(int(years * 365))]
    days = [d for d in days if d.weekday() < 5]
    out = []
    for i in range(n):
        d = rng.choice(days)
        start_hm, stop_hm = rng.choice(HOURS)
        a = local_instant(d, start_hm)
        b = local_instant(d, stop_hm)
        start = a + rng.randrange(0, (b - a - 1200) // 900 + 1) * 900
        out.append({"remote_id": f"bench-{i}", "start": str(start), "stop": str(start + 1200),
                    "title": "bench"})
    return out


def pct(values, p):
    """The p-th percentile (nearest rank) of a non-empty list."""
    s = sorted(values)
    k = max(0, min(len(s) - 1, int(round(p / 100 * len(s) + 0.5)) - 1))
    return s[k]


def summary(values_us):
    return {"n": len(values_us), "min": min(values_us), "median": statistics.median(values_us),
            "p90": pct(values_us, 90), "p99": pct(values_us, 99),
            "mean": statistics.fmean(values_us)}


def read_log_durations(path):
    """(status, duration in µs) of every suggestions request logged, in order."""
    out = []
    with open(path, "rb") as f:
        for line in f.read().decode(errors="replace").splitlines():
            m = re.search(r" GET /api/v2/suggestions\S* (\d{3}) (\d+)us$", line)
            if m:
                out.append((int(m.group(1)), int(m.group(2))))
    return out


def git_describe():
    try:
        out = subprocess.run(["git", "-C", ROOT, "describe", "--always", "--dirty"],
                             capture_output=True, text=True, timeout=10).stdout.strip()
    except OSError:
        out = ""
    return out or "unknown (not a git checkout)"


def run(args):
    args.load_before = os.getloadavg()[0]
    binary = os.path.abspath(args.bin)
    if not os.access(binary, os.X_OK):
        raise BenchError(f"no executable at {binary} (make bench-suggestions builds it)")
    tmp = tempfile.mkdtemp(prefix="agenda-sugg-bench.")
    db = os.path.join(tmp, "bench.db")
    log_path = os.path.join(tmp, "access.log")
    server = None
    try:
        center = cli(binary, db, "center", "add", "--name", "Bench", "--slug", "bench",
                     "--timezone", ZONE)
        calendar = int(cli(binary, db, "calendar", "add", "--center", center, "--first-name",
                           "Bench", "--last-name", "Calendar", "--slug", "bench"))
        email = "bench@example.com"
        token = cli(binary, db, "user", "add", "--email", email)
        cli(binary, db, "user", "grant", "--email", email, "--center", center)

        port = free_port()
        server_log = open(os.path.join(tmp, "server.log"), "wb")
        server = subprocess.Popen(
            [binary, "serve", "--db", db, "--listen", f"127.0.0.1:{port}",
             "--access-log", log_path, *(["--threads", str(args.threads)] if args.threads
                                         else [])],
            stdout=server_log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + 20
        while True:
            if server.poll() is not None:
                raise BenchError(f"the server exited {server.returncode}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise BenchError("the server did not start")
                time.sleep(0.05)

        c = Client(port, email, token)
        base = f"/api/v2/calendars/{calendar}"
        c.call("PUT", f"{base}/opening_hours", {
            "opening_hours": [{"opening_hour": {"day": d, "start": a, "stop": b}}
                              for d in WORKDAYS for a, b in HOURS], "slot_step": 15})
        _, raw = c.call("POST", f"{base}/services_collections", {"services_collection": {
            "services": [{"service": {"remote_id": "consult", "name": "Consultation",
                                      "duration": 20}}]}})
        service_id = json.loads(raw)["services"][0]["service"]["id"]

        # A fortnight of holidays each year, and one in the measured windows.
        today = dt.date.today()
        absences = 0
        for y in range(-int(args.years), 2):
            absences += 1
            d = dt.date(today.year + y, 8, 1)
            c.call("POST", f"{base}/absences", {"absence": {
                "start": str(local_instant(d, "00:00")),
                "stop": str(local_instant(d + dt.timedelta(days=14), "00:00")),
                "title": "Summer"}}, want=201)
        d = today + dt.timedelta(days=20)
        c.call("POST", f"{base}/absences", {"absence": {
            "start": str(local_instant(d, "00:00")),
            "stop": str(local_instant(d + dt.timedelta(days=2), "00:00")), "title": "Leave"}},
            want=201)
        absences += 1

        appts = make_appointments(args.appointments, args.years, args.seed)
        t0 = time.monotonic()
        for i in range(0, len(appts), 1000):
            c.call("POST", f"{base}/appointments_collections", {"appointments_collection": {
                "appointments": [{"appointment": a} for a in appts[i:i + 1000]]}})
        load_s = time.monotonic() - t0
        resp, _ = c.call("GET", f"{base}/appointments?page=1")
        total = int(resp.getheader("X-Total-Count"))
        if total != args.appointments:
            raise BenchError(f"{total} appointments stored, {args.appointments} sent")

        # Windows: 30 days from each of the next 30 midnights (local).
        first = today + dt.timedelta(days=1)
        windows = [local_instant(first + dt.timedelta(days=i), "00:00") for i in range(30)]
        in_window = [sum(1 for a in appts if w <= int(a["start"]) < w + 30 * DAY)
                     for w in windows]

        def path(start, limit):
            q = f"calendar_id={calendar}&service_id={service_id}&start={start}" \
                f"&stop={start + 30 * DAY}"
            return f"/api/v2/suggestions?{q}" + (f"&limit={limit}" if limit else "")

        kinds = (("default limit (50)", None), ("limit=1000", 1000))
        client_us, counts = {}, {}
        for kind, limit in kinds:
            for i in range(args.warmup):
                _, status, _ = c.timed_get(path(windows[i % 30], limit))
                if status != 200:
                    raise BenchError(f"warm-up request answered {status}")
            client_us[kind], counts[kind] = [], []
            for i in range(args.requests):
                ns, status, raw = c.timed_get(path(windows[i % 30], limit))
                if status != 200:
                    raise BenchError(f"request answered {status}: {raw[:200]!r}")
                client_us[kind].append(ns / 1000)
                if i < 30:
                    counts[kind].append(len(json.loads(raw)["suggestions"]))
        # A log line is written once its response is done: wait for the last.
        per_kind = args.warmup + args.requests
        for _ in range(200):
            logged = read_log_durations(log_path)
            if len(logged) >= per_kind * len(kinds):
                break
            time.sleep(0.05)
        if len(logged) != per_kind * len(kinds) or any(st != 200 for st, _ in logged):
            raise BenchError(f"the access log has {len(logged)} suggestions lines, "
                             f"expected {per_kind * len(kinds)}, all 200")
        results = {}
        for k, (kind, _) in enumerate(kinds):
            measured = logged[k * per_kind + args.warmup:(k + 1) * per_kind]
            results[kind] = {"client": summary(client_us[kind]),
                             "server": summary([us for _, us in measured]),
                             "slots": (min(counts[kind]), max(counts[kind]))}
        c.close()
        return {"load_s": load_s, "appointments": total, "in_window": in_window,
                "absences": absences,
                "results": results, "calendar": calendar}
    finally:
        if server is not None and server.poll() is None:
            server.send_signal(signal.SIGTERM)
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
        if not args.keep:
            for name in os.listdir(tmp):
                os.unlink(os.path.join(tmp, name))
            os.rmdir(tmp)


def report(args, out):
    now = dt.datetime.now()
    load1 = os.getloadavg()[0]
    lines = [
        f"# Suggestions benchmark, {now:%Y-%m-%d %H:%M}",
        "",
        f"- commit: `{args.commit or git_describe()}`; binary: `{args.bin}` ({args.cflags})",
        f"- machine: {platform.machine()}, {os.cpu_count()} CPUs, "
        f"{platform.platform(terse=True)}; 1-minute load average {args.load_before:.2f} at the "
        f"start, {load1:.2f} at the end (other work on the machine shows in p90/p99)",
        f"- data: one calendar ({ZONE}), Monday-Friday 08:30-12:00 and 13:00-17:30, "
        f"15-minute step, a 20-minute service, {out['appointments']:,} appointments over "
        f"{args.years} years (loaded in {out['load_s']:.1f} s through "
        f"appointments_collections), {out['absences']} absences",
        f"- request: GET /suggestions for 30 days (stop - start = 30 days), windows starting "
        f"on each of the next 30 days in turn; {min(out['in_window'])}-"
        f"{max(out['in_window'])} appointments inside a window",
        f"- {args.requests} measured requests per kind after {args.warmup} warm-up requests, "
        "all on one keep-alive connection, one at a time",
        "",
        "| request | slots returned | end to end median | p90 | p99 | server median | p90 "
        "| p99 |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for kind, r in out["results"].items():
        cl, sv = r["client"], r["server"]
        lo, hi = r["slots"]
        slots = f"{lo}" if lo == hi else f"{lo}-{hi}"
        srv = (f"{sv['median'] / 1000:.3f} ms | {sv['p90'] / 1000:.3f} ms | "
               f"{sv['p99'] / 1000:.3f} ms")
        lines.append(f"| {kind} | {slots} | {cl['median'] / 1000:.3f} ms | "
                     f"{cl['p90'] / 1000:.3f} ms | {cl['p99'] / 1000:.3f} ms | {srv} |")
    lines += [
        "",
        "End to end is measured by the Python client (request written to the whole "
        "response read) and includes its own overhead; server is the access log's duration "
        "(request received to response sent).  The goal of issue 6 is a median under 2 ms "
        "at the server.",
        "",
    ]
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bin", default=os.path.join(ROOT, "build/bench-suggestions/agenda"))
    ap.add_argument("--cflags", default="see mk/bench-suggestions.mk",
                    help="how the binary was built (for the report only)")
    ap.add_argument("--commit", help="the commit the binary was built from, for the report "
                    "(default: git describe --dirty of this checkout)")
    ap.add_argument("--appointments", type=int, default=20_000)
    ap.add_argument("--years", type=int, default=5)
    ap.add_argument("--requests", type=int, default=2000, help="measured requests per kind")
    ap.add_argument("--warmup", type=int, default=200)
    ap.add_argument("--threads", type=int, default=0, help="server threads (default: its own)")
    ap.add_argument("--seed", type=int, default=6)
    ap.add_argument("--out", default=os.path.join(HERE, "results"))
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = ap.parse_args()
    try:
        out = run(args)
    except BenchError as e:
        print(f"suggestions_bench: {e}", file=sys.stderr)
        return 1
    text = report(args, out)
    os.makedirs(args.out, exist_ok=True)
    path = os.path.join(args.out, f"suggestions-{dt.date.today():%Y-%m-%d}.md")
    with open(path, "w") as f:
        f.write(text)
    print(text)
    print(f"written to {os.path.relpath(path, ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

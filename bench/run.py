#!/usr/bin/python3
"""run.py - the benchmark harness behind `make bench` (see README, Benchmarks).

Creates a fresh dataset through the API's own collection endpoints (timing the
load), then drives the running server with wrk, scenario by scenario, next to
the ceilings of this machine: nginx serving the same bytes as static files and
bench/sqlite_ceiling writing the same patient rows straight into SQLite.
Prints a results table and writes it as markdown and JSON under bench/results/.

Every process it starts (server, nginx, wrk, PostgreSQL) listens on or talks to
loopback only, every load is bounded in time, and all of them are stopped when
the harness ends, whether it finishes, fails or is interrupted.
"""

import argparse
import base64
import ctypes
import datetime
import http.client
import json
import math
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
WEEK = 7 * 86400

SCALES = {
    "full": dict(centers=5, calendars=50, patients=100_000, appointments=500_000,
                 years=5, services=10, duration=10, ceiling_rows=200_000),
    "quick": dict(centers=2, calendars=10, patients=10_000, appointments=20_000,
                  years=5, services=10, duration=3, ceiling_rows=50_000),
}
DAYS = ["monday", "tuesday", "wednesday", "thursday", "friday"]


class BenchError(Exception):
    pass


# ---- processes ---------------------------------------------------------------

def _die_with_parent():
    """In the child: get SIGTERM if the harness dies without cleaning up."""
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


class Processes:
    """Everything the harness started, stopped in reverse order at the end."""

    def __init__(self):
        self.procs = []
        self.cleanups = []

    def start(self, argv, log_path, **kw):
        log = open(log_path, "ab")
        p = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                             start_new_session=True, preexec_fn=_die_with_parent, **kw)
        log.close()
        self.procs.append(p)
        return p

    def stop(self, p, grace=10):
        if p.poll() is None:
            p.terminate()
            try:
                p.wait(grace)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()
        if p in self.procs:
            self.procs.remove(p)

    def stop_all(self):
        for p in reversed(list(self.procs)):
            self.stop(p)
        for fn in reversed(self.cleanups):
            try:
                fn()
            except Exception as e:  # cleanup goes on whatever happens
                print(f"bench: cleanup: {e}", file=sys.stderr)
        self.cleanups = []


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tail(path, n=10):
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-n:])
    except OSError:
        return ""


def wait_listening(port, proc, what, log, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise BenchError(f"{what} exited with status {proc.returncode}:\n{tail(log)}")
        try:
            socket.create_connection(("127.0.0.1", port), 0.5).close()
            return
        except OSError:
            time.sleep(0.05)
    raise BenchError(f"{what} did not listen on 127.0.0.1:{port} within {timeout} s")


def run(argv, timeout=120, **kw):
    """Runs a short command; returns its stdout, raises on failure."""
    r = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, **kw)
    if r.returncode != 0:
        raise BenchError(f"{' '.join(argv)}: exit {r.returncode}: {r.stderr.strip()}")
    return r.stdout.strip()


def status_kb(pid, field):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def reset_peak_rss(pid):
    """Resets VmHWM (Linux >= 4.0), so the next reading is this scenario's peak."""
    try:
        with open(f"/proc/{pid}/clear_refs", "w") as f:
            f.write("5")
    except OSError:
        pass


def process_tree(pid):
    """pid and its children (nginx: the master and its workers)."""
    pids = [pid]
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as f:
                pids += [int(c) for c in f.read().split()]
    except OSError:
        pass
    return pids


def cpu_seconds(pids):
    """User + system CPU time the processes have used so far."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
        except (OSError, IndexError):
            pass
    return total / os.sysconf("SC_CLK_TCK")


def busy_seconds():
    """CPU time the whole host has spent busy so far, all cores."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    return (sum(v) - v[3] - v[4]) / os.sysconf("SC_CLK_TCK")  # less idle and iowait


class ConnectionWatch:
    """Samples the kernel's socket tables while a load runs and collects the
    client ports of established connections to `port`.  A kept-alive
    connection keeps its port for the whole run, so with keep-alive the count
    stays at wrk's connection count; a server that closes connections shows
    many more (a new port per reconnect), whatever else runs on the host."""

    def __init__(self, port, interval=0.1):
        self.port, self.interval = port, interval
        self.ports = set()
        self.stop_event = threading.Event()
        self.thread = threading.Thread(target=self.loop, daemon=True)

    def sample(self):
        for table in ("/proc/net/tcp", "/proc/net/tcp6"):
            try:
                with open(table) as f:
                    next(f)
                    for line in f:
                        local, remote, state = line.split()[1:4]
                        if state == "01" and int(local.rsplit(":", 1)[1], 16) == self.port:
                            self.ports.add(int(remote.rsplit(":", 1)[1], 16))
            except OSError:
                pass

    def loop(self):
        while not self.stop_event.wait(self.interval):
            self.sample()

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop_event.set()
        self.thread.join()


# ---- the API client used to load the dataset ---------------------------------

class Api:
    def __init__(self, port, email, token):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
        self.auth = f"user_email={email}&user_token={token}"

    def call(self, method, path, body=None, want=(200, 201)):
        sep = "&" if "?" in path else "?"
        data = json.dumps(body).encode() if body is not None else None
        headers = {"Content-Type": "application/json"} if data else {}
        self.conn.request(method, f"{path}{sep}{self.auth}", body=data, headers=headers)
        r = self.conn.getresponse()
        raw = r.read()
        if r.status not in want:
            raise BenchError(f"{method} {path}: {r.status} {raw[:300]!r}")
        return r.status, raw


def patient(prefix, i):
    """One patient; the same generator as wrk/patients_post.lua and sqlite_ceiling.c."""
    rid = f"{prefix}{i}"
    return {"patient": {
        "remote_id": rid, "first_name": f"First{i}", "last_name": f"Last{i}",
        "email": f"{rid}@example.com", "phone_number": f"+32470{i % 1000000:06d}",
        "birthdate": f"{1930 + i % 90:04d}-{1 + i % 12:02d}-{1 + i % 28:02d}",
        "address": f"Rue de la Loi {1 + i % 200}, 1000 Brussels",
        "language_code": ["fr", "nl", "en"][i % 3]}}


def split(total, parts):
    """total split into `parts` near-equal shares."""
    return [total // parts + (1 if k < total % parts else 0) for k in range(parts)]


# ---- the dataset -------------------------------------------------------------

def create_accounts(agenda, db, scale):
    """Centers, calendars, a center for scenario 5's writes and the benchmark
    user, through the admin CLI."""
    cli = lambda *a: run([agenda, *a, "--db", db])
    centers = [int(cli("center", "add", "--name", f"Bench center {c}", "--slug", f"bench-{c}"))
               for c in range(scale["centers"])]
    calendars = []
    for k in range(scale["calendars"]):
        center = centers[k % len(centers)]
        cid = int(cli("calendar", "add", "--center", str(center), "--first-name", f"Doc{k}",
                      "--last-name", "Bench", "--slug", f"bench-doc-{k}",
                      "--speciality", "general_practice"))
        calendars.append({"id": cid, "center": center})
    # scenario 5 writes into a center of its own, so the others keep their size
    writes = int(cli("center", "add", "--name", "Bench writes", "--slug", "bench-writes"))
    email = "bench@example.com"
    token = cli("user", "add", "--email", email)
    for c in centers + [writes]:
        cli("user", "grant", "--email", email, "--center", str(c))
    return centers, writes, calendars, email, token


def load_dataset(api, scale, centers, calendars, span_start):
    """Loads services, patients and appointments through the collection
    endpoints, 1,000 entries per request; returns the timings and what the
    scenarios need to address the data."""
    timings = {}
    durations = [15, 20, 30]
    # the time of each 1,000-entry request, for the median per request
    per_request = {"patients": [], "appointments": []}

    def timed(kind, path, body):
        t = time.monotonic()
        api.call("POST", path, body)
        if len(body[f"{kind}_collection"][kind]) == 1000:
            per_request[kind].append(time.monotonic() - t)

    t0 = time.monotonic()
    for k in calendars:
        k["services"] = []
        for lo in range(0, scale["services"], 1000):
            body = {"services_collection": {"services": [
                {"service": {"remote_id": f"s{s}", "name": f"Service {s}",
                             "duration": durations[s % 3], "color": "#10a0f0"}}
                for s in range(lo, min(lo + 1000, scale["services"]))]}}
            _, raw = api.call("POST", f"/api/v2/calendars/{k['id']}/services_collections", body)
            k["services"] += [e["service"]["id"] for e in json.loads(raw)["services"]]
    timings["services"] = (scale["services"] * len(calendars), time.monotonic() - t0)

    hours = {"opening_hours": [{"opening_hour": {"day": d, "start": s, "stop": e}}
                               for d in DAYS for s, e in (("08:30", "12:00"), ("13:00", "18:00"))]}
    t0 = time.monotonic()
    for k in calendars:
        api.call("PUT", f"/api/v2/calendars/{k['id']}/opening_hours", hours)
    timings["opening_hours"] = (len(calendars), time.monotonic() - t0)

    t0 = time.monotonic()
    patient_ranges = []
    first = 0
    for center, count in zip(centers, split(scale["patients"], len(centers))):
        for lo in range(first, first + count, 1000):
            body = {"patients_collection": {"patients": [
                patient("p", i) for i in range(lo, min(lo + 1000, first + count))]}}
            timed("patients", f"/api/v2/centers/{center}/patients_collections", body)
        patient_ranges.append({"id": center, "first": first, "count": count,
                               "pages": max(1, count // 1000)})
        first += count
    timings["patients"] = (scale["patients"], time.monotonic() - t0, per_request["patients"])

    by_center = {r["id"]: r for r in patient_ranges}
    workdays = max(1, scale["years"] * 52 * 5)
    t0 = time.monotonic()
    for k, count in zip(calendars, split(scale["appointments"], len(calendars))):
        per_day = max(1, math.ceil(count / workdays))
        pr = by_center[k["center"]]
        entries = []
        for j in range(count):
            day, slot = divmod(j, per_day)
            start = span_start + (day // 5) * WEEK + (day % 5) * 86400 + 7 * 3600 + 1800 \
                + slot * 1800
            s = (j * 7) % scale["services"]
            entries.append({"appointment": {
                "remote_id": f"a{j}", "start": start, "stop": start + durations[s % 3] * 60,
                "patient_remote_id": f"p{pr['first'] + (j * 7919) % pr['count']}",
                "service_remote_id": f"s{s}", "title": "Consultation"}})
            if len(entries) == 1000 or j == count - 1:
                timed("appointments", f"/api/v2/calendars/{k['id']}/appointments_collections",
                      {"appointments_collection": {"appointments": entries}})
                entries = []
        k["appointments"] = count
    timings["appointments"] = (scale["appointments"], time.monotonic() - t0,
                               per_request["appointments"])
    return timings, patient_ranges


# ---- wrk ---------------------------------------------------------------------

def lua_value(v):
    if isinstance(v, dict):
        return "{" + ", ".join(f"{k} = {lua_value(x)}" for k, x in v.items()) + "}"
    if isinstance(v, (list, tuple)):
        return "{" + ", ".join(lua_value(x) for x in v) + "}"
    if isinstance(v, str):
        return json.dumps(v)
    return repr(v)


def wrk(tmp, script, params, port, connections, duration, threads, pids):
    """One wrk run against 127.0.0.1:port served by the processes `pids`;
    returns the numbers report.lua printed, the client ports seen, the
    servers' CPU time per request and the share of the host's CPU that
    neither they nor wrk used (other work on the machine: noise)."""
    path = os.path.join(tmp, f"wrk-{script}")
    with open(path, "w") as f:
        f.write(f"P = {lua_value(params)}\n")
        for part in ("report.lua", script):
            with open(os.path.join(HERE, "wrk", part)) as src:
                f.write(src.read() + "\n")
    cpu0, busy0, wall0 = cpu_seconds(pids), busy_seconds(), time.monotonic()
    wrk0 = sum(os.times()[2:4])  # CPU of the harness's finished children
    with ConnectionWatch(port) as watch:
        r = subprocess.run(["wrk", "-t", str(min(threads, connections)), "-c",
                            str(connections), "-d", f"{duration}s", "--timeout", "10s", "-s",
                            path, f"http://127.0.0.1:{port}"],
                           capture_output=True, text=True, timeout=duration + 60,
                           start_new_session=True, preexec_fn=_die_with_parent)
    server_cpu, wall = cpu_seconds(pids) - cpu0, time.monotonic() - wall0
    wrk_cpu = sum(os.times()[2:4]) - wrk0
    other = busy_seconds() - busy0 - server_cpu - wrk_cpu
    line = next((ln for ln in r.stdout.splitlines() if ln.startswith("BENCH ")), None)
    if r.returncode != 0 or not line:
        raise BenchError(f"wrk {script}: exit {r.returncode}: {r.stderr.strip() or r.stdout}")
    out = json.loads(line[6:])
    out["connections"] = connections
    out["client_ports"] = len(watch.ports)
    out["rps"] = out["requests"] / (out["duration_us"] / 1e6)
    e = out["errors"]
    non2xx = sum(n for s, n in out["statuses"].items() if not 200 <= int(s) < 300)
    out["error_count"] = non2xx + e["connect"] + e["read"] + e["write"] + e["timeout"]
    out["cpu_us_per_req"] = server_cpu * 1e6 / out["requests"] if out["requests"] else None
    out["other_cpu"] = max(0.0, other / (wall * (os.cpu_count() or 1)))
    return out



# ---- nginx -------------------------------------------------------------------

def start_nginx(procs, tmp, files):
    """Serves `files` ({url path: bytes}) from a docroot in tmp; returns the port."""
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    root = os.path.join(tmp, "docroot")
    for url_path, data in files.items():
        p = os.path.join(root, url_path.lstrip("/"))
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "wb") as f:
            f.write(data)
    # nginx workers run as an unprivileged user when started as root
    os.chmod(os.path.dirname(tmp), 0o711)
    for d, _, names in os.walk(tmp):
        os.chmod(d, 0o755)
        for n in names:
            os.chmod(os.path.join(d, n), 0o644)
    port = free_port()
    with open(os.path.join(HERE, "nginx.conf")) as f:
        conf = f.read()
    for k, v in {"@PREFIX@": tmp, "@ROOT@": root, "@PORT@": str(port),
                 "@WORKERS@": str(os.cpu_count() or 1)}.items():
        conf = conf.replace(k, v)
    conf_path = os.path.join(tmp, "nginx.conf")
    with open(conf_path, "w") as f:
        f.write(conf)
    log = os.path.join(tmp, "nginx-error.log")
    p = procs.start([nginx, "-p", tmp, "-c", conf_path, "-e", log], log)
    wait_listening(port, p, "nginx", log)
    return port, p.pid


# ---- the run -----------------------------------------------------------------

def git(*args):
    try:
        return run(["git", "-C", ROOT, *args])
    except (BenchError, OSError):
        return ""


def target_result(row):
    """pass/fail/n.a. for a row with a target."""
    return "n.a." if row.get("ok") is None else ("pass" if row["ok"] else "FAIL")


def bench_store(args, scale, store, db_url, procs, tmp):
    """Loads the dataset into a fresh store, runs every scenario; returns the report."""
    agenda = os.path.abspath(args.bin)
    t0 = time.monotonic()
    centers, writes_center, calendars, email, token = create_accounts(agenda, db_url, scale)
    accounts_s = time.monotonic() - t0

    port = free_port()
    serve = [agenda, "serve", "--db", db_url, "--listen", f"127.0.0.1:{port}"]
    if args.threads:
        serve += ["--threads", str(args.threads)]
    server_log = os.path.join(tmp, f"server-{store}.log")
    server = procs.start(serve, server_log)
    wait_listening(port, server, "the server", server_log)
    pid = server.pid
    api = Api(port, email, token)

    now = int(time.time())
    monday = now - (now - 4 * 86400) % WEEK  # 1970-01-05 was a Monday
    span_start = monday - (scale["years"] - 1) * 52 * WEEK
    print(f"bench: loading {scale['patients']} patients, {scale['appointments']} appointments "
          f"into {store} ...", flush=True)
    timings, patient_ranges = load_dataset(api, scale, centers, calendars, span_start)
    load_rss = status_kb(pid, "VmHWM")
    load = {k: {"rows": t[0], "seconds": t[1], "rows_per_s": t[0] / t[1] if t[1] else None,
                "median_ms_per_1000": median_ms(t[2]) if len(t) > 2 else None}
            for k, t in timings.items()}
    if args.load_only:
        api.conn.close()
        procs.stop(server)
        return {"store": store, "accounts_s": accounts_s, "load": load,
                "load_peak_rss_kb": load_rss, "peak_rss_256_kb": None, "scenarios": []}

    # the exact bytes the server answers, for nginx to serve
    _, centers_body = api.call("GET", "/api/v2/centers")
    first = patient_ranges[0]
    _, patient_body = api.call("GET", f"/api/v2/centers/{first['id']}/patients/"
                                      f"remote_id:p{first['first']}")
    api.conn.close()
    auth = {"email": email, "token": token}
    centers_path = f"/api/v2/centers?user_email={email}&user_token={token}"
    nginx_port, nginx_pid = start_nginx(procs, os.path.join(tmp, f"nginx-{store}"),
                             {"/api/v2/centers": centers_body, "/patient.json": patient_body})

    dur, conns, wt = scale["duration"], args.connections, args.wrk_threads
    rows = []

    def measure(*specs):
        """Runs each spec (key, name, script, params[, options]) args.repeat
        times, interleaved so that noise from the rest of the machine falls on
        all alike; keeps each one's median run by requests/s, with the errors
        of all its runs and the highest peak RSS and client port count."""
        runs = [[] for _ in specs]
        for i in range(args.repeat):
            for spec, out in zip(specs, runs):
                key, name, script, params, opt = (*spec, {})[:5]
                c = opt.get("connections", conns)
                target = opt.get("port", port)
                pids = [pid] if target == port else process_tree(nginx_pid)
                if target == port:
                    reset_peak_rss(pid)
                print(f"bench: {key} {name} ({c} connections, {dur} s, run {i + 1}/{args.repeat})",
                      flush=True)
                r = wrk(tmp, script, params, target, c, dur, wt, pids)
                r.update(key=key, name=name)
                r["peak_rss_kb"] = status_kb(pid, "VmHWM") if target == port else None
                if server.poll() is not None:
                    raise BenchError(f"the server died during {name}; see {server_log}")
                out.append(r)
        chosen = []
        for out in runs:
            r = dict(sorted(out, key=lambda x: x["rps"])[len(out) // 2])
            r["runs_rps"] = [x["rps"] for x in out]
            r["error_count"] = sum(x["error_count"] for x in out)
            r["client_ports"] = max(x["client_ports"] for x in out)
            r["keepalive_ok"] = r["client_ports"] <= r["connections"]
            if r["peak_rss_kb"] is not None:
                r["peak_rss_kb"] = max(x["peak_rss_kb"] for x in out)
            rows.append(r)
            chosen.append(r)
        return chosen

    def ceiling(row, ceil_rps, what, need):
        row["ceiling"] = what
        row["ceiling_rps"] = ceil_rps
        row["ratio"] = row["rps"] / ceil_rps if ceil_rps else None
        row["target"] = f">= {need:.0%} of {what}"
        row["ok"] = row["ratio"] is not None and row["ratio"] >= need

    # 1. centers, and nginx serving the same bytes
    s1, n1 = measure(("1", "GET /centers", "static.lua", {**auth, "path": centers_path}),
                     ("1n", "nginx, same bytes", "static.lua", {**auth, "path": centers_path},
                      {"port": nginx_port}))
    ceiling(s1, n1["rps"], "nginx", 0.80)
    s1["target"] += ", p99 < 5 ms"
    s1["ok"] = s1["ok"] and s1["latency_us"]["p99"] < 5000

    # 2. one patient by remote_id, and nginx serving a file of the same size
    s2, n2 = measure(("2", "GET patient by remote_id", "patient_get.lua",
                      {**auth, "centers": patient_ranges}),
                     ("2n", f"nginx, {len(patient_body)}-byte file", "static.lua",
                      {**auth, "path": "/patient.json"}, {"port": nginx_port}))
    ceiling(s2, n2["rps"], "nginx", 0.60)

    # 3. a page of 1,000 patients: throughput, then the latency of one client
    _, s3 = measure(("3", "GET page of 1,000 patients", "patients_page.lua",
                     {**auth, "centers": patient_ranges}),
                    ("3l", "GET page of 1,000 patients, one client", "patients_page.lua",
                     {**auth, "centers": patient_ranges}, {"connections": 1}))
    s3["target"] = "p50 < 10 ms"
    s3["ok"] = s3["latency_us"]["p50"] < 10000

    # 4. a week of appointments
    measure(("4", "GET a week of appointments", "appointments_week.lua",
             {**auth, "calendars": [k["id"] for k in calendars], "first": span_start,
              "weeks": scale["years"] * 52}))

    # 5. 1,000 new patients per request, against SQLite written from C
    s5, = measure(("5", "POST patients_collections (1,000)", "patients_post.lua",
                   {**auth, "center": writes_center, "batch": 1000, "prefix": f"w{int(time.time())}"},
                   {"connections": args.write_connections}))
    s5["rows_per_s"] = s5["rps"] * 1000
    ceiling_rps = run_ceiling(args, agenda, tmp, scale["ceiling_rows"], store)
    ceiling(s5, ceiling_rps / 1000 if ceiling_rps else None, "SQLite from C", 0.40)

    # 6. PUT an appointment by remote_id
    measure(("6", "PUT appointment by remote_id", "appointment_put.lua",
             {**auth, "calendars": [{"id": k["id"], "count": k["appointments"]}
                                    for k in calendars if k["appointments"]]}))

    # 7. suggestions over 30 days, once the endpoint answers
    k = calendars[0]
    probe = Api(port, email, token)
    probe_status = None
    try:
        probe_status, _ = probe.call(
            "GET", f"/api/v2/suggestions?calendar_id={k['id']}&service_id={k['services'][0]}"
                   f"&start={monday + WEEK}&stop={monday + WEEK + 30 * 86400}",
            want=range(100, 600))
    finally:
        probe.conn.close()
    if probe_status == 200:
        measure(("7", "GET suggestions over 30 days", "suggestions.lua",
                 {**auth, "pairs": [{"calendar": k["id"], "service": s}
                                    for k in calendars for s in k["services"][:3]],
                  "from": monday + WEEK, "days": 30}))
    else:
        rows.append({"key": "7", "name": "GET suggestions over 30 days",
                     "unavailable": f"not available (probe answered {probe_status})"})

    # peak RSS at 256 connections
    c256 = {"connections": 256}
    big = measure(("1c", "GET /centers", "static.lua", {**auth, "path": centers_path}, c256),
                  ("2c", "GET patient by remote_id", "patient_get.lua",
                   {**auth, "centers": patient_ranges}, c256),
                  ("3c", "GET page of 1,000 patients", "patients_page.lua",
                   {**auth, "centers": patient_ranges}, c256))
    peak = max(r["peak_rss_kb"] for r in big)
    for r in big:
        r["target"] = "peak RSS < 100 MB"
        r["ok"] = r["peak_rss_kb"] < 100 * 1024

    procs.stop(server)
    return {
        "store": store,
        "accounts_s": accounts_s,
        "load": load,
        "load_peak_rss_kb": load_rss,
        "peak_rss_256_kb": peak,
        "scenarios": rows,
    }


def run_ceiling(args, agenda, tmp, n, store):
    """Patient rows per second SQLite takes from C, on the server's schema."""
    db = os.path.join(tmp, f"ceiling-{store}.db")
    center = run([agenda, "center", "add", "--name", "Ceiling", "--slug", "ceiling", "--db", db])
    print(f"bench: SQLite ceiling, {n} rows", flush=True)
    out = json.loads(run([args.ceiling, db, center, str(n), "c"], timeout=600))
    for suffix in ("", "-wal", "-shm"):
        if os.path.exists(db + suffix):
            os.remove(db + suffix)
    return out["rows_per_s"]


# ---- reporting ----------------------------------------------------------------

def median_ms(seconds):
    """The median of request times (s) in ms, None when there are none."""
    if not seconds:
        return None
    xs = sorted(seconds)
    mid = len(xs) // 2
    return 1000 * (xs[mid] if len(xs) % 2 else (xs[mid - 1] + xs[mid]) / 2)


def ms(us):
    return f"{us / 1000:.2f}"


def markdown(report):
    m = report["meta"]
    out = [f"# Benchmark {m['date']} ({m['scale_name']})", "",
           f"commit `{m['commit']}`, {m['cores']} cores ({m['cpu']}), store {m['store']}, "
           f"wrk {m['wrk_threads']} threads, {m['duration']} s per run, median of "
           f"{m['repeat']}, server threads: "
           f"{m['server_threads'] or 'default'}, load average before the run "
           f"{m['loadavg_before']:.2f}", "",
           "scale: " + ", ".join(f"{k} {v:,}" for k, v in m["scale"].items()
                                 if k not in ("duration", "ceiling_rows")), ""]
    for st in report["stores"]:
        out += [f"## Store: {st['store']}", "",
                "| load | rows | seconds | rows/s | median ms per 1,000-entry request |",
                "|---|---:|---:|---:|---:|"]
        for k, v in st["load"].items():
            med = v.get("median_ms_per_1000")
            out.append(f"| {k} | {v['rows']:,} | {v['seconds']:.2f} | {v['rows_per_s']:,.0f} | "
                       f"{'' if med is None else f'{med:.1f}'} |")
        out += ["", f"Peak RSS while loading: {st['load_peak_rss_kb'] / 1024:.1f} MB"
                    + (f"; at 256 connections: {st['peak_rss_256_kb'] / 1024:.1f} MB."
                       if st["peak_rss_256_kb"] is not None else " (--load-only: no scenarios)."),
                ""]
        if not st["scenarios"]:
            continue
        out += ["| # | scenario | conns | req/s | p50 ms | p99 ms | errors | client ports | "
                "peak RSS MB | CPU us/req | other CPU | ceiling req/s | ratio | target | result |",
                "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|"]
        for r in st["scenarios"]:
            if "unavailable" in r:
                out.append(f"| {r['key']} | {r['name']} | | | | | | | | | | | | | "
                           f"{r['unavailable']} |")
                continue
            rss = f"{r['peak_rss_kb'] / 1024:.1f}" if r["peak_rss_kb"] else ""
            ceil = f"{r['ceiling_rps']:,.0f}" if r.get("ceiling_rps") else ""
            ratio = f"{r['ratio']:.1%}" if r.get("ratio") is not None else ""
            extra = f" ({r['rows_per_s']:,.0f} patients/s)" if "rows_per_s" in r else ""
            ka = "" if r["keepalive_ok"] else " (not kept alive)"
            out.append(
                f"| {r['key']} | {r['name']}{extra} | {r['connections']} | {r['rps']:,.0f} | "
                f"{ms(r['latency_us']['p50'])} | {ms(r['latency_us']['p99'])} | "
                f"{r['error_count']} | {r['client_ports']}{ka} | {rss} | "
                f"{r['cpu_us_per_req'] or 0:.1f} | {r['other_cpu']:.0%} | {ceil} | {ratio} | "
                f"{r.get('target', '')} | {target_result(r) if 'target' in r else ''} |")
        for r in st["scenarios"]:
            bad = {k: v for k, v in r.get("statuses", {}).items() if not k.startswith("2")}
            if bad:
                out.append(f"Scenario {r['key']} answered " +
                           ", ".join(f"{v} x {k}" for k, v in sorted(bad.items())) + ".")
        out += ["", "| target | result |", "|---|---|"]
        for name, ok in st["targets"]:
            out.append(f"| {name} | {'pass' if ok else 'FAIL'} |")
        out.append("")
    by_store = {st["store"]: st["load"] for st in report["stores"]}
    if "sqlite" in by_store and "postgres" in by_store:
        out += ["## PostgreSQL against SQLite", "",
                "| collection of 1,000 | SQLite median ms | PostgreSQL median ms | ratio |",
                "|---|---:|---:|---:|"]
        for k in ("patients", "appointments"):
            a = by_store["sqlite"].get(k, {}).get("median_ms_per_1000")
            b = by_store["postgres"].get(k, {}).get("median_ms_per_1000")
            if a and b:
                out.append(f"| {k} | {a:.1f} | {b:.1f} | {b / a:.2f} |")
        out.append("")
    return "\n".join(out)


def summarize_targets(st):
    if not st["scenarios"]:
        return []
    by = {r["key"]: r for r in st["scenarios"]}
    measured = [r for r in st["scenarios"] if "unavailable" not in r]

    def ok(key):
        return key in by and bool(by[key].get("ok"))
    return [
        ("1: >= 80% of nginx, p99 < 5 ms at 64 connections", ok("1")),
        ("connections kept alive (every scenario)", all(r["keepalive_ok"] for r in measured)),
        ("2: >= 60% of nginx on a same-size file", ok("2")),
        ("3: p50 < 10 ms", ok("3l")),
        ("5: >= 40% of the SQLite ceiling", ok("5")),
        ("no errors in any scenario", all(r["error_count"] == 0 for r in measured)),
        ("peak RSS < 100 MB at 256 connections", st["peak_rss_256_kb"] < 100 * 1024),
    ]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="the one-minute scale")
    for k in ("centers", "calendars", "patients", "appointments", "years", "services",
              "duration", "ceiling_rows"):
        ap.add_argument("--" + k.replace("_", "-"), type=int, help=f"override the scale's {k}")
    ap.add_argument("--store", choices=("sqlite", "postgres", "both"), default="sqlite")
    ap.add_argument("--db", help="SQLite file to create (must not exist) or an empty "
                                 "PostgreSQL database's URL; default: a fresh one")
    ap.add_argument("--bin", default=os.path.join(ROOT, "build/bench/agenda"))
    ap.add_argument("--ceiling", default=os.path.join(ROOT, "build/bench/sqlite_ceiling"))
    ap.add_argument("--connections", type=int, default=64)
    ap.add_argument("--write-connections", type=int, default=4,
                    help="connections of scenario 5 (writes queue for one lock)")
    ap.add_argument("--wrk-threads", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--threads", type=int, help="server worker threads (default: its own)")
    ap.add_argument("--repeat", type=int, help="runs of each scenario; the median is kept "
                                              "(default: 1 quick, 3 full)")
    ap.add_argument("--load-only", action="store_true",
                    help="load the dataset and report its timings, without the scenarios")
    ap.add_argument("--label", default="", help="added to the result file names")
    ap.add_argument("--out", default=os.path.join(HERE, "results"))
    args = ap.parse_args()

    scale_name = "quick" if args.quick else "full"
    scale = dict(SCALES[scale_name])
    for k in scale:
        if getattr(args, k, None) is not None:
            scale[k] = getattr(args, k)
            scale_name = "custom"
    if args.repeat is None:
        args.repeat = 1 if args.quick else 3
    if args.db and args.store == "both":
        ap.error("--db names one store; use --store sqlite or postgres without --db for both")
    stores = ["sqlite", "postgres"] if args.store == "both" else [args.store]
    if args.db:
        stores = ["postgres" if args.db.startswith(("postgres://", "postgresql://")) else "sqlite"]
        if stores[0] == "sqlite" and os.path.exists(args.db):
            ap.error(f"{args.db} exists; the benchmark loads a fresh database")

    procs = Processes()

    def on_signal(signum, frame):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGHUP, on_signal)
    tmp = tempfile.mkdtemp(prefix="agenda-bench-")
    procs.cleanups.append(lambda: shutil.rmtree(tmp, ignore_errors=True))
    reports = []
    load_before = os.getloadavg()[0]
    try:
        for store in stores:
            db = args.db
            if not db and store == "sqlite":
                db = os.path.join(tmp, "bench.db")
            elif not db:
                pg_dir = tempfile.mkdtemp(prefix="agenda-bench-pg-")
                script = os.path.join(ROOT, "scripts/pg-test-server.sh")
                procs.cleanups.append(lambda d=pg_dir: run(["sh", script, "stop", d]))
                db = run(["sh", script, "start", pg_dir, str(free_port()), str(os.getpid())])
            st = bench_store(args, scale, store, db, procs, tmp)
            st["targets"] = summarize_targets(st)
            reports.append(st)
    except KeyboardInterrupt:
        print("bench: interrupted; stopping what was started", file=sys.stderr)
        return 130
    except (BenchError, subprocess.TimeoutExpired, OSError) as e:
        print(f"bench: {e}", file=sys.stderr)
        return 1
    finally:
        procs.stop_all()

    commit = git("rev-parse", "--short", "HEAD") or "unknown"
    if git("status", "--porcelain", "--untracked-files=all", "--", "src", "Makefile"):
        commit += "-dirty"
    cpu = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(ln.split(":", 1)[1].strip() for ln in f if ln.startswith("model name"))
    except (OSError, StopIteration):
        pass
    now = datetime.datetime.now(datetime.timezone.utc)
    report = {"meta": {
        "date": now.strftime("%Y-%m-%d %H:%M UTC"), "commit": commit,
        "cores": os.cpu_count(), "cpu": cpu, "scale_name": scale_name, "scale": scale,
        "store": ", ".join(stores), "duration": scale["duration"],
        "wrk_threads": args.wrk_threads, "server_threads": args.threads,
        "loadavg_before": load_before, "repeat": args.repeat,
        "label": args.label, "load_only": args.load_only}, "stores": reports}
    text = markdown(report)
    print("\n" + text)
    os.makedirs(args.out, exist_ok=True)
    name = "-".join(x for x in (now.strftime("%Y-%m-%d-%H%M"), commit, scale_name,
                                "+".join(stores), "load" if args.load_only else "", args.label)
                    if x)
    for ext, data in (("md", text + "\n"), ("json", json.dumps(report, indent=1) + "\n")):
        with open(os.path.join(args.out, f"{name}.{ext}"), "w") as f:
            f.write(data)
    print(f"bench: results in {os.path.relpath(os.path.join(args.out, name), ROOT)}.{{md,json}}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

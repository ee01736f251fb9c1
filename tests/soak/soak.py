#!/usr/bin/env python3
"""Soak: a bounded load test of `agenda serve` on loopback.

    python3 tests/soak/soak.py --bin ./agenda --seconds 30
    make soak SOAK_SECONDS=300

Starts a server on a fresh database in a temporary directory, then runs
--connections client threads (128), each with a keep-alive connection of its
own, mixing reads (lists, windows, single objects, since polls) and writes
(creates, updates, deletes, collections) for --seconds.  Meanwhile the
server's resident memory (VmRSS) is sampled every second.  It fails when:

- any answer is a 5xx, or any request fails at the transport level;
- the server's RSS grows after warm-up by more than the margin (below);
- afterwards the server does not answer normally: every patient a client
  created and did not delete must be listed, nothing else, and a SIGTERM
  must stop it with exit status 0.

RSS margin.  The first 40% of the run is warm-up: SQLite's page cache (2 MiB
per connection, one connection per worker thread), malloc's per-thread
arenas and the mapped WAL index grow to their working size, then stay (over
300 s here: 14 MiB at start, 28 MiB after warm-up, 27 MiB at the end).  The
baseline is the highest RSS seen between 40% and 60% of the run; the
highest RSS of the last 20% may exceed it by max(8 MiB, 10%), room for
allocator fragmentation and a WAL index that grows between checkpoints,
which move RSS by a few MiB either way.  So a leak must add more than
8 MiB over the last 40% of the run: at the 250-600 requests/s this reaches
on two cores, about 1 KiB per request in the 30 s run, a few hundred bytes
in a 300 s one.  (Exact leak checking is LeakSanitizer's, in test-asan.)"""

import argparse
import pathlib
import random
import sys
import tempfile
import threading
import time
from collections import Counter

import requests

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "api"))
from helpers import (T0, Api, Cli, Server, appointment_fields, make_account,  # noqa: E402
                     patient_fields, rss_kib)

MIB = 1024


class Client(threading.Thread):
    """One keep-alive connection sending a random mix until `stop`."""

    def __init__(self, n, acct, stop, seed):
        super().__init__(daemon=True)
        self.n = n
        self.acct = acct
        self.stop = stop
        self.rng = random.Random(seed)
        self.api = Api(acct.api.base, acct.email, acct.token)
        self.statuses = Counter()
        self.errors = []
        self.live = set()  # patients this client created and did not delete
        self.made = 0

    def call(self, method, path, **kw):
        try:
            r = self.api.request(method, path, timeout=120, **kw)
        except requests.RequestException as e:
            self.errors.append(f"{method} {path}: {e!r}")
            return None
        self.statuses[r.status_code] += 1
        if r.status_code >= 500:
            self.errors.append(f"{method} {path}: {r.status_code} {r.text[:200]}")
        return r

    def new_rid(self):
        self.made += 1
        return f"c{self.n}-{self.made}"

    def step(self):
        a, r = self.acct, self.rng
        op = r.choices(["get_patient", "since", "window", "centers", "services", "page",
                        "create", "update", "delete", "collection", "appointment"],
                       weights=[20, 10, 15, 8, 5, 2, 12, 10, 5, 3, 10])[0]
        if op == "get_patient" and self.live:
            self.call("GET", f"{a.patients}/remote_id:{r.choice(sorted(self.live))}")
        elif op == "since":
            self.call("GET", a.patients, params={"since": int(time.time()) - 2})
        elif op == "window":
            start = T0 + 900 * r.randrange(2000)
            self.call("GET", a.appointments, params={"start": start, "stop": start + 86400})
        elif op == "centers":
            self.call("GET", "/centers")
        elif op == "services":
            self.call("GET", f"/calendars/{a.calendar_id}/services")
        elif op == "page":
            self.call("GET", a.patients, params={"page": r.randrange(1, 4)})
        elif op == "create":
            rid = self.new_rid()
            resp = self.call("POST", a.patients, json={"patient": patient_fields(rid)})
            if resp is not None and resp.status_code == 201:
                self.live.add(rid)
        elif op == "update" and self.live:
            rid = r.choice(sorted(self.live))
            self.call("PUT", f"{a.patients}/remote_id:{rid}",
                      json={"patient": {"notes": f"note {r.random()}"}})
        elif op == "delete" and self.live:
            rid = r.choice(sorted(self.live))
            resp = self.call("DELETE", f"{a.patients}/remote_id:{rid}")
            if resp is not None and resp.status_code == 204:
                self.live.discard(rid)
        elif op == "collection":
            rids = [self.new_rid() for _ in range(20)]
            body = {"patients_collection": {"patients": [{"patient": patient_fields(x)}
                                                         for x in rids]}}
            resp = self.call("POST", f"/centers/{a.center_id}/patients_collections", json=body)
            if resp is not None and resp.status_code == 200:
                self.live.update(rids)
        elif op == "appointment":
            start = T0 + 900 * r.randrange(2000)
            self.call("POST", a.appointments,
                      json={"appointment": appointment_fields(f"a{self.n}-{self.new_rid()}",
                                                              start=start, stop=start + 900)})

    def run(self):
        while not self.stop.is_set():
            self.step()


class RssSampler(threading.Thread):
    def __init__(self, pid, stop):
        super().__init__(daemon=True)
        self.pid = pid
        self.stop = stop
        self.samples = []  # (seconds since start, KiB)

    def run(self):
        began = time.monotonic()
        while not self.stop.wait(1.0):
            self.samples.append((time.monotonic() - began, rss_kib(self.pid)))


def rss_verdict(samples, seconds):
    """(ok, report) for the RSS samples of a run of `seconds`."""
    def peak(lo, hi):
        inside = [kib for t, kib in samples if lo * seconds <= t <= hi * seconds]
        return max(inside) if inside else None

    baseline, final = peak(0.4, 0.6), peak(0.8, 1.0)
    if baseline is None or final is None:
        return False, f"too few RSS samples: {samples}"
    margin = max(8 * MIB, baseline // 10)
    growth = final - baseline
    per_minute = growth / max(1.0, 0.4 * seconds) * 60
    report = (f"RSS: start {samples[0][1] / MIB:.1f} MiB, after warm-up {baseline / MIB:.1f} MiB, "
              f"end {final / MIB:.1f} MiB (growth {growth / MIB:+.1f} MiB, about "
              f"{per_minute / MIB:+.1f} MiB/min; allowed {margin / MIB:.1f} MiB)")
    return growth <= margin, report


def all_patients(api, acct):
    rows, page = [], 1
    while True:
        r = api.get(acct.patients, params={"page": page}, timeout=120)
        assert r.status_code == 200, r.text[:200]
        batch = [p["patient"] for p in r.json()["patients"]]
        rows += batch
        if len(batch) < 1000:
            return rows
        page += 1


def main():
    repo = pathlib.Path(__file__).resolve().parents[2]
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--bin", default=str(repo / "agenda"))
    ap.add_argument("--seconds", type=float, default=30)
    ap.add_argument("--connections", type=int, default=128)
    ap.add_argument("--seed", type=int, default=None)
    args = ap.parse_args()
    seed = args.seed if args.seed is not None else random.randrange(1_000_000)
    problems = []

    with tempfile.TemporaryDirectory(prefix="agenda-soak-") as tmp:
        d = pathlib.Path(tmp)
        cli = Cli(args.bin, d / "soak.db")
        srv = Server(args.bin, cli.db, d / "server.log").start()
        try:
            acct = make_account(cli, srv.base)
            stop = threading.Event()
            clients = [Client(n, acct, stop, f"{seed}:{n}") for n in range(args.connections)]
            sampler = RssSampler(srv.proc.pid, stop)
            print(f"soak: {args.connections} connections for {args.seconds:.0f} s "
                  f"(seed {seed}), server pid {srv.proc.pid}", flush=True)
            began = time.monotonic()
            sampler.start()
            for c in clients:
                c.start()
            time.sleep(args.seconds)
            stop.set()
            for c in clients:
                c.join(timeout=180)
            sampler.join()
            elapsed = time.monotonic() - began

            statuses = sum((c.statuses for c in clients), Counter())
            total = sum(statuses.values())
            print(f"soak: {total} requests in {elapsed:.0f} s ({total / elapsed:.0f}/s), "
                  f"statuses {dict(sorted(statuses.items()))}")
            errors = [e for c in clients for e in c.errors]
            if errors:
                problems.append(f"{len(errors)} failed requests, e.g.:\n  " +
                                "\n  ".join(errors[:10]))
            if any(c.is_alive() for c in clients):
                problems.append("a client thread never finished its last request")
            ok, report = rss_verdict(sampler.samples, args.seconds)
            print(f"soak: {report}")
            if not ok:
                problems.append(report)

            # Afterwards: normal answers, and exactly the patients the clients kept.
            api = Api(srv.base, acct.email, acct.token)
            r = api.get("/centers")
            if r.status_code != 200 or r.json()["centers"][0]["center"]["id"] != acct.center_id:
                problems.append(f"GET /centers afterwards: {r.status_code} {r.text[:200]}")
            expected = set().union(*(c.live for c in clients))
            listed = {p["remote_id"] for p in all_patients(api, acct)}
            if listed != expected:
                problems.append(f"patients afterwards: {len(listed - expected)} unexpected, "
                                f"{len(expected - listed)} missing, e.g. "
                                f"{sorted(listed ^ expected)[:5]}")
            r = api.post(acct.patients, {"patient": patient_fields("after-soak")})
            if r.status_code != 201:
                problems.append(f"a create afterwards: {r.status_code} {r.text[:200]}")
            status = srv.terminate(timeout=60)
            if status != 0:
                problems.append(f"SIGTERM: exit status {status}")
        finally:
            srv.kill()
            if problems:
                print("soak: server log tail:\n" + srv.log_tail(), file=sys.stderr)

    for p in problems:
        print(f"soak: FAILED: {p}", file=sys.stderr)
    if not problems:
        print("soak: passed")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/python3
"""reminders_bench.py - what patient messages cost (`make bench-reminders`, part
of `make bench`; README, Benchmarks).

Two measurements, each against a baseline taken in the same run:

1. The outbox's cost on appointment writes.  One server (dispatcher off),
   three centers alike but for their reminder settings: one sends nothing
   ("off"), one has two reminder rules ("reminders": two messages planned per
   written appointment), one has the same rules, confirmations and change
   notices ("all": three).  Collections of 1,000 new appointments go to the
   three centers in turn; the median time of each is compared with "off"
   (the target: reminders at no less than 85% of the speed without; "all" is
   reported beside it, the heaviest settings there are).

2. Dispatch throughput.  A center with confirmations on gets 1,000 booked
   appointments while its server's dispatcher is off; a server with the
   dispatcher on then sends the 1,000 confirmations to an SMTP server on
   loopback (python3-aiosmtpd), timed from its start to the last message
   received.  The baseline is Python's smtplib sending 1,000 messages of the
   same size to the same SMTP server, one connection each as the dispatcher
   does, so the sink's own speed is known.

Everything listens on loopback only and is stopped when the script ends.  The
clock is a clock file, so the appointments are ahead whatever the date."""

import argparse
import datetime
import json
import os
import smtplib
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from run import Api, BenchError, Processes, free_port, run, wait_listening  # noqa: E402

NOW = 1893456000  # 2030-01-01T00:00:00Z, the server's clock
DAY = 86400


class Sink:
    """An SMTP server on loopback that counts what it receives."""

    def __init__(self):
        from aiosmtpd.controller import Controller
        self.count = 0
        self.ids = set()
        self.lock = threading.Lock()
        self.port = free_port()
        sink = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                for line in envelope.content.split(b"\r\n"):
                    if line.lower().startswith(b"message-id:"):
                        with sink.lock:
                            sink.ids.add(line.split(b":", 1)[1].strip())
                        break
                with sink.lock:
                    sink.count += 1
                return "250 OK"

        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def wait_for(self, n, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if self.count >= n:
                    return True
            time.sleep(0.01)
        return False

    def reset(self):
        with self.lock:
            self.count = 0
            self.ids = set()

    def stop(self):
        self.controller.stop()


def start_server(procs, agenda, db, tmp, name, clock, config=None, dispatch="off"):
    port = free_port()
    log = os.path.join(tmp, f"{name}.log")
    argv = [agenda, "serve", "--db", db, "--listen", f"127.0.0.1:{port}", "--clock-file", clock,
            "--dispatch", dispatch]
    if config:
        argv += ["--config", config]
    proc = procs.start(argv, log)
    wait_listening(port, proc, "agenda serve", log)
    return proc, port


def setup_center(cli, slug, email, patients, api_port, token):
    center = int(cli("center", "add", "--name", f"Bench {slug}", "--slug", slug,
                     "--timezone", "Europe/Brussels"))
    calendar = int(cli("calendar", "add", "--center", str(center), "--first-name", "Doc",
                       "--last-name", slug, "--slug", f"{slug}-doc"))
    cli("user", "grant", "--email", email, "--center", str(center))
    api = Api(api_port, email, token)
    for lo in range(0, patients, 1000):
        body = {"patients_collection": {"patients": [{"patient": {
            "remote_id": f"p{i}", "first_name": f"First{i}", "last_name": f"Last{i}",
            "email": f"p{i}@example.com", "phone_number": f"+32470{i % 1000000:06d}",
            "language_code": ["fr", "nl", "en"][i % 3]}} for i in range(lo, lo + 1000)]}}
        api.call("POST", f"/api/v2/centers/{center}/patients_collections", body)
    return center, calendar, api


def collection(first, n, patients):
    """n new appointments, 30 minutes each, from 10 days after NOW on."""
    entries = []
    for j in range(first, first + n):
        start = NOW + 10 * DAY + (j // 16) * DAY + (j % 16) * 1800
        entries.append({"appointment": {
            "remote_id": f"a{j}", "start": start, "stop": start + 1800,
            "patient_remote_id": f"p{j % patients}", "title": "Consultation"}})
    return {"appointments_collection": {"appointments": entries}}


def outbox_cost(agenda, db, tmp, procs, rounds):
    cli = lambda *a: run([agenda, *a, "--db", db], env={**os.environ, "AGENDA_CLOCK_FILE": clock})
    clock = os.path.join(tmp, "clock")
    with open(clock, "w") as f:
        f.write(str(NOW))
    email = "bench@example.com"
    token = cli("user", "add", "--email", email)
    proc, port = start_server(procs, agenda, db, tmp, "outbox", clock)
    try:
        plain_center, plain_cal, api = setup_center(cli, "plain", email, 1000, port, token)
        on_center, on_cal, _ = setup_center(cli, "reminded", email, 1000, port, token)
        all_center, all_cal, _ = setup_center(cli, "notified", email, 1000, port, token)
        rules = ["--rule", "email 48h", "--rule", "sms day-before@18:00"]
        cli("reminders", "set", "--center", str(on_center), *rules)
        cli("reminders", "set", "--center", str(all_center), *rules, "--confirmation", "on",
            "--change-notice", "on")
        times = {"off": [], "on": [], "all": []}
        for r in range(rounds):
            for kind, cal in (("off", plain_cal), ("on", on_cal), ("all", all_cal)):
                body = collection(r * 1000, 1000, 1000)
                t = time.monotonic()
                api.call("POST", f"/api/v2/calendars/{cal}/appointments_collections", body)
                times[kind].append(time.monotonic() - t)
        planned = {k: cli("reminders", "list", "--center", str(c)).count("\n") + 1
                   for k, c in (("on", on_center), ("all", all_center))}
    finally:
        procs.stop(proc)
    off, on, every = (statistics.median(times[k]) for k in ("off", "on", "all"))
    return {"rounds": rounds, "median_ms_off": off * 1000, "median_ms_on": on * 1000,
            "median_ms_all": every * 1000, "speed_ratio": off / on, "speed_ratio_all": off / every,
            "messages_planned": planned["on"], "messages_planned_all": planned["all"]}


def dispatch_throughput(agenda, db, tmp, procs, messages):
    clock = os.path.join(tmp, "clock2")
    with open(clock, "w") as f:
        f.write(str(NOW))
    cli = lambda *a: run([agenda, *a, "--db", db], env={**os.environ, "AGENDA_CLOCK_FILE": clock})
    email = "bench@example.com"
    token = cli("user", "add", "--email", email)
    sink = Sink()
    try:
        proc, port = start_server(procs, agenda, db, tmp, "load", clock)
        try:
            center, cal, api = setup_center(cli, "confirm", email, 1000, port, token)
            cli("reminders", "set", "--center", str(center), "--confirmation", "on")
            for lo in range(0, messages, 1000):
                api.call("POST", f"/api/v2/calendars/{cal}/appointments_collections",
                         collection(lo, min(1000, messages - lo), 1000))
        finally:
            procs.stop(proc)
        config = os.path.join(tmp, "agenda.ini")
        with open(config, "w") as f:
            f.write(f"[smtp]\nurl = smtp://127.0.0.1:{sink.port}\n"
                    "from = Bench practice <noreply@example.org>\n")
        t = time.monotonic()
        proc, _ = start_server(procs, agenda, db, tmp, "dispatch", clock, config, "on")
        try:
            if not sink.wait_for(messages, 600):
                raise BenchError(f"only {sink.count} of {messages} messages arrived")
            dispatch_s = time.monotonic() - t
            distinct = len(sink.ids)
        finally:
            procs.stop(proc)
        # the baseline: the sink's speed with one connection per message
        sink.reset()
        body = ("From: Bench practice <noreply@example.org>\r\nTo: p@example.com\r\n"
                "Subject: Confirmation\r\nMessage-ID: <baseline-{i}@example.org>\r\n\r\n"
                + ("x" * 75 + "\r\n") * 20)
        t = time.monotonic()
        for i in range(messages):
            with smtplib.SMTP("127.0.0.1", sink.port) as s:
                s.sendmail("noreply@example.org", ["p@example.com"], body.format(i=i))
        baseline_s = time.monotonic() - t
    finally:
        sink.stop()
    return {"messages": messages, "distinct_message_ids": distinct,
            "dispatch_s": dispatch_s, "dispatch_per_s": messages / dispatch_s,
            "baseline_s": baseline_s, "baseline_per_s": messages / baseline_s,
            "ratio": baseline_s / dispatch_s}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bin", default=os.path.join(ROOT, "build/bench/agenda"))
    ap.add_argument("--store", choices=("sqlite", "postgres", "both"), default="sqlite")
    ap.add_argument("--rounds", type=int, default=15, help="collections per center")
    ap.add_argument("--messages", type=int, default=1000)
    ap.add_argument("--label", default="")
    ap.add_argument("--out", default=os.path.join(HERE, "results"))
    args = ap.parse_args()
    stores = ["sqlite", "postgres"] if args.store == "both" else [args.store]
    procs = Processes()
    tmp = tempfile.mkdtemp(prefix="agenda-bench-reminders-")
    os.chmod(tmp, 0o755)  # PostgreSQL's data directories below it belong to its own user
    results = {}
    try:
        for store in stores:
            def new_db(name):
                if store == "sqlite":
                    return os.path.join(tmp, f"{store}-{name}.db")
                pg_dir = tempfile.mkdtemp(prefix="agenda-bench-pg-", dir=tmp)
                script = os.path.join(ROOT, "scripts/pg-test-server.sh")
                procs.cleanups.append(lambda d=pg_dir: run(["sh", script, "stop", d]))
                return run(["sh", script, "start", pg_dir, str(free_port()), str(os.getpid())])
            print(f"bench-reminders: {store}: outbox cost, {args.rounds} collections per center",
                  file=sys.stderr)
            cost = outbox_cost(args.bin, new_db("cost"), tmp, procs, args.rounds)
            print(f"bench-reminders: {store}: dispatching {args.messages} messages",
                  file=sys.stderr)
            disp = dispatch_throughput(args.bin, new_db("dispatch"), tmp, procs, args.messages)
            results[store] = {"outbox": cost, "dispatch": disp}
    except BenchError as e:
        print(f"bench-reminders: {e}", file=sys.stderr)
        return 1
    finally:
        procs.stop_all()
        subprocess.run(["rm", "-rf", tmp])
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True, cwd=ROOT).stdout.strip() or "unknown"
    now = datetime.datetime.now(datetime.timezone.utc)
    lines = [f"# Reminders benchmark {now:%Y-%m-%d %H:%M} UTC", "",
             f"commit `{commit}`, {os.cpu_count()} cores, load average before "
             f"{os.getloadavg()[0]:.2f}", "",
             "| store | collection of 1,000, reminders off (median ms) | reminders on (median ms) "
             "| speed on/off | target | all messages on (median ms) | speed all/off "
             "| messages planned (on, all) | dispatch msg/s | sink baseline msg/s "
             "| dispatch/baseline | distinct Message-IDs |",
             "|---|---:|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|"]
    for store, r in results.items():
        o, d = r["outbox"], r["dispatch"]
        lines.append(
            f"| {store} | {o['median_ms_off']:.1f} | {o['median_ms_on']:.1f} | "
            f"{o['speed_ratio']:.0%} | >= 85%: {'pass' if o['speed_ratio'] >= 0.85 else 'FAIL'} "
            f"| {o['median_ms_all']:.1f} | {o['speed_ratio_all']:.0%} "
            f"| {o['messages_planned']:,}, {o['messages_planned_all']:,} "
            f"| {d['dispatch_per_s']:.0f} | {d['baseline_per_s']:.0f} "
            f"| {d['ratio']:.0%} | {d['distinct_message_ids']:,} of {d['messages']:,} |")
    text = "\n".join(lines) + "\n"
    print(text)
    os.makedirs(args.out, exist_ok=True)
    stem = f"{now:%Y-%m-%d-%H%M}-{commit}-reminders-{'+'.join(stores)}"
    if args.label:
        stem += f"-{args.label}"
    with open(os.path.join(args.out, stem + ".md"), "w") as f:
        f.write(text)
    with open(os.path.join(args.out, stem + ".json"), "w") as f:
        json.dump({"commit": commit, "results": results}, f, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())

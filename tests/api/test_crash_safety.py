"""Crash safety: a server killed in the middle of a stream of writes loses no
acknowledged write and leaves no collection half-written.

Each round runs writer threads against a server on one database file: two
send single creates (patients and appointments), two send 1,000-entry
collections (patients, appointments) whose remote_ids share a prefix of
their own.  Once writes have been acknowledged and more are in flight, the
server is stopped with SIGKILL (or SIGTERM), restarted on the same file, and:

- every write answered 2xx is there, with the content that was sent;
- every collection is there entirely or not at all (its prefix counts 0 or
  1,000 rows), and entirely when it was acknowledged;
- nothing is there that no writer sent.

Each round uses a new center and calendar, so the checks read only its
rows; the database file carries all the rounds."""

import random
import signal
import threading
import time

import pytest
import requests

from helpers import Account, Api, Cli, Server, expect, make_account, unwrap_list

COLLECTION = 1000
T_BASE = 1_750_000_000


class Round:
    """The writers of one round and what they sent and got acknowledged."""

    def __init__(self, acct, tag):
        self.acct = acct
        self.tag = tag
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.sent = {"patients": set(), "appointments": set()}  # single remote_ids
        self.acked = {"patients": set(), "appointments": set()}
        self.coll_sent = {"patients": set(), "appointments": set()}  # prefixes
        self.coll_acked = {"patients": set(), "appointments": set()}
        self.stopping = threading.Event()  # set just before the signal
        self.unexpected = []  # answers other than 2xx (503 once stopping)
        self.threads = [
            threading.Thread(target=self.singles, args=(kind,), daemon=True)
            for kind in ("patients", "appointments")
        ] + [
            threading.Thread(target=self.collections, args=(kind,), daemon=True)
            for kind in ("patients", "appointments")
        ]

    # -- bodies: every row's content derives from its remote_id --

    @staticmethod
    def patient(remote_id):
        return {"remote_id": remote_id, "first_name": remote_id, "last_name": "Crash",
                "email": "", "phone_number": ""}

    @staticmethod
    def appointment(remote_id, n):
        start = T_BASE + 60 * n
        return {"remote_id": remote_id, "start": start, "stop": start + 900, "title": remote_id}

    def post(self, api, path, body):
        """The answer, or None when the connection failed (server gone)."""
        try:
            return api.post(path, body, timeout=60)
        except requests.RequestException:
            return None

    def record(self, r, where):
        allowed = (200, 201, 503) if self.stopping.is_set() else (200, 201)
        if r is not None and r.status_code not in allowed:
            with self.lock:
                self.unexpected.append(f"{where}: {r.status_code} {r.text[:200]}")

    def singles(self, kind):
        a = self.acct
        api = Api(a.api.base, a.email, a.token)
        n = 0
        while not self.stop.is_set():
            n += 1
            rid = f"{self.tag}-s{kind[0]}-{n}"
            with self.lock:
                self.sent[kind].add(rid)
            if kind == "patients":
                r = self.post(api, a.patients, {"patient": self.patient(rid)})
            else:
                r = self.post(api, a.appointments, {"appointment": self.appointment(rid, n)})
            if r is None:
                return
            self.record(r, rid)
            if r.status_code == 201:
                with self.lock:
                    self.acked[kind].add(rid)

    def collections(self, kind):
        a = self.acct
        api = Api(a.api.base, a.email, a.token)
        k = 0
        while not self.stop.is_set():
            k += 1
            prefix = f"{self.tag}-c{kind[0]}{k}-"
            with self.lock:
                self.coll_sent[kind].add(prefix)
            if kind == "patients":
                entries = [{"patient": self.patient(f"{prefix}{i}")} for i in range(COLLECTION)]
                r = self.post(api, f"/centers/{a.center_id}/patients_collections",
                              {"patients_collection": {"patients": entries}})
            else:
                entries = [{"appointment": self.appointment(f"{prefix}{i}", 10_000 * k + i)}
                           for i in range(COLLECTION)]
                r = self.post(api, f"/calendars/{a.calendar_id}/appointments_collections",
                              {"appointments_collection": {"appointments": entries}})
            if r is None:
                return
            self.record(r, prefix)
            if r.status_code == 200:
                with self.lock:
                    self.coll_acked[kind].add(prefix)

    def acknowledged(self):
        with self.lock:
            return (sum(len(s) for s in self.acked.values()),
                    sum(len(s) for s in self.coll_acked.values()))


def all_patients(acct):
    """Every live patient of the account's center, through all pages."""
    rows, page = [], 1
    while True:
        batch = unwrap_list(expect(acct.api.get(acct.patients, params={"page": page}), 200),
                            "patients", "patient")
        rows += batch
        if len(batch) < 1000:
            return rows
        page += 1


def check_round(rnd, acct):
    """The state after the restart against what the round sent and got acked."""
    problems = []
    stored = {
        "patients": {p["remote_id"]: p for p in all_patients(acct)},
        "appointments": {a["remote_id"]: a for a in acct.list_appointments()},
    }
    for kind, rows in stored.items():
        content = "first_name" if kind == "patients" else "title"
        lost = rnd.acked[kind] - set(rows)
        if lost:
            problems.append(f"{kind}: {len(lost)} acknowledged single creates lost, "
                            f"e.g. {sorted(lost)[:5]}")
        counts = {}
        for rid, row in rows.items():
            if row[content] != rid:
                problems.append(f"{kind} {rid}: {content} is {row[content]!r}")
            if "-c" in rid:
                prefix = rid[:rid.rindex("-") + 1]
                counts[prefix] = counts.get(prefix, 0) + 1
            elif rid not in rnd.sent[kind]:
                problems.append(f"{kind} {rid}: present but never sent")
        for prefix in rnd.coll_sent[kind] | set(counts):
            n = counts.get(prefix, 0)
            if prefix not in rnd.coll_sent[kind]:
                problems.append(f"{kind} collection {prefix}: present but never sent")
            elif n not in (0, COLLECTION):
                problems.append(f"{kind} collection {prefix}: {n} of {COLLECTION} rows (torn)")
            elif prefix in rnd.coll_acked[kind] and n == 0:
                problems.append(f"{kind} collection {prefix}: acknowledged but absent")
    return problems


@pytest.fixture
def database(agenda_bin, tmp_path):
    return Cli(agenda_bin, tmp_path / "crash.db"), tmp_path


@pytest.mark.parametrize("how", ["SIGKILL", "SIGTERM"])
def test_acknowledged_writes_survive_a_stop_mid_stream(database, agenda_bin, how):
    cli, directory = database
    rng = random.Random()
    for n in range(2):
        parts = make_account(cli, "")
        srv = Server(agenda_bin, cli.db, directory / "server.log").start()
        acct = Account(cli, srv.base, parts.center_id, parts.calendar_id, parts.email,
                       parts.token)
        rnd = Round(acct, f"r{n}")
        for th in rnd.threads:
            th.start()
        try:
            # Mid-stream: some writes of each kind acknowledged, more in flight.
            deadline = time.monotonic() + 60
            while rnd.acknowledged()[0] < 20 or rnd.acknowledged()[1] < 2:
                assert time.monotonic() < deadline, f"writers made no progress: {srv.log_tail()}"
                assert srv.proc.poll() is None, f"the server died: {srv.log_tail()}"
                time.sleep(0.05)
            time.sleep(rng.uniform(0, 0.4))
            rnd.stopping.set()
            if how == "SIGKILL":
                srv.kill()
                status = srv.terminate()
                assert status == -signal.SIGKILL
            else:
                status = srv.terminate(timeout=60)
                assert status == 0, f"SIGTERM: exit status {status}: {srv.log_tail()}"
        finally:
            rnd.stop.set()
            srv.kill()
            for th in rnd.threads:
                th.join(timeout=60)
        assert not any(th.is_alive() for th in rnd.threads), "a writer is stuck"

        srv = Server(agenda_bin, cli.db, directory / "server.log").start()
        try:
            acct.api = Api(srv.base, acct.email, acct.token)
            problems = check_round(rnd, acct)
            assert not problems, f"round {n} ({how}):\n" + "\n".join(problems[:40])
            assert not rnd.unexpected, "\n".join(rnd.unexpected[:20])
        finally:
            srv.stop()

"""Sync fidelity: a client that keeps a copy of a center's patients and a
calendar's appointments using only `since` lists ends up with exactly the
server's state, deletions included.

The contract under test (README, "Patients"): `since=T` lists the objects
changed at or after second T, deleted ones included with "status":
"deleted", "so a poller that passes the time of its previous poll misses
nothing".  The poller here does exactly that: before each poll it notes the
current second, and passes the second noted at its previous poll.

The randomized model: several writer threads create, update, rename, delete
and upsert patients and appointments (singly and through collections, some
large enough to hold the write lock for a while) over a small shared pool
of remote_ids, so writes collide, fail (404, 409, 422: fine), and deleted
remote_ids are taken again by new objects.  A poller thread polls meanwhile.
When the writers stop, the poller polls once more, and its copy must equal
the server's full state (`since=0`, every object ever, tombstones
included), field for field, `warning` included (it changes when another
appointment starts or stops overlapping).

Since lists reach 30 seconds back (README), so within a run as short as
these a write that commits just after a poll is listed again anyway: the
focused tests at the end of this file arrange that race on purpose, and
check the fields an appointment shows of other objects.

Seeds: SEEDS=N runs N seeds (default 6) from SEED_BASE (default: random),
SEED=S runs seed S only, SYNC_SECONDS the writing time per seed (default 2;
longer while fewer than eight kinds of write have succeeded, at most 60 s).
SYNC_SECONDS=45 makes each run outlast the 30 s reach-back.  A seed fixes
every writer's sequence of operations; thread timing is not reproducible,
so a failing seed is worth running a few times:

    SEED=123 make sync-model        or
    SEED=123 python3 -m pytest tests/api/test_sync_model.py"""

import os
import random
import sqlite3
import subprocess
import threading
import time

import pytest
import requests

from helpers import (Api, Cli, Server, expect, make_account, patient_fields, unwrap_list,
                     unwrap_one)

PAGE = 1000
T_BASE = 1_760_000_000
POOL = 24  # shared remote_ids per kind


def seeds():
    if os.environ.get("SEED"):
        return [int(os.environ["SEED"])]
    # Parallel workers must collect the same tests: they share the run's id.
    run_id = os.environ.get("PYTEST_XDIST_TESTRUNUID")
    rng = random.Random(run_id) if run_id else random
    base = int(os.environ.get("SEED_BASE") or rng.randrange(1_000_000))
    return [base + i for i in range(int(os.environ.get("SEEDS", "6")))]


SYNC_SECONDS = float(os.environ.get("SYNC_SECONDS", "2"))
SYNC_SECONDS_MAX = max(SYNC_SECONDS, 60)  # the most a seed writes, however slow the machine
KINDS_WANTED = 8  # kinds of write (operation and kind of object) that must have succeeded


def succeeded_kinds(writers):
    """The operations that succeeded at least once, over every writer."""
    return {op for w in writers for (op, status) in list(w.outcomes) if 200 <= status < 300}


@pytest.fixture(scope="module")
def sync_server(agenda_bin, tmp_path_factory):
    d = tmp_path_factory.mktemp("sync")
    cli = Cli(agenda_bin, d / "sync.db")
    srv = Server(agenda_bin, cli.db, d / "server.log").start()
    yield cli, srv
    srv.stop()


# ---- the poller ---------------------------------------------------------------------


class Poller:
    """A client's copy of one center's patients and one calendar's
    appointments, kept with `since` lists only."""

    def __init__(self, acct):
        self.acct = acct
        self.api = Api(acct.api.base, acct.email, acct.token)
        self.patients = {}  # id -> object, tombstones included
        self.appointments = {}
        self.since = {"patients": 0, "appointments": 0}  # 0: the first poll takes all
        self.polls = 0

    def fetch(self, kind, since):
        """Every object the since list holds (patients come in pages)."""
        if kind == "appointments":
            return unwrap_list(expect(self.api.get(self.acct.appointments,
                                                   params={"since": since}), 200),
                               "appointments", "appointment")
        rows, page = [], 1
        while True:
            batch = unwrap_list(expect(self.api.get(self.acct.patients,
                                                    params={"since": since, "page": page}),
                                       200), "patients", "patient")
            rows += batch
            if len(batch) < PAGE:
                return rows
            page += 1

    def poll(self):
        for kind, copy in (("patients", self.patients), ("appointments", self.appointments)):
            now = int(time.time())  # the time of this poll, passed to the next one
            for obj in self.fetch(kind, self.since[kind]):
                copy[str(obj["id"])] = obj
            self.since[kind] = now
        self.polls += 1


def full_state(api, acct):
    """The server's whole state: every object ever, tombstones included."""
    p = Poller(acct)
    p.api = api
    return ({str(o["id"]): o for o in p.fetch("patients", 0)},
            {str(o["id"]): o for o in p.fetch("appointments", 0)})


def without(obj, *fields):
    return {k: v for k, v in obj.items() if k not in fields}


def differences(kind, copy, server, ignore=()):
    """Human-readable differences between the poller's copy and the server."""
    out = []
    for i in sorted(set(copy) | set(server), key=int):
        mine = without(copy[i], *ignore) if i in copy else None
        theirs = without(server[i], *ignore) if i in server else None
        if mine != theirs:
            out.append(f"{kind} {i}: poller has {mine}\n    server has {theirs}")
    return out


# ---- the writers ------------------------------------------------------------------------


class Writer(threading.Thread):
    """Random writes over the shared remote_id pools."""

    def __init__(self, acct, seed, n, stop):
        super().__init__(daemon=True)
        self.acct = acct
        self.rng = random.Random(f"{seed}:{n}")
        self.n = n
        self.stop = stop
        self.api = Api(acct.api.base, acct.email, acct.token)
        self.outcomes = {}  # (operation, status) -> count
        self.failures = []  # 5xx and transport errors
        self.bulk = 0
        self.seen = {"patients": [], "appointments": []}  # platform ids answered

    # -- random values --

    def rid(self, kind):
        return f"{kind[0]}{self.rng.randrange(POOL)}"

    def word(self):
        return self.rng.choice(["", "Anna", "Bram", "Chloé", "Dirk", "Eva", "Filip", "Greet"])

    def patient(self, remote_id=None):
        r = self.rng
        fields = {"first_name": self.word(), "last_name": self.word(),
                  "email": r.choice(["", "x@example.com"]),
                  "phone_number": r.choice(["", "+32470000001", "+32470000002"])}
        if r.random() < 0.3:
            fields["birthdate"] = r.choice([None, "1980-01-31", "2001-12-01"])
        if r.random() < 0.3:
            fields["notes"] = r.choice([None, "n1", "n2"])
        if r.random() < 0.2:
            fields["language_code"] = r.choice([None, "fr", "nl"])
        if remote_id is not None:
            fields["remote_id"] = remote_id
        return fields

    def appointment(self, remote_id=None):
        r = self.rng
        fields = {}
        if remote_id is not None or r.random() < 0.5:
            start = T_BASE + 900 * r.randrange(200)
            fields.update(start=start, stop=start + 900 * r.randrange(1, 4))
        for name, values in (("title", ["", "Consult", "Control"]),
                             ("notes", [None, "", "a note"]),
                             ("color", [None, "#ff0000", "#00ff00"]),
                             ("status", ["booked", "cancelled", "noshow"]),
                             ("noshow", [True, False]),
                             ("patient_arrived_at", [None, T_BASE + 60])):
            if r.random() < 0.3:
                fields[name] = r.choice(values)
        if remote_id is not None:
            fields["remote_id"] = remote_id
        return fields

    def ref(self, kind):
        """remote_id:X mostly, or a platform id this writer has seen."""
        if self.seen[kind] and self.rng.random() < 0.25:
            return str(self.rng.choice(self.seen[kind]))
        return f"remote_id:{self.rid(kind)}"

    # -- operations --

    def send(self, op, method, path, body=None):
        try:
            if body is None:
                r = self.api.request(method, path)
            else:
                r = self.api.request(method, path, json=body)
        except requests.RequestException as e:
            self.failures.append(f"{op}: {e!r}")
            return None
        key = (op, r.status_code)
        self.outcomes[key] = self.outcomes.get(key, 0) + 1
        if r.status_code >= 500:
            self.failures.append(f"{op} {method} {path}: {r.status_code} {r.text[:200]}")
        elif r.status_code in (200, 201) and self.rng.random() < 0.3:
            kind = op.split()[0]
            body = r.json()
            objects = ([body[kind[:-1]]] if kind[:-1] in body
                       else [e[kind[:-1]] for e in body[kind]])
            self.seen[kind].append(self.rng.choice(objects)["id"])
        return r

    def collection(self, kind):
        a, r = self.acct, self.rng
        singular = kind[:-1]
        make = self.patient if kind == "patients" else self.appointment
        if r.random() < 0.3:
            # A large collection of new objects: a long write transaction.
            self.bulk += 1
            entries = [make(f"bulk{self.n}-{self.bulk}-{i}")
                       for i in range(r.randrange(300, 1000))]
        else:
            entries = [make(self.rid(kind)) for _ in range(r.randrange(1, 6))]
        owner = f"/centers/{a.center_id}" if kind == "patients" else f"/calendars/{a.calendar_id}"
        body = {f"{kind}_collection": {kind: [{singular: e} for e in entries]}}
        self.send(f"{kind} collection", "POST", f"{owner}/{kind}_collections", body)

    def step(self):
        a, r = self.acct, self.rng
        kind = r.choice(["patients", "appointments"])
        base = a.patients if kind == "patients" else a.appointments
        singular = kind[:-1]
        make = self.patient if kind == "patients" else self.appointment
        op = r.choices(["create", "update", "rename", "delete", "collection"],
                       weights=[3, 4, 1, 2, 2])[0]
        if op == "create":
            self.send(f"{kind} create", "POST", base, {singular: make(self.rid(kind))})
        elif op == "update":
            self.send(f"{kind} update", "PUT", f"{base}/{self.ref(kind)}", {singular: make()})
        elif op == "rename":
            self.send(f"{kind} rename", "PUT", f"{base}/{self.ref(kind)}",
                      {singular: {"remote_id": self.rid(kind)}})
        elif op == "delete":
            self.send(f"{kind} delete", "DELETE", f"{base}/{self.ref(kind)}")
        else:
            self.collection(kind)

    def run(self):
        while not self.stop.is_set() and not self.failures:
            self.step()


@pytest.mark.parametrize("seed", seeds(), ids=lambda s: f"seed={s}")
def test_sync_model(sync_server, seed):
    cli, srv = sync_server
    acct = make_account(cli, srv.base)
    stop = threading.Event()
    writers = [Writer(acct, seed, n, stop) for n in range(3)]
    poller = Poller(acct)
    poll_rng = random.Random(f"{seed}:poller")

    poller.poll()
    # The writers stop at the deadline even while a poll is under way: a
    # poll pages on for as long as new rows arrive, and where writing is
    # faster than reading (sanitizer builds) it would never end.
    # ... and write for SYNC_SECONDS at least, on until enough kinds of write
    # have succeeded (a loaded machine writes slowly), within a cap.
    def stop_when_done():
        began = time.monotonic()
        while not stop.wait(0.1):
            elapsed = time.monotonic() - began
            if elapsed >= SYNC_SECONDS and (len(succeeded_kinds(writers)) >= KINDS_WANTED
                                            or elapsed >= SYNC_SECONDS_MAX):
                stop.set()
    deadline = threading.Thread(target=stop_when_done, daemon=True)
    for w in writers:
        w.start()
    deadline.start()
    try:
        while not stop.is_set() and all(w.is_alive() for w in writers):
            poller.poll()
            time.sleep(poll_rng.uniform(0, 0.05))
    finally:
        stop.set()
        deadline.join()
        for w in writers:
            w.join(timeout=120)
    poller.poll()  # once more, after the writers stopped

    hint = f"seed {seed}: reproduce with SEED={seed} make sync-model"
    failures = [f for w in writers for f in w.failures]
    assert not failures, f"{hint}\n" + "\n".join(failures[:20])
    outcomes = {}
    for w in writers:
        for key, count in w.outcomes.items():
            outcomes[key] = outcomes.get(key, 0) + count
    succeeded = succeeded_kinds(writers)
    assert len(succeeded) >= KINDS_WANTED, f"{hint}: too few kinds of write succeeded: {outcomes}"

    patients, appointments = full_state(acct.api, acct)
    diff = (differences("patient", poller.patients, patients) +
            differences("appointment", poller.appointments, appointments))
    assert not diff, (f"{hint}: after {poller.polls} polls the poller's copy differs from the "
                      f"server in {len(diff)} objects:\n" + "\n".join(diff[:15]))

    # The live lists agree with the tombstones.
    live_p = {str(p["id"]) for p in Poller(acct).fetch("patients", 0)
              if p["status"] != "deleted"}
    listed_p = set()
    page = 1
    while True:
        batch = acct.list_patients(page=page)
        listed_p |= {str(p["id"]) for p in batch}
        if len(batch) < PAGE:
            break
        page += 1
    assert listed_p == live_p, hint
    assert ({str(a["id"]) for a in acct.list_appointments()} ==
            {i for i, a in appointments.items() if a["status"] != "deleted"}), hint


# ---- focused tests --------------------------------------------------------------------------


def wait_for_second_start(margin=0.05):
    """Sleeps into the start of the next wall-clock second; returns it."""
    now = time.time()
    time.sleep(int(now) + 1 + margin - now)
    return int(time.time())


class WriteLock:
    """Another connection to the database holding what a write of a patient
    waits for: on SQLite the write lock (BEGIN IMMEDIATE, as every writer
    takes it), on PostgreSQL an EXCLUSIVE lock on the patients table."""

    def __init__(self, db):
        self.psql = self.sqlite = None
        if db.startswith("postgres"):
            self.psql = subprocess.Popen(["psql", db, "-qAt", "-v", "ON_ERROR_STOP=1"],
                                         stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                         text=True)
            self.psql.stdin.write("BEGIN; LOCK TABLE patients IN EXCLUSIVE MODE;"
                                  " SELECT 'locked';\n")
            self.psql.stdin.flush()
            assert self.psql.stdout.readline().strip() == "locked"
        else:
            self.sqlite = sqlite3.connect(db, isolation_level=None, timeout=30,
                                          check_same_thread=False)
            self.sqlite.execute("BEGIN IMMEDIATE")

    def release(self):
        if self.psql:
            self.psql.communicate("ROLLBACK;\n", timeout=60)
        else:
            self.sqlite.execute("ROLLBACK")
            self.sqlite.close()


def late_write(acct, db, poller, remote_id):
    """One attempt at a write that waits for a lock across a poll: the write
    is received in second S and waits for a lock (held by another connection
    to the database, as a long collection or the admin command line holds
    it) until S+1.6, while the poller polls in S+1.
    Returns (the write's answer, whether the poll was answered before the
    write, i.e. the race was arranged).

    A request waiting for the lock holds its worker thread, so a poll whose
    connection the server gave to that same worker waits too, and sees the
    write: fresh connections each attempt give it another chance."""
    poller.api = Api(acct.api.base, acct.email, acct.token)
    writer_api = Api(acct.api.base, acct.email, acct.token)
    done = {}

    def write():
        done["answer"] = writer_api.post(acct.patients, {"patient": patient_fields(remote_id)})
        done["at"] = time.monotonic()

    second = wait_for_second_start()
    lock = WriteLock(db)
    release = threading.Timer(second + 1.6 - time.time(), lock.release)
    writer = threading.Thread(target=write)
    release.start()
    writer.start()
    wait_for_second_start()
    poller.poll()  # in second S+1, the write still waiting
    polled_at = time.monotonic()
    writer.join(timeout=60)
    release.join()
    return done["answer"], polled_at < done["at"]


def test_write_waiting_for_the_lock_during_a_poll(sync_server):
    """A write received in second S that waits for the lock and commits after
    a poll made in second S+1 must still reach the poller, whose next poll
    passes since=S+1."""
    cli, srv = sync_server
    acct = make_account(cli, srv.base)
    poller = Poller(acct)
    poller.poll()
    for attempt in range(8):
        answer, arranged = late_write(acct, cli.db, poller, f"late-{attempt}")
        created = unwrap_one(expect(answer, 201), "patient")
        if arranged:
            break
    assert arranged, "the poll never came before the write's commit: no race arranged"
    poller.poll()
    assert str(created["id"]) in poller.patients, (
        "a patient whose write waited for the lock while the poller polled never reached "
        f"the poller; the server has it: {acct.get_patient(created['id'])}")


REACH = 30  # seconds a since list reaches back (README, "since reaches 30 seconds back")
BULK = 10_000


def test_long_collection_committed_after_a_poll(sync_server):
    """A collection whose transaction starts (and is stamped) in second S and
    commits in S+1, after a poll made in S+1, must still reach the poller.

    Each attempt uses a new center, sends a 10,000-entry collection shortly
    before a second starts and polls just after it.  The attempt counts when
    the poll saw none of the collection and the collection was stamped in S
    or before: a since list that reaches REACH seconds back tells which
    (`since=S+1+REACH` lists only what was stamped S+1 or later)."""
    cli, srv = sync_server
    body = {"patients_collection": {"patients": [
        {"patient": patient_fields(f"bulk-{i}")} for i in range(BULK)]}}
    # Aim the middle of the transaction at the start of the second: send it
    # about half its duration earlier, then adjust.
    acct = make_account(cli, srv.base)
    began = time.monotonic()
    expect(acct.api.post(f"/centers/{acct.center_id}/patients_collections", body), 200)
    lead = (time.monotonic() - began) / 2
    # A loaded machine makes the collection's duration vary from one attempt
    # to the next: many attempts, each about two seconds.
    for attempt in range(30):
        acct = make_account(cli, srv.base)
        poller = Poller(acct)
        poller.poll()
        sender = Api(acct.api.base, acct.email, acct.token)
        done = {}
        second = int(time.time()) + 1
        time.sleep(max(0, second - lead - time.time()))
        writer = threading.Thread(target=lambda: done.update(answer=sender.post(
            f"/centers/{acct.center_id}/patients_collections", body)))
        writer.start()
        wait_for_second_start(0.01)
        poller.api = Api(acct.api.base, acct.email, acct.token)  # a fresh connection
        poller.poll()
        seen_in_poll = len(poller.patients)
        writer.join(timeout=120)
        expect(done["answer"], 200)
        late_stamped = unwrap_list(expect(acct.api.get(
            acct.patients, params={"since": second + REACH, "page": 1}), 200),
            "patients", "patient")
        if seen_in_poll == 0 and not late_stamped:
            break  # arranged: stamped in S or before, committed after the poll
        # Committed before the poll: send it later; stamped too late: earlier.
        lead = lead * 0.6 if seen_in_poll else lead * 1.5
    else:
        pytest.fail("could not arrange a collection committed after a poll in a later second")
    poller.poll()
    assert len(poller.patients) == BULK, (
        f"a collection stamped in second {second - 1} or before and committed after a poll in "
        f"second {second} reached the poller with {len(poller.patients)} of {BULK} patients")


# Appointments show fields derived from other objects: `warning` (another
# appointment overlaps), `patient_remote_id` (the patient's), `color` and
# `service_remote_id` (the service's).  A poller only sees such a change if
# the appointment is listed again; within REACH seconds of its own last
# change it is anyway, so these appointments are made when the module's
# server starts, and changed at the end of the module, REACH + 1 seconds
# later at least (the model runs in between).


class Linked:
    """One center with appointments whose shown fields derive from others."""

    def __init__(self, acct):
        self.acct = acct
        acct.create_patient(remote_id="before")
        acct.upsert_services({"remote_id": "svc", "name": "Consult", "duration": 15,
                              "color": "#111111"})
        self.alone = acct.create_appointment(remote_id="alone", start=T_BASE,
                                             stop=T_BASE + 3600)
        self.linked = acct.create_appointment(remote_id="linked", patient_remote_id="before",
                                              start=T_BASE + 86400, stop=T_BASE + 86400 + 900)
        self.colored = acct.create_appointment(remote_id="colored", service_remote_id="svc",
                                               start=T_BASE + 2 * 86400,
                                               stop=T_BASE + 2 * 86400 + 900)
        assert (self.alone["warning"], self.colored["color"]) == (False, "#111111")
        self.made = time.time()


@pytest.fixture(scope="module")
def linked(sync_server):
    cli, srv = sync_server
    return Linked(make_account(cli, srv.base))


@pytest.fixture(scope="module", autouse=True)
def start_linked_early(linked):
    """Makes the linked appointments before the module's first test."""


def test_derived_fields_reach_a_poller(linked):
    acct = linked.acct
    poller = Poller(acct)
    time.sleep(max(0, linked.made + REACH + 1 - time.time()))
    wait_for_second_start()
    poller.poll()  # takes everything; the next poll reaches back to after they were made
    wait_for_second_start()

    acct.create_appointment(remote_id="overlapping", start=T_BASE + 600, stop=T_BASE + 1200)
    expect(acct.api.put(f"{acct.patients}/remote_id:before",
                        {"patient": {"remote_id": "after"}}), 200)
    service = acct.list_services()[0]
    acct.upsert_services({"id": service["id"], "remote_id": "svc2", "color": "#222222"})
    poller.poll()

    problems = []
    for appt, field, new in ((linked.alone, "warning", True),
                             (linked.linked, "patient_remote_id", "after"),
                             (linked.colored, "color", "#222222"),
                             (linked.colored, "service_remote_id", "svc2")):
        shown = acct.get_appointment(appt["id"])[field]
        assert shown == new, f"{appt['remote_id']}: the server shows {field} {shown!r}"
        copy = poller.appointments[appt["id"]][field]
        if copy != new:
            problems.append(f"appointment {appt['remote_id']!r}: the server shows {field} "
                            f"{new!r}, the poller still has {copy!r}")
    assert not problems, ("changes to what an appointment shows never reach a since poller "
                          "(the appointment is not listed again):\n" + "\n".join(problems))

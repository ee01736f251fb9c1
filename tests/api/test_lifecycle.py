"""Concurrent writers, SIGTERM with requests in flight, durability across restarts."""

import signal
import subprocess
import threading

import requests

from helpers import Account, Api, Cli, expect, make_account, patient_fields, unwrap_list


def test_eight_threads_create_patients_concurrently(acct):
    per_thread = 25
    statuses = []
    lock = threading.Lock()
    barrier = threading.Barrier(8)

    def worker(t):
        api = Api(acct.api.base, acct.email, acct.token)  # a session (connection) per thread
        barrier.wait()
        for i in range(per_thread):
            r = api.post(acct.patients, {"patient": patient_fields(f"t{t}-{i}")})
            with lock:
                statuses.append(r.status_code)

    threads = [threading.Thread(target=worker, args=(t,)) for t in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()

    assert len(statuses) == 8 * per_thread
    assert set(statuses) == {201}, sorted(set(statuses))
    r = acct.api.get(acct.patients)
    listed = unwrap_list(expect(r, 200), "patients", "patient")
    assert r.headers["X-Total-Count"] == str(8 * per_thread)
    assert {p["remote_id"] for p in listed} == {f"t{t}-{i}" for t in range(8)
                                                for i in range(per_thread)}


def test_concurrent_writers_on_different_centers_and_collections(new_account):
    accounts = [new_account() for _ in range(4)]
    results = []
    lock = threading.Lock()

    def worker(a, k):
        api = Api(a.api.base, a.email, a.token)
        entries = [{"patient": patient_fields(f"k{k}-{i}")} for i in range(50)]
        r1 = api.post(f"/centers/{a.center_id}/patients_collections",
                      {"patients_collection": {"patients": entries}})
        r2 = api.post(a.appointments, {"appointment": {"remote_id": f"a{k}", "start": 1700000000,
                                                       "stop": 1700000600}})
        with lock:
            results.append((r1.status_code, r2.status_code))

    threads = [threading.Thread(target=worker, args=(a, k))
               for k in range(2) for a in accounts]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert results == [(200, 201)] * 8
    for a in accounts:
        assert len(a.list_patients()) == 100
        assert len(a.list_appointments()) == 2


def test_cli_writes_while_the_server_writes(acct, cli):
    """The command line and the server share the database file: account changes
    made while the server is busy writing succeed, and neither side fails."""
    statuses = []
    lock = threading.Lock()
    done = threading.Event()

    def writer(t):
        api = Api(acct.api.base, acct.email, acct.token)
        i = 0
        while not done.is_set():
            i += 1
            entries = [{"patient": patient_fields(f"cw{t}-{i}-{j}")} for j in range(20)]
            r = api.post(f"/centers/{acct.center_id}/patients_collections",
                         {"patients_collection": {"patients": entries}})
            with lock:
                statuses.append(r.status_code)

    threads = [threading.Thread(target=writer, args=(t,)) for t in range(4)]
    for th in threads:
        th.start()
    try:
        made = [make_account(cli, acct.api.base) for _ in range(5)]
    finally:
        done.set()
        for th in threads:
            th.join()
    assert statuses and set(statuses) == {200}, sorted(set(statuses))
    r = acct.api.get(acct.patients)
    assert r.headers["X-Total-Count"] == str(20 * len(statuses))
    for a in made:
        assert [c["center"]["id"] for c in expect(a.api.get("/centers"), 200)["centers"]] == [
            a.center_id]


def test_serve_with_explicit_thread_count(agenda_bin, tmp_path, start_server):
    db = tmp_path / "threads.db"
    cli = Cli(agenda_bin, db)
    srv = start_server(db, "--threads", 2)
    acct = make_account(cli, srv.base)
    statuses = []
    lock = threading.Lock()

    def worker(t):
        api = Api(srv.base, acct.email, acct.token)
        for i in range(10):
            r = api.post(acct.patients, {"patient": patient_fields(f"th{t}-{i}")})
            with lock:
                statuses.append(r.status_code)

    threads = [threading.Thread(target=worker, args=(t,)) for t in range(6)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert statuses == [201] * 60
    assert len(acct.list_patients()) == 60


def test_sigterm_exits_zero_and_keeps_acknowledged_writes(agenda_bin, tmp_path, start_server):
    db = tmp_path / "sigterm.db"
    cli = Cli(agenda_bin, db)
    srv = start_server(db)
    acct = make_account(cli, srv.base)

    acknowledged = []  # remote_ids whose creation got a 2xx
    lock = threading.Lock()
    enough = threading.Event()
    stop = threading.Event()

    def writer(t):
        session = requests.Session()
        url = srv.base + "/api/v2" + acct.patients
        params = {"user_email": acct.email, "user_token": acct.token}
        i = 0
        while not stop.is_set():
            i += 1
            if i % 5 == 0:  # some collections in the mix
                rids = [f"w{t}-{i}-{j}" for j in range(20)]
                body = {"patients_collection": {"patients": [
                    {"patient": patient_fields(r)} for r in rids]}}
                target = f"{srv.base}/api/v2/centers/{acct.center_id}/patients_collections"
            else:
                rids = [f"w{t}-{i}"]
                body = {"patient": patient_fields(rids[0])}
                target = url
            try:
                r = session.post(target, params=params, json=body, timeout=30)
            except requests.RequestException:
                return  # the server went away
            if 200 <= r.status_code < 300:
                with lock:
                    acknowledged.extend(rids)
                    if len(acknowledged) >= 200:
                        enough.set()
            elif r.status_code >= 500:
                continue  # refused while shutting down: not acknowledged, fine

    threads = [threading.Thread(target=writer, args=(t,)) for t in range(6)]
    for th in threads:
        th.start()
    assert enough.wait(timeout=60), "writers made no progress"
    srv.proc.send_signal(signal.SIGTERM)
    try:
        status = srv.proc.wait(timeout=20)
        exited_under_load = True
    except subprocess.TimeoutExpired:
        exited_under_load = False
    stop.set()
    for th in threads:
        th.join(timeout=60)
    if not exited_under_load:  # let it finish now that the clients are quiet
        status = srv.terminate(timeout=20)

    with lock:
        expected = set(acknowledged)
    restarted = start_server(db)
    api = Api(restarted.base, acct.email, acct.token)
    stored = set()
    page = 1
    while True:
        r = api.get(acct.patients, params={"page": page})
        batch = unwrap_list(expect(r, 200), "patients", "patient")
        if not batch:
            break
        stored |= {p["remote_id"] for p in batch}
        page += 1
    assert expected <= stored, f"{len(expected - stored)} acknowledged writes lost"
    assert exited_under_load, ("agenda serve still running 20 s after SIGTERM while clients "
                               "kept sending requests on keep-alive connections")
    assert status == 0, f"agenda serve exited {status}: {srv.log_tail()}"


def test_restart_keeps_everything(agenda_bin, tmp_path, start_server):
    db = tmp_path / "restart.db"
    cli = Cli(agenda_bin, db)
    srv = start_server(db)
    acct = make_account(cli, srv.base)
    p = acct.create_patient(remote_id="persist", birthdate="1990-05-16")
    acct.upsert_services({"remote_id": "s", "name": "S", "duration": 30, "color": "#010203"})
    a = acct.create_appointment(remote_id="a", patient_remote_id="persist",
                                service_remote_id="s", notes="n")
    assert srv.terminate() == 0

    srv2 = start_server(db)
    again = Account(cli, srv2.base, acct.center_id, acct.calendar_id, acct.email, acct.token)
    assert again.get_patient("remote_id:persist") == p
    assert again.get_appointment("remote_id:a") == a
    assert [s["remote_id"] for s in again.list_services()] == ["s"]

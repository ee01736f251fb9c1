"""Several `agenda serve` processes on one PostgreSQL database, and a
database that goes away under a running server.

Every rule the API promises must hold across servers, because the database
enforces it: no acknowledged write lost, no remote_id duplicated, no request
failing with a 5xx however the requests race; and during an outage requests
get a JSON 503, after which the servers recover by themselves."""

import random
import subprocess
import threading
import time

import requests

from helpers import (Api, Cli, Server, expect, make_account, patient_fields, unique,
                     unwrap_list)

CLIENTS = 16
ROUNDS = 40
SHARED = [f"shared-{i}" for i in range(12)]  # remote_ids every client upserts


def all_patients(api, center_id):
    """Every live patient of the center, through the paginated list."""
    out, page = [], 1
    while True:
        body = expect(api.get(f"/centers/{center_id}/patients", params={"page": page}), 200)
        batch = unwrap_list(body, "patients", "patient")
        out += batch
        if len(batch) < 1000:
            return out
        page += 1


def test_two_servers_hammered_lose_and_duplicate_nothing(agenda_bin, cluster, tmp_path):
    cli = Cli(agenda_bin, tmp_path / "hammer.db")
    servers = [Server(agenda_bin, cli.db, tmp_path / f"server{i}.log").start() for i in (0, 1)]
    try:
        acct = make_account(cli, servers[0].base)
        patients = f"/centers/{acct.center_id}/patients"
        appointments = f"/calendars/{acct.calendar_id}/appointments"
        acked_creates, statuses, lock = [], [], threading.Lock()

        def client(n):
            rng = random.Random(n)
            api = Api(servers[n % 2].base, acct.email, acct.token)
            for r in range(ROUNDS):
                kind = rng.choice(("create", "collection", "update", "appointments"))
                if kind == "create":
                    rid = f"own-{n}-{r}"
                    resp = api.post(patients, {"patient": patient_fields(rid)})
                    if resp.status_code == 201:
                        with lock:
                            acked_creates.append(rid)
                elif kind == "collection":
                    entries = [{"patient": patient_fields(rid, notes=f"{n}-{r}")}
                               for rid in rng.sample(SHARED, 4)]
                    resp = api.post(f"/centers/{acct.center_id}/patients_collections",
                                    {"patients_collection": {"patients": entries}})
                elif kind == "update":
                    rid = rng.choice(SHARED)
                    resp = api.put(f"{patients}/remote_id:{rid}",
                                   {"patient": {"notes": f"put {n}-{r}"}})
                else:
                    start = 1_900_000_000 + rng.randrange(0, 20) * 900
                    entries = [{"appointment": {"remote_id": f"a-{rng.randrange(8)}",
                                                "start": start, "stop": start + 900}}]
                    resp = api.post(f"/calendars/{acct.calendar_id}/appointments_collections",
                                    {"appointments_collection": {"appointments": entries}})
                with lock:
                    statuses.append((kind, resp.status_code, resp.text[:200]))

        threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()

        failures = [s for s in statuses if s[1] >= 500]
        assert not failures, f"{len(failures)} requests got a 5xx, e.g. {failures[:3]}"
        # an update of a shared patient not yet created is a 404; nothing else fails
        unexpected = [s for s in statuses if s[1] not in (200, 201)
                      and not (s[0] == "update" and s[1] == 404)]
        assert not unexpected, unexpected[:5]

        for server in servers:  # both servers see the same, complete state
            api = Api(server.base, acct.email, acct.token)
            live = all_patients(api, acct.center_id)
            rids = [p["remote_id"] for p in live]
            assert len(rids) == len(set(rids)), "a remote_id is duplicated"
            assert set(acked_creates) <= set(rids), "an acknowledged create is missing"
            appts = unwrap_list(expect(api.get(appointments), 200), "appointments", "appointment")
            arids = [a["remote_id"] for a in appts]
            assert len(arids) == len(set(arids)), "an appointment remote_id is duplicated"
    finally:
        for server in servers:
            server.stop()


def pg_ctl(cluster, verb):
    subprocess.run(["sh", cluster["ctl"], verb, cluster["dir"]], check=True, timeout=120,
                   capture_output=True)


def test_postgres_restart_gives_503_then_recovers(agenda_bin, cluster, tmp_path):
    cli = Cli(agenda_bin, tmp_path / "restart.db")
    server = Server(agenda_bin, cli.db, tmp_path / "server.log").start()
    try:
        acct = make_account(cli, server.base)
        api = acct.api
        expect(api.post(acct.patients, {"patient": patient_fields("before")}), 201)

        pg_ctl(cluster, "pause")
        try:
            for path in (acct.patients, "/centers"):
                resp = api.get(path)
                assert resp.status_code == 503, (path, resp.status_code, resp.text)
                assert resp.headers["Content-Type"].startswith("application/json")
                assert "error" in resp.json()
            resp = api.post(acct.patients, {"patient": patient_fields("during")})
            assert resp.status_code == 503, resp.text
            # the probes: the process answers, the store does not
            assert requests.get(f"{server.base}/healthz", timeout=30).status_code == 200
            ready = requests.get(f"{server.base}/readyz", timeout=30)
            assert ready.status_code == 503 and "error" in ready.json(), ready.text
        finally:
            pg_ctl(cluster, "resume")

        deadline = time.monotonic() + 30
        while True:  # the server reconnects by itself
            resp = api.get(acct.patients)
            if resp.status_code == 200 or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert resp.status_code == 200, resp.text
        assert requests.get(f"{server.base}/readyz", timeout=30).json() == {"status": "ready"}
        rids = [p["remote_id"] for p in unwrap_list(resp.json(), "patients", "patient")]
        assert rids == ["before"]  # kept; the refused write is not there
        expect(api.post(acct.patients, {"patient": patient_fields(unique("after"))}), 201)
        assert server.proc.poll() is None, "the server must survive the outage"
    finally:
        server.stop()

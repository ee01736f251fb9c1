"""Two `agenda serve` processes, each with its sync worker, on one
PostgreSQL database, and one calendar linked to a real collection (Radicale,
then Xandikos: tests/api/caldav_support.py).

The link's lease (store/lease.c, store/caldav.c) lets one server at a time
work it, so appointments written through both servers' APIs reach the remote
once each: one PUT per create and per move, one DELETE per cancellation or
deletion (the requests are counted by a proxy in front of the remote), no
second copy of any appointment and no conflict; the remote ends as the
platform is.  The remote's own events become busy time that both servers'
suggestions avoid."""

import copy
import threading

from caldav_support import Office, Remote, remote, servers, start_of, stop_of, t  # noqa: F401
from helpers import Api, appointment_fields, expect, unwrap_list
from reminders_support import wait_until


def remote_state(r):
    """{uid: (start, stop)} of the collection's events; Remote.events()
    fails on two copies of one UID."""
    return {uid: (start_of(ev), stop_of(ev)) for uid, ev in r.events().items()}


def starts(api, cal, day):
    frm = t("00:00", day)
    got = unwrap_list(expect(api.get("/suggestions", params={
        "calendar_id": cal, "service_remote_id": "cons", "start": frm, "stop": frm + 86400,
        "limit": 1000}), 200), "suggestions", "suggestion")
    from schedule_support import parse_iso
    return [parse_iso(s["start"]) for s in got]


def each(fn, items):
    """Runs fn on every item at once (one thread each); returns the results."""
    out = [None] * len(items)

    def one(i):
        out[i] = fn(items[i])

    threads = [threading.Thread(target=one, args=(i,)) for i in range(len(items))]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    return out


def test_two_servers_sharing_a_link_push_every_change_once(agenda_bin, cluster, tmp_path,
                                                           remote):
    proxy = servers.CountingProxy(remote)
    proxied = copy.copy(remote)
    proxied.calendar = proxy.url(remote.calendar)
    o = Office(agenda_bin, tmp_path, proxied, sync=True)
    try:
        second = o.p.serve(*o.serve_args)
        apis = [o.api, Api(second.base, o.acct.email, o.acct.token)]
        r = Remote(remote)
        wait_until(lambda: o.status()["last_success"] != "-", timeout=20, what="a first run")

        def counted(method):
            with proxy.lock:
                return [path for m, path in proxy.requests if m == method]

        # created through both servers at once
        n = 8
        made = each(lambda i: apis[i % 2].post(f"/calendars/{o.cal}/appointments", {
            "appointment": appointment_fields(start=t("09:00", 1 + i), stop=t("09:30", 1 + i),
                                              service_remote_id="cons",
                                              patient_remote_id=o.patient["remote_id"])}),
            list(range(n)))
        aps = [expect(resp, 201)["appointment"] for resp in made]
        want = {f"agenda-{a['id']}": (t("09:00", 1 + i), t("09:30", 1 + i))
                for i, a in enumerate(aps)}
        wait_until(lambda: remote_state(r) == want, timeout=30, what="the creates")
        puts = counted("PUT")
        assert len(puts) == n and len(set(puts)) == n, puts

        # moved, each through the server that did not create it
        def move(i):
            return apis[(i + 1) % 2].put(f"/calendars/{o.cal}/appointments/{aps[i]['id']}", {
                "appointment": {"start": str(t("14:00", 1 + i)),
                                "stop": str(t("14:30", 1 + i))}})
        for resp in each(move, list(range(n))):
            expect(resp, 200)
        want = {f"agenda-{a['id']}": (t("14:00", 1 + i), t("14:30", 1 + i))
                for i, a in enumerate(aps)}
        wait_until(lambda: remote_state(r) == want, timeout=30, what="the moves")
        assert len(counted("PUT")) == 2 * n, counted("PUT")

        # half cancelled through one server, a quarter deleted through the other
        def remove(i):
            path = f"/calendars/{o.cal}/appointments/{aps[i]['id']}"
            if i % 2 == 0:
                return apis[0].put(path, {"appointment": {"status": "cancelled"}})
            return apis[1].delete(path)
        gone = [i for i in range(n) if i % 4 != 3]
        for i, resp in zip(gone, each(remove, gone)):
            expect(resp, 200 if i % 2 == 0 else 204)
        want = {uid: span for i, (uid, span) in enumerate(want.items()) if i not in gone}
        wait_until(lambda: remote_state(r) == want, timeout=30, what="the removals")
        deletes = counted("DELETE")
        assert len(deletes) == len(gone) and len(set(deletes)) == len(gone), deletes
        assert len(counted("PUT")) == 2 * n

        # the remote's own event: busy time for both servers
        r.add("dentist", t("10:00", 1), t("11:00", 1))
        expect(apis[1].post(f"/calendars/{o.cal}/caldav/sync"), 202)
        for api in apis:
            wait_until(lambda: expect(api.get(f"/calendars/{o.cal}/busy", params={
                "from": t("00:00"), "to": t("00:00", 30)}), 200)["busy"] == [
                    {"start": str(t("10:00", 1)), "stop": str(t("11:00", 1))}],
                timeout=30, what="the busy time")
            got = starts(api, o.cal, 1)
            assert t("10:00", 1) not in got and t("10:30", 1) not in got, got
            assert t("09:00", 1) in got and t("11:00", 1) in got, got

        st = o.status()
        assert st["conflicts"] == "0" and st["last_error"] == "-", st
        assert st["pushed"] == str(2 * n + len(gone)) and st["pulled"] == "1", st
        assert st["items"] == str(n - len(gone) + 1), st
        assert remote_state(r) == dict(want, dentist=(t("10:00", 1), t("11:00", 1)))
        assert len(counted("PUT")) == 2 * n and len(counted("DELETE")) == len(gone)
    finally:
        o.p.stop()
        proxy.stop()

"""Deleted patients' tombstones are kept for `[server] tombstone_days` (180
by default) so `since` pollers learn of the deletion, then removed by the
server's background worker (README, Personal data).  The clock is a clock
file, so half a year passes in a moment."""

import subprocess
import time

from helpers import Cli, Server, expect, free_port, make_account, unique

DAY = 86400
T0 = 1893456000  # 2030-01-01


def set_clock(path, t):
    tmp = path.with_suffix(".tmp")
    tmp.write_text(str(t))
    tmp.replace(path)
    time.sleep(0.25)  # the server re-reads the file at least every 100 ms


def tombstones(acct):
    """remote_ids of the center's deleted patients `since` lists."""
    return {p["remote_id"] for p in acct.list_patients(since=0) if p["status"] == "deleted"}


def wait_for(pred, what, timeout=20):
    deadline = time.monotonic() + timeout
    while not pred():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.1)


def world(agenda_bin, tmp_path, config_text=None):
    clock = tmp_path / "clock"
    set_clock(clock, T0)
    extra = ["--clock-file", str(clock)]
    if config_text:
        config = tmp_path / "agenda.conf"
        config.write_text(config_text)
        extra += ["--config", str(config)]
    cli = Cli(agenda_bin, tmp_path / "tomb.db")
    srv = Server(agenda_bin, cli.db, tmp_path / "tomb.log", *extra).start()
    return clock, srv, make_account(cli, srv.base)


def test_tombstones_go_after_the_retention_and_not_before(agenda_bin, tmp_path):
    clock, srv, acct = world(agenda_bin, tmp_path)
    try:
        old, young, live = unique("old"), unique("young"), unique("live")
        for rid in (old, young, live):
            acct.create_patient(remote_id=rid)
        expect(acct.api.delete(f"{acct.patients}/remote_id:{old}"), 204)
        set_clock(clock, T0 + 100 * DAY)
        expect(acct.api.delete(f"{acct.patients}/remote_id:{young}"), 204)
        assert tombstones(acct) == {old, young}

        # 179 days after the first deletion: both kept
        set_clock(clock, T0 + 179 * DAY)
        time.sleep(1)
        assert tombstones(acct) == {old, young}
        # past 180 days: the first goes, the other stays, the live one too
        set_clock(clock, T0 + 181 * DAY)
        wait_for(lambda: tombstones(acct) == {young}, "the old tombstone's removal")
        assert "1 patient tombstones older than 180 days removed" in srv.log_tail()
        assert [p["remote_id"] for p in acct.list_patients()] == [live]
        # and its remote_id is as free as after the deletion
        assert acct.create_patient(remote_id=old)["remote_id"] == old
    finally:
        srv.stop()


def test_the_retention_is_a_setting(agenda_bin, tmp_path):
    clock, srv, acct = world(agenda_bin, tmp_path, "[server]\ntombstone_days = 30\n")
    try:
        rid = unique("p")
        acct.create_patient(remote_id=rid)
        expect(acct.api.delete(f"{acct.patients}/remote_id:{rid}"), 204)
        set_clock(clock, T0 + 31 * DAY)
        wait_for(lambda: tombstones(acct) == set(), "the tombstone's removal")
    finally:
        srv.stop()


def test_a_retention_out_of_range_stops_the_server_with_one_line(agenda_bin, tmp_path):
    config = tmp_path / "agenda.conf"
    for bad in ("3", "4000", "soon"):
        config.write_text(f"[server]\ntombstone_days = {bad}\n")
        done = subprocess.run([agenda_bin, "serve", "--db", str(tmp_path / "x.db"), "--listen",
                               f"127.0.0.1:{free_port()}", "--config", str(config)],
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 2, done
        assert len(done.stderr.strip().splitlines()) == 1 and "tombstone_days" in done.stderr

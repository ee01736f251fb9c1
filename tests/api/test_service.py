"""`agenda serve` under a service manager: systemd's notify protocol.

The test plays systemd's part: it binds a unix datagram socket, names it in
NOTIFY_SOCKET (and WATCHDOG_USEC / WATCHDOG_PID for the watchdog), starts
the real binary and reads what it sends: READY=1 once the port listens,
WATCHDOG=1 at half the interval while the store answers, STOPPING=1 on
SIGTERM.  Without NOTIFY_SOCKET (every other test) nothing is sent."""

import os
import signal
import socket
import subprocess
import time

import pytest

from helpers import database_for, execute_sql, free_port


class Manager:
    """A notify socket and one `agenda serve` told to use it."""

    def __init__(self, agenda_bin, tmp_path, watchdog_usec=None, watchdog_pid="self"):
        self.path = str(tmp_path / "notify.sock")
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.path)
        self.port = free_port()
        self.db = database_for(tmp_path / "agenda.db")
        self.log = open(tmp_path / "server.log", "ab")
        self.log_path = tmp_path / "server.log"
        env = dict(os.environ, NOTIFY_SOCKET=self.path)
        env.pop("WATCHDOG_USEC", None)
        env.pop("WATCHDOG_PID", None)
        if watchdog_usec is not None:
            env["WATCHDOG_USEC"] = str(watchdog_usec)
        argv = [agenda_bin, "serve", "--db", self.db, "--listen", f"127.0.0.1:{self.port}"]
        if watchdog_pid == "self":
            # systemd names the service's main process; the shell's pid is
            # the server's once it execs
            argv = ["sh", "-c", 'WATCHDOG_PID=$$ exec "$@"', "sh", *argv]
        elif watchdog_pid is not None:
            env["WATCHDOG_PID"] = str(watchdog_pid)
        self.proc = subprocess.Popen(argv, env=env, stdout=self.log, stderr=subprocess.STDOUT)

    def receive(self, timeout):
        """The next datagram's lines (with the time it arrived), or None."""
        self.sock.settimeout(timeout)
        try:
            data = self.sock.recv(4096)
        except socket.timeout:
            return None, None
        return data.decode().split("\n"), time.monotonic()

    def wait_for(self, line, timeout=20):
        """Reads datagrams until one holds `line`; returns every line read
        before it and the time it came."""
        seen = []
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            lines, at = self.receive(max(0.01, deadline - time.monotonic()))
            if lines is None:
                break
            if line in lines:
                return seen, at
            seen.extend(lines)
        raise AssertionError(f"no {line} within {timeout} s (got {seen}); log: {self.tail()}")

    def collect(self, seconds):
        """Every line received during `seconds`, with its arrival time."""
        got = []
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            lines, at = self.receive(left)
            if lines is None:
                break
            got.extend((line, at) for line in lines if line)
        return got

    def listens(self):
        try:
            socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
            return True
        except OSError:
            return False

    def tail(self):
        self.log.flush()
        return self.log_path.read_bytes()[-2000:].decode(errors="replace")

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.sock.close()
        self.log.close()


@pytest.fixture
def manager(agenda_bin, tmp_path):
    made = []

    def make(**kw):
        m = Manager(agenda_bin, tmp_path, **kw)
        made.append(m)
        return m

    yield make
    for m in made:
        m.close()


def test_ready_once_listening_and_stopping_on_sigterm(manager):
    m = manager()
    before, _ = m.wait_for("READY=1")
    # the port was listening when READY=1 was sent: it accepts at once
    assert m.listens(), m.tail()
    assert "WATCHDOG=1" not in before
    assert "STOPPING=1" not in before
    # no watchdog asked for: no pings
    assert [line for line, _ in m.collect(1.0) if line == "WATCHDOG=1"] == []
    m.proc.send_signal(signal.SIGTERM)
    m.wait_for("STOPPING=1", timeout=10)
    assert m.proc.wait(timeout=30) == 0, m.tail()


def test_watchdog_pings_at_half_the_interval(manager):
    m = manager(watchdog_usec=1_000_000)
    before, ready_at = m.wait_for("READY=1")
    assert "WATCHDOG=1" not in before  # pings come after readiness
    got = m.collect(3.0)
    pings = [at for line, at in got if line == "WATCHDOG=1"]
    # every 0.5 s: 6 in 3 s; a busy machine may delay one
    assert 4 <= len(pings) <= 7, (len(pings), m.tail())
    gaps = [b - a for a, b in zip([ready_at] + pings, pings)]
    assert max(gaps) < 1.0, gaps  # never as late as the whole interval
    assert min(gaps[1:]) > 0.3, gaps  # half the interval, not more often
    m.proc.send_signal(signal.SIGTERM)
    m.wait_for("STOPPING=1", timeout=10)
    assert m.proc.wait(timeout=30) == 0, m.tail()


def test_watchdog_for_another_process_is_not_ours(manager):
    # WATCHDOG_PID names another process (here, init): the watchdog is not
    # this server's, so it is ready but never pings
    m = manager(watchdog_usec=200_000, watchdog_pid=1)
    m.wait_for("READY=1")
    assert [line for line, _ in m.collect(1.0) if line == "WATCHDOG=1"] == []


def test_watchdog_pings_only_while_the_store_answers(manager):
    m = manager(watchdog_usec=400_000)
    m.wait_for("READY=1")
    m.wait_for("WATCHDOG=1", timeout=5)
    # the table the liveness query reads is gone: the store does not answer
    execute_sql(m.db, "ALTER TABLE schema_migrations RENAME TO schema_migrations_away")
    m.wait_for("STATUS=the store does not answer", timeout=5)
    silent = m.collect(1.5)
    assert [line for line, _ in silent if line == "WATCHDOG=1"] == [], m.tail()
    assert "the store does not answer" in m.tail()
    # it answers again: the pings resume
    execute_sql(m.db, "ALTER TABLE schema_migrations_away RENAME TO schema_migrations")
    m.wait_for("WATCHDOG=1", timeout=5)
    assert "the store answers again" in m.tail()

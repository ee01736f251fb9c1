"""Behind a proxy: `--trusted-proxy CIDR` (repeatable; `[server]
trusted_proxies`).  Only from those peers are X-Forwarded-For and
X-Forwarded-Proto believed: for the access log, the failed-login limiter,
/metrics' loopback rule and the booking page (its limits per address and
its Secure cookie).  From any other peer they are the client's own words
and change nothing."""

import subprocess
import time

import requests

from booking_flow_support import BookingPractice
from helpers import Server, expect, expect_error, free_port, unique


def logged_addresses(path):
    """The client address of each access log line (its second field)."""
    with open(path) as f:
        return [line.split(" ")[1] for line in f if line.strip()]


def serve(agenda_bin, tmp_path, *extra):
    log = tmp_path / f"{unique('access')}.log"
    srv = Server(agenda_bin, tmp_path / f"{unique('db')}.db", tmp_path / f"{unique('s')}.log",
                 "--access-log", str(log), *extra).start()
    return srv, log


def get(base, path="/api/v2/centers", **headers):
    return requests.get(base + path, headers=headers, timeout=30)


def wait_lines(log, n):
    deadline = time.monotonic() + 10
    while len(logged_addresses(log)) < n:
        assert time.monotonic() < deadline, "the access log lines did not come"
        time.sleep(0.05)
    return logged_addresses(log)


def test_forwarded_addresses_are_believed_from_a_trusted_proxy_only(agenda_bin, tmp_path):
    srv, log = serve(agenda_bin, tmp_path, "--trusted-proxy", "127.0.0.1/32")
    plain, plain_log = serve(agenda_bin, tmp_path)
    try:
        cases = [
            ({"X-Forwarded-For": "198.51.100.7"}, "198.51.100.7"),
            # the proxy appended the peer it saw; the left part is the client's claim
            ({"X-Forwarded-For": "10.9.9.9, 198.51.100.8"}, "198.51.100.8"),
            # a chain of trusted proxies is walked through from the right
            ({"X-Forwarded-For": "2001:db8::5, 127.0.0.1"}, "2001:db8::5"),
            ({"X-Forwarded-For": "not an address"}, "127.0.0.1"),
            ({}, "127.0.0.1"),
        ]
        for headers, _ in cases:
            expect_error(get(srv.base, **headers), 401)
            expect_error(get(plain.base, **headers), 401)
        assert wait_lines(log, len(cases)) == [want for _, want in cases]
        # a server that trusts no proxy believes none of it
        assert wait_lines(plain_log, len(cases)) == ["127.0.0.1"] * len(cases)
    finally:
        srv.stop()
        plain.stop()


def non_loopback_address():
    out = subprocess.run(["hostname", "-I"], capture_output=True, text=True).stdout.split()
    return next((a for a in out if ":" not in a and not a.startswith("127.")), None)


def test_a_peer_outside_the_trusted_networks_is_not_believed(agenda_bin, tmp_path):
    address = non_loopback_address()
    assert address, "this test needs an IPv4 address other than loopback (hostname -I)"
    port = free_port()
    log = tmp_path / "wide-access.log"
    srv_log = open(tmp_path / "wide.log", "wb")
    proc = subprocess.Popen([agenda_bin, "serve", "--db", str(tmp_path / "wide.db"), "--listen",
                             f"0.0.0.0:{port}", "--trusted-proxy", "127.0.0.0/8",
                             "--access-log", str(log)], stdout=srv_log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                expect_error(get(f"http://{address}:{port}",
                                 **{"X-Forwarded-For": "198.51.100.9"}), 401)
                break
            except requests.ConnectionError:
                assert proc.poll() is None and time.monotonic() < deadline
                time.sleep(0.05)
        assert wait_lines(log, 1)[-1] == address
        # and /metrics stays closed to it, whatever it forwards
        expect_error(get(f"http://{address}:{port}", "/metrics",
                         **{"X-Forwarded-For": "127.0.0.1"}), 403)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        srv_log.close()


def test_metrics_behind_a_local_proxy_are_closed_to_its_clients(agenda_bin, tmp_path):
    srv, _ = serve(agenda_bin, tmp_path, "--trusted-proxy", "127.0.0.1")
    try:
        expect_error(get(srv.base, "/metrics", **{"X-Forwarded-For": "203.0.113.9"}), 403)
        assert get(srv.base, "/metrics").status_code == 200  # the machine itself
    finally:
        srv.stop()


def test_failed_logins_count_per_forwarded_address(agenda_bin, tmp_path):
    srv, _ = serve(agenda_bin, tmp_path, "--trusted-proxy", "127.0.0.1/32", "--auth-failures",
                   "2")
    try:
        email = f"{unique('nobody')}@example.com"

        def attempt(address):
            return requests.get(f"{srv.base}/api/v2/centers",
                                params={"user_email": email, "user_token": "wrong"},
                                headers={"X-Forwarded-For": address}, timeout=30)

        for _ in range(2):
            expect_error(attempt("198.51.100.20"), 401)
        expect_error(attempt("198.51.100.20"), 429)
        # the same identity from another client behind the same proxy is not locked out
        expect_error(attempt("198.51.100.21"), 401)
    finally:
        srv.stop()


def test_a_trusted_proxys_https_makes_the_booking_cookie_secure(agenda_bin, tmp_path):
    p = BookingPractice(agenda_bin, tmp_path)
    try:
        srv = p.serve("--trusted-proxy", "127.0.0.1/32")
        url = f"{srv.base}/book/{p.slug}/day"
        params = {"service": p.service["id"]}
        r = requests.get(url, params=params, headers={"X-Forwarded-Proto": "https"}, timeout=30)
        assert r.status_code == 200 and "; Secure" in r.headers["Set-Cookie"]
        r = requests.get(url, params=params, timeout=30)
        assert r.status_code == 200 and "; Secure" not in r.headers["Set-Cookie"]
        # the first server trusts no proxy: the same header is the client's word
        r = requests.get(f"{p.srv.base}/book/{p.slug}/day", params=params,
                         headers={"X-Forwarded-Proto": "https"}, timeout=30)
        assert "; Secure" not in r.headers["Set-Cookie"]
    finally:
        p.stop()


def test_bad_networks_are_refused_in_one_line(agenda_bin, tmp_path):
    for bad in ("10.0.0.1/8", "nowhere", "300.1.1.1"):
        done = subprocess.run([agenda_bin, "serve", "--db", str(tmp_path / "x.db"), "--listen",
                               f"127.0.0.1:{free_port()}", "--trusted-proxy", bad],
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 2, done
        assert len(done.stderr.strip().splitlines()) == 1 and "trusted-proxy" in done.stderr
    config = tmp_path / "agenda.conf"
    config.write_text("[server]\ntrusted_proxies = 127.0.0.1, garbage\n")
    done = subprocess.run([agenda_bin, "serve", "--db", str(tmp_path / "x.db"), "--listen",
                           f"127.0.0.1:{free_port()}", "--config", str(config)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "trusted_proxies" in done.stderr

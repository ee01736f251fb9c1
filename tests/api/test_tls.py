"""TLS in the server itself: `agenda serve --tls-cert PATH --tls-key PATH`.

Certificates are made for each test with the openssl command; clients are
Python's ssl module and curl, over real sockets.  What is shown: TLS 1.2 and
1.3 are served and 1.1 refused; a SIGHUP swaps the certificate while a
client keeps its connection open and in use; every answer over TLS carries
HSTS; bad pairs stop the server with one line; plain HTTP on an address
other than loopback starts with a warning."""

import http.client
import os
import signal
import socket
import ssl
import subprocess
import time

import pytest

from helpers import Server, free_port, unique

# the test offers TLS 1.1 on purpose, to see the server refuse it
pytestmark = pytest.mark.filterwarnings("ignore:ssl.TLSVersion.TLSv1_1 is deprecated")


def make_pair(directory, name, cn, kind="ec"):
    """A self-signed certificate and its key, as PEM files; their paths."""
    cert = os.path.join(directory, f"{name}.crt")
    key = os.path.join(directory, f"{name}.key")
    algo = (["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"] if kind == "ec"
            else ["-newkey", "rsa:2048"])
    subprocess.run(["openssl", "req", "-x509", *algo, "-nodes", "-keyout", key, "-out", cert,
                    "-days", "2", "-subj", f"/CN={cn}", "-addext", f"subjectAltName=DNS:{cn}"],
                   check=True, capture_output=True, timeout=60)
    return cert, key


class TlsServer(Server):
    @property
    def base(self):
        return f"https://127.0.0.1:{self.port}"


def client_context(version=None):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    if version:
        # the client's own floor is lowered so a refusal is the server's
        ctx.set_ciphers("DEFAULT:@SECLEVEL=0")
        ctx.minimum_version = version
        ctx.maximum_version = version
    return ctx


def handshake(port, version=None):
    """(protocol, DER certificate) of a new connection."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
        with client_context(version).wrap_socket(raw, server_hostname="localhost") as s:
            return s.version(), s.getpeercert(binary_form=True)


def der(cert_path):
    with open(cert_path) as f:
        return ssl.PEM_cert_to_DER_cert(f.read())


@pytest.fixture
def pair(tmp_path):
    return make_pair(str(tmp_path), "first", "localhost")


@pytest.fixture
def tls_server(agenda_bin, tmp_path, pair):
    cert, key = pair
    srv = TlsServer(agenda_bin, tmp_path / "tls.db", tmp_path / "tls.log",
                    "--tls-cert", cert, "--tls-key", key).start()
    yield srv
    srv.stop()


def test_tls_12_and_13_are_served_and_11_is_refused(tls_server, pair):
    assert handshake(tls_server.port, ssl.TLSVersion.TLSv1_3) == ("TLSv1.3", der(pair[0]))
    assert handshake(tls_server.port, ssl.TLSVersion.TLSv1_2) == ("TLSv1.2", der(pair[0]))
    with pytest.raises(ssl.SSLError) as refused:
        handshake(tls_server.port, ssl.TLSVersion.TLSv1_1)
    # the server's refusal, not a client that could not even try
    assert "NO_PROTOCOLS_AVAILABLE" not in str(refused.value)
    for flag, ok in (("--tlsv1.3", True), ("--tlsv1.2", True), ("--tlsv1.1", False)):
        args = ["curl", "-sk", "-o", "/dev/null", "-w", "%{http_code}", flag]
        if flag == "--tlsv1.1":
            args += ["--tls-max", "1.1", "--ciphers", "DEFAULT:@SECLEVEL=0"]
        done = subprocess.run(args + [f"{tls_server.base}/api/v2/centers"],
                              capture_output=True, text=True, timeout=60)
        if ok:
            assert done.returncode == 0 and done.stdout == "401", (flag, done)
        else:
            assert done.returncode == 35, (flag, done)  # curl: the TLS handshake failed


def test_answers_over_tls_carry_hsts_and_plain_ones_do_not(tls_server, start_server):
    conn = http.client.HTTPSConnection("127.0.0.1", tls_server.port, timeout=10,
                                       context=client_context())
    conn.request("GET", "/api/v2/centers")
    resp = conn.getresponse()
    resp.read()
    assert resp.status == 401
    assert resp.getheader("Strict-Transport-Security") == "max-age=63072000"
    plain = start_server()
    conn = http.client.HTTPConnection("127.0.0.1", plain.port, timeout=10)
    conn.request("GET", "/api/v2/centers")
    resp = conn.getresponse()
    resp.read()
    assert resp.status == 401 and resp.getheader("Strict-Transport-Security") is None


def test_sighup_swaps_the_certificate_and_open_connections_keep_going(tls_server, pair,
                                                                      tmp_path):
    cert, key = pair
    conn = http.client.HTTPSConnection("127.0.0.1", tls_server.port, timeout=10,
                                       context=client_context())
    conn.request("GET", "/api/v2/centers")
    conn.getresponse().read()
    kept = conn.sock
    assert kept.getpeercert(binary_form=True) == der(cert)

    new_cert, new_key = make_pair(str(tmp_path), "renewed", "renewed.example", kind="rsa")
    os.replace(new_cert, cert)
    os.replace(new_key, key)
    tls_server.proc.send_signal(signal.SIGHUP)
    deadline = time.monotonic() + 10
    while handshake(tls_server.port)[1] != der(cert):
        assert time.monotonic() < deadline, tls_server.log_tail()
        time.sleep(0.05)
    assert "certificate reloaded" in tls_server.log_tail()

    # the connection opened before the swap is still the same, and answers
    for _ in range(3):
        conn.request("GET", "/api/v2/centers")
        resp = conn.getresponse()
        resp.read()
        assert resp.status == 401 and conn.sock is kept
    assert tls_server.proc.poll() is None


def test_a_reload_that_cannot_be_used_keeps_the_certificate_in_use(tls_server, pair):
    cert, _ = pair
    before = der(cert)
    with open(cert, "w") as f:
        f.write("not a certificate\n")
    tls_server.proc.send_signal(signal.SIGHUP)
    deadline = time.monotonic() + 10
    while "kept the certificate in use" not in tls_server.log_tail():
        assert time.monotonic() < deadline, tls_server.log_tail()
        time.sleep(0.05)
    assert handshake(tls_server.port)[1] == before


def serve_fails(agenda_bin, tmp_path, *args):
    done = subprocess.run([agenda_bin, "serve", "--db", str(tmp_path / f"{unique('f')}.db"),
                           "--listen", f"127.0.0.1:{free_port()}", *args],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode != 0
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    return done.returncode, lines[0]


def test_pairs_that_cannot_be_used_stop_the_server_with_one_line(agenda_bin, tmp_path, pair):
    cert, key = pair
    other_cert, other_key = make_pair(str(tmp_path), "other", "other")
    status, line = serve_fails(agenda_bin, tmp_path, "--tls-cert", cert)
    assert status == 2 and "both a certificate and a key" in line
    status, line = serve_fails(agenda_bin, tmp_path, "--tls-cert", str(tmp_path / "missing.crt"),
                               "--tls-key", key)
    assert status == 1 and "missing.crt" in line
    status, line = serve_fails(agenda_bin, tmp_path, "--tls-cert", cert, "--tls-key", other_key)
    assert status == 1 and "cannot use" in line
    status, line = serve_fails(agenda_bin, tmp_path, "--tls-cert", key, "--tls-key", key)
    assert status == 1


def test_the_configuration_file_names_the_pair_too(agenda_bin, tmp_path, pair):
    cert, key = pair
    config = tmp_path / "agenda.conf"
    config.write_text(f"[server]\ntls_cert = {cert}\ntls_key = {key}\n")
    srv = TlsServer(agenda_bin, tmp_path / "c.db", tmp_path / "c.log", "--config",
                    str(config)).start()
    try:
        assert handshake(srv.port)[1] == der(cert)
    finally:
        srv.stop()


def test_plain_http_off_loopback_warns(agenda_bin, tmp_path):
    port = free_port()
    proc = subprocess.Popen([agenda_bin, "serve", "--db", str(tmp_path / "w.db"), "--listen",
                             f"0.0.0.0:{port}"], stderr=subprocess.PIPE, text=True)
    try:
        first = proc.stderr.readline()
        assert "warning: plain HTTP on 0.0.0.0" in first, first
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)

"""The Debian package, as an administrator meets it: `make deb` has left one
.deb in build/deb/ (DEB_DIR); lintian passes it; dpkg installs it on this
machine (root); the installed unit passes `systemd-analyze verify`; the
server started exactly as the unit's ExecStart= line, as the `agenda` user,
serves; dpkg removes and purges it cleanly.

systemd need not be PID 1 here (a container), so the unit's command line is
run by the test, as the unit's user, with no new privileges and a clean
environment, as systemd would run it (without its sandbox).

The tests run in file order and share one installation (`installed`); the
last one removes it.  They refuse to start where the package or
/var/lib/agenda is there already (a machine that uses it).  Run by `make test-deb` (part of `make test`)."""

import glob
import json
import os
import pwd
import shlex
import signal
import socket
import stat
import subprocess
import time
import urllib.error
import urllib.request

import pytest

DEB_DIR = os.environ.get("DEB_DIR", "build/deb")
UNIT = "/lib/systemd/system/agenda.service"
CONF = "/etc/agenda/agenda.conf"
STATE = "/var/lib/agenda"


def run(*argv, check=True, **kw):
    return subprocess.run(argv, capture_output=True, text=True, check=check, timeout=300, **kw)


@pytest.fixture(scope="module")
def deb():
    debs = glob.glob(os.path.join(DEB_DIR, "*.deb"))
    assert len(debs) == 1, f"expected exactly one .deb in {DEB_DIR}, found {debs}"
    return debs[0]


def dpkg_status():
    r = run("dpkg-query", "-W", "-f=${Status}", "agenda", check=False)
    return r.stdout if r.returncode == 0 else "not known"


def purge_what_the_tests_installed():
    """Purges the package and removes the database the tests' server made."""
    run("dpkg", "--purge", "agenda", check=False)
    for name in ("agenda.db", "agenda.db-wal", "agenda.db-shm"):
        try:
            os.unlink(os.path.join(STATE, name))
        except FileNotFoundError:
            pass
    if os.path.isdir(STATE):
        os.rmdir(STATE)


@pytest.fixture(scope="module")
def installed(deb):
    assert os.geteuid() == 0, "installing the package needs root (make test runs as root)"
    # never on a machine that uses the package: these tests purge it and
    # delete its database
    found = [what for what, there in (("the agenda package", dpkg_status() != "not known"),
                                      (STATE, os.path.exists(STATE))) if there]
    assert not found, (f"{' and '.join(found)} found: the package tests install and purge "
                       "agenda, so they run on a machine without it (remove it first: dpkg "
                       f"--purge agenda; rm -r {STATE})")
    r = run("dpkg", "-i", deb, check=False)
    assert r.returncode == 0, r.stdout + r.stderr
    yield deb
    purge_what_the_tests_installed()


def test_the_package_holds_the_server_its_unit_config_and_manual_pages(deb):
    listing = run("dpkg-deb", "-c", deb).stdout
    files = {line.split()[-1].lstrip(".") for line in listing.splitlines()}
    for path in ("/usr/bin/agenda", UNIT, CONF, "/usr/lib/sysusers.d/agenda.conf",
                 "/usr/lib/tmpfiles.d/agenda.conf", "/usr/share/man/man1/agenda.1.gz",
                 "/usr/share/man/man5/agenda.conf.5.gz", "/usr/share/doc/agenda/copyright"):
        assert path in files, f"{path} is not in the package:\n{listing}"
    conffiles = run("dpkg-deb", "-I", deb, "conffiles").stdout.split()
    assert conffiles == [CONF]


def test_lintian_reports_no_errors_or_warnings(deb):
    r = run("lintian", "--fail-on", "error,warning", "--display-level", ">=warning",
            "--show-overrides", deb, check=False)
    shown = [line for line in r.stdout.splitlines() if line[:2] in ("E:", "W:")]
    assert r.returncode == 0 and not shown, r.stdout + r.stderr


def test_dpkg_installs_user_state_directory_and_config(installed):
    assert dpkg_status() == "install ok installed"
    user = pwd.getpwnam("agenda")
    assert user.pw_uid < 1000, "agenda must be a system user"
    assert user.pw_shell in ("/usr/sbin/nologin", "/sbin/nologin", "/bin/false")
    st = os.stat(STATE)
    assert (st.st_uid, st.st_gid) == (user.pw_uid, user.pw_gid)
    assert stat.S_IMODE(st.st_mode) == 0o750
    conf = open(CONF).read()
    for section in ("[server]", "[smtp]", "[sms]", "[sync]"):
        assert section in conf
    assert run("agenda", "help").stdout.startswith("usage: agenda")
    # installed, not enabled: the administrator configures it first
    assert not glob.glob("/etc/systemd/system/*.wants/agenda.service")


def test_the_installed_unit_passes_systemd_analyze_verify(installed):
    r = run("systemd-analyze", "verify", UNIT, check=False)
    about_unit = [line for line in (r.stdout + r.stderr).splitlines() if "agenda" in line]
    assert r.returncode == 0 and not about_unit, r.stdout + r.stderr


def unit_setting(name):
    values = []
    with open(UNIT) as f:
        for line in f:
            if line.startswith(name + "="):
                values.append(line.split("=", 1)[1].strip())
    return values


def port_free(host, port):
    with socket.socket() as s:
        try:
            s.bind((host, port))
            return True
        except OSError:
            return False


@pytest.fixture(scope="module")
def unit_server(installed, tmp_path_factory):
    """`agenda serve` started as the unit's ExecStart= line says, as its
    User=, from / with a clean environment."""
    (exec_start,) = unit_setting("ExecStart")
    argv = shlex.split(exec_start)
    assert argv[:2] == ["/usr/bin/agenda", "serve"], exec_start
    listen = argv[argv.index("--listen") + 1]
    host, port = listen.rsplit(":", 1)
    if not port_free(host, int(port)):
        # another program holds the unit's port on this shared machine: the
        # same line on a free port (the only change)
        with socket.socket() as s:
            s.bind((host, 0))
            port = str(s.getsockname()[1])
        argv[argv.index("--listen") + 1] = f"{host}:{port}"
        print(f"{listen} is in use here; serving the unit's line on {host}:{port}")
    (user,) = unit_setting("User")
    log = open(tmp_path_factory.mktemp("deb") / "server.log", "w+")
    proc = subprocess.Popen(
        ["setpriv", f"--reuid={user}", f"--regid={user}", "--init-groups", "--no-new-privs",
         "--", *argv],
        cwd="/", env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"},
        stdout=log, stderr=subprocess.STDOUT)
    base = f"http://{host}:{port}"
    deadline = time.monotonic() + 20
    while True:
        assert proc.poll() is None, f"the unit's server exited {proc.returncode}: {tail(log)}"
        try:
            socket.create_connection((host, int(port)), timeout=0.5).close()
            break
        except OSError:
            assert time.monotonic() < deadline, f"no answer on {base}: {tail(log)}"
            time.sleep(0.05)
    yield base, proc, log
    if proc.poll() is None:
        proc.kill()
        proc.wait()


def tail(log):
    log.flush()
    log.seek(0)
    return log.read()[-2000:]


def get(url):
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def test_the_units_command_line_serves_the_api(unit_server):
    base, proc, log = unit_server
    status, headers, body = get(base + "/api/v2/centers")
    assert status == 401, body
    assert headers["Content-Type"].startswith("application/json")
    assert headers["WWW-Authenticate"].startswith("Basic realm=")
    assert isinstance(json.loads(body)["error"], str)
    # its database is in the state directory, the user's
    db = os.stat(os.path.join(STATE, "agenda.db"))
    assert db.st_uid == pwd.getpwnam("agenda").pw_uid


def test_the_units_command_line_answers_readyz(unit_server):
    base, proc, log = unit_server
    status, _, body = get(base + "/readyz")
    if status != 200:
        pytest.fail(f"GET /readyz answered {status} {body[:200]!r}: the /readyz route "
                    "(issue 15, health checks) is missing from the server")


def test_the_server_stops_on_sigterm_with_status_0(unit_server):
    base, proc, log = unit_server
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=40) == 0, tail(log)


def test_dpkg_removes_then_purges_cleanly(installed):
    r = run("dpkg", "-r", "agenda", check=False)
    assert r.returncode == 0, r.stdout + r.stderr
    assert not os.path.exists("/usr/bin/agenda")
    assert not os.path.exists(UNIT)
    assert os.path.exists(CONF), "a removed package keeps its configuration"
    assert dpkg_status() == "deinstall ok config-files"
    r = run("dpkg", "--purge", "agenda", check=False)
    assert r.returncode == 0, r.stdout + r.stderr
    assert dpkg_status() == "not known"
    assert not os.path.exists("/etc/agenda")
    # the database is the practice's: purge leaves it (and its directory)
    assert os.path.exists(os.path.join(STATE, "agenda.db"))
    purge_what_the_tests_installed()
    assert not os.path.exists(STATE)
    # nothing of the package is left in dpkg's records of files
    assert run("dpkg", "-S", "/usr/bin/agenda", check=False).returncode != 0

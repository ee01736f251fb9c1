"""Fixtures for the black-box API tests.

One server runs for the whole session on a fresh database in a temporary
directory.  An account is created with the command line before the server
starts (`boot_account`); every other account is created while it runs, so
both ways of sharing the SQLite file are exercised.  Each test that needs
data takes `acct`, a new center + calendar + user of its own, so tests stay
independent of each other and of their order."""

import os
import pathlib

import pytest

import openapi_check
from helpers import Account, Cli, Server, make_account, unique

REPO = pathlib.Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def openapi_thread_failures():
    """Fails a test whose worker threads received an answer that does not
    match the OpenAPI document (openapi_check.py): the thread may have
    swallowed the error, the test must not pass for it."""
    del openapi_check.thread_failures[:]
    yield
    failures = list(openapi_check.thread_failures)
    del openapi_check.thread_failures[:]
    if failures:
        pytest.fail(f"{len(failures)} answer(s) in other threads do not match the OpenAPI "
                    f"document; the first: {failures[0]}")


@pytest.fixture(scope="session")
def agenda_bin():
    path = os.environ.get("AGENDA_BIN") or str(REPO / "agenda")
    if not os.access(path, os.X_OK):
        pytest.exit(f"agenda binary not found at {path} (build it, or set AGENDA_BIN)", 2)
    return path


@pytest.fixture(scope="session")
def session_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("agenda")


@pytest.fixture(scope="session")
def cli(agenda_bin, session_dir):
    return Cli(agenda_bin, session_dir / "agenda.db")


@pytest.fixture(scope="session")
def boot_account_parts(cli):
    """Created with the command line before any server has opened the file."""
    return make_account(cli, base="")


@pytest.fixture(scope="session")
def server(agenda_bin, session_dir, cli, boot_account_parts):
    # Every test shares this server from 127.0.0.1, and many send bad
    # credentials on purpose: without this the failed-login limit would soon
    # answer 429 to all of them.  test_limits.py tests the limit, default
    # included, on servers of its own.
    srv = Server(agenda_bin, cli.db, session_dir / "server.log", "--auth-failures", "0").start()
    yield srv
    srv.stop()


@pytest.fixture(scope="session")
def boot_account(server, boot_account_parts):
    a = boot_account_parts
    return Account(a.cli, server.base, a.center_id, a.calendar_id, a.email, a.token)


@pytest.fixture
def new_account(server, cli):
    """Factory: a new center, calendar and granted user, made while the server runs."""
    def make(specialities=()):
        return make_account(cli, server.base, specialities)
    return make


@pytest.fixture
def acct(new_account):
    return new_account()


@pytest.fixture
def other(new_account):
    """A second, unrelated account (another user, center and calendar)."""
    return new_account()


@pytest.fixture
def start_server(agenda_bin, tmp_path):
    """Factory for extra servers (own database or flags); all stopped at the end."""
    started = []

    def start(db=None, *extra):
        db = db or tmp_path / f"{unique('db')}.db"
        srv = Server(agenda_bin, db, tmp_path / f"{unique('log')}.log", *extra).start()
        started.append(srv)
        return srv

    yield start
    for srv in started:
        srv.stop()

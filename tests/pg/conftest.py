"""Fixtures for the tests that need a shared PostgreSQL server (run by
`make test-api-pg`, which starts a throwaway cluster and sets
AGENDA_TEST_PG_URL, AGENDA_TEST_PG_DIR and AGENDA_TEST_PG_CTL)."""

import os
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests" / "api"))

from helpers import PG_URL  # noqa: E402


@pytest.fixture(scope="session")
def agenda_bin():
    path = os.environ.get("AGENDA_BIN") or str(REPO / "agenda")
    if not os.access(path, os.X_OK):
        pytest.exit(f"agenda binary not found at {path} (build it, or set AGENDA_BIN)", 2)
    return path


@pytest.fixture(scope="session")
def cluster():
    """The cluster's URL, data directory and control script."""
    if not PG_URL:
        pytest.exit("tests/pg run on PostgreSQL only: use `make test-api-pg`", 2)
    return {"url": PG_URL, "dir": os.environ["AGENDA_TEST_PG_DIR"],
            "ctl": os.environ["AGENDA_TEST_PG_CTL"]}

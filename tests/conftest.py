"""Fixtures shared by every area of the test suite."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from tests.support.pg import PG_URL

ROOT = Path(__file__).resolve().parent.parent
SHARED_DATA = ROOT.parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """The real public event logs in ../shared/data (read-only)."""
    if not SHARED_DATA.is_dir():
        pytest.skip(f"../shared/data not found at {SHARED_DATA}; tests need the shared logs beside the repo")
    return SHARED_DATA


def _pg_reachable() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=1):
            return True
    except OSError:
        return False


@pytest.fixture(scope="session")
def pg_server_url() -> str:
    """URL of the loopback PostgreSQL server (a maintenance database), or skip with the reason."""
    if not _pg_reachable():
        pytest.skip("PostgreSQL is not listening on 127.0.0.1:5432 (set TASKLOOM_TEST_PG to point elsewhere)")
    return PG_URL

"""Collector fixtures: a store on every backend, a real `taskloom serve` on loopback."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from taskloom.collector import schema
from taskloom.collector.store import Store
from tests.support.collector import LiveCollector, run_cli
from tests.support.pg import fresh_database


def _fresh_pg(stack: contextlib.ExitStack, server_url: str, prefix: str) -> str:
    """A fresh database on the loopback server, dropped when ``stack`` closes (or skip)."""
    try:
        return stack.enter_context(fresh_database(server_url, prefix))
    except sa.exc.OperationalError as exc:
        pytest.skip(f"PostgreSQL on 127.0.0.1:5432 refused to create a test database: {exc}")


@pytest.fixture(scope="session")
def pg_database(pg_server_url: str) -> Iterator[str]:
    """A fresh PostgreSQL database for this test session, dropped at the end."""
    with contextlib.ExitStack() as stack:
        yield _fresh_pg(stack, pg_server_url, "taskloom_test")


def _empty_all(store: Store) -> None:
    with store.engine.begin() as conn:
        for table in reversed(schema.metadata.sorted_tables):
            conn.execute(table.delete())


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database URL per backend: a SQLite file in tmp_path, or the session's PG database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'taskloom.db'}"
        return
    url = request.getfixturevalue("pg_database")
    yield url
    store = Store.open(url)
    _empty_all(store)
    store.close()


@pytest.fixture
def store(db_url: str) -> Iterator[Store]:
    """An open, migrated store on each backend."""
    s = Store.open(db_url)
    yield s
    s.close()


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def live(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveCollector]:
    """`taskloom serve` with study 'ward-a' and a low rate limit, on each backend: a SQLite
    file, or a PostgreSQL database of its own on the loopback server.

    One server per test module and backend (starting one costs seconds); tests enrol their
    own devices and look only at those devices' events.
    """
    tmp_path = tmp_path_factory.mktemp("live")
    with contextlib.ExitStack() as stack:
        if request.param == "sqlite":
            db = f"sqlite:///{tmp_path / 'live.db'}"
        else:
            db = _fresh_pg(stack, request.getfixturevalue("pg_server_url"), "taskloom_live")
        run_cli(db, "study", "create", "ward-a")
        server = LiveCollector(db, tmp_path, env={"TASKLOOM_RATE_PER_S": "5", "TASKLOOM_RATE_BURST": "10",
                                                  "TASKLOOM_MAX_BODY_BYTES": str(1024 * 1024),
                                                  "TASKLOOM_BODY_TIMEOUT_S": "2"})
        server.start()
        try:
            yield server
        finally:
            server.stop()


@pytest.fixture(scope="module")
def admin_token(live: LiveCollector) -> str:
    return run_cli(live.db, "admin", "token").stdout.strip().splitlines()[-1]

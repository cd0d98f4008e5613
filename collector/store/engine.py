"""Engine set-up and migrations, and the base every store area builds on.

SQLAlchemy Core, no ORM; the same code for SQLite (embedded default, WAL) and PostgreSQL.
``StoreBase`` holds the engine and the two ways in: ``_read`` (a transaction) and
``_write`` (a write transaction; on SQLite one writer at a time, BEGIN IMMEDIATE).
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine


def now_ms() -> int:
    """The current time in epoch milliseconds (UTC)."""
    return time.time_ns() // 1_000_000


def default_db_path() -> Path:
    """The embedded SQLite file: ``user_data_dir("taskloom")/taskloom.db``."""
    import platformdirs

    return Path(platformdirs.user_data_dir("taskloom")) / "taskloom.db"


def normalize_url(url: str | None) -> str:
    """A SQLAlchemy URL for ``--db``: None → the embedded file; postgresql:// → psycopg 3.

    A bare file path is taken as a SQLite file.
    """
    if not url:
        path = default_db_path()
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        with contextlib.suppress(OSError):  # our own data folder: private, as the file
            path.parent.chmod(0o700)
        return f"sqlite:///{path}"
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    if "://" not in url:
        path = Path(url).expanduser().resolve()
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        return f"sqlite:///{path}"
    return url


def create_private_file(path: Path) -> None:
    """Create the SQLite file 0600 (and a missing folder 0700) before SQLite does, so the
    store (study keys, events) is never readable by other users; SQLite gives the -wal and
    -shm files the database file's mode. An existing file is left as it is."""
    if not path.parent.exists():
        path.parent.mkdir(parents=True, mode=0o700)
    with contextlib.suppress(FileExistsError):
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


def _json_dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


def _sqlite_on_connect(dbapi_conn: Any, _record: Any) -> None:
    # Autocommit at the driver level; the "begin" hook below emits BEGIN itself so a
    # write transaction can take the write lock up front (BEGIN IMMEDIATE) instead of
    # failing with SQLITE_BUSY when a read transaction tries to upgrade.
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    # "Acknowledged is never lost": in WAL mode synchronous=NORMAL survives a process
    # crash (kill -9) but can lose the last commits on power loss or an OS crash, because
    # the WAL is only fsynced at checkpoints. FULL fsyncs the WAL on every commit; with
    # one commit per batch of hundreds of events that costs little, so we pay it.
    cur.execute("PRAGMA synchronous=FULL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA temp_store=MEMORY")
    cur.execute("PRAGMA cache_size=-65536")  # 64 MiB page cache
    cur.close()


def _sqlite_on_begin(conn: Connection) -> None:
    mode = "BEGIN IMMEDIATE" if conn.get_execution_options().get("taskloom_write") else "BEGIN"
    conn.exec_driver_sql(mode)


def make_engine(url: str | None) -> Engine:
    """An engine for ``--db`` with the per-dialect settings the store relies on."""
    full = normalize_url(url)
    if full.startswith("sqlite"):
        database = sa.engine.make_url(full).database
        if database and database != ":memory:" and not database.startswith("file:"):
            create_private_file(Path(database))
        engine = sa.create_engine(
            full,
            json_serializer=_json_dumps,
            json_deserializer=orjson.loads,
            connect_args={"check_same_thread": False, "timeout": 30},
        )
        sa.event.listen(engine, "connect", _sqlite_on_connect)
        sa.event.listen(engine, "begin", _sqlite_on_begin)
        return engine
    return sa.create_engine(
        full,
        json_serializer=_json_dumps,
        json_deserializer=orjson.loads,
        pool_size=10,
        max_overflow=10,
        pool_pre_ping=True,
        # A statement that runs longer than this is cancelled: the request fails, nothing is lost.
        connect_args={"options": "-c statement_timeout=60000"} if "psycopg" in full else {},
    )


def migrate(engine: Engine) -> None:
    """Upgrade the database to the newest schema shipped with this package."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(Path(__file__).parent.parent / "migrations"))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


class StoreBase:
    """The engine and the transactions every area of the store uses."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name
        self.is_sqlite = self.dialect == "sqlite"
        # One writer at a time inside this process for SQLite (it has one write lock
        # anyway); waiting here is cheaper than spinning on SQLITE_BUSY.
        self._write_lock: contextlib.AbstractContextManager[Any] = (
            threading.Lock() if self.is_sqlite else contextlib.nullcontext()
        )

    def close(self) -> None:
        self.engine.dispose()

    @property
    def url(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    @contextlib.contextmanager
    def _write(self) -> Iterator[Connection]:
        with self._write_lock, self.engine.connect() as conn:
            conn = conn.execution_options(taskloom_write=True)
            with conn.begin():
                yield conn

    @contextlib.contextmanager
    def _read(self) -> Iterator[Connection]:
        with self.engine.connect() as conn, conn.begin():
            yield conn

"""The event store: one interface over SQLite (embedded default) and PostgreSQL.

SQLAlchemy Core, no ORM. ``Store.open(url)`` runs the shipped Alembic migrations
(upgrade to head) so an upgrade keeps the data. Everything the API and the CLI do to
the database goes through this class; the task miner reads a study's UI events with
:meth:`Store.ui_events_frame` / :meth:`Store.iter_ui_events`.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from taskloom.agent.protocol import DEFAULT_POLICY
from taskloom.collector import schema as t
from taskloom.collector.ingest import ROW_COLUMNS, Rejected, ValidatedBatch, quarantine_payload
from taskloom.collector.tokens import (
    ADMIN_PREFIX,
    DEVICE_PREFIX,
    ENROLL_PREFIX,
    hash_token,
    new_study_key,
    new_token,
)

if TYPE_CHECKING:
    import pandas as pd

log = logging.getLogger(__name__)

ADMIN_ROLE = "admin"


class StoreError(Exception):
    """A request the store refuses; the message says what is wrong and how to fix it."""

    user_facing = True
    status = 400


class NotFound(StoreError):
    """The named object does not exist (or the caller may not see it)."""

    status = 404


class Conflict(StoreError):
    """The object already exists (e.g. a study name is taken)."""

    status = 409


class AuthError(StoreError):
    """A token that is unknown, expired, used up or revoked."""

    status = 401


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
        path.parent.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{path}"
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    if "://" not in url:
        path = Path(url).expanduser().resolve()
        path.parent.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{path}"
    return url


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
    cfg.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")


@dataclass(frozen=True, slots=True)
class Device:
    """An authenticated device: who the token belongs to."""

    id: str
    study_id: int


@dataclass(frozen=True, slots=True)
class Admin:
    """An authenticated admin; ``may_see_study`` is the per-object check."""

    token_id: int
    role: str

    @property
    def actor(self) -> str:
        return f"admin-token:{self.token_id}"

    def may_see_study(self, study_id: int) -> bool:
        # One role for now: an admin sees every study. A study-scoped role plugs in here.
        return self.role == ADMIN_ROLE


@dataclass(frozen=True, slots=True)
class IngestResult:
    """What the API answers: acknowledged ids (stored or already stored) and rejects."""

    accepted: list[str]
    rejected: list[dict[str, Any]]


@dataclass(slots=True)
class _IngestJob:
    """One caller's batch waiting for a group commit, and its outcome."""

    device: Device
    batch: ValidatedBatch
    done: bool = False
    error: BaseException | None = None


def _deep_merge(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def parse_duration(text: str) -> int:
    """'7d', '12h', '30m', '45s' or plain seconds → seconds; StoreError otherwise."""
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
    text = text.strip().lower()
    try:
        value = float(text[:-1]) * units[text[-1]] if text and text[-1] in units else float(text)
    except ValueError:
        raise StoreError(f"duration {text!r} is not understood; write e.g. 7d, 12h, 30m or 3600") from None
    if value <= 0:
        raise StoreError(f"duration {text!r} must be positive")
    return int(value)


class Store:
    """The collector's database. Thread-safe; one per process."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.dialect = engine.dialect.name
        self.is_sqlite = self.dialect == "sqlite"
        # One writer at a time inside this process for SQLite (it has one write lock
        # anyway); waiting here is cheaper than spinning on SQLITE_BUSY.
        self._write_lock: contextlib.AbstractContextManager[Any] = (
            threading.Lock() if self.is_sqlite else contextlib.nullcontext()
        )
        # The hot path goes to the driver's executemany with a fixed statement: SQLAlchemy's
        # per-row parameter processing costs more than the insert itself (see the bench).
        # ON CONFLICT DO NOTHING makes re-sent events no-ops on both dialects.
        mark = "?" if self.is_sqlite else "%s"
        cols = ", ".join(f'"{c}"' for c in ROW_COLUMNS)
        self._insert_events_sql = (
            f"INSERT INTO ui_events ({cols}) VALUES ({', '.join([mark] * len(ROW_COLUMNS))}) "
            "ON CONFLICT (event_id) DO NOTHING")
        # Group commit: concurrent ingest calls share one transaction (see `ingest`).
        self._group = threading.Condition()
        self._group_pending: list[_IngestJob] = []
        self._group_leading = False

    # ---- lifecycle

    @classmethod
    def open(cls, url: str | None = None, *, run_migrations: bool = True) -> Store:
        """Connect to ``url`` (None: the embedded SQLite file) and upgrade the schema."""
        engine = make_engine(url)
        if run_migrations:
            migrate(engine)
        return cls(engine)

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

    def _audit(self, conn: Connection, actor: str, action: str, object_type: str,
               object_id: Any, **details: Any) -> None:
        conn.execute(t.audit_log.insert().values(
            at=now_ms(), actor=actor, action=action, object_type=object_type,
            object_id=None if object_id is None else str(object_id), details=details,
        ))

    # ---- admin tokens

    def create_admin_token(self, label: str = "", actor: str = "cli") -> str:
        """A new admin token (printed once; only its hash is kept)."""
        token = new_token(ADMIN_PREFIX)
        with self._write() as conn:
            res = conn.execute(t.admin_tokens.insert().values(
                token_hash=hash_token(token), role=ADMIN_ROLE, label=label,
                revoked=False, created_at=now_ms(),
            ))
            self._audit(conn, actor, "admin_token.create", "admin_token",
                        res.inserted_primary_key[0] if res.inserted_primary_key else None,
                        label=label)
        return token

    def ensure_admin_token(self, token: str, label: str = "bootstrap") -> None:
        """Register a token given in the configuration (idempotent)."""
        digest = hash_token(token)
        with self._write() as conn:
            found = conn.execute(sa.select(t.admin_tokens.c.id).where(
                t.admin_tokens.c.token_hash == digest)).first()
            if found is None:
                conn.execute(t.admin_tokens.insert().values(
                    token_hash=digest, role=ADMIN_ROLE, label=label, revoked=False,
                    created_at=now_ms()))

    def has_admin_tokens(self) -> bool:
        with self._read() as conn:
            return conn.execute(sa.select(sa.func.count()).select_from(t.admin_tokens).where(
                t.admin_tokens.c.revoked.is_(False))).scalar_one() > 0

    def authenticate_admin(self, token: str) -> Admin:
        with self._read() as conn:
            row = conn.execute(sa.select(t.admin_tokens.c.id, t.admin_tokens.c.role,
                                         t.admin_tokens.c.revoked).where(
                t.admin_tokens.c.token_hash == hash_token(token))).first()
        if row is None or row.revoked:
            raise AuthError("admin token unknown or revoked; create one with `taskloom admin token`")
        return Admin(token_id=row.id, role=row.role)

    # ---- studies

    def create_study(self, name: str, settings: Mapping[str, Any] | None = None,
                     description: str = "", actor: str = "cli") -> dict[str, Any]:
        name = name.strip()
        if not name:
            raise StoreError("a study needs a non-empty name")
        with self._write() as conn:
            if conn.execute(sa.select(t.studies.c.id).where(t.studies.c.name == name)).first():
                raise Conflict(f"a study named {name!r} already exists; pick another name")
            res = conn.execute(t.studies.insert().values(
                name=name, hmac_key=new_study_key(), settings=dict(settings or {}),
                description=description, created_at=now_ms()))
            study_id = int(res.inserted_primary_key[0])  # type: ignore[index]
            self._audit(conn, actor, "study.create", "study", study_id, name=name)
        return self.get_study(study_id)

    def _study_row(self, conn: Connection, study: int | str) -> Any:
        col = t.studies.c.id if isinstance(study, int) else t.studies.c.name
        row = conn.execute(sa.select(t.studies).where(col == study)).first()
        if row is None:
            raise NotFound(f"no study {study!r}; list them with `taskloom study list`")
        return row

    @staticmethod
    def _study_dict(row: Any) -> dict[str, Any]:
        return {"id": row.id, "name": row.name, "description": row.description,
                "settings": row.settings, "created_at": row.created_at}

    def get_study(self, study: int | str) -> dict[str, Any]:
        """A study by id or name (without its key)."""
        with self._read() as conn:
            return self._study_dict(self._study_row(conn, study))

    def study_key(self, study: int | str) -> str:
        with self._read() as conn:
            return str(self._study_row(conn, study).hmac_key)

    def list_studies(self) -> list[dict[str, Any]]:
        with self._read() as conn:
            rows = conn.execute(sa.select(t.studies).order_by(t.studies.c.id)).all()
            counts: dict[int, int] = dict(conn.execute(sa.select(t.devices.c.study_id, sa.func.count()).group_by(
                t.devices.c.study_id)).all())
        out = []
        for row in rows:
            item = self._study_dict(row)
            item["devices"] = int(counts.get(row.id, 0))
            out.append(item)
        return out

    def update_study(self, study_id: int, *, name: str | None = None,
                     settings: Mapping[str, Any] | None = None, description: str | None = None,
                     actor: str = "cli") -> dict[str, Any]:
        values: dict[str, Any] = {}
        if name is not None:
            if not name.strip():
                raise StoreError("a study needs a non-empty name")
            values["name"] = name.strip()
        if settings is not None:
            values["settings"] = dict(settings)
        if description is not None:
            values["description"] = description
        with self._write() as conn:
            self._study_row(conn, study_id)
            if "name" in values and conn.execute(sa.select(t.studies.c.id).where(
                    t.studies.c.name == values["name"], t.studies.c.id != study_id)).first():
                raise Conflict(f"a study named {values['name']!r} already exists; pick another name")
            if values:
                conn.execute(t.studies.update().where(t.studies.c.id == study_id).values(**values))
            self._audit(conn, actor, "study.update", "study", study_id, fields=sorted(values))
        return self.get_study(study_id)

    def delete_study(self, study_id: int, actor: str = "cli") -> None:
        """Delete a study and everything recorded for it."""
        with self._write() as conn:
            self._study_row(conn, study_id)
            # Explicit order: SQLite enforces ON DELETE CASCADE only with foreign_keys=ON
            # and PostgreSQL needs no help, but being explicit keeps both identical.
            for table in (t.ui_events, t.system_events, t.imports, t.enrollment_tokens, t.devices):
                conn.execute(table.delete().where(table.c.study_id == study_id))
            conn.execute(t.quarantine.delete().where(t.quarantine.c.study_id == study_id))
            conn.execute(t.studies.delete().where(t.studies.c.id == study_id))
            self._audit(conn, actor, "study.delete", "study", study_id)

    # ---- enrolment and devices

    def create_enrollment_token(self, study: int | str, uses: int = 1,
                                expires_s: int = 7 * 86400, actor: str = "cli") -> dict[str, Any]:
        """A new enrolment token for a study; the token itself is returned once."""
        if uses < 1:
            raise StoreError("--uses must be at least 1")
        if expires_s <= 0:
            raise StoreError("the expiry must be in the future")
        token = new_token(ENROLL_PREFIX)
        with self._write() as conn:
            study_row = self._study_row(conn, study)
            expires_at = now_ms() + expires_s * 1000
            res = conn.execute(t.enrollment_tokens.insert().values(
                token_hash=hash_token(token), study_id=study_row.id, expires_at=expires_at,
                max_uses=uses, uses=0, created_at=now_ms()))
            token_id = res.inserted_primary_key[0] if res.inserted_primary_key else None
            self._audit(conn, actor, "enrollment_token.create", "study", study_row.id,
                        token_id=token_id, uses=uses, expires_at=expires_at)
        return {"id": token_id, "token": token, "study_id": study_row.id,
                "expires_at": expires_at, "max_uses": uses}

    def list_enrollment_tokens(self, study_id: int) -> list[dict[str, Any]]:
        et = t.enrollment_tokens
        with self._read() as conn:
            rows = conn.execute(sa.select(et.c.id, et.c.study_id, et.c.expires_at, et.c.max_uses,
                                          et.c.uses, et.c.created_at).where(
                et.c.study_id == study_id).order_by(et.c.id)).all()
        return [dict(r._mapping) for r in rows]

    def enroll(self, enrollment_token: str, hostname: str) -> dict[str, Any]:
        """Spend one use of an enrolment token: a new device id and device token."""
        et = t.enrollment_tokens
        hostname = (hostname or "").strip()[:255] or "unknown"
        with self._write() as conn:
            row = conn.execute(sa.select(et).where(
                et.c.token_hash == hash_token(enrollment_token))).first()
            now = now_ms()
            if row is None:
                raise AuthError("enrolment token unknown; ask the study admin for a new one "
                                "(`taskloom device token --study NAME`)")
            if row.expires_at <= now:
                raise AuthError("enrolment token expired; ask the study admin for a new one")
            if row.uses >= row.max_uses:
                raise AuthError("enrolment token used up; ask the study admin for a new one "
                                "(`--uses N` allows several devices)")
            upd = conn.execute(et.update().where(et.c.id == row.id, et.c.uses < et.c.max_uses)
                               .values(uses=et.c.uses + 1))
            if upd.rowcount != 1:
                raise AuthError("enrolment token used up; ask the study admin for a new one")
            device_id = str(uuid.uuid4())
            device_token = new_token(DEVICE_PREFIX)
            conn.execute(t.devices.insert().values(
                id=device_id, study_id=row.study_id, hostname=hostname,
                token_hash=hash_token(device_token), revoked=False, created_at=now, last_seen=now))
            self._audit(conn, f"enrollment-token:{row.id}", "device.enroll", "device", device_id,
                        hostname=hostname, study_id=row.study_id)
        return {"device_id": device_id, "device_token": device_token, "study_id": row.study_id}

    def authenticate_device(self, token: str) -> Device:
        """The device a token belongs to; AuthError when unknown or revoked."""
        d = t.devices
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(d.c.id, d.c.study_id, d.c.revoked).where(
                d.c.token_hash == hash_token(token))).first()
            conn.rollback()
        if row is None:
            raise AuthError("device token unknown; enrol the agent again "
                            "(`taskloom-agent enroll`)")
        if row.revoked:
            raise AuthError("device token revoked by the study admin; this device may not send "
                            "events — enrol again with a new enrolment token if that was a mistake")
        return Device(id=row.id, study_id=row.study_id)

    def policy(self, device: Device) -> dict[str, Any]:
        """DEFAULT_POLICY merged with the study's settings, with the study key."""
        with self._read() as conn:
            row = self._study_row(conn, device.study_id)
        policy = _deep_merge(DEFAULT_POLICY, row.settings or {})
        policy["study_key"] = row.hmac_key
        policy["study"] = row.name
        return policy

    def heartbeat(self, device: Device, *, version: str | None, spool_depth: int | None,
                  dropped: int | None, last_capture: int | None, paused: bool | None = None,
                  consent: bool | None = None, capturing: bool | None = None) -> None:
        now = now_ms()
        with self._write() as conn:
            conn.execute(t.devices.update().where(t.devices.c.id == device.id).values(
                last_seen=now, hb_at=now, hb_version=version, hb_spool_depth=spool_depth,
                hb_dropped=dropped, hb_last_capture=last_capture, hb_paused=paused,
                hb_consent=consent, hb_capturing=capturing))

    def revoke_device(self, device_id: str, actor: str = "cli") -> dict[str, Any]:
        with self._write() as conn:
            res = conn.execute(t.devices.update().where(t.devices.c.id == device_id)
                               .values(revoked=True))
            if res.rowcount != 1:
                raise NotFound(f"no device {device_id!r}; list them with `taskloom device list`")
            self._audit(conn, actor, "device.revoke", "device", device_id)
        return self.get_device(device_id)

    def get_device(self, device_id: str) -> dict[str, Any]:
        devices = self.list_devices(device_id=device_id)
        if not devices:
            raise NotFound(f"no device {device_id!r}; list them with `taskloom device list`")
        return devices[0]

    def list_devices(self, study_id: int | None = None,
                     device_id: str | None = None) -> list[dict[str, Any]]:
        """Devices with last seen, heartbeat figures, event counts and sequence gaps.

        ``seq_missing`` counts sequence numbers between the lowest and highest stored
        ones that never arrived (lost or still in the agent's spool).
        """
        d, e = t.devices, t.ui_events
        stats = (sa.select(e.c.device_id, sa.func.count().label("n"),
                           sa.func.count(sa.distinct(e.c.seq)).label("nd"),
                           sa.func.min(e.c.seq).label("lo"), sa.func.max(e.c.seq).label("hi"))
                 .group_by(e.c.device_id))
        if device_id is not None:
            stats = stats.where(e.c.device_id == device_id)
        elif study_id is not None:
            stats = stats.where(e.c.study_id == study_id)
        sub = stats.subquery()
        q = (sa.select(d, t.studies.c.name.label("study"), sub.c.n, sub.c.nd, sub.c.lo, sub.c.hi)
             .join(t.studies, t.studies.c.id == d.c.study_id)
             .outerjoin(sub, sub.c.device_id == d.c.id).order_by(d.c.created_at, d.c.id))
        if study_id is not None:
            q = q.where(d.c.study_id == study_id)
        if device_id is not None:
            q = q.where(d.c.id == device_id)
        with self._read() as conn:
            rows = conn.execute(q).all()
        out = []
        for r in rows:
            n = int(r.n or 0)
            missing = int(r.hi - r.lo + 1 - r.nd) if n else 0
            out.append({
                "id": r.id, "study_id": r.study_id, "study": r.study, "hostname": r.hostname,
                "revoked": bool(r.revoked), "created_at": r.created_at, "last_seen": r.last_seen,
                "last_heartbeat": r.hb_at, "version": r.hb_version,
                "spool_depth": r.hb_spool_depth, "dropped": r.hb_dropped,
                "last_capture": r.hb_last_capture, "events": n,
                "seq_min": r.lo, "seq_max": r.hi, "seq_missing": missing,
                "paused": r.hb_paused, "consent": r.hb_consent, "capturing": r.hb_capturing,
            })
        return out

    def seq_gaps(self, device_id: str, limit: int = 100) -> list[tuple[int, int]]:
        """Ranges ``(first_missing, last_missing)`` of sequence numbers never received."""
        e = t.ui_events
        prev = sa.func.lag(e.c.seq).over(order_by=e.c.seq).label("prev")
        inner = sa.select(e.c.seq, prev).where(e.c.device_id == device_id).subquery()
        q = (sa.select(inner.c.prev, inner.c.seq).where(inner.c.seq - inner.c.prev > 1)
             .order_by(inner.c.seq).limit(limit))
        with self._read() as conn:
            return [(int(p) + 1, int(s) - 1) for p, s in conn.execute(q).all()]

    # ---- ingest (the hot path)

    def ingest(self, device: Device, batch: ValidatedBatch) -> IngestResult:
        """Store a validated batch; return only after the transaction holding it committed.

        Re-sent events (same event_id) are skipped by ON CONFLICT DO NOTHING and still
        acknowledged; rejected events go to the quarantine in the same transaction.

        Group commit: batches that arrive while another thread is committing wait, and the
        next of them to run commits all the waiting batches in one transaction (one fsync
        instead of one per batch). Each caller still returns only after its own batch
        committed; if the shared transaction fails, its batches are retried one by one so
        one bad batch cannot fail the others.
        """
        job = _IngestJob(device, batch)
        cond = self._group
        with cond:
            self._group_pending.append(job)
            while not job.done and self._group_leading:
                cond.wait()
            if not job.done:
                self._group_leading = True
                jobs, self._group_pending = self._group_pending, []
        if not job.done:
            try:
                self._commit_jobs(jobs)
            finally:
                with cond:
                    self._group_leading = False
                    cond.notify_all()
        if job.error is not None:
            raise job.error
        return IngestResult(accepted=batch.accepted,
                            rejected=[r.to_wire() for r in batch.rejected])

    def _commit_jobs(self, jobs: list[_IngestJob]) -> None:
        """Commit ``jobs`` in one transaction, or one by one when that fails; mark each done.

        A job whose commit is not known to have happened gets an error, so its caller
        answers with an error and the agent sends the batch again (idempotent).
        """
        try:
            try:
                self._write_jobs(jobs)
            except Exception as exc:
                if len(jobs) == 1:
                    jobs[0].error = exc
                else:
                    log.warning("group commit of %d batches failed (%s); committing them one by one",
                                len(jobs), exc)
                    for one in jobs:
                        try:
                            self._write_jobs([one])
                        except Exception as single:
                            one.error = single
        except BaseException as exc:
            for job in jobs:
                job.error = job.error or exc
            raise
        finally:
            for job in jobs:
                job.done = True

    def _write_jobs(self, jobs: list[_IngestJob]) -> None:
        now = now_ms()
        with self._write() as conn:
            rows = [row for job in jobs for row in job.batch.rows]
            if rows:
                conn.exec_driver_sql(self._insert_events_sql, rows)
            rejected = [self._quarantine_row(job.device, r, now)
                        for job in jobs for r in job.batch.rejected]
            if rejected:
                conn.execute(t.quarantine.insert(), rejected)
            for device_id in dict.fromkeys(job.device.id for job in jobs):
                conn.execute(t.devices.update().where(t.devices.c.id == device_id)
                             .values(last_seen=now))

    @staticmethod
    def _quarantine_row(device: Device | None, r: Rejected, now: int) -> dict[str, Any]:
        return {"device_id": device.id if device else None,
                "study_id": device.study_id if device else None,
                "event_id": (r.event_id or "")[:200] or None, "reason": r.reason,
                "payload": quarantine_payload(r.payload), "received_at": now}

    def quarantine_batch(self, device: Device | None, reason: str, payload: str) -> None:
        """Keep a whole unusable request body (e.g. not JSON) with the reason."""
        with self._write() as conn:
            conn.execute(t.quarantine.insert().values(
                device_id=device.id if device else None,
                study_id=device.study_id if device else None, event_id=None,
                reason=reason, payload=payload, received_at=now_ms()))

    def list_quarantine(self, study_id: int | None = None, device_id: str | None = None,
                        limit: int = 100) -> list[dict[str, Any]]:
        q = t.quarantine
        stmt = sa.select(q).order_by(q.c.id.desc()).limit(limit)
        if study_id is not None:
            stmt = stmt.where(q.c.study_id == study_id)
        if device_id is not None:
            stmt = stmt.where(q.c.device_id == device_id)
        with self._read() as conn:
            return [dict(r._mapping) for r in conn.execute(stmt).all()]

    def count_ui_events(self, study_id: int | None = None) -> int:
        stmt = sa.select(sa.func.count()).select_from(t.ui_events)
        if study_id is not None:
            stmt = stmt.where(t.ui_events.c.study_id == study_id)
        with self._read() as conn:
            return int(conn.execute(stmt).scalar_one())

    def stored_event_ids(self, study_id: int | None = None) -> set[str]:
        stmt = sa.select(t.ui_events.c.event_id)
        if study_id is not None:
            stmt = stmt.where(t.ui_events.c.study_id == study_id)
        with self._read() as conn:
            return set(conn.execute(stmt).scalars())

    # ---- reading UI events (export, task mining)

    def iter_ui_events(self, study: int | str, chunk_size: int = 100_000) -> Iterator[pd.DataFrame]:
        """A study's UI events as DataFrames of at most ``chunk_size`` rows, by (ts, seq).

        Columns are the wire-format names (``agent.protocol.EVENT_FIELDS``): ``ts`` is a
        tz-aware UTC datetime, ``attrs`` a dict per row, ``device_id`` the device that
        sent the event (from its token). Bounded memory for large studies.
        """
        import pandas as pd

        e = t.ui_events
        with self._read() as conn:
            study_id = self._study_row(conn, study).id
        cols = [e.c[name] for name in t.UI_EVENT_COLUMNS]
        last: tuple[int, int] | None = None
        while True:
            stmt = sa.select(e.c.id, *cols).where(e.c.study_id == study_id)
            if last is not None:
                stmt = stmt.where(sa.tuple_(e.c.ts, e.c.id) > sa.tuple_(*last))
            stmt = stmt.order_by(e.c.ts, e.c.id).limit(chunk_size)
            with self._read() as conn:
                rows = conn.execute(stmt).all()
            if not rows:
                return
            frame = pd.DataFrame(rows, columns=["_id", *t.UI_EVENT_COLUMNS])
            last = (int(frame["ts"].iloc[-1]), int(frame["_id"].iloc[-1]))
            yield _typed_frame(frame.drop(columns="_id"))
            if len(rows) < chunk_size:
                return

    def ui_events_frame(self, study: int | str) -> pd.DataFrame:
        """All of a study's UI events in one DataFrame (see :meth:`iter_ui_events`)."""
        import pandas as pd

        frames = list(self.iter_ui_events(study))
        if not frames:
            return _typed_frame(pd.DataFrame(columns=list(t.UI_EVENT_COLUMNS)))
        return pd.concat(frames, ignore_index=True)

    # ---- system logs

    def create_import(self, study_id: int, file_name: str, mapping: Mapping[str, Any],
                      hashed: bool, rows: Sequence[Mapping[str, Any]], actor: str = "cli",
                      chunk: int = 5000,
                      progress: Callable[[int, int], None] | None = None) -> dict[str, Any]:
        """Store one imported system log (already mapped to store rows) in one transaction;
        ``progress(rows stored, rows)`` after each chunk (for progress bars)."""
        with self._write() as conn:
            self._study_row(conn, study_id)
            res = conn.execute(t.imports.insert().values(
                study_id=study_id, file_name=file_name, mapping=dict(mapping),
                hashed_case_ids=hashed, row_count=len(rows), status="done", error=None,
                created_at=now_ms()))
            import_id = int(res.inserted_primary_key[0])  # type: ignore[index]
            for start in range(0, len(rows), chunk):
                part = [dict(r, study_id=study_id, import_id=import_id)
                        for r in rows[start:start + chunk]]
                conn.execute(t.system_events.insert(), part)
                if progress is not None:
                    progress(min(start + chunk, len(rows)), len(rows))
            self._audit(conn, actor, "import.create", "study", study_id, import_id=import_id,
                        file_name=file_name, rows=len(rows))
        return self.get_import(import_id)

    def record_failed_import(self, study_id: int, file_name: str, mapping: Mapping[str, Any],
                             error: str, actor: str = "cli") -> None:
        with self._write() as conn:
            conn.execute(t.imports.insert().values(
                study_id=study_id, file_name=file_name, mapping=dict(mapping),
                hashed_case_ids=False, row_count=0, status="failed", error=error,
                created_at=now_ms()))
            self._audit(conn, actor, "import.fail", "study", study_id, file_name=file_name,
                        error=error)

    def get_import(self, import_id: int) -> dict[str, Any]:
        with self._read() as conn:
            row = conn.execute(sa.select(t.imports).where(t.imports.c.id == import_id)).first()
        if row is None:
            raise NotFound(f"no import {import_id}")
        return dict(row._mapping)

    def list_imports(self, study_id: int) -> list[dict[str, Any]]:
        with self._read() as conn:
            rows = conn.execute(sa.select(t.imports).where(t.imports.c.study_id == study_id)
                                .order_by(t.imports.c.id)).all()
        return [dict(r._mapping) for r in rows]

    def system_events_frame(self, study: int | str) -> pd.DataFrame:
        """A study's imported system events as an event log (mining.columns names)."""
        import pandas as pd

        from taskloom.mining import columns as mc

        s = t.system_events
        with self._read() as conn:
            study_id = self._study_row(conn, study).id
            rows = conn.execute(sa.select(s.c.case_id, s.c.activity, s.c.timestamp,
                                          s.c.start_timestamp, s.c.resource, s.c.attributes,
                                          s.c.import_id)
                                .where(s.c.study_id == study_id).order_by(s.c.id)).all()
        frame = pd.DataFrame(rows, columns=[mc.CASE, mc.ACTIVITY, mc.TIMESTAMP,
                                            mc.START_TIMESTAMP, mc.RESOURCE, "attributes",
                                            "import_id"])
        for col in (mc.TIMESTAMP, mc.START_TIMESTAMP):
            frame[col] = pd.to_datetime(frame[col], unit="ms", utc=True)
        return frame

    def audit_entries(self, limit: int = 100) -> list[dict[str, Any]]:
        a = t.audit_log
        with self._read() as conn:
            rows = conn.execute(sa.select(a).order_by(a.c.id.desc()).limit(limit)).all()
        return [dict(r._mapping) for r in rows]

    def audit(self, actor: str, action: str, object_type: str, object_id: Any,
              **details: Any) -> None:
        """Record an admin action that changes nothing in the store (e.g. an export)."""
        with self._write() as conn:
            self._audit(conn, actor, action, object_type, object_id, **details)


def _typed_frame(frame: pd.DataFrame) -> pd.DataFrame:
    import pandas as pd

    frame["ts"] = pd.to_datetime(frame["ts"].astype("int64"), unit="ms", utc=True)
    for col in ("seq",):
        frame[col] = frame[col].astype("int64")
    for col in ("x", "y"):
        frame[col] = frame[col].astype("Int64")
    return frame

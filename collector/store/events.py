"""UI events: the ingest hot path with group commit, and reading a study's events back.

Writing goes straight to the driver's executemany with one fixed statement (SQLAlchemy's
per-row parameter processing costs more than the insert itself; see bench_ingest), and
``ON CONFLICT (event_id) DO NOTHING`` makes a re-sent event a no-op on both dialects.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

import sqlalchemy as sa
from sqlalchemy.engine import Engine

from taskloom.collector import schema as t
from taskloom.collector.store.engine import StoreBase, now_ms
from taskloom.collector.store.quarantine import quarantine_row
from taskloom.collector.store.rows import Device, IngestResult, RejectedEvent
from taskloom.collector.store.studies import study_row
from taskloom.collector.validate import ROW_COLUMNS, Rejected, ValidatedBatch

if TYPE_CHECKING:
    import pandas as pd

log = logging.getLogger(__name__)

#: Event ids looked up per query when checking who owns them (well under SQLite's
#: bound-parameter limit).
_ID_CHUNK = 500


@dataclass(slots=True)
class _IngestJob:
    """One caller's batch waiting for a group commit, and its outcome."""

    device: Device
    batch: ValidatedBatch
    done: bool = False
    error: BaseException | None = None


class EventsArea(StoreBase):
    """Storing validated batches (group commit) and reading UI events by study."""

    def __init__(self, engine: Engine) -> None:
        super().__init__(engine)
        mark = "?" if self.is_sqlite else "%s"
        cols = ", ".join(f'"{c}"' for c in ROW_COLUMNS)
        self._insert_events_sql = (
            f"INSERT INTO ui_events ({cols}) VALUES ({', '.join([mark] * len(ROW_COLUMNS))}) "
            "ON CONFLICT (event_id) DO NOTHING")
        # Group commit: concurrent ingest calls share one transaction (see `ingest`).
        self._group = threading.Condition()
        self._group_pending: list[_IngestJob] = []
        self._group_leading = False

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
        return IngestResult(accepted=batch.accepted, rejected=[
            RejectedEvent(event_id=r.event_id, index=r.index, reason=r.reason)
            for r in batch.rejected])

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

    def _owners(self, conn: sa.Connection, ids: list[str]) -> dict[str, str]:
        """The device that stored each of ``ids`` already (ids not stored are absent)."""
        mark = "?" if self.is_sqlite else "%s"
        owners: dict[str, str] = {}
        for start in range(0, len(ids), _ID_CHUNK):
            chunk = ids[start:start + _ID_CHUNK]
            found = conn.exec_driver_sql(
                "SELECT event_id, device_id FROM ui_events WHERE event_id IN "
                f"({', '.join([mark] * len(chunk))})", tuple(chunk)).all()
            owners.update((str(r[0]), str(r[1])) for r in found)
        return owners

    def _refuse_foreign(self, conn: sa.Connection, jobs: list[_IngestJob]) -> None:
        """Move events whose id another device stored already (or sends in this same
        commit) from the rows to the rejects: an event id is one device's, and
        acknowledging it would make the agent drop an event that was never stored."""
        owners = self._owners(conn, list({row[0] for job in jobs for row in job.batch.rows}))
        for job in jobs:
            device_id = job.device.id
            batch = job.batch
            foreign: set[str] = set()
            keep, kept_at = [], []
            for index, row in zip(batch.indexes, batch.rows, strict=True):
                if owners.setdefault(row[0], device_id) == device_id:
                    keep.append(row)
                    kept_at.append(index)
                    continue
                foreign.add(row[0])
                batch.rejected.append(Rejected(
                    index, row[0], "event_id belongs to another device; make a fresh UUID "
                                   "per event on the device", dict(zip(ROW_COLUMNS, row, strict=True))))
            if foreign:
                batch.rows, batch.indexes = keep, kept_at
                batch.accepted = [i for i in batch.accepted if i not in foreign]

    def _write_jobs(self, jobs: list[_IngestJob]) -> None:
        now = now_ms()
        with self._write() as conn:
            self._refuse_foreign(conn, jobs)
            rows = [row for job in jobs for row in job.batch.rows]
            if rows:
                conn.exec_driver_sql(self._insert_events_sql, rows)
            rejected = [quarantine_row(job.device, r, now)
                        for job in jobs for r in job.batch.rejected]
            if rejected:
                conn.execute(t.quarantine.insert(), rejected)
            for device_id in dict.fromkeys(job.device.id for job in jobs):
                conn.execute(t.devices.update().where(t.devices.c.id == device_id)
                             .values(last_seen=now))

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

    def iter_ui_events(self, study: int | str, chunk_size: int = 100_000) -> Iterator[pd.DataFrame]:
        """A study's UI events as DataFrames of at most ``chunk_size`` rows, by (ts, seq).

        Columns are the wire-format names (``agent.protocol.EVENT_FIELDS``): ``ts`` is a
        tz-aware UTC datetime, ``attrs`` a dict per row, ``device_id`` the device that
        sent the event (from its token). Bounded memory for large studies.
        """
        import pandas as pd

        e = t.ui_events
        with self._read() as conn:
            study_id = study_row(conn, study).id
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


def _typed_frame(frame: pd.DataFrame) -> pd.DataFrame:
    import pandas as pd

    frame["ts"] = pd.to_datetime(frame["ts"].astype("int64"), unit="ms", utc=True)
    frame["seq"] = frame["seq"].astype("int64")
    for col in ("x", "y"):
        frame[col] = frame[col].astype("Int64")
    return frame

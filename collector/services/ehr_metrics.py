"""EHR documentation-time metrics for a study in the store (the CLI and the API call this).

Reads the study's UI events in bounded chunks, straight from the ``ui_events`` table and
only the columns the metrics need (a typing burst's ``end_ts`` is taken out of ``attrs``
by the database), and streams them through ``collector.metrics``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd
import sqlalchemy as sa

from taskloom.collector import schema as t
from taskloom.collector.metrics.aggregate import Accumulator, Options
from taskloom.collector.metrics.categories import default_map, parse_category_map
from taskloom.collector.metrics.errors import MetricsInputError
from taskloom.collector.metrics.measures import teamwork
from taskloom.collector.metrics.report import DEFAULT_MIN_GROUP, EhrReport, build_report
from taskloom.collector.metrics.timetables import (
    Timetable,
    check_zone,
    parse_schedule,
    parse_visits,
)
from taskloom.collector.services.sqlite_arrow import adbc_available, record_batches
from taskloom.mining.io.prefetch import prefetched

if TYPE_CHECKING:
    from taskloom.collector.store import Store

log = logging.getLogger(__name__)
CHUNK_ROWS = 250_000


@dataclass(frozen=True)
class TextFile:
    """An uploaded or read file: its name (for error messages) and its text."""

    name: str
    text: str


@dataclass(frozen=True)
class EhrOptions:
    """What the caller chose; files are passed as text (the caller read them)."""

    threshold_s: float = 5.0
    min_group: int = DEFAULT_MIN_GROUP
    zone: str | None = None  # None: the study's 'timezone' setting, else UTC
    schedule: TextFile | None = None
    visits: TextFile | None = None
    categories: TextFile | None = None
    per_clinician: bool = False
    chunk_rows: int = CHUNK_ROWS


def iter_metric_events(store: Store, study_id: int, chunk_rows: int = CHUNK_ROWS) -> Iterator[pd.DataFrame | Any]:
    """The study's UI events as metric chunks (user, ts, seq, kind, app, title, url, end_ts).

    Rows come through the driver's cursor as plain tuples (SQLAlchemy's Row objects cost
    more than the query at this size); the statement itself is built with SQLAlchemy.
    """
    e = t.ui_events
    end_ts = e.c.attrs["end_ts"].as_float()
    stmt = (sa.select(e.c.user, e.c.ts, e.c.seq, e.c.kind, e.c.app, e.c.title, e.c.url, end_ts)
            .where(e.c.study_id == sa.literal(int(study_id), sa.Integer)).order_by(e.c.ts, e.c.id))
    sql = str(stmt.compile(dialect=store.engine.dialect, compile_kwargs={"literal_binds": True}))
    cols = ["user", "ts", "seq", "kind", "app", "title", "url", "end_ts"]
    if store.is_sqlite and adbc_available() and store.engine.url.database:
        yield from _arrow_chunks(store.engine.url.database, sql, cols, chunk_rows)
        return
    with store.engine.connect() as conn:
        raw = conn.connection.dbapi_connection
        assert raw is not None
        # PostgreSQL: a named (server-side) cursor, else psycopg holds the whole result at once.
        cursor = raw.cursor(name="ehr_metrics") if store.dialect == "postgresql" else raw.cursor()
        try:
            cursor.execute(sql)
            while rows := cursor.fetchmany(chunk_rows):
                frame = pd.DataFrame.from_records(rows, columns=cols)
                frame["user"] = frame["user"].fillna("")
                frame["end_ts"] = pd.to_numeric(frame["end_ts"], errors="coerce")
                yield frame
        finally:
            cursor.close()


def _arrow_chunks(path: str, sql: str, cols: list[str], chunk_rows: int) -> Iterator[Any]:
    """SQLite through ADBC (in a child process): Arrow batches, about three times faster than
    sqlite3 tuples."""
    import pyarrow as pa

    pending: list[pa.RecordBatch] = []
    rows = 0
    for batch in record_batches(path, sql, min(chunk_rows, 65_536)):
        pending.append(batch)
        rows += batch.num_rows
        if rows >= chunk_rows:
            yield _frame(pa.Table.from_batches(pending), cols)
            pending, rows = [], 0
    if rows:
        yield _frame(pa.Table.from_batches(pending), cols)


def _frame(table: Any, cols: list[str]) -> Any:
    """The Arrow table as a metric chunk (the accumulator encodes Arrow columns itself)."""
    return table.rename_columns(cols)


def _zone(options: EhrOptions, settings: dict[str, object]) -> tuple[str, str]:
    if options.zone:
        check_zone(options.zone)
        return options.zone, "--tz"
    setting = settings.get("timezone")
    if isinstance(setting, str) and setting:
        check_zone(setting)
        return setting, "study setting 'timezone'"
    return "UTC", "default (the study has no 'timezone' setting)"


def _timetables(options: EhrOptions, zone: str | None, key: str) -> tuple[Timetable | None, Timetable | None]:
    sched = visits = None
    if options.schedule is not None:
        sched = parse_schedule(options.schedule.text, options.schedule.name, zone, key)
    if options.visits is not None:
        visits = parse_visits(options.visits.text, options.visits.name, zone, key)
    return sched, visits


def ehr_metrics(store: Store, study: int | str, options: EhrOptions) -> EhrReport:
    """The documentation-time report of one study; MetricsInputError for input the user can fix."""
    info = store.get_study(study)  # a typed Study row
    if options.threshold_s <= 0:
        raise MetricsInputError(f"threshold {options.threshold_s:g} s must be positive, e.g. 5s")
    if options.min_group < 1:
        raise MetricsInputError(f"min-group {options.min_group} must be at least 1 (default {DEFAULT_MIN_GROUP})")
    zone, zone_source = _zone(options, dict(info.settings or {}))
    # Times without an offset need a zone the user chose; the UTC default is not one.
    sched, visits = _timetables(options, None if zone_source.startswith("default") else zone,
                                store.study_key(info.id))
    cmap = (parse_category_map(options.categories.text, options.categories.name)
            if options.categories is not None else default_map())
    acc = Accumulator(cmap, Options(threshold_s=options.threshold_s, zone=zone), sched, visits)
    for chunk in prefetched(iter_metric_events(store, info.id, options.chunk_rows), name="ehr-metrics-read"):
        acc.add(chunk)
        log.info("ehr metrics: %d events read", acc.events)
    if acc.events == 0:
        raise MetricsInputError(f"study {info.name!r} has no UI events; enrol the clinicians' devices "
                                "(taskloom device token, then taskloom-agent enroll) or pick another study "
                                "(taskloom study list)")
    totals = acc.totals()
    tw = teamwork(store.system_events_frame(info.id), zone)
    return build_report(totals, study=info.name, zone_source=zone_source, min_group=options.min_group,
                        teamwork=tw, per_clinician=options.per_clinician, category_map=cmap.source)

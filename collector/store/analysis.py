"""A study's system log read fast for interactive use (the console's map, statistics, cases).


``Store.system_events_frame`` keeps each event's attributes as a dict; the console needs
them as columns (filters on event and case attributes) and needs the 262k-event BPI 2012
log in about a second, so this reads through the driver, parses each distinct attribute
document once (case attributes repeat on every event of a case) and widens them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import orjson
import sqlalchemy as sa

from taskloom.collector import schema as t
from taskloom.collector.store.engine import StoreBase

if TYPE_CHECKING:
    import pandas as pd


class AnalysisArea(StoreBase):
    """Reads for interactive analysis (the console): the wide log, its version."""

    def syslog_version(self, study_id: int) -> tuple[int, int]:
        """Changes whenever the study's system log changes: (imports done, newest import id)."""
        i = t.imports
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(sa.func.count(), sa.func.max(i.c.id)).where(
                i.c.study_id == study_id, i.c.status == "done")).one()
            conn.rollback()
        return int(row[0]), int(row[1] or 0)

    def links_version(self, study_id: int) -> int:
        """Which stored merge the study has (0: none): the audit id of its last replacement.

        Every merge replaces the links in one transaction that writes an audit row, so a
        re-run with other options (same number of task instances, other links) is a new
        version too.
        """
        a = t.audit_log
        with self.engine.connect() as conn:
            n = conn.execute(sa.select(sa.func.max(a.c.id)).where(
                a.c.action == "links.replace", a.c.object_type == "study",
                a.c.object_id == str(int(study_id)))).scalar()
            conn.rollback()
        return int(n or 0)

    def system_log_wide(self, study_id: int) -> pd.DataFrame:
        """The study's imported system events as an event log with attribute columns.

        Columns: ``case:concept:name``, ``concept:name``, ``time:timestamp`` (UTC), then
        ``start_timestamp`` and ``org:resource`` where any event has them, then one column per
        attribute name (``case:*`` for case attributes, as imported). Rows in import order.
        """
        import numpy as np
        import pandas as pd

        from taskloom.mining import columns as mc

        # Raw driver rows: SQLAlchemy's per-row objects cost more than the query itself here.
        mark = "?" if self.is_sqlite else "%s"
        # As text on both backends: psycopg would decode JSON into dicts, which cannot be
        # factorized (hashed) below.
        attrs_col = "attributes" if self.is_sqlite else "CAST(attributes AS TEXT)"
        sql = (f"SELECT case_id, activity, timestamp, start_timestamp, resource, {attrs_col} "
               f"FROM system_events WHERE study_id = {mark} ORDER BY id")
        with self.engine.connect() as conn:
            rows = conn.exec_driver_sql(sql, (study_id,)).cursor.fetchall()
            conn.rollback()
        if not rows:
            return pd.DataFrame({mc.CASE: pd.Series(dtype=object), mc.ACTIVITY: pd.Series(dtype=object),
                                 mc.TIMESTAMP: pd.Series(dtype="datetime64[ns, UTC]")})
        case, act, ts, start, res, attrs = (list(c) for c in zip(*rows, strict=True))
        frame = pd.DataFrame({
            mc.CASE: pd.Series(case, dtype=object), mc.ACTIVITY: pd.Series(act, dtype=object),
            mc.TIMESTAMP: pd.to_datetime(np.asarray(ts, dtype="int64"), unit="ms", utc=True)})
        if any(v is not None for v in start):
            frame[mc.START_TIMESTAMP] = pd.to_datetime(pd.Series(start, dtype="Int64"), unit="ms", utc=True)
        if any(v is not None for v in res):
            frame[mc.RESOURCE] = pd.Series(res, dtype=object)
        codes, docs = pd.factorize(pd.Series(attrs, dtype=object))
        # SQLite hands back JSON text, psycopg already-decoded values.
        parsed = [d if isinstance(d, dict) else orjson.loads(d) if d else {} for d in docs]
        if any(parsed):
            wide = pd.DataFrame.from_records(parsed)
            wide = wide[[c for c in wide.columns if c not in frame.columns]]
            if len(wide.columns):
                taken = wide.iloc[np.where(codes < 0, 0, codes)].reset_index(drop=True)
                frame = pd.concat([frame, taken], axis=1)
        return frame

    def recent_import_studies(self, limit: int = 2) -> list[int]:
        """The studies whose system log changed last (newest import first)."""
        i = t.imports
        newest = sa.func.max(i.c.id)
        stmt = (sa.select(i.c.study_id).where(i.c.status == "done").group_by(i.c.study_id)
                .order_by(newest.desc()).limit(limit))
        with self.engine.connect() as conn:
            ids = [int(x) for x in conn.execute(stmt).scalars()]
            conn.rollback()
        return ids

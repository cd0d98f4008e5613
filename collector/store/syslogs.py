"""System logs imported into a study (an EHR audit log, a case-management export).

Rows arrive already mapped (``collector.sysimport.to_rows``: case ids hashed with the
study key when asked); one import is one transaction, so a failed one leaves nothing half.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from taskloom.collector import schema as t
from taskloom.collector.store.audit import write_audit
from taskloom.collector.store.engine import StoreBase, now_ms
from taskloom.collector.store.errors import NotFound
from taskloom.collector.store.rows import ImportInfo, SystemEvent
from taskloom.collector.store.studies import study_row

if TYPE_CHECKING:
    import pandas as pd


class SystemLogsArea(StoreBase):
    """Imports of system logs and the study's system events as an event log."""

    def create_import(self, study_id: int, file_name: str, mapping: Mapping[str, Any],
                      hashed: bool, rows: Sequence[SystemEvent], actor: str = "cli",
                      chunk: int = 5000,
                      progress: Callable[[int, int], None] | None = None) -> ImportInfo:
        """Store one imported system log in one transaction; ``progress(rows stored, rows)``
        after each chunk (for progress bars)."""
        with self._write() as conn:
            study_row(conn, study_id)
            res = conn.execute(t.imports.insert().values(
                study_id=study_id, file_name=file_name, mapping=dict(mapping),
                hashed_case_ids=hashed, row_count=len(rows), status="done", error=None,
                created_at=now_ms()))
            import_id = int(res.inserted_primary_key[0])  # type: ignore[index]
            for start in range(0, len(rows), chunk):
                part = [dict(r._asdict(), study_id=study_id, import_id=import_id)
                        for r in rows[start:start + chunk]]
                conn.execute(t.system_events.insert(), part)
                if progress is not None:
                    progress(min(start + chunk, len(rows)), len(rows))
            write_audit(conn, actor, "import.create", "study", study_id, import_id=import_id,
                        file_name=file_name, rows=len(rows))
        return self.get_import(import_id)

    def record_failed_import(self, study_id: int, file_name: str, mapping: Mapping[str, Any],
                             error: str, actor: str = "cli") -> None:
        """Keep a failed import (with its error) so the admin sees what went wrong."""
        with self._write() as conn:
            conn.execute(t.imports.insert().values(
                study_id=study_id, file_name=file_name, mapping=dict(mapping),
                hashed_case_ids=False, row_count=0, status="failed", error=error,
                created_at=now_ms()))
            write_audit(conn, actor, "import.fail", "study", study_id, file_name=file_name,
                        error=error)

    def get_import(self, import_id: int) -> ImportInfo:
        with self._read() as conn:
            row = conn.execute(sa.select(t.imports).where(t.imports.c.id == import_id)).first()
        if row is None:
            raise NotFound(f"no import {import_id}")
        return ImportInfo(**row._asdict())

    def list_imports(self, study_id: int) -> list[ImportInfo]:
        with self._read() as conn:
            rows = conn.execute(sa.select(t.imports).where(t.imports.c.study_id == study_id)
                                .order_by(t.imports.c.id)).all()
        return [ImportInfo(**r._asdict()) for r in rows]

    def system_events_frame(self, study: int | str) -> pd.DataFrame:
        """A study's imported system events as an event log (mining.columns names)."""
        import pandas as pd

        from taskloom.mining import columns as mc

        s = t.system_events
        with self._read() as conn:
            study_id = study_row(conn, study).id
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

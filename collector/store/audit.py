"""The audit log: who did what to which object, written in the transaction that did it."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from taskloom.collector import schema as t
from taskloom.collector.store.engine import StoreBase, now_ms
from taskloom.collector.store.rows import AuditEntry


def write_audit(conn: Connection, actor: str, action: str, object_type: str, object_id: Any,
                **details: Any) -> None:
    """Record one action inside the caller's transaction (it commits or fails with it)."""
    conn.execute(t.audit_log.insert().values(
        at=now_ms(), actor=actor, action=action, object_type=object_type,
        object_id=None if object_id is None else str(object_id), details=details,
    ))


class AuditArea(StoreBase):
    """Reading the audit log, and recording actions that change nothing else."""

    def audit(self, actor: str, action: str, object_type: str, object_id: Any,
              **details: Any) -> None:
        """Record an admin action that changes nothing in the store (e.g. an export)."""
        with self._write() as conn:
            write_audit(conn, actor, action, object_type, object_id, **details)

    def audit_entries(self, limit: int = 100) -> list[AuditEntry]:
        """The newest ``limit`` entries, newest first."""
        a = t.audit_log
        with self._read() as conn:
            rows = conn.execute(sa.select(a).order_by(a.c.id.desc()).limit(limit)).all()
        return [AuditEntry(**r._asdict()) for r in rows]

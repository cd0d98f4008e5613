"""The quarantine: events (or whole request bodies) the collector refused, with the reason.

Nothing an agent sends is silently dropped: a rejected event is kept here, so an admin
can see why and the agent can drop it from its spool.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from taskloom.collector import schema as t
from taskloom.collector.store.engine import StoreBase, now_ms
from taskloom.collector.store.rows import Device, QuarantineEntry
from taskloom.collector.validate import Rejected, quarantine_payload


def quarantine_row(device: Device | None, rejected: Rejected, now: int) -> dict[str, Any]:
    """The quarantine table row for one rejected event of ``device``."""
    return {"device_id": device.id if device else None,
            "study_id": device.study_id if device else None,
            "event_id": (rejected.event_id or "")[:200] or None, "reason": rejected.reason,
            "payload": quarantine_payload(rejected.payload), "received_at": now}


class QuarantineArea(StoreBase):
    """Keeping and listing refused input."""

    def quarantine_batch(self, device: Device | None, reason: str, payload: str) -> None:
        """Keep a whole unusable request body (e.g. not JSON) with the reason."""
        with self._write() as conn:
            conn.execute(t.quarantine.insert().values(
                device_id=device.id if device else None,
                study_id=device.study_id if device else None, event_id=None,
                reason=reason, payload=payload, received_at=now_ms()))

    def list_quarantine(self, study_id: int | None = None, device_id: str | None = None,
                        limit: int = 100) -> list[QuarantineEntry]:
        """Refused input, newest first, of a study or a device."""
        q = t.quarantine
        stmt = sa.select(q).order_by(q.c.id.desc()).limit(limit)
        if study_id is not None:
            stmt = stmt.where(q.c.study_id == study_id)
        if device_id is not None:
            stmt = stmt.where(q.c.device_id == device_id)
        with self._read() as conn:
            return [QuarantineEntry(**r._asdict()) for r in conn.execute(stmt).all()]

"""Test data for the collector tests (the collector process itself is tests/support's)."""

from __future__ import annotations

import uuid
from typing import Any

from taskloom.agent.protocol import format_ts
from tests.support.collector import TASKLOOM, LiveCollector, run_cli

__all__ = ["BASE_TS", "TASKLOOM", "LiveCollector", "run_cli", "wire_batch", "wire_event"]
BASE_TS = 1_767_261_600_000  # 2026-01-01T10:00:00Z


def wire_event(seq: int, **fields: Any) -> dict[str, Any]:
    """One valid wire event (a click) with a fresh event id."""
    event: dict[str, Any] = {
        "event_id": str(uuid.uuid4()), "seq": seq, "ts": format_ts(BASE_TS + 1000 * seq),
        "kind": "click", "user": "u#1a2b3c4d", "app": "ehr-client", "title": "Chart — NHS#0f0f0f0f",
        "element": "button:Save", "button": "left", "x": 105, "y": 47, "attrs": {"n": seq},
    }
    event.update(fields)
    return event


def wire_batch(n: int, start_seq: int = 0, **fields: Any) -> list[dict[str, Any]]:
    """``n`` valid events with consecutive sequence numbers."""
    return [wire_event(start_seq + i, **fields) for i in range(n)]

"""Ingest: a device's batch of wire events, validated and stored (POST /events, the demo)."""

from __future__ import annotations

from typing import Any

import orjson

from taskloom.collector.limits import Limits
from taskloom.collector.store import Device, IngestResult, Store, now_ms
from taskloom.collector.validate import BodyNotJson, events_of, validate_batch

#: How much of an unusable body the quarantine keeps.
QUARANTINE_BODY_CHARS = 65536


def ingest_events(store: Store, device: Device, events: list[Any],
                  limits: Limits | None = None) -> IngestResult:
    """Validate one device's batch of wire events and store it; answer after the commit."""
    batch = validate_batch(events, device.id, device.study_id, now_ms(), limits or Limits())
    return store.ingest(device, batch)


def ingest_body(store: Store, device: Device, body: bytes, limits: Limits) -> IngestResult:
    """A batch as sent (JSON bytes, already inflated): decoded, validated, stored.

    A body that is not JSON is quarantined whole before BodyNotJson is raised, so what the
    device sent can still be looked at; a body that is not ``{"events": [...]}`` or holds
    too many events raises BatchError / BatchTooLarge.
    """
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        store.quarantine_batch(device, f"body is not JSON: {exc}",
                               body[:QUARANTINE_BODY_CHARS].decode("utf-8", "replace"))
        raise BodyNotJson(f"the body is not valid JSON ({exc}); send "
                          '{"events": [...]} as UTF-8 JSON') from None
    return ingest_events(store, device, events_of(data, limits.max_batch_events), limits)

"""Validate one batch of wire events for one device: plain functions, no I/O.

The hot path of ingest (``POST /api/v1/events``, the demo): agent.protocol.parse_event per
event (plain Python, no pydantic), the device taken from the token, never from the payload.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import orjson

from taskloom.agent.protocol import (
    COARSE_GRID_PX,
    EVENT_FIELDS,
    EVENT_KINDS,
    KEY_CLASSES,
    MAX_BATCH_EVENTS,
    MAX_TEXT,
    SHORTCUT_RE,
    WireError,
    parse_event,
    parse_ts,
)
from taskloom.errors import UserError

_UUID_RE = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\Z")
_FIELDS = frozenset(EVENT_FIELDS)
_TEXT = (("device_id", None), ("user", MAX_TEXT["user"]), ("app", MAX_TEXT["app"]),
         ("title", MAX_TEXT["title"]), ("url", MAX_TEXT["url"]),
         ("element", MAX_TEXT["element"]), ("button", None))


class BatchError(UserError, ValueError):
    """The batch as a whole is unusable (not ``{"events": [...]}``)."""


class BatchTooLarge(BatchError):
    """More events in one batch than the collector takes."""


class BodyNotJson(BatchError):
    """The request body does not decode as JSON."""


@dataclass(slots=True)
class Rejected:
    """One rejected event: its index in the batch, its id when readable, and why."""

    index: int
    event_id: str | None
    reason: str
    payload: Any


#: Column order of the rows ``validate_batch`` makes (attrs already JSON text).
ROW_COLUMNS: tuple[str, ...] = (
    "event_id", "device_id", "study_id", "seq", "user", "ts", "kind", "app", "title", "url",
    "element", "key_class", "button", "x", "y", "attrs", "received_at",
)


@dataclass(slots=True)
class ValidatedBatch:
    """Rows ready to insert (tuples in ROW_COLUMNS order, unique event ids), ids to
    acknowledge, and rejects."""

    rows: list[tuple[Any, ...]] = field(default_factory=list)
    accepted: list[str] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    max_ts: int | None = None


def events_of(body: Any, max_events: int = MAX_BATCH_EVENTS) -> list[Any]:
    """The event list of a decoded batch body, or BatchError saying what is wrong."""
    if not isinstance(body, dict) or "events" not in body:
        raise BatchError('the body must be a JSON object {"events": [...]}')
    events = body["events"]
    if not isinstance(events, list):
        raise BatchError('"events" must be a JSON array of event objects')
    if len(events) > max_events:
        raise BatchTooLarge(
            f"the batch has {len(events)} events; the limit is {max_events} per request — "
            "split it into smaller batches"
        )
    return events


def event_values(raw: Any) -> tuple[Any, ...]:
    """``(event_id, seq, ts, kind, device_id, user, app, title, url, element, key_class,
    button, x, y, attrs)`` of one wire event, exactly as agent.protocol.parse_event gives.

    The common shape (a dict with a canonical lower-case UUID, plain ints and strings) is
    handled inline, about three times faster; anything else goes to parse_event itself,
    so every error message and every unusual value comes from the one definition of the
    wire format. tests/collector/test_ingest.py checks the two agree on generated input.
    """
    if type(raw) is not dict:
        return _slow(raw)
    event_id = raw.get("event_id")
    seq = raw.get("seq")
    kind = raw.get("kind")
    key_class = raw.get("key_class")
    attrs = raw.get("attrs")
    x = raw.get("x")
    y = raw.get("y")
    if (
        type(event_id) is not str or _UUID_RE.match(event_id) is None
        or type(seq) is not int or seq < 0
        or kind not in EVENT_KINDS
        or (key_class is not None and (type(key_class) is not str or (
            key_class not in KEY_CLASSES and not SHORTCUT_RE.match(key_class))))
        or (attrs is not None and type(attrs) is not dict)
        or (x is not None and type(x) is not int)
        or (y is not None and type(y) is not int)
    ):
        return _slow(raw)
    attrs = dict(attrs) if attrs else {}
    if len(raw.keys() - _FIELDS):
        for name, value in raw.items():
            if name not in _FIELDS:
                attrs[name] = value
    ts = parse_ts(raw.get("ts"))
    texts = []
    for name, limit in _TEXT:
        value = raw.get(name)
        if value is not None:
            if type(value) is not str:
                return _slow(raw)
            if limit is not None:
                value = value[:limit]
        texts.append(value)
    grid = COARSE_GRID_PX
    return (event_id, seq, ts, kind, texts[0], texts[1], texts[2], texts[3], texts[4],
            texts[5], key_class, texts[6],
            None if x is None else (x // grid) * grid, None if y is None else (y // grid) * grid,
            attrs)


def _slow(raw: Any) -> tuple[Any, ...]:
    ev = parse_event(raw)
    return (ev.event_id, ev.seq, ev.ts, ev.kind, ev.device_id, ev.user, ev.app, ev.title,
            ev.url, ev.element, ev.key_class, ev.button, ev.x, ev.y, ev.attrs)


def validate_batch(events: list[Any], device_id: str, study_id: int, now_ms: int) -> ValidatedBatch:
    """Parse every event; keep the valid ones as store rows under ``device_id``.

    An event naming another device in ``device_id`` is rejected (it would let one
    device write into another's stream). An event id repeated inside the batch is
    stored once and acknowledged each time.
    """
    out = ValidatedBatch()
    seen: set[str] = set()
    rows, accepted, rejected = out.rows, out.accepted, out.rejected
    max_ts = None
    dumps = orjson.dumps
    for index, raw in enumerate(events):
        try:
            (event_id, seq, ts, kind, ev_device, user, app, title, url, element, key_class,
             button, x, y, attrs) = event_values(raw)
        except WireError as exc:
            eid = raw.get("event_id") if isinstance(raw, dict) else None
            rejected.append(Rejected(index, eid if isinstance(eid, str) else None, str(exc), raw))
            continue
        if "\x00" in "".join([v for v in (user, app, title, url, element, button) if v]):
            # PostgreSQL text cannot hold NUL; refuse it on every backend alike.
            rejected.append(Rejected(index, event_id, "a text field contains a NUL character; "
                                     "strip control characters on the device", raw))
            continue
        if ev_device is not None and ev_device != device_id:
            rejected.append(Rejected(
                index, event_id,
                f"device_id {ev_device!r} names another device; this token belongs to "
                f"device {device_id!r} — an agent sends only its own events",
                raw,
            ))
            continue
        accepted.append(event_id)
        if event_id in seen:
            continue
        seen.add(event_id)
        if max_ts is None or ts > max_ts:
            max_ts = ts
        rows.append((
            event_id, device_id, study_id, seq, user, ts, kind, app, title, url, element,
            key_class, button, x, y, dumps(attrs).decode(), now_ms,
        ))
    out.max_ts = max_ts
    return out


def quarantine_payload(raw: Any) -> str:
    """The raw event as JSON text for the quarantine (anything JSON could decode)."""
    try:
        return orjson.dumps(raw).decode()
    except TypeError:
        return repr(raw)

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
from taskloom.collector.limits import INT64_MAX, INT64_MIN, Limits
from taskloom.errors import UserError

_DEFAULT_LIMITS = Limits()
#: How much of a refused event the quarantine keeps (characters of JSON text).
QUARANTINE_PAYLOAD_CHARS = 65536

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
    indexes: list[int] = field(default_factory=list)  # each row's index in the batch
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


def shape_problem(raw: Any, max_depth: int, max_items: int) -> str | None:
    """Why an event's nested values are too deep or too many, or None when they are not.

    Iterative (no recursion, so a 100,000-deep value cannot exhaust the stack) and it
    stops at the first limit passed: a 2.7-million-item list costs one ``len``.
    Depth counts from the event's own fields: ``attrs`` is level 1, a list in it level 2.
    """
    if type(raw) is not dict:
        return None
    stack = [(v, 1) for v in raw.values() if type(v) is dict or type(v) is list]
    items = 0
    while stack:
        value, depth = stack.pop()
        if depth > max_depth:
            return (f"attrs are nested deeper than {max_depth} levels; flatten them on the "
                    "device")
        items += len(value)
        if items > max_items:
            return f"attrs hold more than {max_items} values; send counts or a summary instead"
        for child in (value.values() if type(value) is dict else value):
            if type(child) is dict or type(child) is list:
                stack.append((child, depth + 1))
    return None


def _int64_problem(seq: int, ts: int, x: int | None, y: int | None) -> str | None:
    for name, value in (("seq", seq), ("ts", ts), ("x", x), ("y", y)):
        if value is not None and not INT64_MIN <= value <= INT64_MAX:
            return f"{name} {value} is outside the 64-bit signed integer range"
    return None


def validate_batch(events: list[Any], device_id: str, study_id: int, now_ms: int,
                   limits: Limits = _DEFAULT_LIMITS) -> ValidatedBatch:
    """Parse every event; keep the valid ones as store rows under ``device_id``.

    An event naming another device in ``device_id`` is rejected (it would let one
    device write into another's stream). An event id repeated inside the batch is
    stored once and acknowledged each time. An event whose integers do not fit 64 bits,
    or whose ``attrs`` pass ``limits`` (depth, values, JSON size) is rejected with the
    reason; its neighbours are kept.
    """
    max_depth, max_items = limits.max_attrs_depth, limits.max_attrs_items
    max_attrs_bytes = limits.max_attrs_bytes
    out = ValidatedBatch()
    seen: set[str] = set()
    rows, accepted, rejected = out.rows, out.accepted, out.rejected
    max_ts = None
    dumps = orjson.dumps
    for index, raw in enumerate(events):
        problem = shape_problem(raw, max_depth, max_items)
        if problem is not None:
            eid = raw.get("event_id")
            rejected.append(Rejected(index, eid if isinstance(eid, str) else None, problem, raw))
            continue
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
        problem = _int64_problem(seq, ts, x, y)
        try:
            attrs_json = dumps(attrs)
        except TypeError as exc:  # e.g. an integer over 64 bits
            problem = problem or f"attrs cannot be stored ({exc})"
            attrs_json = b""
        if problem is None and len(attrs_json) > max_attrs_bytes:
            problem = (f"attrs are {len(attrs_json)} bytes as JSON, over the limit of "
                       f"{max_attrs_bytes}; keep large values out of events")
        if problem is not None:
            rejected.append(Rejected(index, event_id, problem, raw))
            continue
        accepted.append(event_id)
        if event_id in seen:
            continue
        seen.add(event_id)
        if max_ts is None or ts > max_ts:
            max_ts = ts
        out.indexes.append(index)
        rows.append((
            event_id, device_id, study_id, seq, user, ts, kind, app, title, url, element,
            key_class, button, x, y, attrs_json.decode(), now_ms,
        ))
    out.max_ts = max_ts
    return out


def quarantine_payload(raw: Any) -> str:
    """The raw event as JSON text for the quarantine, bounded: nesting past 8 levels,
    lists and maps past 100 entries and strings past 4096 characters are cut (marked
    with "…"), and the text is at most QUARANTINE_PAYLOAD_CHARS long."""
    try:
        text = orjson.dumps(_pruned(raw, 8)).decode()
    except TypeError:
        text = orjson.dumps(str(type(raw).__name__)).decode()
    return text[:QUARANTINE_PAYLOAD_CHARS]


def _pruned(value: Any, depth: int) -> Any:
    """``value`` cut to ``depth`` levels, 100 entries per container, 4096 chars per string."""
    if isinstance(value, str):
        return value if len(value) <= 4096 else value[:4096] + "…"
    if isinstance(value, dict):
        if depth <= 0:
            return "…"
        out = {str(k)[:256]: _pruned(v, depth - 1) for k, v in list(value.items())[:100]}
        if len(value) > 100:
            out["…"] = f"{len(value) - 100} more"
        return out
    if isinstance(value, list):
        if depth <= 0:
            return "…"
        items = [_pruned(v, depth - 1) for v in value[:100]]
        return [*items, f"… {len(value) - 100} more"] if len(value) > 100 else items
    if isinstance(value, int) and not INT64_MIN <= value <= INT64_MAX:
        return str(value)
    return value

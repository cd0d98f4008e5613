"""The agent ↔ collector wire format: one place, imported by both sides.

Agents in the field are upgraded slowly, so this contract only grows: new optional
fields may be added, existing names and meanings never change. Standard library only
(the agent must stay light; the collector imports this module as it is).

A UI event on the wire is a JSON object with the field names in ``EVENT_FIELDS``.
``ts`` is ISO 8601 with a zone, or epoch milliseconds. Fields the collector does not
know go into ``attrs``. A batch is ``{"events": [...]}``; the response is
``{"accepted": [event_id, ...], "rejected": [{"event_id", "index", "reason"}, ...]}``.
``accepted`` includes events that were already stored (re-sent after a lost reply):
they are acknowledged, not stored twice. Rejected events are quarantined by the
collector with the reason, so an agent may drop both lists from its spool.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from taskloom.errors import UserError

PROTOCOL_VERSION = 1

API_PREFIX = "/api/v1"
ENROLL_PATH = f"{API_PREFIX}/agent/enroll"
EVENTS_PATH = f"{API_PREFIX}/events"
POLICY_PATH = f"{API_PREFIX}/agent/policy"
HEARTBEAT_PATH = f"{API_PREFIX}/agent/heartbeat"

#: Upper bound on events in one batch; the collector answers 413 above it.
MAX_BATCH_EVENTS = 5000
#: Upper bound on a request body (after gzip decoding), bytes.
MAX_BODY_BYTES = 8 * 1024 * 1024

# The wire fields, in wire order, with what each means: the one definition of a UI event.
# parse_event validates by it, and event_json_schema() (the API's OpenAPI document) is
# generated from it.
EVENT_FIELD_DOCS: dict[str, str] = {
    "event_id": "UUID made on the device: the idempotency key",
    "device_id": "informational only: the collector takes the device from the token",
    "seq": "per-device sequence number, increasing by one per captured event",
    "user": "pseudonymised on the device (see keyed_token)",
    "ts": "UTC; ISO 8601 with a zone or epoch milliseconds",
    "kind": "one of EVENT_KINDS",
    "app": "process name",
    "title": "window title AFTER redaction",
    "url": "browser URL (domain only unless the policy allows the path)",
    "element": "UI element name/role where the platform gives it",
    "key_class": "a key class (letter, digit, …) or a shortcut name such as 'ctrl+c'; "
                 "never a typed character",
    "button": "mouse button: left, right, middle",
    "x": "coarse pointer position (rounded to COARSE_GRID_PX)",
    "y": "coarse pointer position (rounded to COARSE_GRID_PX)",
    "attrs": "free map of extra values (typing-burst counts, scroll amount, …)",
}
EVENT_FIELDS: tuple[str, ...] = tuple(EVENT_FIELD_DOCS)
#: Fields every event must have.
REQUIRED_FIELDS: tuple[str, ...] = ("event_id", "seq", "ts", "kind")
#: Optional text fields (string or null); longer values are truncated to MAX_TEXT.
TEXT_FIELDS: tuple[str, ...] = ("device_id", "user", "app", "title", "url", "element",
                                "key_class", "button")
#: Optional pointer coordinates (integer or null), rounded to the coarse grid.
POSITION_FIELDS: tuple[str, ...] = ("x", "y")

EVENT_KINDS = frozenset(
    {
        "click",
        "scroll",
        "key",          # one key event (only where the policy asks for per-key events)
        "typing",       # a burst of typing: attrs hold counts per key class, end_ts, no per-key timing
        "shortcut",     # a named shortcut: key_class holds its name, e.g. "ctrl+c", "alt+tab"
        "focus",        # the active window changed
        "idle_start",
        "idle_end",
        "copy",         # never the clipboard content
        "paste",
        "screenshot",   # attrs reference the encrypted image; never inline pixels
        "capture_start",
        "capture_stop",
    }
)

KEY_CLASSES = frozenset(
    {"letter", "digit", "space", "enter", "tab", "backspace", "delete", "navigation",
     "punctuation", "function", "modifier", "escape", "other"}
)

#: A shortcut name: one or more modifiers then one key name, e.g. ctrl+c, ctrl+shift+t, alt+tab.
SHORTCUT_RE = re.compile(r"^(?:(?:ctrl|alt|shift|cmd|super|meta)\+)+[a-z0-9]{1,12}$")

COARSE_GRID_PX = 20

# Text-field bounds: longer values are truncated by the collector, never rejected.
MAX_TEXT = {"app": 256, "title": 1024, "url": 2048, "element": 512, "user": 128}


class WireError(UserError, ValueError):
    """An event that does not follow the wire format; the message says what and how to fix it."""


def parse_ts(value: Any) -> int:
    """Return epoch milliseconds (UTC) for an ISO 8601 string with a zone or epoch ms."""
    if isinstance(value, bool):
        raise WireError("ts must be ISO 8601 with a zone or epoch milliseconds, not a boolean")
    if isinstance(value, int | float):
        ms = int(value)
    elif isinstance(value, str):
        text = value.strip()
        if text.endswith("Z"):
            text = text[:-1] + "+00:00"
        try:
            parsed = datetime.fromisoformat(text)
        except ValueError:
            raise WireError(
                f"ts {value!r} is not ISO 8601; send e.g. '2026-01-31T09:15:02.123Z' "
                "or epoch milliseconds"
            ) from None
        if parsed.tzinfo is None:
            raise WireError(f"ts {value!r} has no time zone; add 'Z' or an offset such as '+01:00'")
        ms = int(parsed.timestamp() * 1000)
    else:
        raise WireError("ts is missing or not a string/number; send ISO 8601 with a zone or epoch ms")
    # 2000-01-01 .. 2100-01-01: anything else is a clock fault on the device.
    if not 946_684_800_000 <= ms < 4_102_444_800_000:
        raise WireError(f"ts {value!r} is outside 2000..2100; check the device clock")
    return ms


def format_ts(ms: int) -> str:
    """Epoch milliseconds → ISO 8601 UTC with millisecond precision and a 'Z'."""
    return datetime.fromtimestamp(ms / 1000, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _opt_str(raw: Mapping[str, Any], name: str) -> str | None:
    value = raw.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise WireError(f"{name} must be a string or null")
    limit = MAX_TEXT.get(name)
    return value[:limit] if limit else value


def _opt_int(raw: Mapping[str, Any], name: str) -> int | None:
    value = raw.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise WireError(f"{name} must be a number or null")
    return int(value)


@dataclass(slots=True)
class UIEvent:
    """One validated UI event, as the collector stores it (ts in epoch ms)."""

    event_id: str
    seq: int
    ts: int
    kind: str
    device_id: str | None = None
    user: str | None = None
    app: str | None = None
    title: str | None = None
    url: str | None = None
    element: str | None = None
    key_class: str | None = None
    button: str | None = None
    x: int | None = None
    y: int | None = None
    attrs: dict[str, Any] = field(default_factory=dict)


def parse_event(raw: Any) -> UIEvent:
    """Validate one wire event; raise WireError naming the field and the fix.

    Unknown fields are kept in ``attrs``. A typed character can never pass: ``key_class``
    must be a known class or a shortcut name.
    """
    if not isinstance(raw, Mapping):
        raise WireError("an event must be a JSON object")
    event_id = raw.get("event_id")
    if not isinstance(event_id, str):
        raise WireError("event_id is missing; the agent must send a UUID per event")
    try:
        event_id = str(uuid.UUID(event_id))
    except ValueError:
        raise WireError(f"event_id {event_id!r} is not a UUID") from None
    seq = raw.get("seq")
    if isinstance(seq, bool) or not isinstance(seq, int) or seq < 0:
        raise WireError("seq must be a non-negative integer (the per-device sequence number)")
    kind = raw.get("kind")
    if kind not in EVENT_KINDS:
        raise WireError(f"kind {kind!r} is unknown; use one of {', '.join(sorted(EVENT_KINDS))}")
    key_class = _opt_str(raw, "key_class")
    if key_class is not None and key_class not in KEY_CLASSES and not SHORTCUT_RE.match(key_class):
        raise WireError(
            "key_class must be a key class (letter, digit, …) or a shortcut name such as "
            "'ctrl+c'; typed characters are never accepted"
        )
    attrs = raw.get("attrs") or {}
    if not isinstance(attrs, Mapping):
        raise WireError("attrs must be a JSON object")
    attrs = dict(attrs)
    for name, value in raw.items():
        if name not in _FIELD_SET:
            attrs[name] = value
    x, y = _opt_int(raw, "x"), _opt_int(raw, "y")
    return UIEvent(
        event_id=event_id,
        seq=seq,
        ts=parse_ts(raw.get("ts")),
        kind=kind,
        device_id=_opt_str(raw, "device_id"),
        user=_opt_str(raw, "user"),
        app=_opt_str(raw, "app"),
        title=_opt_str(raw, "title"),
        url=_opt_str(raw, "url"),
        element=_opt_str(raw, "element"),
        key_class=key_class,
        button=_opt_str(raw, "button"),
        x=None if x is None else coarse(x),
        y=None if y is None else coarse(y),
        attrs=attrs,
    )


_FIELD_SET = frozenset(EVENT_FIELDS)


def event_json_schema() -> dict[str, Any]:
    """The JSON schema of one wire event, made from the definitions above (for OpenAPI)."""
    types: dict[str, dict[str, Any]] = {
        "event_id": {"type": "string", "format": "uuid"},
        "seq": {"type": "integer", "minimum": 0},
        "ts": {"type": ["string", "integer"]},
        "kind": {"type": "string", "enum": sorted(EVENT_KINDS)},
        "attrs": {"type": "object"},
    }
    types.update({name: {"type": ["string", "null"]} for name in TEXT_FIELDS})
    types.update({name: {"type": ["integer", "null"]} for name in POSITION_FIELDS})
    return {
        "type": "object",
        "required": list(REQUIRED_FIELDS),
        "properties": {name: {**types[name], "description": doc}
                       for name, doc in EVENT_FIELD_DOCS.items()},
    }


def coarse(pixels: int) -> int:
    """Round a pointer coordinate to the coarse grid (exact positions are not needed)."""
    return (int(pixels) // COARSE_GRID_PX) * COARSE_GRID_PX


def keyed_token(key: bytes | str, value: str, prefix: str = "", digits: int = 8) -> str:
    """A keyed hash token for an identifier: HMAC-SHA256 with the study key.

    The agent replaces identifiers (NHS numbers, OS user names) with these tokens before
    anything touches disk; the collector hashes system-log case ids with the same key and
    function at import, so tasks link to cases without the identifier ever being seen.
    Normalisation (strip spaces, lower case) makes '943 476 5919' and '9434765919' agree.
    """
    if isinstance(key, str):
        key = key.encode()
    norm = "".join(value.split()).lower()
    digest = hmac.new(key, norm.encode(), hashlib.sha256).hexdigest()[:digits]
    return f"{prefix}#{digest}" if prefix else digest


# ---- Policy: what the collector tells a device to capture. Defaults are the safe ones.

DEFAULT_POLICY: dict[str, Any] = {
    "version": 1,
    "capture": {
        "clicks": True,
        "scrolls": True,
        "typing": "bursts",        # "bursts" | "per_key" | "off"; never characters
        "clipboard": True,         # copy/paste events only, never the content
        "focus": True,
    },
    "apps_allow": [],              # empty: all apps not denied
    "apps_deny": [],               # denied apps give only an "other app" focus event
    "url_paths": False,            # URL as domain only unless True
    "redaction_patterns": [],      # extra regexes; built-ins always apply
    "correlate_identifiers": ["nhs_number"],  # replaced by keyed tokens, not removed
    "idle_threshold_s": 60,
    "screenshots": {"enabled": False, "apps_allow": [], "max_width": 640, "interval_s": 0},
    "study_hours": None,           # e.g. {"days": [0,1,2,3,4], "start": "07:00", "end": "19:00"}
    "notice": "",                  # the study notice the user must accept before capture
    "study_key": None,             # per-study HMAC key (hex) for keyed_token; sent to enrolled devices only
    "heartbeat_s": 60,
    "policy_refresh_s": 900,
}

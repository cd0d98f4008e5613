"""The wire event's JSON schema (served in the collector's OpenAPI document) is generated
from agent/protocol.py and agrees with parse_event, the validator the collector runs."""

from __future__ import annotations

import uuid
from typing import Any

import jsonschema_rs
import pytest

from taskloom.agent.protocol import (
    EVENT_FIELDS,
    REQUIRED_FIELDS,
    WireError,
    event_json_schema,
    parse_event,
)

VALIDATOR = jsonschema_rs.validator_for(event_json_schema(), validate_formats=True)


def _event(**fields: Any) -> dict[str, Any]:
    event: dict[str, Any] = {
        "event_id": str(uuid.uuid4()), "seq": 3, "ts": "2026-01-01T10:00:00.000Z", "kind": "click",
        "device_id": "d-1", "user": "u#1a2b3c4d", "app": "ehr", "title": "Chart", "url": "https://x",
        "element": "button:Save", "key_class": "ctrl+c", "button": "left", "x": 105, "y": 47,
        "attrs": {"n": 1},
    }
    event.update(fields)
    return event


def test_schema_names_every_wire_field_and_the_required_ones() -> None:
    schema = event_json_schema()
    assert tuple(schema["properties"]) == EVENT_FIELDS
    assert tuple(schema["required"]) == REQUIRED_FIELDS
    assert all(prop["description"] for prop in schema["properties"].values())


def test_a_valid_event_passes_both() -> None:
    event = _event()
    assert VALIDATOR.is_valid(event)
    parse_event(event)
    nulls = _event(**{name: None for name in ("device_id", "user", "app", "title", "url",
                                               "element", "key_class", "button", "x", "y")})
    assert VALIDATOR.is_valid(nulls)
    parse_event(nulls)


@pytest.mark.parametrize("fields", [
    {"event_id": "not-a-uuid"}, {"seq": -1}, {"seq": "3"}, {"ts": True}, {"kind": "bogus"},
    {"title": 5}, {"user": ["u"]}, {"x": "a"}, {"y": {"v": 1}}, {"attrs": [1, 2]},
])
def test_what_the_schema_refuses_parse_event_refuses(fields: dict[str, Any]) -> None:
    event = _event(**fields)
    assert not VALIDATOR.is_valid(event)
    with pytest.raises(WireError):
        parse_event(event)


@pytest.mark.parametrize("missing", REQUIRED_FIELDS)
def test_a_missing_required_field_is_refused_by_both(missing: str) -> None:
    event = _event()
    del event[missing]
    assert not VALIDATOR.is_valid(event)
    with pytest.raises(WireError):
        parse_event(event)

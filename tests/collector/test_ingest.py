"""Batch validation (pure functions): the fast path agrees with agent.protocol.parse_event."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from taskloom.agent.protocol import EVENT_KINDS, WireError
from taskloom.collector.api.errors import status_of
from taskloom.collector.validate import BatchError, _slow, event_values, events_of, validate_batch
from tests.collector.factories import wire_batch, wire_event

_text = st.one_of(st.none(), st.text(max_size=30), st.text(min_size=1030, max_size=1100),
                  st.integers(), st.booleans())
_num = st.one_of(st.none(), st.integers(-5000, 5000), st.floats(allow_nan=False, allow_infinity=False,
                                                                 min_value=-1e6, max_value=1e6),
                 st.booleans(), st.text(max_size=3))
_event = st.fixed_dictionaries(
    {},
    optional={
        "event_id": st.one_of(st.uuids().map(str), st.uuids().map(lambda u: str(u).upper()),
                              st.uuids().map(lambda u: u.hex), st.text(max_size=10), st.integers()),
        "seq": st.one_of(st.integers(-3, 10**12), st.booleans(), st.floats(0, 10), st.none()),
        "ts": st.one_of(st.integers(0, 5_000_000_000_000), st.sampled_from([
            "2026-01-01T10:00:00Z", "2026-01-01T10:00:00.123+01:00", "2026-01-01T10:00:00",
            "yesterday", "1999-12-31T23:59:59Z"]), st.booleans(), st.none()),
        "kind": st.one_of(st.sampled_from(sorted(EVENT_KINDS)), st.text(max_size=8), st.none()),
        "key_class": st.one_of(st.none(), st.sampled_from(["letter", "ctrl+c", "x", "CTRL+C", "enter"]),
                               st.integers()),
        "device_id": _text, "user": _text, "app": _text, "title": _text, "url": _text,
        "element": _text, "button": _text, "x": _num, "y": _num,
        "attrs": st.one_of(st.none(), st.dictionaries(st.text(max_size=5), st.integers(), max_size=3),
                           st.lists(st.integers(), max_size=2), st.just(0), st.text(max_size=3)),
        "extra": st.integers(),
    },
)


def _outcome(fn: Any, raw: Any) -> tuple[str, Any]:
    try:
        return ("ok", fn(raw))
    except WireError as exc:
        return ("error", str(exc))


@settings(max_examples=1500, deadline=None)
@given(raw=st.one_of(_event, st.lists(st.integers(), max_size=2), st.text(max_size=5), st.none()))
def test_fast_path_agrees_with_parse_event(raw: Any) -> None:
    assert _outcome(event_values, raw) == _outcome(_slow, raw)


def test_fast_path_agrees_on_realistic_events() -> None:
    events = [*wire_batch(50), wire_event(1, key_class="ctrl+shift+t", x=1917, y=3),
              wire_event(2, title="t" * 5000, unknown_field={"a": 1})]
    for raw in events:
        assert event_values(raw) == _slow(raw)


def test_batch_keeps_valid_events_and_names_each_fault() -> None:
    good = wire_batch(2)
    batch = validate_batch([good[0], {"seq": 1}, good[1], good[0]], "dev-1", 7, 123)
    assert batch.accepted == [good[0]["event_id"], good[1]["event_id"], good[0]["event_id"]]
    assert [r.index for r in batch.rejected] == [1]
    assert "event_id is missing" in batch.rejected[0].reason
    assert len(batch.rows) == 2  # the repeated id is stored once
    assert {row[1] for row in batch.rows} == {"dev-1"}  # device from the token


def test_event_naming_another_device_is_rejected() -> None:
    ev = wire_event(0, device_id="someone-else")
    batch = validate_batch([ev], "dev-1", 7, 123)
    assert batch.accepted == [] and "another device" in batch.rejected[0].reason


@pytest.mark.parametrize("body, status", [
    ([], 422), ({"event": []}, 422), ({"events": {}}, 422),
    ({"events": [{}] * 6}, 413),
])
def test_batch_shape_errors(body: Any, status: int) -> None:
    with pytest.raises(BatchError) as info:
        events_of(body, max_events=5)
    assert status_of(info.value) == status  # what the API answers


def test_uuid_is_normalised_like_parse_event() -> None:
    u = uuid.uuid4()
    assert event_values(wire_event(0, event_id=str(u).upper()))[0] == str(u)


def test_nul_character_in_text_is_rejected() -> None:
    batch = validate_batch([wire_event(0, title="a\x00b"), wire_event(1)], "dev-1", 7, 123)
    assert len(batch.accepted) == 1 and "NUL" in batch.rejected[0].reason

"""Key classification without characters, shortcut names and typing bursts (agent/keys.py)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from taskloom.agent.capture.inputs import stroke_of
from taskloom.agent.keys import BurstTracker, KeyStroke, classify
from taskloom.agent.protocol import KEY_CLASSES, SHORTCUT_RE

NONE: frozenset[str] = frozenset()


@pytest.mark.parametrize(("char", "expected"), [
    ("a", "letter"), ("Z", "letter"), ("é", "letter"), ("7", "digit"), (" ", "space"),
    (";", "punctuation"), ("@", "punctuation"),
])
def test_characters_become_classes(char: str, expected: str) -> None:
    stroke = classify(None, char, None, NONE)
    assert stroke == KeyStroke(expected)
    assert stroke.key_class in KEY_CLASSES
    assert stroke.shortcut is None


@pytest.mark.parametrize(("name", "expected"), [
    ("enter", "enter"), ("tab", "tab"), ("backspace", "backspace"), ("delete", "delete"),
    ("left", "navigation"), ("page_down", "navigation"), ("f5", "function"), ("esc", "escape"),
    ("shift", "modifier"), ("ctrl_l", "modifier"), ("caps_lock", "other"),
])
def test_named_keys_become_classes(name: str, expected: str) -> None:
    assert classify(name, None, None, NONE).key_class == expected


@pytest.mark.parametrize(("name", "char", "vk", "held", "expected"), [
    (None, "c", None, {"ctrl"}, "ctrl+c"),
    (None, "\x03", None, {"ctrl"}, "ctrl+c"),      # ctrl turns c into ETX on some platforms
    (None, None, 0x76, {"ctrl"}, "ctrl+v"),        # only the keysym / virtual key is known
    (None, "T", None, {"ctrl", "shift"}, "ctrl+shift+t"),
    ("tab", None, None, {"alt"}, "alt+tab"),
    (None, "/", None, {"ctrl"}, "ctrl+slash"),
    ("f4", None, None, {"alt"}, "alt+f4"),
    (None, "s", None, {"cmd"}, "cmd+s"),
    ("insert", None, None, {"shift"}, "shift+insert"),
])
def test_shortcuts_are_named(name: str | None, char: str | None, vk: int | None,
                             held: set[str], expected: str) -> None:
    stroke = classify(name, char, vk, frozenset(held))
    assert stroke.shortcut == expected
    assert SHORTCUT_RE.match(expected)


def test_shift_alone_and_altgr_are_typing_not_shortcuts() -> None:
    assert classify(None, "A", None, frozenset({"shift"})) == KeyStroke("letter")
    assert classify(None, "@", None, frozenset({"altgr"})) == KeyStroke("punctuation")


def test_stroke_of_takes_pynput_shaped_keys_and_keeps_no_character() -> None:
    code = SimpleNamespace(char="q", vk=113)
    special = SimpleNamespace(name="enter")
    assert stroke_of(code, NONE) == KeyStroke("letter")
    assert stroke_of(special, NONE) == KeyStroke("enter")
    assert KeyStroke.__slots__ == ("key_class", "shortcut")  # nothing else can be kept


def test_bursts_count_classes_and_split_on_gaps() -> None:
    tracker = BurstTracker(gap_ms=2000)
    assert tracker.add("letter", 1000) is None
    assert tracker.add("letter", 1100) is None
    assert tracker.add("digit", 2500) is None
    finished = tracker.add("enter", 5000)  # 2.5 s gap: a new burst
    assert finished is not None
    assert finished.attrs() == {"end_ts": 3000, "keys": 3, "counts": {"digit": 1, "letter": 2}}
    assert finished.start_ts() == 1000  # whole seconds: no millisecond key timing
    assert tracker.due(6000) is None
    last = tracker.due(7001)
    assert last is not None and last.start_ms == 5000 and last.attrs()["keys"] == 1
    one_key = BurstTracker()
    one_key.add("letter", 12_345)
    burst = one_key.flush()
    assert burst is not None and (burst.start_ts(), burst.attrs()["end_ts"]) == (12_000, 13_000)
    assert tracker.flush() is None

"""Key events without characters: classification, shortcut names and typing bursts.

The input hook hands a key to :func:`classify` inside its callback and keeps only the
returned :class:`KeyStroke` (a key class, or a shortcut name such as ``ctrl+c``); the
character itself is dropped there and never reaches a queue, the spool, a log or the wire.
Bursts aggregate strokes into counts per key class with a start and an end, and no
per-key timing (keystroke timing is behavioural biometric data).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

#: Modifiers that turn a key into a shortcut. Shift alone only changes case; AltGr types.
SHORTCUT_MODIFIERS = ("ctrl", "alt", "cmd")

_NAMED_CLASSES: dict[str, str] = {
    "space": "space",
    "enter": "enter",
    "kp_enter": "enter",
    "tab": "tab",
    "backspace": "backspace",
    "delete": "delete",
    "esc": "escape",
    "escape": "escape",
    "up": "navigation",
    "down": "navigation",
    "left": "navigation",
    "right": "navigation",
    "home": "navigation",
    "end": "navigation",
    "page_up": "navigation",
    "page_down": "navigation",
    "insert": "other",
}
_MODIFIER_NAMES = {
    "shift": "shift", "shift_l": "shift", "shift_r": "shift",
    "ctrl": "ctrl", "ctrl_l": "ctrl", "ctrl_r": "ctrl",
    "alt": "alt", "alt_l": "alt", "alt_r": "alt", "alt_gr": "altgr",
    "cmd": "cmd", "cmd_l": "cmd", "cmd_r": "cmd", "super": "cmd", "super_l": "cmd",
    "super_r": "cmd", "meta": "cmd",
}
# Names for punctuation keys inside a shortcut (the wire allows [a-z0-9]{1,12}).
_PUNCT_NAMES = {
    "/": "slash", "\\": "backslash", ".": "period", ",": "comma", ";": "semicolon",
    "'": "quote", "[": "bracketleft", "]": "bracketright", "-": "minus", "=": "equal",
    "`": "grave", "+": "plus",
}
#: Shortcuts that are copy / paste (recorded as kind "copy"/"paste", never the content).
COPY_SHORTCUTS = frozenset({"ctrl+c", "cmd+c", "ctrl+insert", "ctrl+x", "cmd+x", "ctrl+shift+c"})
PASTE_SHORTCUTS = frozenset({"ctrl+v", "cmd+v", "shift+insert", "ctrl+shift+v"})
CUT_SHORTCUTS = frozenset({"ctrl+x", "cmd+x"})


@dataclass(frozen=True, slots=True)
class KeyStroke:
    """What is kept of one key press: its class, or its shortcut name. Never the character."""

    key_class: str
    shortcut: str | None = None


def modifier_of(name: str | None) -> str | None:
    """The modifier family ("ctrl", "alt", "cmd", "shift", "altgr") of a key name, if it is one."""
    return _MODIFIER_NAMES.get(name or "")


def classify(name: str | None, char: str | None, vk: int | None, held: frozenset[str]) -> KeyStroke:
    """Classify one key press from what the OS hook reports, dropping the character.

    ``name`` is a special key's name (pynput ``Key.xxx.name``), ``char`` the produced
    character if any, ``vk`` the virtual key / keysym, ``held`` the modifiers held down.
    """
    if name is not None and modifier_of(name):
        return KeyStroke("modifier")
    base = _base_key(name, char, vk)
    key_class = _class_of(name, base)
    mods = [m for m in SHORTCUT_MODIFIERS if m in held]
    if mods:
        if "shift" in held:
            mods.insert(1 if "ctrl" in mods else 0, "shift")
        return KeyStroke("shortcut", "+".join([*mods, _shortcut_key(name, base)]))
    if "shift" in held and name == "insert":
        return KeyStroke("shortcut", "shift+insert")
    return KeyStroke(key_class)


def _base_key(name: str | None, char: str | None, vk: int | None) -> str | None:
    """The unshifted base character, recovering letters that ctrl turned into control codes."""
    if name is not None:
        return None
    if char is not None and len(char) == 1:
        code = ord(char)
        if 1 <= code <= 26:  # ctrl+a..ctrl+z arrive as control characters on some platforms
            return chr(code + 96)
        return char
    if vk is not None and 32 < vk < 127:
        return chr(vk).lower()
    return None


def _class_of(name: str | None, base: str | None) -> str:
    if name is not None:
        if name in _NAMED_CLASSES:
            return _NAMED_CLASSES[name]
        if name.startswith("f") and name[1:].isdigit():
            return "function"
        if name.startswith(("media_", "num_lock", "caps_lock", "scroll_lock", "print", "pause", "menu")):
            return "other"
        return "other"
    if base is None:
        return "other"
    if base.isalpha():
        return "letter"
    if base.isdigit():
        return "digit"
    if base == " ":
        return "space"
    if base.isprintable():
        return "punctuation"
    return "other"


def _shortcut_key(name: str | None, base: str | None) -> str:
    if name is not None:
        key = {"esc": "escape", "kp_enter": "enter", "page_up": "pageup", "page_down": "pagedown"}.get(name, name)
        return key if key.isalnum() and len(key) <= 12 else "other"
    if base is None:
        return "other"
    lower = base.lower()
    if lower.isascii() and lower.isalnum():
        return lower
    return _PUNCT_NAMES.get(lower, "other")


@dataclass(slots=True)
class Burst:
    """A typing burst in progress: start, last key time, counts per key class."""

    start_ms: int
    last_ms: int
    counts: Counter[str] = field(default_factory=Counter)

    def add(self, key_class: str, ts_ms: int) -> None:
        self.counts[key_class] += 1
        self.last_ms = ts_ms

    def start_ts(self) -> int:
        """The burst's start, rounded down to the second (see ``attrs``)."""
        return self.start_ms - self.start_ms % 1000

    def attrs(self) -> dict[str, Any]:
        """The burst's attrs on the wire: end time and counts, no per-key timing.

        Start and end are rounded outwards to whole seconds, so even a one-key burst does
        not reveal the millisecond timing of a key (keystroke dynamics identify people).
        """
        end = self.last_ms + (-self.last_ms % 1000)
        return {"end_ts": end, "keys": sum(self.counts.values()),
                "counts": dict(sorted(self.counts.items()))}


class BurstTracker:
    """Groups key strokes into bursts ending after ``gap_ms`` without a key."""

    def __init__(self, gap_ms: int = 2000) -> None:
        self.gap_ms = gap_ms
        self.current: Burst | None = None

    def add(self, key_class: str, ts_ms: int) -> Burst | None:
        """Count one stroke; return the previous burst if this stroke starts a new one."""
        finished = None
        if self.current is not None and ts_ms - self.current.last_ms > self.gap_ms:
            finished = self.current
            self.current = None
        if self.current is None:
            self.current = Burst(ts_ms, ts_ms)
        self.current.add(key_class, ts_ms)
        return finished

    def due(self, now_ms: int) -> Burst | None:
        """Close and return the current burst if its gap has passed."""
        if self.current is not None and now_ms - self.current.last_ms > self.gap_ms:
            return self.flush()
        return None

    def flush(self) -> Burst | None:
        """Close and return the current burst now (focus change, pause, shutdown)."""
        burst, self.current = self.current, None
        return burst

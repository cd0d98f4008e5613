"""The one duration grammar of taskloom, for the agent and the server alike.

A duration is a run of ``<number><unit>`` parts with units ``w`` (weeks), ``d``, ``h``,
``m`` and ``s`` in that order, e.g. ``7d``, ``12h``, ``1h30m``, ``90s``, ``1.5h``, ``2w``;
or a plain number of seconds (``3600``). Case and spaces between parts do not matter.
It must come to at least one second. Standard library only (the agent imports it).
"""

from __future__ import annotations

import re

from taskloom.errors import UserError

_UNITS = (("w", 604_800), ("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1))
_NUMBER = r"(\d+(?:\.\d+)?)"
_PARTS = re.compile("".join(rf"\s*(?:{_NUMBER}\s*{unit})?" for unit, _ in _UNITS) + r"\s*")
_SECONDS = re.compile(rf"\s*{_NUMBER}\s*")
EXAMPLES = "7d, 12h, 30m, 90s, 1h30m or 3600 (seconds)"


class DurationError(UserError, ValueError):
    """A duration that does not follow the grammar (or is not positive)."""


def parse_duration(text: str) -> int:
    """Seconds in ``text`` ('7d', '1h30m', '90s', '3600', …); DurationError otherwise."""
    plain = _SECONDS.fullmatch(text)
    parts = None if plain else _PARTS.fullmatch(text.lower())
    if plain:
        seconds = float(plain.group(1))
    elif parts is not None and any(parts.groups()):
        sizes = (size for _, size in _UNITS)
        seconds = sum(float(value) * size
                      for value, size in zip(parts.groups(), sizes, strict=True) if value is not None)
    else:
        raise DurationError(f"duration {text!r} is not understood; write e.g. {EXAMPLES}")
    if seconds < 1:
        raise DurationError(f"duration {text!r} is under one second; write e.g. {EXAMPLES}")
    return int(seconds)

"""Names for files the collector makes from what users typed (study names, upload names).

A study may be called ``"é" * 200`` and an upload may carry a 300-character name; file
systems take 255 bytes per name, and some characters are separators or mean something to
a shell or to Windows. ``safe_file_name`` keeps the name recognisable, drops what is not
safe, keeps the suffix (``.csv.gz`` too) and bounds the UTF-8 length.
"""

from __future__ import annotations

import re
import unicodedata

#: Bytes of UTF-8 a generated name may take (file systems allow 255; room for prefixes
#: such as ``.NAME.part``).
MAX_NAME_BYTES = 120
_UNSAFE = re.compile(r'[\x00-\x1f\x7f-\x9f/\\:*?"<>|]+')
_SUFFIX = re.compile(r"(\.[A-Za-z0-9]{1,10}){1,2}$")


def _cut(text: str, max_bytes: int) -> str:
    """``text`` cut to at most ``max_bytes`` of UTF-8, never inside a character."""
    return text.encode("utf-8")[:max_bytes].decode("utf-8", errors="ignore")


def safe_file_name(name: str, default: str = "file", max_bytes: int = MAX_NAME_BYTES) -> str:
    """A file name made from ``name``: last path part only, no control or reserved
    characters, no leading dots, the suffix kept, at most ``max_bytes`` of UTF-8."""
    base = unicodedata.normalize("NFC", name).replace("\\", "/").rsplit("/", 1)[-1]
    base = _UNSAFE.sub("_", base).strip(" .")
    match = _SUFFIX.search(base)
    suffix = match.group(0) if match and match.start() > 0 else ""
    stem = base[: len(base) - len(suffix)] if suffix else base
    stem = _cut(stem, max_bytes - len(suffix.encode("utf-8"))).strip(" .") or default
    return stem + suffix


def export_file_name(study_name: str, what: str, fmt: str) -> str:
    """``<study>-<what>.<fmt>`` with the study's part made safe and bounded, so the
    fixed part always survives (``export_file_name("é" * 200, "ui-events", "csv")``)."""
    tail = f"-{what}.{fmt}"
    stem = safe_file_name(study_name, "study", MAX_NAME_BYTES - len(tail.encode("utf-8")))
    return stem + tail

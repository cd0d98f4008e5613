"""Gzip bombs for the reader tests and the bench: a tiny XES log padded in the middle."""

from __future__ import annotations

import zlib
from pathlib import Path

HEAD = b'<?xml version="1.0" encoding="UTF-8"?>\n<log xmlns="http://www.xes-standard.org/">\n'
TRACE = (b'<trace><string key="concept:name" value="c"/><event><string key="concept:name" '
         b'value="a"/><date key="time:timestamp" value="2026-01-01T00:00:00.000+00:00"/>'
         b"</event></trace>\n")


def write_bomb(path: Path, inflated: int, padding: str) -> Path:
    """Two one-event traces around ``inflated`` bytes of a comment or of spaces."""
    co = zlib.compressobj(9, zlib.DEFLATED, 31)
    with path.open("wb") as fh:
        fh.write(co.compress(HEAD + TRACE + (b"<!--" if padding == "comment" else b"")))
        block = (b"A" if padding == "comment" else b" ") * (1 << 20)
        for _ in range(inflated >> 20):
            fh.write(co.compress(block))
        fh.write(co.compress((b"-->" if padding == "comment" else b"") + TRACE + b"</log>\n"))
        fh.write(co.flush())
    return path

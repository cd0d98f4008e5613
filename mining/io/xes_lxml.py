"""The reference XES parser: lxml iterparse, every construct of the standard.

Used for files the fast path does not handle (comments or CDATA among the traces,
nested or list attributes, other encodings, malformed files, whose errors it reports
with a line number); slower but complete. Nested attributes are skipped.
"""

from __future__ import annotations

import io
import re
from typing import IO

import numpy as np
import pandas as pd
from lxml import etree

from taskloom.mining.errors import LogInputError
from taskloom.mining.io._columns import assemble, spread, typed_values

#: Newlines of a dropped comment kept (so error line numbers stay right), per comment.
COMMENT_NEWLINES_MAX = 10_000
#: Whitespace runs at least this long are shortened to their newlines (PaddingFree).
WHITESPACE_RUN = 1 << 16
#: Linear time: a match starts only where a run starts (lookbehind) and never gives back
#: (possessive), so runs just short of the limit cost their length, not its square.
_LONG_RUN = re.compile(rb"(?<![ \t\r\n])[ \t\r\n]{%d,}+" % WHITESPACE_RUN)


def _shorten(match: re.Match[bytes]) -> bytes:
    return b"\n" * min(match.group(0).count(b"\n"), COMMENT_NEWLINES_MAX) or b" "


class PaddingFree:
    """A binary stream of ``inner`` without its XML comments and with long runs of
    whitespace shortened, made piece by piece.

    libxml2 holds a whole comment, and a whole run of whitespace between two elements, in
    memory (the latter up to its 10 MB text-node limit, then it fails), so a compressed
    comment or padding of gigabytes would cost gigabytes or a refusal; here it costs
    nothing. A run of WHITESPACE_RUN bytes or more becomes its newlines (at most
    COMMENT_NEWLINES_MAX) — XES has no text content, so only layout is lost. CDATA sections
    are passed untouched (a ``<!--`` in them is text). The newlines of a comment are kept
    too, so line numbers in error messages still point at the file.
    """

    _OPEN, _CDATA = b"<!--", b"<![CDATA["

    def __init__(self, inner: IO[bytes], piece: int = 1 << 20) -> None:
        self._inner = inner
        self._piece = piece
        self._pending = b""
        self._state = "text"  # or "comment", "cdata"
        self._newlines = 0
        self._eof = False

    def read(self, size: int = -1) -> bytes:
        out = b""
        while not out and not self._eof:
            chunk = self._inner.read(self._piece)
            self._eof = not chunk
            out = self._filter(self._pending + chunk)
        return out

    def _filter(self, data: bytes) -> bytes:
        parts: list[bytes] = []
        pos = 0
        while True:
            if self._state == "text":
                c, d = data.find(self._OPEN, pos), data.find(self._CDATA, pos)
                hits = [x for x in (c, d) if x >= 0]
                if not hits:
                    keep = 0 if self._eof else len(self._CDATA) - 1
                    end = max(pos, len(data) - keep)
                    if not self._eof:  # a short whitespace run at the end waits for the rest
                        tail = (end - pos) - len(data[pos:end].rstrip(b" \t\r\n"))
                        if tail < WHITESPACE_RUN:
                            end -= tail
                    parts.append(_LONG_RUN.sub(_shorten, data[pos:end]))
                    self._pending = data[end:]
                    return b"".join(parts)
                at = min(hits)
                parts.append(_LONG_RUN.sub(_shorten, data[pos:at]))
                if at == c:
                    self._state, self._newlines, pos = "comment", 0, at + len(self._OPEN)
                else:
                    self._state = "cdata"
                    parts.append(self._CDATA)
                    pos = at + len(self._CDATA)
            elif self._state == "comment":
                end = data.find(b"-->", pos)
                stop = end if end >= 0 else (len(data) if self._eof else max(pos, len(data) - 2))
                lines = min(data.count(b"\n", pos, stop), COMMENT_NEWLINES_MAX - self._newlines)
                self._newlines += lines
                parts.append(b"\n" * lines)
                if end < 0:
                    if self._eof:  # an unterminated comment: let the parser say so
                        parts.append(b"<!--")
                    self._pending = data[stop:] if not self._eof else b""
                    return b"".join(parts)
                self._state, pos = "text", end + 3
            else:
                end = data.find(b"]]>", pos)
                if end < 0:
                    stop = len(data) if self._eof else max(pos, len(data) - 2)
                    parts.append(data[pos:stop])
                    self._pending = data[stop:]
                    return b"".join(parts)
                parts.append(data[pos:end + 3])
                self._state, pos = "text", end + 3


ATTRIBUTE_TAGS = frozenset({"string", "date", "int", "float", "boolean", "id"})
NESTING_TAGS = ATTRIBUTE_TAGS | {"list", "container", "values"}


class _Collected:
    """Occurrences of one key: rows, raw values, XES types."""

    __slots__ = ("rows", "types", "values")

    def __init__(self) -> None:
        self.rows: list[int] = []
        self.values: list[str] = []
        self.types: set[str] = set()

    def dense(self, n: int, where: str) -> pd.Series:
        typed = typed_values(self.values, self.types, where)
        rows = np.asarray(self.rows, dtype=np.intp)
        return spread(n, rows, np.arange(len(rows), dtype=np.intp), typed)


def _local(tag: object) -> str:
    text = tag if isinstance(tag, str) else ""
    return text.rsplit("}", 1)[-1]


def parse_xes_lxml(data: bytes | IO[bytes], name: str) -> pd.DataFrame:
    """Parse XES (bytes, or a binary stream read as it parses) into an event-log
    DataFrame (file order kept)."""
    event_cols: dict[str, _Collected] = {}
    trace_cols: dict[str, _Collected] = {}
    event_trace: list[int] = []
    n_events = n_traces = 0
    in_trace = in_event = False
    depth = 0  # nesting inside attribute elements: only depth-1 attributes count
    context = etree.iterparse(
        PaddingFree(io.BytesIO(data) if isinstance(data, bytes) else data), events=("start", "end"),
        remove_comments=True, remove_blank_text=True, resolve_entities=False, no_network=True,
    )
    try:
        for action, elem in context:
            tag = _local(elem.tag)
            if action == "start":
                if tag in NESTING_TAGS:
                    depth += 1
                    key, value = elem.get("key"), elem.get("value")
                    if depth != 1 or tag not in ATTRIBUTE_TAGS or not in_trace:
                        continue
                    if key is None or value is None:
                        continue
                    cols, row = (event_cols, n_events - 1) if in_event else (trace_cols, n_traces - 1)
                    col = cols.get(key)
                    if col is None:
                        col = cols[key] = _Collected()
                    col.rows.append(row)
                    col.values.append(value)
                    col.types.add(tag)
                elif depth == 0 and tag == "trace":
                    in_trace = True
                    n_traces += 1
                elif depth == 0 and tag == "event" and in_trace:
                    in_event = True
                    n_events += 1
                    event_trace.append(n_traces - 1)
            elif tag in NESTING_TAGS:
                depth -= 1
            elif tag == "event" and depth == 0:
                in_event = False
            elif tag == "trace" and depth == 0:
                in_trace = False
                elem.clear()
                parent = elem.getparent()
                if parent is not None:
                    while elem.getprevious() is not None:
                        del parent[0]
    except etree.XMLSyntaxError as exc:
        line = exc.lineno if exc.lineno is not None else "?"
        raise LogInputError(
            f"{name}: malformed XES at line {line}: {exc.msg}; fix or re-export the file"
        ) from exc
    events = {k: c.dense(n_events, f"{name}: attribute {k!r}") for k, c in event_cols.items()}
    traces = {k: c.dense(n_traces, f"{name}: trace attribute {k!r}")
              for k, c in trace_cols.items()}
    if n_traces and "concept:name" not in traces:
        traces["concept:name"] = pd.Series([None] * n_traces, dtype="str")
    return assemble(n_events, events, traces, np.asarray(event_trace, dtype=np.intp), name)

"""The fast XES path: a vectorised scan of the bytes of each block of complete traces.

XES written by ProM/OpenXES, pm4py, Disco and taskloom puts every attribute in one
form, ``<type key="K" value="V"/>``. Each block of complete traces is scanned with
numpy: the positions of every ``<`` and ``"`` give the tags, keys and values; rows come
from cumulative sums over event/trace boundaries; keys and values are factorised by
hashing fixed-width byte words (checked byte for byte, ``xes_bytes``); typing is
vectorised per key, and Python objects are made only for distinct values. Every ``<``
must open one of the known tags in the known form: anything else (comments, nested or
list attributes, value-before-key, single quotes, other encodings) raises NotFastPath
and the caller uses the full XML parser. Detect, don't guess. The bytes arrive
decompressed in pieces from ``xes_stream``.
"""

from __future__ import annotations

import gc
import logging
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from taskloom.mining.io._columns import DATETIME_DTYPE, assemble, parse_dates, spread, typed_values
from taskloom.mining.io.prefetch import prefetched
from taskloom.mining.io.xes_bytes import (
    NotFastPath,
    byte_matrix,
    decode,
    expect,
    fast_dates,
    slice_codes,
    stable_order,
    words_of,
)
from taskloom.mining.io.xes_stream import read_pieces

log = logging.getLogger(__name__)

ENCODING = re.compile(rb'<\?xml[^>]*encoding\s*=\s*["\']([^"\']+)["\']')
EV_OPEN, EV_CLOSE, TR_OPEN, TR_CLOSE = range(4)
#: Bytes held while waiting for the end of a trace before the full parser takes over.
CARRY_MAX = 16 << 20

__all__ = ["NotFastPath", "parse_xes_fast"]


@dataclass
class _Part:
    """Occurrences of one (scope, type, key) in one block."""

    rows: np.ndarray
    codes: np.ndarray | None  # into uniques; None for dates (values holds datetime64)
    uniques: list[bytes] | None
    dates: np.ndarray | None


@dataclass
class _Key:
    """All occurrences of one key in one scope (event or trace), across blocks."""

    types: set[str] = field(default_factory=set)
    parts: list[_Part] = field(default_factory=list)
    first: tuple[int, int] = (0, 0)  # (block's first trace, byte offset): first-seen order


# (first byte after "<", second byte) -> class; markers 0-3, attribute types 4+
_PREFIXES = (b"<event>", b"</event>", b"<trace>", b"</trace>", b'<string key="',
             b'<date key="', b'<int key="', b'<float key="', b'<boolean key="', b'<id key="')
# the two bytes after "<" (little-endian uint16) -> class; markers 0-3, attribute types 4+
_CLASS = np.full(1 << 16, -1, dtype=np.int8)
_EXPECT = np.zeros((2, len(_PREFIXES)), dtype=np.uint64)  # each prefix as two 8-byte words
_MASK = np.zeros((2, len(_PREFIXES)), dtype=np.uint64)
for _i, _p in enumerate(_PREFIXES):
    _CLASS[_p[1] | _p[2] << 8] = _i
    for _w in range(2):
        _piece = _p[8 * _w: 8 * _w + 8]
        _EXPECT[_w, _i] = int.from_bytes(_piece.ljust(8, b"\0"), "little")
        _MASK[_w, _i] = (1 << (8 * len(_piece))) - 1
_PREFIX_LEN = np.array([len(p) for p in _PREFIXES], dtype=np.int64)


@dataclass
class _Block:
    """One block of complete traces, with the views the scan reads it through.

    Positions are relative to ``start``; ``buf`` holds at least 64 bytes past the block's
    end, so fixed-width reads past it stay inside.
    """

    buf: bytes
    start: int
    size: int
    arr: np.ndarray    # the bytes
    words: np.ndarray  # 8-byte little-endian word at every byte
    pairs: np.ndarray  # 2-byte little-endian word at every byte

    @classmethod
    def of(cls, buf: bytes, start: int, end: int) -> _Block:
        if len(buf) < end + 64:
            buf, start, end = buf[start:end] + b"\0" * 64, 0, end - start
        pairs = np.ndarray(shape=(len(buf) - 1,), dtype="<u2", buffer=buf, strides=(1,))
        return cls(buf, start, end - start, np.frombuffer(buf, dtype=np.uint8)[start:],
                   words_of(buf)[start:], pairs[start:])


@dataclass
class _Attrs:
    """Every attribute element of a block: where it starts, its type class, key and value."""

    pos: np.ndarray
    cls: np.ndarray
    key_start: np.ndarray
    key_end: np.ndarray
    val_start: np.ndarray
    val_end: np.ndarray


def _tags(block: _Block) -> tuple[np.ndarray, np.ndarray]:
    """Position and class (index into _PREFIXES) of every "<"; NotFastPath unless each opens
    one of _PREFIXES exactly."""
    lt = np.flatnonzero(block.arr[:block.size] == 60)
    cls = _CLASS[block.pairs[lt + 1]].astype(np.intp)
    if (cls < 0).any():
        raise NotFastPath("a tag other than attribute/event/trace")
    for w in range(2):
        if not ((block.words[lt + 8 * w] & _MASK[w][cls]) == _EXPECT[w][cls]).all():
            raise NotFastPath("a tag that starts like an XES element but is not")
    return lt, cls


def _attributes(block: _Block, pos: np.ndarray, cls: np.ndarray) -> _Attrs:
    """Key and value bounds of attribute elements, which must read <type key="K" value="V"/>."""
    key_start = pos + _PREFIX_LEN[cls]
    quotes = np.flatnonzero(block.arr[:block.size] == 34)
    j = np.searchsorted(quotes, key_start)
    if len(j) and j[-1] + 2 >= len(quotes):
        raise NotFastPath("unbalanced quotes")
    key_end = quotes[j]
    if len(key_end) and not expect(block.words, key_end, b'" value="'):
        raise NotFastPath("an attribute not of the form key=... value=...")
    val_end = quotes[j + 2]
    after = block.words[val_end] & np.uint64(0xFFFFFFFF)
    closed = ((after & np.uint64(0xFFFFFF)) == np.uint64(int.from_bytes(b'"/>', "little"))) | (
        after == np.uint64(int.from_bytes(b'" />', "little")))
    if not closed.all():
        raise NotFastPath("an attribute element that is not self-closing")
    return _Attrs(pos, cls, key_start, key_end, key_end + 9, val_end)


def _tag_codes(block: _Block, cls: np.ndarray, is_attr: np.ndarray, attrs: _Attrs,
               token_codes: dict[bytes, int]) -> np.ndarray:
    """A code per tag: the markers 0-3, then one per (type, key) token such as
    b'<date key="time:timestamp', numbered across blocks in ``token_codes``."""
    tok_codes, tok_uniques = slice_codes(block.buf, block.start, block.words, attrs.key_start,
                                         attrs.key_end - attrs.key_start, attrs.cls)
    if len(token_codes) < 4:
        for i in range(4):
            token_codes[_PREFIXES[i]] = i
    remap = np.array([token_codes.setdefault(_PREFIXES[c] + k, len(token_codes))
                      for c, k in tok_uniques], dtype=np.intp)
    codes = cls.copy()
    codes[is_attr] = remap[tok_codes] if len(remap) else tok_codes
    return codes


def _collect(block: _Block, attrs: _Attrs, a_codes: np.ndarray, rows: np.ndarray,
             scope: np.ndarray, tr_base: int, keys: dict[tuple[int, bytes], _Key],
             token_codes: dict[bytes, int], name: str) -> None:
    """Add each (key, scope) group's rows and value codes (or dates) to ``keys``."""
    combined = a_codes.astype(np.int64) * 4 + scope
    order = stable_order(combined)
    sorted_c = combined[order]
    bounds = np.flatnonzero(np.r_[True, sorted_c[1:] != sorted_c[:-1], True])
    code_names = {c: t for t, c in token_codes.items()}
    val_len = attrs.val_end - attrs.val_start
    for i in range(len(bounds) - 1):
        sel = order[bounds[i]:bounds[i + 1]]
        sc = int(sorted_c[bounds[i]]) % 4
        if sc == 2:
            continue
        kind, _, key = code_names[int(sorted_c[bounds[i]]) // 4][1:].partition(b' key="')
        type_name = kind.decode("ascii")
        entry = keys.get((sc, key))
        if entry is None:
            entry = keys[(sc, key)] = _Key(first=(tr_base, int(attrs.pos[sel[0]])))
        entry.types.add(type_name)
        vs, vl = attrs.val_start[sel], val_len[sel]
        if type_name == "date":
            entry.parts.append(_Part(rows[sel], None, None, _dates(block, vs, vl, key, name)))
        else:
            vcodes, pairs_u = slice_codes(block.buf, block.start, block.words, vs, vl)
            entry.parts.append(_Part(rows[sel], vcodes, [v for _, v in pairs_u], None))


def _dates(block: _Block, vs: np.ndarray, vl: np.ndarray, key: bytes, name: str) -> np.ndarray:
    """Date values as datetime64[us] UTC: vectorised when they share one layout."""
    width = int(vl[0])
    if (vl == width).all() and width <= 40:
        dates = fast_dates(byte_matrix(block.words, vs, width))
        if dates is not None:
            return dates
    base = block.start
    texts = [decode(block.buf[base + int(a): base + int(a) + int(b)])
             for a, b in zip(vs, vl, strict=True)]
    where = f"{name}: date attribute {key.decode('utf-8', 'replace')!r}"
    return parse_dates(texts, where).to_numpy(dtype="datetime64[us]")


def _scan(buf: bytes, start: int, end: int, ev_base: int, tr_base: int,
          keys: dict[tuple[int, bytes], _Key],
          token_codes: dict[bytes, int], name: str = "") -> tuple[int, int, np.ndarray]:
    """Scan buf[start:end], complete traces; returns (events, traces, trace of each event).

    Vectorised over the bytes: every "<" must open one of _PREFIXES, every attribute
    must read exactly <type key="K" value="V"/> (or " />"); otherwise NotFastPath.
    """
    block = _Block.of(buf, start, end)
    lt, cls = _tags(block)
    if len(lt) == 0:
        return 0, 0, np.empty(0, dtype=np.int64)
    is_attr = cls >= 4
    attrs = _attributes(block, lt[is_attr], cls[is_attr])
    codes = _tag_codes(block, cls, is_attr, attrs, token_codes)
    ev_open = codes == EV_OPEN
    tr_open = codes == TR_OPEN
    ev_depth = np.cumsum(ev_open, dtype=np.int32) - np.cumsum(codes == EV_CLOSE, dtype=np.int32)
    tr_depth = np.cumsum(tr_open, dtype=np.int32) - np.cumsum(codes == TR_CLOSE, dtype=np.int32)
    if ev_depth.min() < 0 or ev_depth.max() > 1 or tr_depth.min() < 0 \
            or tr_depth.max() > 1 or (ev_depth > tr_depth).any():
        raise NotFastPath("events or traces not properly nested")
    ev_row = np.cumsum(ev_open, dtype=np.int64) - 1 + ev_base
    tr_row = np.cumsum(tr_open, dtype=np.int64) - 1 + tr_base
    in_event = ev_depth[is_attr] == 1
    rows = np.where(in_event, ev_row[is_attr], tr_row[is_attr])
    scope = np.where(in_event, 0, np.where(tr_depth[is_attr] == 1, 1, 2))  # 2: outside traces
    _collect(block, attrs, codes[is_attr], rows, scope, tr_base, keys, token_codes, name)
    return int(ev_open.sum()), int(tr_open.sum()), tr_row[ev_open]


def _column(n: int, key: _Key, where: str) -> pd.Series:
    """One dense typed column from a key's parts."""
    if key.types == {"date"}:
        dense = np.full(n, np.datetime64("NaT"), dtype="datetime64[us]")
        for part in key.parts:
            assert part.dates is not None
            dense[part.rows] = part.dates
        return pd.Series(pd.DatetimeIndex(dense).tz_localize("UTC")).astype(DATETIME_DTYPE)
    if "date" in key.types:
        raise NotFastPath("a key declared as date and as another type")
    merged: dict[bytes, int] = {}
    rows_list, codes_list = [], []
    for part in key.parts:
        assert part.uniques is not None and part.codes is not None
        remap = np.fromiter((merged.setdefault(u, len(merged)) for u in part.uniques),
                            dtype=np.intp, count=len(part.uniques))
        rows_list.append(part.rows)
        codes_list.append(remap[part.codes])
    uniques = typed_values([decode(u) for u in merged], key.types, where)
    return spread(n, np.concatenate(rows_list), np.concatenate(codes_list), uniques)


def parse_xes_fast(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Parse an XES file on the fast path; raises NotFastPath when it cannot."""
    p = Path(path)
    name = p.name
    keys: dict[tuple[int, bytes], _Key] = {}
    token_codes: dict[bytes, int] = {}
    event_traces: list[np.ndarray] = []
    n_ev = n_tr = 0
    carry = b""
    started = False
    was_enabled = gc.isenabled()
    gc.disable()  # millions of short-lived objects, no cycles: the collector only costs time
    try:
        for piece in prefetched(read_pieces(p)):
            buf = carry + piece if carry else piece
            if not started:
                head = buf.find(b"<trace")
                if head < 0:
                    carry = buf
                    if len(carry) > CARRY_MAX:
                        raise NotFastPath("no trace in the first 16 MB")
                    continue
                enc = ENCODING.search(buf, 0, head)
                if enc and enc.group(1).lower() not in (b"utf-8", b"utf8", b"us-ascii", b"ascii"):
                    raise NotFastPath("an encoding other than UTF-8")
                if buf.startswith((b"\xff\xfe", b"\xfe\xff")):
                    raise NotFastPath("UTF-16")
                started = True
            else:
                head = 0
            cut = buf.rfind(b"</trace>")
            if cut < head:
                carry = buf[head:]
                if len(carry) > CARRY_MAX:  # padding, a comment or a giant trace: not
                    # our form, and holding it would grow with the file (a gzip bomb)
                    raise NotFastPath("more than 16 MB without the end of a trace")
                continue
            cut += len(b"</trace>")
            ev, tr, et = _scan(buf, head, cut, n_ev, n_tr, keys, token_codes, name)
            n_ev += ev
            n_tr += tr
            event_traces.append(et)
            carry = buf[cut:]
        rest = carry.strip()
        if not started or rest.count(b"<") != 1 or not rest.endswith(b"</log>"):
            raise NotFastPath("no traces, or something other than </log> after the last trace")
        where = name
        keys = dict(sorted(keys.items(), key=lambda item: item[1].first))
        events = {k.decode("utf-8"): _column(n_ev, v, f"{where}: attribute {decode(k)!r}")
                  for (scope, k), v in keys.items() if scope == 0}
        traces = {k.decode("utf-8"): _column(n_tr, v, f"{where}: trace attribute {decode(k)!r}")
                  for (scope, k), v in keys.items() if scope == 1}
        events = {decode(k.encode()): v for k, v in events.items()}
        traces = {decode(k.encode()): v for k, v in traces.items()}
        if n_tr and "concept:name" not in traces:
            traces["concept:name"] = pd.Series([None] * n_tr, dtype="str")
        event_trace = np.concatenate(event_traces) if event_traces else np.empty(0, np.intp)
        return assemble(n_ev, events, traces, event_trace, where)
    except UnicodeDecodeError as exc:
        raise NotFastPath("not UTF-8") from exc
    finally:
        if was_enabled:
            gc.enable()

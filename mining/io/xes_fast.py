"""The fast XES path: streaming decompression and a vectorised scan of the bytes.

XES written by ProM/OpenXES, pm4py, Disco and taskloom puts every attribute in one
form, ``<type key="K" value="V"/>``. Each block of complete traces is scanned with
numpy: the positions of every ``<`` and ``"`` give the tags, keys and values; rows come
from cumulative sums over event/trace boundaries; keys and values are factorised by
hashing fixed-width byte words (checked byte for byte); typing is vectorised per key,
and Python objects are made only for distinct values. Every ``<`` must open one of the
known tags in the known form: anything else (comments, nested or list attributes,
value-before-key, single quotes, other encodings) raises NotFastPath and the caller
uses the full XML parser. Detect, don't guess.
"""

from __future__ import annotations

import gc
import html
import logging
import os
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from taskloom.mining.errors import LogInputError
from taskloom.mining.io._columns import DATETIME_DTYPE, assemble, parse_dates, spread, typed_values
from taskloom.mining.io.prefetch import prefetched

log = logging.getLogger(__name__)

BLOCK = 16 << 20  # decompressed bytes scanned per block
READ = 1 << 20
ENCODING = re.compile(rb'<\?xml[^>]*encoding\s*=\s*["\']([^"\']+)["\']')
EV_OPEN, EV_CLOSE, TR_OPEN, TR_CLOSE = range(4)
ISO_LOCAL = re.compile(rb"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d{1,6})?$")


class NotFastPath(Exception):
    """The file uses a construct the fast path does not handle; use the full parser."""


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


def _plain_stream(path: Path) -> Iterator[bytes]:
    with open(path, "rb") as fh:
        while piece := fh.read(BLOCK):
            yield piece


def _read_gz_checked(path: Path) -> Iterator[bytes]:
    """The decompressed content in pieces; a truncated or corrupt gzip is a LogInputError."""
    try:
        if path.name.lower().endswith(".gz"):
            yield from _gunzip_stream(path)
        else:
            yield from _plain_stream(path)
    except zlib.error as exc:
        raise LogInputError(
            f"{path.name}: the gzip data is corrupt ({exc}); re-download or re-compress the file"
        ) from exc


def _gunzip_stream(path: Path) -> Iterator[bytes]:
    with open(path, "rb") as fh:
        inflater = zlib.decompressobj(wbits=31)
        started = False  # the current member received input
        while piece := fh.read(READ):
            while piece:
                started = True
                out = inflater.decompress(piece)
                if out:
                    yield out
                if inflater.eof:
                    piece = inflater.unused_data
                    inflater = zlib.decompressobj(wbits=31)
                    started = False
                else:
                    piece = b""
        if started and not inflater.eof:
            raise LogInputError(
                f"{path.name}: the gzip data is truncated (the stream ends early); "
                "re-download or re-compress the file"
            )


def _decode(raw: bytes) -> str:
    """Attribute text as an XML parser gives it: literal line breaks and tabs become
    spaces (attribute-value normalisation), then entity and character references."""
    text = raw.decode("utf-8")
    if "\t" in text or "\n" in text or "\r" in text:
        text = text.replace("\r\n", " ").replace("\t", " ").replace("\n", " ").replace("\r", " ")
    if "&" in text:
        text = html.unescape(text)
    return text


def _words(block: bytes) -> np.ndarray:
    """Every 8-byte window of block as a little-endian uint64 (window i starts at byte i).

    A strided view, no copy: one fancy index then reads 8 bytes at any offsets at once.
    """
    return np.ndarray(shape=(len(block) - 7,), dtype="<u8", buffer=block, strides=(1,))


def _tail_mask(length: int) -> np.uint64:
    rest = length % 8
    return np.uint64((1 << (8 * rest)) - 1 if rest else (1 << 64) - 1)


def _gather(words: np.ndarray, starts: np.ndarray, length: int) -> np.ndarray:
    """The bytes [s, s+length) for every start as (n, ceil(length/8)) uint64 words,
    bytes past `length` zeroed."""
    count = max((length + 7) // 8, 1)
    out = np.empty((len(starts), count), dtype=np.uint64)
    for k in range(count):
        out[:, k] = words[starts + 8 * k]
    if length % 8 or length == 0:
        out[:, count - 1] &= _tail_mask(length) if length else np.uint64(0)
    return out


def _expect(words: np.ndarray, starts: np.ndarray, literal: bytes) -> bool:
    """True when the bytes at every start begin with `literal`."""
    for k in range(0, len(literal), 8):
        piece = literal[k:k + 8]
        want = np.uint64(int.from_bytes(piece.ljust(8, b"\0"), "little"))
        got = words[starts + k]
        if len(piece) < 8:
            got = got & _tail_mask(len(piece))
        if not (got == want).all():
            return False
    return True


def _byte_matrix(words: np.ndarray, starts: np.ndarray, length: int) -> np.ndarray:
    """The bytes [s, s+length) for every start as an (n, length) uint8 matrix."""
    w = _gather(words, starts, length)
    return w.view(np.uint8).reshape(len(starts), -1)[:, :length]


def _fast_dates(m: np.ndarray) -> np.ndarray | None:
    """ISO 8601 dates of one layout, as an (n, width) byte matrix, to UTC datetime64[us].

    None when they need the general parser (mixed layouts, unusual forms).
    """
    n, width = m.shape
    if n == 0:
        return np.empty(0, dtype="datetime64[us]")
    first = m[0].tobytes()
    tail = 0
    if first.endswith(b"Z"):
        tail = 1
    elif width >= 25 and first[-6:-5] in (b"+", b"-") and first[-3:-2] == b":":
        tail = 6
    local_w = width - tail
    if not ISO_LOCAL.match(first[:local_w]):
        return None
    # every row must share the first row's layout: same separators, digits elsewhere
    pattern = m[0]
    digit = (pattern >= 48) & (pattern <= 57)
    fixed = ~digit
    if tail == 6:
        fixed[-6] = False
        if not np.isin(m[:, -6], (43, 45)).all():
            return None
    if not (m[:, fixed] == pattern[fixed]).all():
        return None
    dig = m[:, digit]
    if not ((dig >= 48) & (dig <= 57)).all():
        return None
    local_bytes = np.ascontiguousarray(m[:, :local_w]).view(f"S{local_w}").ravel()
    try:
        local = local_bytes.astype("datetime64[us]")
    except ValueError:
        return None
    if tail == 6:
        d = m[:, -5:].astype(np.int64) - 48
        minutes = (d[:, 0] * 10 + d[:, 1]) * 60 + d[:, 3] * 10 + d[:, 4]
        sign = np.where(m[:, -6] == 45, -1, 1)
        local = local - (sign * minutes * 60_000_000).astype("timedelta64[us]")
    return local


_MIX = np.uint64(0x9E3779B97F4A7C15)


def _equal_length_codes(words_view: np.ndarray, starts: np.ndarray, length: int
                        ) -> tuple[np.ndarray, np.ndarray]:
    """Codes for byte strings of one length (equal strings, equal codes) and the index of
    one representative per code. Hashes 8-byte words, then checks every string against
    its representative byte for byte, so a hash collision cannot merge two values."""
    n = len(starts)
    if length == 0:
        return np.zeros(n, dtype=np.intp), np.zeros(1 if n else 0, dtype=np.intp)
    words = _gather(words_view, starts, length)
    h = words[:, 0].copy()
    for k in range(1, words.shape[1]):
        h *= _MIX
        h ^= words[:, k]
    codes, uniques = pd.factorize(h)
    reps = np.empty(len(uniques), dtype=np.intp)
    reps[codes[::-1]] = np.arange(n - 1, -1, -1, dtype=np.intp)
    if not (words == words[reps[codes]]).all():
        raise NotFastPath("a hash collision between attribute values")
    return codes.astype(np.intp, copy=False), reps


def _stable_order(values: np.ndarray) -> np.ndarray:
    """argsort, stable; small non-negative ints go through int16, which numpy radix-sorts."""
    if len(values) and values.min() >= 0 and values.max() < 32767:
        values = values.astype(np.int16)
    return np.argsort(values, kind="stable")


def _slice_codes(buf: bytes, base: int, words: np.ndarray, starts: np.ndarray,
                 lengths: np.ndarray, tags: np.ndarray | None = None
                 ) -> tuple[np.ndarray, list[tuple[int, bytes]]]:
    """Factorise the byte strings buf[base+start : base+start+length], optionally told
    apart by a small tag (0-15) too: codes, and the distinct (tag, value) pairs."""
    codes = np.empty(len(starts), dtype=np.intp)
    uniques: list[tuple[int, bytes]] = []
    group = lengths * 16 + (tags if tags is not None else 0)
    order = _stable_order(group)
    sorted_group = group[order]
    bounds = np.flatnonzero(np.r_[True, sorted_group[1:] != sorted_group[:-1], True])
    for i in range(len(bounds) - 1):
        sel = order[bounds[i]:bounds[i + 1]]
        length, tag = divmod(int(sorted_group[bounds[i]]), 16)
        st = starts[sel]
        if length <= 64:
            c, reps = _equal_length_codes(words, st, length)
            codes[sel] = c + len(uniques)
            uniques.extend((tag, buf[base + int(x): base + int(x) + length]) for x in st[reps])
        else:
            vals = [buf[base + int(x): base + int(x) + length] for x in st]
            index: dict[bytes, int] = {}
            codes[sel] = [index.setdefault(v, len(index) + len(uniques)) for v in vals]
            uniques.extend((tag, v) for v in index)
    return codes, uniques


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


def _scan(buf: bytes, start: int, end: int, ev_base: int, tr_base: int,
          keys: dict[tuple[int, bytes], _Key],
          token_codes: dict[bytes, int], name: str = "") -> tuple[int, int, np.ndarray]:
    """Scan buf[start:end], complete traces; returns (events, traces, trace of each event).

    Vectorised over the bytes: every "<" must open one of _PREFIXES, every attribute
    must read exactly <type key="K" value="V"/> (or " />"); otherwise NotFastPath.
    """
    size = end - start
    if len(buf) >= end + 64:  # fixed-width reads past the end stay inside buf
        block = buf
    else:
        block, start = buf[start:end] + b"\0" * 64, 0
    buf = block
    arr = np.frombuffer(block, dtype=np.uint8)[start:]  # positions below are relative to start
    words = _words(block)[start:]
    pairs = np.ndarray(shape=(len(block) - 1,), dtype="<u2", buffer=block, strides=(1,))[start:]
    lt = np.flatnonzero(arr[:size] == 60)
    if len(lt) == 0:
        return 0, 0, np.empty(0, dtype=np.int64)
    cls = _CLASS[pairs[lt + 1]].astype(np.intp)
    if (cls < 0).any():
        raise NotFastPath("a tag other than attribute/event/trace")
    for w in range(2):
        if not ((words[lt + 8 * w] & _MASK[w][cls]) == _EXPECT[w][cls]).all():
            raise NotFastPath("a tag that starts like an XES element but is not")
    is_attr = cls >= 4
    a_pos = lt[is_attr]
    a_cls = cls[is_attr]
    key_start = a_pos + _PREFIX_LEN[a_cls]
    quotes = np.flatnonzero(arr[:size] == 34)
    j = np.searchsorted(quotes, key_start)
    if len(j) and j[-1] + 2 >= len(quotes):
        raise NotFastPath("unbalanced quotes")
    key_end = quotes[j]
    if len(key_end) and not _expect(words, key_end, b'" value="'):
        raise NotFastPath("an attribute not of the form key=... value=...")
    val_start = key_end + 9
    val_end = quotes[j + 2]
    after = words[val_end] & np.uint64(0xFFFFFFFF)
    closed = ((after & np.uint64(0xFFFFFF)) == np.uint64(int.from_bytes(b'"/>', "little"))) | (
        after == np.uint64(int.from_bytes(b'" />', "little")))
    if not closed.all():
        raise NotFastPath("an attribute element that is not self-closing")
    # code each attribute by its type and key; the token b'<date key="k' names the pair
    tok_codes, tok_uniques = _slice_codes(buf, start, words, key_start, key_end - key_start,
                                          a_cls)
    if len(token_codes) < 4:
        for i in range(4):
            token_codes[_PREFIXES[i]] = i
    remap = np.array([token_codes.setdefault(_PREFIXES[c] + k, len(token_codes))
                      for c, k in tok_uniques], dtype=np.intp)
    codes = cls.copy()
    codes[is_attr] = remap[tok_codes] if len(remap) else tok_codes
    ev_open = codes == EV_OPEN
    tr_open = codes == TR_OPEN
    ev_depth = np.cumsum(ev_open, dtype=np.int32) - np.cumsum(codes == EV_CLOSE, dtype=np.int32)
    tr_depth = np.cumsum(tr_open, dtype=np.int32) - np.cumsum(codes == TR_CLOSE, dtype=np.int32)
    if ev_depth.min() < 0 or ev_depth.max() > 1 or tr_depth.min() < 0 \
            or tr_depth.max() > 1 or (ev_depth > tr_depth).any():
        raise NotFastPath("events or traces not properly nested")
    ev_row = np.cumsum(ev_open, dtype=np.int64) - 1 + ev_base
    tr_row = np.cumsum(tr_open, dtype=np.int64) - 1 + tr_base
    n_ev = int(ev_open.sum())
    n_tr = int(tr_open.sum())
    event_trace = tr_row[ev_open]
    a_codes = codes[is_attr]
    in_event = ev_depth[is_attr] == 1
    in_trace = tr_depth[is_attr] == 1
    rows = np.where(in_event, ev_row[is_attr], tr_row[is_attr])
    scope = np.where(in_event, 0, np.where(in_trace, 1, 2))  # 2: outside traces, ignored
    combined = a_codes.astype(np.int64) * 4 + scope
    order = _stable_order(combined)
    sorted_c = combined[order]
    bounds = np.flatnonzero(np.r_[True, sorted_c[1:] != sorted_c[:-1], True])
    code_names = {c: t for t, c in token_codes.items()}
    val_len = val_end - val_start
    for i in range(len(bounds) - 1):
        lo, hi = bounds[i], bounds[i + 1]
        sel = order[lo:hi]
        c = int(sorted_c[lo])
        sc = c % 4
        if sc == 2:
            continue
        tok = code_names[c // 4]
        kind, _, key = tok[1:].partition(b' key="')
        type_name = kind.decode("ascii")
        entry = keys.get((sc, key))
        if entry is None:
            entry = keys[(sc, key)] = _Key(first=(tr_base, int(a_pos[sel[0]])))
        entry.types.add(type_name)
        part_rows = rows[sel]
        vs, vl = val_start[sel], val_len[sel]
        if type_name == "date":
            dates = None
            width = int(vl[0])
            if (vl == width).all() and width <= 40:
                dates = _fast_dates(_byte_matrix(words, vs, width))
            if dates is None:
                texts = [_decode(buf[start + int(a): start + int(a) + int(b)])
                         for a, b in zip(vs, vl, strict=True)]
                where = f"{name}: date attribute {key.decode('utf-8', 'replace')!r}"
                dates = parse_dates(texts, where).to_numpy(dtype="datetime64[us]")
            entry.parts.append(_Part(part_rows, None, None, dates))
        else:
            vcodes, pairs_u = _slice_codes(buf, start, words, vs, vl)
            entry.parts.append(_Part(part_rows, vcodes, [v for _, v in pairs_u], None))
    return n_ev, n_tr, event_trace


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
    uniques = typed_values([_decode(u) for u in merged], key.types, where)
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
        for piece in prefetched(_read_gz_checked(p), name="xes-inflate"):
            buf = carry + piece if carry else piece
            if not started:
                head = buf.find(b"<trace")
                if head < 0:
                    carry = buf
                    if len(carry) > (64 << 20):
                        raise NotFastPath("no trace in the first 64 MB")
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
        events = {k.decode("utf-8"): _column(n_ev, v, f"{where}: attribute {_decode(k)!r}")
                  for (scope, k), v in keys.items() if scope == 0}
        traces = {k.decode("utf-8"): _column(n_tr, v, f"{where}: trace attribute {_decode(k)!r}")
                  for (scope, k), v in keys.items() if scope == 1}
        events = {_decode(k.encode()): v for k, v in events.items()}
        traces = {_decode(k.encode()): v for k, v in traces.items()}
        if n_tr and "concept:name" not in traces:
            traces["concept:name"] = pd.Series([None] * n_tr, dtype="str")
        event_trace = np.concatenate(event_traces) if event_traces else np.empty(0, np.intp)
        return assemble(n_ev, events, traces, event_trace, where)
    except UnicodeDecodeError as exc:
        raise NotFastPath("not UTF-8") from exc
    finally:
        if was_enabled:
            gc.enable()

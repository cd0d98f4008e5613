"""Vectorised reads of many byte strings at once, for the fast XES scan.

A block of bytes is viewed as overlapping little-endian 8-byte words (no copy), so one
fancy index reads 8 bytes at any set of offsets. On top of that: comparing every string
with a literal, gathering strings as word or byte matrices, factorising strings by hash
(checked byte for byte), and parsing ISO 8601 dates of one layout without Python loops.
"""

from __future__ import annotations

import html
import re

import numpy as np
import pandas as pd


class NotFastPath(Exception):
    """The file uses a construct the fast path does not handle; use the full parser."""


ISO_LOCAL = re.compile(rb"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d{1,6})?$")


def decode(raw: bytes) -> str:
    """Attribute text as an XML parser gives it: literal line breaks and tabs become
    spaces (attribute-value normalisation), then entity and character references."""
    text = raw.decode("utf-8")
    if "\t" in text or "\n" in text or "\r" in text:
        text = text.replace("\r\n", " ").replace("\t", " ").replace("\n", " ").replace("\r", " ")
    if "&" in text:
        text = html.unescape(text)
    return text


def words_of(block: bytes) -> np.ndarray:
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


def expect(words: np.ndarray, starts: np.ndarray, literal: bytes) -> bool:
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


def byte_matrix(words: np.ndarray, starts: np.ndarray, length: int) -> np.ndarray:
    """The bytes [s, s+length) for every start as an (n, length) uint8 matrix."""
    w = _gather(words, starts, length)
    return w.view(np.uint8).reshape(len(starts), -1)[:, :length]


def fast_dates(m: np.ndarray) -> np.ndarray | None:
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


def stable_order(values: np.ndarray) -> np.ndarray:
    """argsort, stable; small non-negative ints go through int16, which numpy radix-sorts."""
    if len(values) and values.min() >= 0 and values.max() < 32767:
        values = values.astype(np.int16)
    return np.argsort(values, kind="stable")


def slice_codes(buf: bytes, base: int, words: np.ndarray, starts: np.ndarray,
                 lengths: np.ndarray, tags: np.ndarray | None = None
                 ) -> tuple[np.ndarray, list[tuple[int, bytes]]]:
    """Factorise the byte strings buf[base+start : base+start+length], optionally told
    apart by a small tag (0-15) too: codes, and the distinct (tag, value) pairs."""
    codes = np.empty(len(starts), dtype=np.intp)
    uniques: list[tuple[int, bytes]] = []
    group = lengths * 16 + (tags if tags is not None else 0)
    order = stable_order(group)
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

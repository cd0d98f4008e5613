"""Prefixes of cases and their encodings: the rows predictive models learn from.

Every event ends one prefix (the case up to and including it). Three encodings, as in
Teinemaa et al.'s benchmark of outcome prediction:
- ``aggregation``: how often each activity occurred so far, plus the last activity;
- ``last``: the last state only (last activity, its resource);
- ``index``: the activity at each of the first K positions.
All add the prefix length, time since the case started and since the previous event,
hour and weekday of the last event and the case attributes (``case:*``). Built with
cumulative sums over the ordered events: no Python loop per event.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from taskloom.mining.columns import ACTIVITY, CASE_PREFIX, RESOURCE
from taskloom.mining.ordering import Ordered, order_log

ENCODINGS = ("aggregation", "last", "index")
INDEX_K = 20
TOP_VALUES = 20


@dataclass(frozen=True)
class Vocabulary:
    """What the encoding saw at training time (so new logs encode the same way)."""

    activities: tuple[str, ...]
    resources: tuple[str, ...]
    numeric: tuple[str, ...]
    categorical: dict[str, tuple[str, ...]]
    encoding: str


@dataclass(frozen=True)
class Prefixes:
    """One row per event: the prefix that ends with it."""

    o: Ordered
    case: np.ndarray        # case code per prefix
    length: np.ndarray      # events in the prefix
    last: np.ndarray        # index (in o) of the prefix's last event
    act: np.ndarray         # activity code (vocabulary index, -1 unknown) per event in o


def case_attributes(log: pd.DataFrame, o: Ordered) -> pd.DataFrame:
    """One row per case (in o's case order) with the log's ``case:*`` columns."""
    cols = [c for c in log.columns if c.startswith(CASE_PREFIX) and c != "case:concept:name"]
    if not cols:
        return pd.DataFrame(index=range(o.n_cases))
    first = log.iloc[o.order[o.first]][cols].reset_index(drop=True)
    return first


def build_vocabulary(log: pd.DataFrame, encoding: str, exclude: tuple[str, ...] = ()) -> Vocabulary:
    """Activities, top resources and case attributes of a training log."""
    acts = tuple(sorted(map(str, log[ACTIVITY].dropna().unique())))
    res: tuple[str, ...] = ()
    if RESOURCE in log.columns:
        res = tuple(map(str, log[RESOURCE].dropna().astype(str).value_counts().index[:TOP_VALUES]))
    numeric, categorical = [], {}
    for c in log.columns:
        if not c.startswith(CASE_PREFIX) or c == "case:concept:name" or c in exclude:
            continue
        col = log[c]
        if pd.api.types.is_bool_dtype(col) or not pd.api.types.is_numeric_dtype(col):
            values = col.dropna().astype(str).value_counts().index[:TOP_VALUES]
            categorical[c] = tuple(map(str, values))
        else:
            numeric.append(c)
    return Vocabulary(acts, res, tuple(numeric), categorical, encoding)


def prefixes_of(log: pd.DataFrame, vocab: Vocabulary, o: Ordered | None = None) -> Prefixes:
    """Every prefix of every case of `log` (`o`: the log already ordered)."""
    o = order_log(log, ACTIVITY) if o is None else o
    index = {a: i for i, a in enumerate(vocab.activities)}
    lookup = np.asarray([index.get(str(a), -1) for a in o.act_names] + [-1], dtype=np.int64)
    act = lookup[o.act]
    n = len(o.act)
    length = np.arange(n) - np.repeat(o.first, o.last - o.first + 1) + 1
    return Prefixes(o, o.case.copy(), length, np.arange(n), act)


def _one_hot(codes: np.ndarray, k: int) -> np.ndarray:
    out = np.zeros((len(codes), k), dtype=np.float32)
    ok = codes >= 0
    out[np.flatnonzero(ok), codes[ok]] = 1.0
    return out


def _counts(p: Prefixes, k: int) -> np.ndarray:
    """Activity counts of every prefix (cumulative one-hot, restarted at each case)."""
    cum = np.cumsum(_one_hot(p.act, k), axis=0)
    before = np.zeros((p.o.n_cases, k), dtype=np.float32)
    starts = p.o.first
    before[1:] = cum[starts[1:] - 1] if len(starts) > 1 else before[1:]
    return cum - before[p.o.case]


def _index(p: Prefixes, k: int) -> np.ndarray:
    """One-hot activity at positions 1..INDEX_K (zeros beyond the prefix)."""
    o = p.o
    out = np.zeros((len(p.act), INDEX_K * k), dtype=np.float32)
    pos = p.length - 1
    for j in range(INDEX_K):
        ev = o.first[o.case] + j
        ok = (pos >= j) & (ev <= o.last[o.case])
        codes = np.where(ok, p.act[np.minimum(ev, len(p.act) - 1)], -1)
        out[:, j * k:(j + 1) * k] = _one_hot(codes, k)
    return out


def _time_features(p: Prefixes) -> np.ndarray:
    o = p.o
    ts = o.ts
    start = ts[o.first][o.case]
    prev = np.where(p.length > 1, np.roll(ts, 1), ts)
    stamp = pd.to_datetime(ts, utc=True)
    return np.column_stack([
        p.length, (ts - start) / 3.6e12, (ts - prev) / 3.6e12,
        np.asarray(stamp.hour), np.asarray(stamp.day_of_week),
    ]).astype(np.float32)


def _case_features(log: pd.DataFrame, p: Prefixes, vocab: Vocabulary) -> np.ndarray:
    attrs = case_attributes(log, p.o)
    cols = []
    for c in vocab.numeric:
        v = pd.to_numeric(attrs[c], errors="coerce") if c in attrs else pd.Series(np.nan, index=attrs.index)
        cols.append(v.to_numpy(dtype=float))
    for c, values in vocab.categorical.items():
        got = attrs[c].astype(str) if c in attrs else pd.Series("", index=attrs.index)
        codes = pd.Categorical(got, categories=list(values)).codes.astype(np.int64)
        cols.extend(_one_hot(codes, len(values)).T)
    if not cols:
        return np.zeros((len(p.case), 0), dtype=np.float32)
    return np.column_stack(cols).astype(np.float32)[p.case]


def _resource(log: pd.DataFrame, p: Prefixes, vocab: Vocabulary) -> np.ndarray:
    if not vocab.resources or RESOURCE not in log.columns:
        return np.zeros((len(p.case), 0), dtype=np.float32)
    res = log[RESOURCE].astype(str).to_numpy()[p.o.order]
    codes = pd.Categorical(res, categories=list(vocab.resources)).codes.astype(np.int64)
    return _one_hot(codes, len(vocab.resources))


def encode(log: pd.DataFrame, p: Prefixes, vocab: Vocabulary) -> np.ndarray:
    """The feature matrix of the prefixes (float32, NaN for missing case attributes)."""
    k = len(vocab.activities)
    parts = [_time_features(p), _one_hot(p.act, k), _resource(log, p, vocab)]
    if vocab.encoding == "aggregation":
        parts.append(_counts(p, k))
    elif vocab.encoding == "index":
        parts.append(_index(p, k))
    parts.append(_case_features(log, p, vocab))
    return np.hstack(parts)

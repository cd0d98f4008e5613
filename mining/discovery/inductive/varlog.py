"""The Inductive Miner's input: a log as int-coded traces with multiplicities, in flat arrays.

A ``VarLog`` holds every trace's activity codes end to end (``acts``), each trace's
length and how many cases it stands for. Activity codes are ranks of the labels in
sorted order, so "smallest label first" tie-breaks are "smallest code first". The
miner splits such logs many times; every split is a handful of numpy passes over the
events, never a Python loop per event. ``Dfg`` is the directly-follows graph of a log
(or of a filtered DFG) over its own small alphabet.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd

from taskloom.mining.columns import ACTIVITY, CASE, TIMESTAMP
from taskloom.mining.ordering import order_log
from taskloom.mining.variants import variant_ids


@dataclass(frozen=True)
class VarLog:
    """Traces (flat activity codes, lengths) and the number of cases each stands for."""

    acts: np.ndarray
    lengths: np.ndarray
    counts: np.ndarray

    @property
    def n_traces(self) -> int:
        return len(self.lengths)

    @cached_property
    def starts(self) -> np.ndarray:
        """Index of each trace's first event in ``acts``."""
        out = np.zeros(len(self.lengths), dtype=np.int64)
        if len(self.lengths) > 1:
            np.cumsum(self.lengths[:-1], out=out[1:])
        return out

    @cached_property
    def trace_of(self) -> np.ndarray:
        """Trace index of every event."""
        return np.repeat(np.arange(len(self.lengths), dtype=np.int64), self.lengths)

    @cached_property
    def position(self) -> np.ndarray:
        """Position of every event inside its trace (0 = first)."""
        return np.arange(len(self.acts), dtype=np.int64) - np.repeat(self.starts, self.lengths)

    def total(self) -> int:
        return int(self.counts.sum())

    def alphabet(self) -> np.ndarray:
        """Activity codes present, ascending."""
        return np.unique(self.acts)

    def keep_events(self, mask: np.ndarray) -> VarLog:
        """The same traces with only the masked events (traces may become empty)."""
        lengths = np.bincount(self.trace_of[mask], minlength=self.n_traces).astype(np.int64)
        return VarLog(self.acts[mask], lengths, self.counts)

    def keep_traces(self, mask: np.ndarray) -> VarLog:
        """Only the masked traces."""
        return VarLog(self.acts[mask[self.trace_of]], self.lengths[mask], self.counts[mask])

    def traces(self) -> list[tuple[int, ...]]:
        """The traces as tuples (for tests and small logs)."""
        bounds = np.concatenate(([0], np.cumsum(self.lengths))).tolist()
        acts = self.acts.tolist()
        return [tuple(acts[a:b]) for a, b in itertools.pairwise(bounds)]


def from_segments(acts: np.ndarray, segment: np.ndarray, n_segments: int,
                  counts: np.ndarray) -> VarLog:
    """A VarLog whose trace j holds the events with ``segment == j`` (segments ascending)."""
    lengths = np.bincount(segment, minlength=n_segments).astype(np.int64)
    return VarLog(acts, lengths, counts)


@dataclass(frozen=True)
class Dfg:
    """A directly-follows graph over a small alphabet (local index i = activity ``codes[i]``).

    adj[i, j]: how often j directly follows i; start / end: how often i begins / ends a
    trace; vertex: the activities the graph has (in an arc, or starting or ending).
    """

    codes: np.ndarray
    adj: np.ndarray
    start: np.ndarray
    end: np.ndarray

    @property
    def k(self) -> int:
        return len(self.codes)

    @cached_property
    def vertex(self) -> np.ndarray:
        return (self.adj > 0).any(axis=0) | (self.adj > 0).any(axis=1) | (self.start > 0) \
            | (self.end > 0)

    @cached_property
    def edges(self) -> np.ndarray:
        return self.adj > 0

    def is_empty(self) -> bool:
        return not self.vertex.any()


def log_dfg(vl: VarLog) -> Dfg:
    """The DFG of a VarLog, counts weighted by the traces' multiplicities."""
    codes = vl.alphabet()
    k = len(codes)
    local = np.searchsorted(codes, vl.acts)
    weight = vl.counts[vl.trace_of]
    if len(local) > 1:
        same = vl.trace_of[1:] == vl.trace_of[:-1]
        pair = local[:-1][same] * k + local[1:][same]
        adj: np.ndarray = np.bincount(pair, weights=weight[:-1][same], minlength=k * k)
    else:
        adj = np.zeros(k * k)
    nonempty = vl.lengths > 0
    first = vl.starts[nonempty]
    last = first + vl.lengths[nonempty] - 1
    start = np.bincount(local[first], weights=vl.counts[nonempty], minlength=k)
    end = np.bincount(local[last], weights=vl.counts[nonempty], minlength=k)
    return Dfg(codes, adj.reshape(k, k).astype(np.int64), start.astype(np.int64),
               end.astype(np.int64))


def _timestamp_order(log: pd.DataFrame, activity: str) -> pd.DataFrame:
    """The columns discovery needs; start timestamps are left out on purpose.

    pm4py's Inductive Miner orders a case's events by completion time only (stable),
    so discovery does the same to find the same model.
    """
    return log[[CASE, activity, TIMESTAMP]]


def varlog_from_log(log: pd.DataFrame, activity: str = ACTIVITY) -> tuple[VarLog, list[str]]:
    """(the log's variants as a VarLog, activity labels by code)."""
    o = order_log(_timestamp_order(log, activity), activity)
    valid = o.act >= 0
    raw_names = [str(x) for x in o.act_names]
    names = sorted(set(raw_names))
    rank = {name: i for i, name in enumerate(names)}
    recode = np.asarray([rank[n] for n in raw_names], dtype=np.int64)
    _case_variant, counts, rep = variant_ids(o)
    if len(rep) == 0:
        empty = np.zeros(0, dtype=np.int64)
        return VarLog(empty, empty, empty), names
    lengths_all = o.last - o.first + 1
    # One representative case per variant; events without an activity are left out.
    take = np.repeat(o.first[rep], lengths_all[rep]) + (
        np.arange(int(lengths_all[rep].sum())) - np.repeat(
            np.concatenate(([0], np.cumsum(lengths_all[rep])[:-1])), lengths_all[rep]))
    keep = valid[take]
    seg = np.repeat(np.arange(len(rep)), lengths_all[rep])[keep]
    acts = recode[o.act[take][keep]]
    return from_segments(acts, seg, len(rep), counts.astype(np.int64)), names

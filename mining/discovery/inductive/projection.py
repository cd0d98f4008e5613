"""Splitting a log along a cut: one sub-log per group, as pm4py's Inductive Miner splits it.

``group_of`` maps every activity code of the log to its group (-1: in no group, which
happens after infrequent-behaviour filtering). All splits are vectorised over events.
"""

from __future__ import annotations

import numpy as np

from taskloom.mining.discovery.inductive.varlog import VarLog, from_segments


def group_lookup(codes: np.ndarray, groups: list[list[int]], size: int) -> np.ndarray:
    """Group index per activity code (0..size-1); -1 for codes in no group."""
    out = np.full(size, -1, dtype=np.int64)
    for gi, members in enumerate(groups):
        out[codes[members]] = gi
    return out


def split_xor(vl: VarLog, g: np.ndarray, n_groups: int) -> list[VarLog]:
    """Each trace goes to the group with most of its events (ties: the later group)."""
    ge = g[vl.acts]
    inside = ge >= 0
    tally = np.bincount(vl.trace_of[inside] * n_groups + ge[inside],
                        minlength=vl.n_traces * n_groups).reshape(vl.n_traces, n_groups)
    choice = n_groups - 1 - np.argmax(tally[:, ::-1], axis=1)
    out = []
    for gi in range(n_groups):
        mine = choice == gi
        sub = vl.keep_events(ge == gi)
        out.append(sub.keep_traces(mine))
    return out


def split_parallel(vl: VarLog, g: np.ndarray, n_groups: int) -> list[VarLog]:
    """Every trace projected onto each group's activities."""
    ge = g[vl.acts]
    return [vl.keep_events(ge == gi) for gi in range(n_groups)]


def _split_points(vl: VarLog, cost: np.ndarray, begin: np.ndarray) -> np.ndarray:
    """Per trace, the end of the cheapest prefix from ``begin`` (first strict minimum < 0)."""
    active = vl.position >= begin[vl.trace_of]
    c = np.where(active, cost, 0)
    run = np.cumsum(c)
    base = np.zeros(vl.n_traces, dtype=np.int64)
    nonempty = vl.lengths > 0
    before = vl.starts[nonempty] - 1
    base[nonempty] = np.where(before >= 0, run[np.maximum(before, 0)], 0)
    local = run - base[vl.trace_of]
    out = begin.copy()
    if len(local) == 0:
        return out
    mins = np.full(vl.n_traces, 0, dtype=np.int64)
    np.minimum.at(mins, vl.trace_of, local)
    hit = (local == mins[vl.trace_of]) & (mins[vl.trace_of] < 0)
    first = np.full(vl.n_traces, -1, dtype=np.int64)
    idx = np.flatnonzero(hit)
    if len(idx):
        t_hit = vl.trace_of[idx]
        uniq, where = np.unique(t_hit, return_index=True)
        first[uniq] = vl.position[idx[where]]
    has = first >= 0
    out[has] = first[has] + 1
    return out


def split_sequence(vl: VarLog, g: np.ndarray, n_groups: int) -> list[VarLog]:
    """Each trace cut into consecutive pieces, one per group, at the cheapest split points.

    Moving through group i, an event of group i costs -1, an event of an earlier group
    0, any other event +1; the piece ends after the first position of least cost.
    """
    ge = g[vl.acts]
    begin = np.zeros(vl.n_traces, dtype=np.int64)
    out = []
    for gi in range(n_groups):
        cost = np.where(ge == gi, -1, np.where((ge >= 0) & (ge < gi), 0, 1))
        end = _split_points(vl, cost, begin)
        t = vl.trace_of
        mask = (ge == gi) & (vl.position >= begin[t]) & (vl.position < end[t])
        out.append(vl.keep_events(mask))
        begin = end
    return out


def split_loop(vl: VarLog, g: np.ndarray) -> list[VarLog]:
    """[do log, redo log]: every maximal run of do (redo) events is one do (redo) trace.

    As in pm4py, a trace that does not end with a do event also adds an empty do trace.
    """
    ge = g[vl.acts]
    t = vl.trace_of
    n = len(ge)
    new_run = np.ones(n, dtype=bool)
    if n > 1:
        new_run[1:] = (t[1:] != t[:-1]) | (ge[1:] != ge[:-1])
    run_id = np.cumsum(new_run) - 1
    run_group = ge[new_run]
    run_trace = t[new_run]
    logs = []
    for gi in (0, 1):
        runs = np.flatnonzero(run_group == gi)
        mask = ge == gi
        remap = np.full(len(run_group), -1, dtype=np.int64)
        remap[runs] = np.arange(len(runs))
        acts = vl.acts[mask]
        seg = remap[run_id[mask]]
        counts = vl.counts[run_trace[runs]]
        if gi == 0:
            last = vl.starts + vl.lengths - 1
            ends_in_do = (vl.lengths > 0) & (ge[np.maximum(last, 0)] == 0) if n else \
                np.zeros(vl.n_traces, dtype=bool)
            extra = np.flatnonzero(~ends_in_do)
            counts = np.concatenate((counts, vl.counts[extra]))
        logs.append(from_segments(acts, seg, len(counts), counts))
    return logs

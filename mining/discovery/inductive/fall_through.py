"""Fall-throughs of the Inductive Miner: what it does when no cut holds.

In pm4py's order: an activity that occurs once per trace goes in parallel; an activity
whose removal lets a cut hold goes in parallel; a (strict) tau loop splits traces where
a start activity follows an end activity (or any start activity); else the flower model.
Each returns (operator, sub-logs) or None.
"""

from __future__ import annotations

import numpy as np

from taskloom.mining.discovery.inductive.cuts import find_cut
from taskloom.mining.discovery.inductive.varlog import VarLog, from_segments, log_dfg
from taskloom.mining.discovery.process_tree import Operator

Split = tuple[Operator, list[VarLog]]


def _apart(vl: VarLog, code: int) -> Split:
    """PARALLEL(the activity alone, everything else)."""
    is_a = vl.acts == code
    return Operator.PARALLEL, [vl.keep_events(is_a), vl.keep_events(~is_a)]


def once_per_trace(vl: VarLog) -> Split | None:
    """An activity occurring exactly once in every trace (the smallest such label)."""
    codes = vl.alphabet()
    if vl.n_traces == 0 or len(codes) == 0:
        return None
    local = np.searchsorted(codes, vl.acts)
    k = len(codes)
    tally = np.bincount(vl.trace_of * k + local, minlength=vl.n_traces * k)
    ok = np.flatnonzero((tally.reshape(vl.n_traces, k) == 1).all(axis=0))
    if len(ok) == 0:
        return None
    return _apart(vl, int(codes[ok[0]]))


def activity_concurrent(vl: VarLog) -> Split | None:
    """The first activity (by label) without which some cut holds."""
    for code in vl.alphabet().tolist():
        rest = vl.keep_events(vl.acts != code)
        if find_cut(log_dfg(rest)) is not None:
            return _apart(vl, code)
    return None


def _tau_split(vl: VarLog, strict: bool) -> Split | None:
    nonempty = vl.lengths > 0
    first = vl.starts[nonempty]
    last = first + vl.lengths[nonempty] - 1
    size = int(vl.acts.max()) + 1 if len(vl.acts) else 1
    is_start = np.zeros(size, dtype=bool)
    is_start[vl.acts[first]] = True
    is_end = np.zeros(size, dtype=bool)
    is_end[vl.acts[last]] = True
    cut = np.zeros(len(vl.acts), dtype=bool)
    if len(vl.acts) > 1:
        inner = vl.position[1:] > 0
        cut[1:] = inner & is_start[vl.acts[1:]]
        if strict:
            cut[1:] &= is_end[vl.acts[:-1]]
    pieces = np.bincount(vl.trace_of[cut], minlength=vl.n_traces) + 1
    if int((pieces * vl.counts).sum()) <= vl.total():
        return None
    new_piece = cut.copy()
    new_piece[vl.starts[nonempty]] = True
    seg = np.cumsum(new_piece) - 1
    n_pieces = int(new_piece.sum())
    counts = vl.counts[vl.trace_of[new_piece]]
    empties = vl.counts[~nonempty]
    proj = from_segments(vl.acts, seg, n_pieces, counts)
    proj = VarLog(proj.acts, np.concatenate((proj.lengths, np.zeros(len(empties), dtype=np.int64))),
                  np.concatenate((proj.counts, empties)))
    nothing = VarLog(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64),
                     np.zeros(0, dtype=np.int64))
    return Operator.LOOP, [proj, nothing]


def strict_tau_loop(vl: VarLog) -> Split | None:
    """Split traces where a start activity directly follows an end activity."""
    return _tau_split(vl, strict=True)


def tau_loop(vl: VarLog) -> Split | None:
    """Split traces before every start activity (except at the trace's beginning)."""
    return _tau_split(vl, strict=False)


def flower(vl: VarLog) -> Split:
    """LOOP(tau, every activity once): the model that allows anything."""
    codes = vl.alphabet()
    ones = np.ones(len(codes), dtype=np.int64)
    redo = VarLog(codes.astype(np.int64), ones, ones)
    nothing = VarLog(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64),
                     np.zeros(0, dtype=np.int64))
    return Operator.LOOP, [nothing, redo]


def fall_through(vl: VarLog) -> Split:
    """The first fall-through that applies (the flower always does)."""
    for ft in (once_per_trace, activity_concurrent, strict_tau_loop, tau_loop):
        got = ft(vl)
        if got is not None:
            return got
    return flower(vl)

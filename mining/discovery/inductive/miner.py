"""The Inductive Miner's recursion on logs: IM, and IMf with its noise threshold.

Per sub-log: empty traces (a skip, or noise to drop under IMf), the base cases (empty
log, one activity), a cut on the directly-follows graph (under IMf, if none holds, a
second try on the graph without its infrequent arcs), else a fall-through. The result
is folded and sorted as pm4py does, so the same log gives the same tree in both.
"""

from __future__ import annotations

import numpy as np

from taskloom.mining.discovery.inductive.cuts import find_cut
from taskloom.mining.discovery.inductive.fall_through import fall_through
from taskloom.mining.discovery.inductive.projection import (
    group_lookup,
    split_loop,
    split_parallel,
    split_sequence,
    split_xor,
)
from taskloom.mining.discovery.inductive.varlog import Dfg, VarLog, log_dfg
from taskloom.mining.discovery.process_tree import Operator, ProcessTree, leaf, node

OPERATOR = {"xor": Operator.XOR, "sequence": Operator.SEQUENCE,
            "parallel": Operator.PARALLEL, "loop": Operator.LOOP}


def filter_noise(dfg: Dfg, noise: float) -> Dfg:
    """IMf's graph filter: drop arcs below ``noise`` × the strongest way out of their source.

    The strongest way out counts the source's end count too; start activities below
    ``noise`` × the most frequent start are dropped; end activities are kept.
    """
    out_max = dfg.adj.max(axis=1, initial=0)
    has_out = (dfg.adj > 0).any(axis=1)
    out_max = np.where(has_out, np.maximum(out_max, np.where(dfg.end > 0, dfg.end, 0)), out_max)
    adj = np.where(dfg.adj > noise * out_max[:, None], dfg.adj, 0)
    start_max = dfg.start.max(initial=0)
    start = np.where(dfg.start >= start_max * noise, dfg.start, 0)
    return Dfg(dfg.codes, adj, start, dfg.end)


def _base_case(vl: VarLog, names: list[str]) -> ProcessTree | None:
    if vl.n_traces == 0:
        return leaf(None)
    if (vl.lengths > 1).any():
        return None
    if (vl.lengths == 0).all():
        return leaf(None)
    if (vl.lengths == 0).any() or len(np.unique(vl.acts)) != 1:
        return None
    return leaf(names[int(vl.acts[0])])


def _split(vl: VarLog, name: str, groups: list[list[int]], dfg: Dfg) -> list[VarLog]:
    size = int(max(vl.acts.max(initial=0), dfg.codes.max(initial=0))) + 1
    g = group_lookup(dfg.codes, groups, size)
    if name == "xor":
        return split_xor(vl, g, len(groups))
    if name == "sequence":
        return split_sequence(vl, g, len(groups))
    if name == "parallel":
        return split_parallel(vl, g, len(groups))
    return split_loop(vl, g)


class InductiveMiner:
    """IM (noise None) or IMf (noise in [0, 1]) over one log's activity names."""

    def __init__(self, names: list[str], noise: float | None) -> None:
        self.names = names
        self.noise = noise

    def mine(self, vl: VarLog) -> ProcessTree:
        """The (unfolded) tree of a sub-log."""
        empty = vl.lengths == 0
        if empty.any():
            rest = vl.keep_traces(~empty)
            if self.noise is None:
                if rest.n_traces == 0:
                    return leaf(None)
                return node(Operator.XOR, [leaf(None), self.mine(rest)])
            if rest.n_traces > 0:
                dropped = vl.total() - rest.total()
                if dropped > self.noise * vl.total():
                    return node(Operator.XOR, [leaf(None), self.mine(rest)])
                vl = rest
        base = _base_case(vl, self.names)
        if base is not None:
            return base
        dfg = log_dfg(vl)
        cut = find_cut(dfg)
        if cut is None and self.noise is not None:
            dfg = filter_noise(dfg, self.noise)
            cut = find_cut(dfg)
        if cut is not None:
            name, groups = cut
            return node(OPERATOR[name], [self.mine(s) for s in _split(vl, name, groups, dfg)])
        op, subs = fall_through(vl)
        return node(op, [self.mine(s) for s in subs])

"""IMd: the Inductive Miner on the directly-follows graph alone, for logs too large to split.

The log is read once into its DFG (start/end counts, arcs, whether some trace is
empty); cuts are found and applied on graphs only, so the cost no longer grows with
the number of events. The splits and their skip flags follow pm4py's IMd.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from taskloom.mining.discovery.inductive.cuts import find_cut
from taskloom.mining.discovery.inductive.miner import OPERATOR
from taskloom.mining.discovery.inductive.varlog import Dfg
from taskloom.mining.discovery.process_tree import Operator, ProcessTree, leaf, node


@dataclass(frozen=True)
class SkipDfg:
    """A DFG and whether the behaviour it stands for may be skipped entirely."""

    dfg: Dfg
    skip: bool = False


def _restrict(dfg: Dfg, members: list[int], start: np.ndarray | None = None,
              end: np.ndarray | None = None) -> Dfg:
    """The graph on ``members`` (arcs among them), with the given or the restricted start/end."""
    mask = np.zeros(dfg.k, dtype=bool)
    mask[members] = True
    adj = np.where(mask[:, None] & mask[None, :], dfg.adj, 0)
    s = np.where(mask, dfg.start, 0) if start is None else start
    e = np.where(mask, dfg.end, 0) if end is None else end
    return Dfg(dfg.codes, adj, s, e)


def _split_sequence(dfg: Dfg, groups: list[list[int]]) -> list[SkipDfg]:
    idx = np.full(dfg.k, -1, dtype=np.int64)
    for gi, g in enumerate(groups):
        idx[g] = gi
    n = len(groups)
    skippable = [False] * n
    out_dfgs = []
    for i, g in enumerate(groups):
        start = end = None
        if i > 0:
            prev = idx == i - 1
            start = np.where(idx == i, (dfg.adj * prev[:, None]).sum(axis=0), 0)
        else:
            for a in np.flatnonzero((dfg.start > 0) & (idx != 0)).tolist():
                for j in range(0, idx[a]):
                    skippable[j] = True
        if i < n - 1:
            nxt = idx == i + 1
            end = np.where(idx == i, (dfg.adj * nxt[None, :]).sum(axis=1), 0)
        else:
            for a in np.flatnonzero((dfg.end > 0) & (idx != n - 1)).tolist():
                for j in range(idx[a] + 1, n):
                    skippable[j] = True
        out_dfgs.append(_restrict(dfg, g, start, end))
    for a, b in zip(*np.nonzero(dfg.edges), strict=True):
        for j in range(idx[a] + 1, idx[b]):
            skippable[j] = True
    return [SkipDfg(d, s) for d, s in zip(out_dfgs, skippable, strict=True)]


def _split_loop(dfg: Dfg, groups: list[list[int]]) -> list[SkipDfg]:
    do, redo = groups
    start, end = dfg.start > 0, dfg.end > 0
    redo_skip = bool(dfg.edges[np.ix_(end, start)].any())
    do_mask = np.zeros(dfg.k, dtype=bool)
    do_mask[do] = True
    do_skip = bool((start & ~do_mask).any() or (end & ~do_mask).any())
    ones = np.zeros(dfg.k, dtype=np.int64)
    ones[redo] = 1
    return [SkipDfg(_restrict(dfg, do), do_skip),
            SkipDfg(_restrict(dfg, redo, ones, ones), redo_skip)]


def _split(dfg: Dfg, name: str, groups: list[list[int]]) -> list[SkipDfg]:
    if name == "sequence":
        return _split_sequence(dfg, groups)
    if name == "loop":
        return _split_loop(dfg, groups)
    return [SkipDfg(_restrict(dfg, g)) for g in groups]


def mine_dfg(sd: SkipDfg, names: list[str]) -> ProcessTree:
    """The (unfolded) tree of a DFG with its skip flag."""
    dfg = sd.dfg
    if sd.skip:
        if dfg.is_empty():
            return leaf(None)
        return node(Operator.XOR, [leaf(None), mine_dfg(SkipDfg(dfg), names)])
    if dfg.is_empty():
        return leaf(None)
    acts = np.flatnonzero(dfg.vertex)
    if not dfg.edges.any() and len(np.flatnonzero((dfg.start > 0) | (dfg.end > 0))) == 1:
        return leaf(names[int(dfg.codes[acts[0]])])
    cut = find_cut(dfg)
    if cut is not None:
        name, groups = cut
        return node(OPERATOR[name], [mine_dfg(s, names) for s in _split(dfg, name, groups)])
    ones = np.zeros(dfg.k, dtype=np.int64)
    ones[acts] = 1
    flower = Dfg(dfg.codes, np.zeros_like(dfg.adj), ones, ones)
    empty = Dfg(dfg.codes, np.zeros_like(dfg.adj), np.zeros_like(ones), np.zeros_like(ones))
    return node(Operator.LOOP, [mine_dfg(SkipDfg(empty), names),
                                mine_dfg(SkipDfg(flower), names)])

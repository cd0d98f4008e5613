"""Cut detection of the Inductive Miner on a directly-follows graph.

Each function takes a ``Dfg`` and returns the cut's groups (lists of local activity
indices, in child order) or None. They follow Leemans' definitions as pm4py 2.7
implements them (exclusive choice, strict sequence, concurrency, loop with one redo
group), including pm4py's tie-breaks, so both libraries find the same tree.
"""

from __future__ import annotations

import numpy as np

from taskloom.mining.discovery.inductive.varlog import Dfg

Groups = list[list[int]]


def components(nodes: list[int], linked: np.ndarray) -> Groups:
    """Connected components of the symmetric relation ``linked`` over ``nodes``.

    Components are ordered by their smallest node, members ascending.
    """
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import connected_components

    if not nodes:
        return []
    idx = np.asarray(sorted(nodes))
    _, label = connected_components(csr_matrix(linked[np.ix_(idx, idx)]), directed=False)
    groups: dict[int, list[int]] = {}
    for node, lab in zip(idx.tolist(), label.tolist(), strict=True):
        groups.setdefault(lab, []).append(node)
    return sorted(groups.values(), key=lambda g: g[0])


def closure(edges: np.ndarray) -> np.ndarray:
    """reach[a, b]: b is reachable from a by one or more arcs."""
    reach = edges.copy()
    for m in range(len(reach)):
        reach |= reach[:, m:m + 1] & reach[m:m + 1, :]
    return reach


def xor_cut(dfg: Dfg) -> Groups | None:
    """Exclusive choice: the connected components of the undirected graph."""
    nodes = np.flatnonzero(dfg.vertex).tolist()
    comps = components(nodes, dfg.edges | dfg.edges.T)
    if len(comps) <= 1:
        return None
    return sorted(comps)


def sequence_cut(dfg: Dfg) -> Groups | None:
    """Sequence: merge pairwise reachable and pairwise unreachable activities, then order.

    Groups are ordered by their members' mean of (#predecessors + #non-successors):
    for a proper cut this is the group's position, whichever member one looks at.
    """
    nodes = np.flatnonzero(dfg.vertex).tolist()
    if not nodes:
        return None
    reach = closure(dfg.edges)
    np.fill_diagonal(reach, False)
    both = reach & reach.T
    neither = ~reach & ~reach.T
    comps = components(nodes, both | neither)
    if len(comps) <= 1:
        return None
    sub = np.ix_(nodes, nodes)
    preds = np.zeros(dfg.k)
    succs = np.zeros(dfg.k)
    preds[nodes] = reach[sub].sum(axis=0)
    succs[nodes] = reach[sub].sum(axis=1)
    key = preds + (len(nodes) - succs)
    return sorted(comps, key=lambda g: (float(np.mean(key[g])), g))


def _skippable(p: int, edges: np.ndarray, start: set[int], end: set[int],
               groups: list[set[int]]) -> bool:
    for i in range(p):
        for j in range(p + 1, len(groups)):
            if any(edges[a, b] for a in groups[i] for b in groups[j]):
                return True
    if any(a in start for g in groups[p + 1:] for a in g):
        return True
    return any(a in end for g in groups[:p] for a in g)


def strict_sequence_cut(dfg: Dfg) -> Groups | None:
    """Sequence cut whose skippable groups are merged with their neighbours (Leemans p. 233)."""
    cut = sequence_cut(dfg)
    if cut is None:
        return None
    start = set(np.flatnonzero(dfg.start > 0).tolist())
    end = set(np.flatnonzero(dfg.end > 0).tolist())
    big = 1 << 62
    c = [set(g) for g in cut]
    mf = [-big if g & start else big for g in c]
    mt = [big if g & end else -big for g in c]
    cmap = {a: i for i, g in enumerate(c) for a in g}
    for a, b in zip(*np.nonzero(dfg.edges), strict=True):
        mf[cmap[b]] = min(mf[cmap[b]], cmap[a])
        mt[cmap[a]] = max(mt[cmap[a]], cmap[b])
    for p in range(len(c)):
        if _skippable(p, dfg.edges, start, end, c):
            q = p - 1
            while q >= 0 and mt[q] <= p:
                c[p] |= c[q]
                c[q] = set()
                q -= 1
            q = p + 1
            while q < len(mf) and mf[q] >= p:
                c[p] |= c[q]
                c[q] = set()
                q += 1
    return [sorted(g) for g in c if g]


def concurrency_cut(dfg: Dfg) -> Groups | None:
    """Parallel: groups fully connected both ways; each group needs a start and an end."""
    nodes = np.flatnonzero(dfg.vertex).tolist()
    if not nodes:
        return None
    e = dfg.edges
    comps = components(nodes, ~(e & e.T))
    groups = [set(g) for g in sorted(comps, key=len)]
    start = set(np.flatnonzero(dfg.start > 0).tolist())
    end = set(np.flatnonzero(dfg.end > 0).tolist())
    i = 0
    while i < len(groups) and len(groups) > 1:
        if groups[i] & start and groups[i] & end:
            i += 1
            continue
        group = groups.pop(i)
        groups[0 if i == 0 else i - 1] |= group
    return [sorted(g) for g in groups] if len(groups) > 1 else None


def loop_cut(dfg: Dfg) -> Groups | None:
    """Loop: [do, redo]; do holds the start and end activities, redo the parts between."""
    e = dfg.edges
    if not e.any():
        return None
    start = dfg.start > 0
    end = dfg.end > 0
    boundary = start | end
    inner = np.flatnonzero(dfg.vertex & ~boundary).tolist()
    inner_edges = e & ~boundary[:, None] & ~boundary[None, :]
    comps = components(inner, inner_edges | inner_edges.T)
    redo = []
    start_only = start & ~end
    end_only = end & ~start
    succ_of_start = np.asarray(e[start_only].any(axis=0))
    pred_of_end = np.asarray(e[:, end_only].any(axis=1))
    to_start = e[:, start]
    from_end = e[end, :]
    for comp in comps:
        if succ_of_start[comp].any() or pred_of_end[comp].any():
            continue
        partial_start = any(to_start[a].any() and not to_start[a].all() for a in comp)
        partial_end = any(from_end[:, a].any() and not from_end[:, a].all() for a in comp)
        if partial_start or partial_end:
            continue
        redo.extend(comp)
    if not redo:
        return None
    do = sorted(set(np.flatnonzero(boundary).tolist()) | (set(inner) - set(redo)))
    return [do, sorted(redo)]


CUTS = (xor_cut, strict_sequence_cut, concurrency_cut, loop_cut)


def find_cut(dfg: Dfg) -> tuple[str, Groups] | None:
    """The first cut that holds, in pm4py's order: choice, sequence, parallel, loop."""
    for name, cut in zip(("xor", "sequence", "parallel", "loop"), CUTS, strict=True):
        groups = cut(dfg)
        if groups is not None:
            return name, groups
    return None

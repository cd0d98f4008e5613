"""Disco/Apromore-style abstraction of a DFG: the nodes and arcs sliders.

Works on the DFG value only (never the log) so a slider change costs well under a
millisecond at the sizes a map can show. Nodes: keep the top X% by frequency (or
cases). Arcs: keep the top Y% of the arcs among kept nodes, then add back the strongest
arcs needed so that every kept node is reachable from the start and reaches the end
(as far as the arcs among kept nodes allow).
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Iterable

import numpy as np

from taskloom.mining.dfg_model import DFG

BY = ("frequency", "cases")


def _top_count(pct: float, n: int) -> int:
    """How many of n items X% keeps: at least one when n > 0 and pct > 0."""
    if n == 0 or pct <= 0:
        return 0
    return min(n, max(1, math.ceil(n * min(pct, 100.0) / 100.0 - 1e-9)))


def _reach(sources: Iterable[int], adj: dict[int, list[int]]) -> set[int]:
    seen = set(sources)
    stack = list(seen)
    while stack:
        u = stack.pop()
        for v in adj.get(u, ()):
            if v not in seen:
                seen.add(v)
                stack.append(v)
    return seen


def _connect(kept: np.ndarray, src: np.ndarray, tgt: np.ndarray, weight: np.ndarray,
             roots: set[int]) -> None:
    """Add strongest arcs (Prim-like, in place on `kept`) until all reachable nodes from
    `roots` along all arcs are reached along kept arcs."""
    adj_all: dict[int, list[int]] = {}
    out_arcs: dict[int, list[int]] = {}
    for i, (u, v) in enumerate(zip(src.tolist(), tgt.tolist(), strict=True)):
        adj_all.setdefault(u, []).append(v)
        out_arcs.setdefault(u, []).append(i)
    target = _reach(roots, adj_all)
    kept_adj: dict[int, list[int]] = {}
    for i in np.flatnonzero(kept).tolist():
        kept_adj.setdefault(int(src[i]), []).append(int(tgt[i]))
    reached = _reach(roots, kept_adj)
    heap: list[tuple[float, int]] = []
    for u in reached:
        for i in out_arcs.get(u, ()):
            heapq.heappush(heap, (-float(weight[i]), i))
    while heap and len(reached) < len(target):
        _, i = heapq.heappop(heap)
        v = int(tgt[i])
        if v in reached:
            continue
        kept[i] = True
        newly = _reach([v], kept_adj) - reached
        newly.add(v)
        reached |= newly
        for u in newly:
            for j in out_arcs.get(u, ()):
                if tgt[j] not in reached:
                    heapq.heappush(heap, (-float(weight[j]), j))


def abstract_dfg(dfg: DFG, nodes_pct: float = 100.0, arcs_pct: float = 100.0,
                 by: str = "frequency") -> DFG:
    """Keep the top `nodes_pct`% nodes and `arcs_pct`% arcs by `by` (frequency|cases)."""
    if by not in BY:
        raise ValueError(f"abstraction by {by!r}: use one of {', '.join(BY)}")
    nodes = dfg.nodes
    metric = nodes[by].to_numpy()
    node_names = np.asarray(nodes.index, dtype=object)
    # Highest first; ties by name so the result does not depend on row order.
    node_rank = np.lexsort((node_names.astype(str), -metric))
    keep_pos = np.sort(node_rank[:_top_count(nodes_pct, len(nodes))])
    keep_nodes = set(node_names[keep_pos].tolist())
    new_nodes = nodes.iloc[keep_pos]
    code = {name: i for i, name in enumerate(node_names.tolist())}
    keep_mask = np.zeros(len(nodes), dtype=bool)
    keep_mask[keep_pos] = True
    edges = dfg.edges
    s = np.fromiter((code.get(x, -1) for x in edges["source"].tolist()), dtype=np.int64, count=len(edges))
    t = np.fromiter((code.get(x, -1) for x in edges["target"].tolist()), dtype=np.int64, count=len(edges))
    ok = (s >= 0) & (t >= 0)
    ok[ok] = keep_mask[s[ok]] & keep_mask[t[ok]]
    among_pos = np.flatnonzero(ok)
    s, t = s[among_pos], t[among_pos]
    start = {k: v for k, v in dfg.start.items() if k in keep_nodes}
    end = {k: v for k, v in dfg.end.items() if k in keep_nodes}
    w = edges[by].to_numpy(dtype=float)[among_pos]
    kept = np.zeros(len(w), dtype=bool)
    if len(w):
        rank = np.lexsort((np.arange(len(w)), -w))
        kept[rank[:_top_count(arcs_pct, len(w))]] = True
        if arcs_pct < 100:
            _connect(kept, s, t, w, {code[k] for k in start})
            _connect(kept, t, s, w, {code[k] for k in end})  # reversed graph: reach the end
    new_edges = edges.iloc[among_pos[kept]].reset_index(drop=True)
    return DFG(dfg.perspective, new_nodes, new_edges, start, end, dfg.total_cases)

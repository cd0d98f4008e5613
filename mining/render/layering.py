"""Sugiyama steps 1–2: cycle removal and layer assignment, then dummy nodes for long arcs.

Vertices are ints. Cycle removal is a DFS from the start vertex taking the heaviest
arcs first, so the main flow points forward and only back-jumps (rework loops) are
reversed. Layers are longest paths from the start; the end vertex gets its own last
layer, the start vertex its own first one.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass


def feedback_arcs(n: int, arcs: list[tuple[int, int, float]], start: int) -> set[int]:
    """Indices of arcs to reverse so the graph becomes acyclic (DFS back arcs).

    Children are visited heaviest arc first, roots are the start vertex then the rest
    in index order; self-loops must be left out by the caller.
    """
    out: list[list[tuple[float, int, int]]] = [[] for _ in range(n)]
    for i, (u, v, w) in enumerate(arcs):
        out[u].append((-w, v, i))
    for lst in out:
        lst.sort()
    state = [0] * n  # 0 new, 1 on stack, 2 done
    back: set[int] = set()
    roots = [start] + [v for v in range(n) if v != start]
    for root in roots:
        if state[root]:
            continue
        state[root] = 1
        stack: list[tuple[int, int]] = [(root, 0)]
        while stack:
            u, k = stack[-1]
            if k < len(out[u]):
                stack[-1] = (u, k + 1)
                _, v, i = out[u][k]
                if state[v] == 1:
                    back.add(i)
                elif state[v] == 0:
                    state[v] = 1
                    stack.append((v, 0))
            else:
                state[u] = 2
                stack.pop()
    return back


def longest_path_layers(n: int, dag: list[tuple[int, int]], start: int, end: int) -> list[int]:
    """Layer of each vertex: start at 0, others ≥ 1 along longest paths, end alone last."""
    indeg = [0] * n
    succ: list[list[int]] = [[] for _ in range(n)]
    for u, v in dag:
        succ[u].append(v)
        indeg[v] += 1
    layer = [1] * n
    layer[start] = 0
    queue = [v for v in range(n) if indeg[v] == 0]
    head = 0
    while head < len(queue):
        u = queue[head]
        head += 1
        for v in succ[u]:
            if layer[u] + 1 > layer[v]:
                layer[v] = layer[u] + 1
            indeg[v] -= 1
            if indeg[v] == 0:
                queue.append(v)
    others = [layer[v] for v in range(n) if v not in (start, end)]
    layer[end] = (max(others) if others else 0) + 1
    return layer


def pull_down(layer: list[int], dag: list[tuple[int, int]], fixed: set[int]) -> list[int]:
    """Move each vertex without predecessors-constraint slack down towards its successors.

    Longest-path layering leaves sources (e.g. an activity only reached from start)
    at the top; placing a vertex just above its nearest successor shortens arcs.
    """
    succ_min: dict[int, int] = {}
    has_pred: set[int] = set()
    for u, v in dag:
        succ_min[u] = min(succ_min.get(u, 1 << 30), layer[v])
        has_pred.add(v)
    new = list(layer)
    for u, lowest in succ_min.items():
        if u in fixed or u in has_pred:
            continue
        if lowest - 1 > new[u]:
            new[u] = lowest - 1
    return new


@dataclass
class Layered:
    """A proper layered graph: every segment joins adjacent layers.

    layers: vertex ids per layer (real vertices are 0..n_real-1, dummies after).
    segments: (upper, lower) pairs between adjacent layers.
    chains: per DAG arc, the vertex sequence from its upper to its lower end.
    rank: layer of every vertex (real and dummy).
    """

    n_real: int
    layers: list[list[int]]
    segments: list[tuple[int, int]]
    chains: list[list[int]]
    rank: list[int]


def add_dummies(n: int, dag: list[tuple[int, int]], layer: list[int]) -> Layered:
    """Split arcs spanning several layers with one dummy vertex per crossed layer."""
    rank = list(layer)
    segments: list[tuple[int, int]] = []
    chains: list[list[int]] = []
    for u, v in dag:
        chain = [u]
        for r in range(layer[u] + 1, layer[v]):
            d = len(rank)
            rank.append(r)
            chain.append(d)
        chain.append(v)
        segments.extend(itertools.pairwise(chain))
        chains.append(chain)
    depth = max(rank) + 1 if rank else 0
    layers: list[list[int]] = [[] for _ in range(depth)]
    for vtx, r in enumerate(rank):
        layers[r].append(vtx)
    return Layered(n, layers, segments, chains, rank)


def balance(layer: list[int], dag: list[tuple[int, int]], fixed: set[int],
            n_real: int) -> list[int]:
    """Move vertices with slack to the least crowded layer they may occupy.

    Longest-path layering piles vertices that lead straight to the end into one wide
    layer (a hub with many leaves: resource maps); spreading them over the layers
    their arcs allow gives a map that is not a single very wide row. Vertices are
    taken in index order (heaviest first) and stay between their predecessors and
    successors, so every arc still points down.
    """
    preds: list[list[int]] = [[] for _ in layer]
    succs: list[list[int]] = [[] for _ in layer]
    for u, v in dag:
        succs[u].append(v)
        preds[v].append(u)
    new = list(layer)
    depth = max(new, default=0) + 1
    count = [0] * depth
    for v in range(n_real):
        count[new[v]] += 1
    for v in range(n_real):
        if v in fixed:
            continue
        lo = max((new[u] + 1 for u in preds[v]), default=1)
        hi = min((new[w] - 1 for w in succs[v]), default=depth - 2)
        if hi <= lo:
            continue
        best = min(range(lo, hi + 1), key=lambda r: (count[r], abs(r - new[v])))
        if count[best] + 1 < count[new[v]]:
            count[new[v]] -= 1
            count[best] += 1
            new[v] = best
    return new

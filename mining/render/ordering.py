"""Sugiyama step 3: order vertices within layers to reduce arc crossings.

Layer-by-layer barycenter sweeps, alternately down and up, keeping the best order
seen (fewest crossings, counted exactly between adjacent layers with numpy).
"""

from __future__ import annotations

import numpy as np

from taskloom.mining.render.layering import Layered


def _neighbours(lg: Layered) -> tuple[list[list[int]], list[list[int]]]:
    n = len(lg.rank)
    up: list[list[int]] = [[] for _ in range(n)]
    down: list[list[int]] = [[] for _ in range(n)]
    for a, b in lg.segments:
        down[a].append(b)
        up[b].append(a)
    return up, down


def count_crossings(layers: list[list[int]], segments_by_layer: list[np.ndarray]) -> int:
    """Crossings between adjacent layers: pairs of segments whose ends swap order."""
    pos = {}
    for lay in layers:
        for i, v in enumerate(lay):
            pos[v] = i
    total = 0
    for segs in segments_by_layer:
        if len(segs) < 2:
            continue
        a = np.fromiter((pos[u] for u in segs[:, 0].tolist()), dtype=np.int32, count=len(segs))
        b = np.fromiter((pos[v] for v in segs[:, 1].tolist()), dtype=np.int32, count=len(segs))
        total += int(np.count_nonzero((a[:, None] < a[None, :]) & (b[:, None] > b[None, :])))
    return total


def _sweep(layers: list[list[int]], nbrs: list[list[int]], order: range) -> None:
    pos: dict[int, float] = {}
    for lay in layers:
        for i, v in enumerate(lay):
            pos[v] = float(i)
    for r in order:
        lay = layers[r]
        keys = []
        for i, v in enumerate(lay):
            ns = nbrs[v]
            bc = sum(pos[u] for u in ns) / len(ns) if ns else float(i)
            keys.append((bc, i, v))
        keys.sort()
        layers[r] = [v for _, _, v in keys]
        for i, v in enumerate(layers[r]):
            pos[v] = float(i)


def order_layers(lg: Layered, iterations: int = 6) -> list[list[int]]:
    """Layers reordered by barycenter sweeps; the order with fewest crossings wins."""
    up, down = _neighbours(lg)
    layers = [list(lay) for lay in lg.layers]
    by_layer: list[list[tuple[int, int]]] = [[] for _ in range(max(len(layers) - 1, 0))]
    for a, b in lg.segments:
        by_layer[lg.rank[a]].append((a, b))
    segs = [np.asarray(s, dtype=np.int64).reshape(-1, 2) for s in by_layer]
    depth = len(layers)
    _sweep(layers, up, range(1, depth))
    best = [list(lay) for lay in layers]
    best_c = count_crossings(layers, segs)
    for it in range(iterations):
        if best_c == 0:
            break
        if it % 2 == 0:
            _sweep(layers, down, range(depth - 2, -1, -1))
        else:
            _sweep(layers, up, range(1, depth))
        c = count_crossings(layers, segs)
        if c < best_c:
            best_c = c
            best = [list(lay) for lay in layers]
    return best

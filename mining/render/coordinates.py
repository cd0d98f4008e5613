"""Sugiyama step 4: positions along each layer — compact, with arcs as straight as possible.

Each layer is placed by weighted least squares towards its neighbours' positions under
minimum-separation constraints, solved exactly by pool-adjacent-violators (isotonic
regression). Down, up and two-sided sweeps repeat a few times.
"""

from __future__ import annotations

import itertools


def _pava(target: list[float], weight: list[float]) -> list[float]:
    """Non-decreasing y minimising Σ w·(y − target)² (pool adjacent violators)."""
    blocks: list[list[float]] = []  # [mean, weight, count]
    for t, w in zip(target, weight, strict=True):
        blocks.append([t, w, 1.0])
        while len(blocks) > 1 and blocks[-2][0] > blocks[-1][0]:
            m2, w2, c2 = blocks.pop()
            m1, w1, c1 = blocks[-1]
            ws = w1 + w2
            blocks[-1] = [(m1 * w1 + m2 * w2) / ws, ws, c1 + c2]
    out: list[float] = []
    for m, _, c in blocks:
        out.extend([m] * int(c))
    return out


def place_layer(desired: list[float], sizes: list[float], gaps: list[float],
                weight: list[float]) -> list[float]:
    """Centres closest to `desired` (in order) keeping neighbours i, i+1 `gaps[i]` apart."""
    offsets = [0.0]
    for i in range(1, len(sizes)):
        offsets.append(offsets[-1] + (sizes[i - 1] + sizes[i]) / 2 + gaps[i - 1])
    ys = _pava([d - o for d, o in zip(desired, offsets, strict=True)], weight)
    return [y + o for y, o in zip(ys, offsets, strict=True)]


def assign_positions(layers: list[list[int]], size: list[float], up: list[list[int]],
                     down: list[list[int]], gap: float, dummy_from: int,
                     iterations: int = 3) -> list[float]:
    """Coordinate along the layer for every vertex (leftmost box edge at 0).

    Boxes keep `gap` apart; long arcs (dummies) may run closer, a quarter of it
    between two arcs and half of it beside a box, so bundles of long arcs stay narrow.
    """
    pos = [0.0] * len(size)
    layer_gaps: list[list[float]] = []
    for lay in layers:
        gs = []
        for a, b in itertools.pairwise(lay):
            dummies = (a >= dummy_from) + (b >= dummy_from)
            gs.append(gap if dummies == 0 else gap / 2 if dummies == 1 else gap / 4)
        layer_gaps.append(gs)
    extent = [sum(size[v] for v in lay) + sum(gs) for lay, gs in zip(layers, layer_gaps, strict=True)]
    widest = max(extent, default=0.0)
    for lay, gs, ext in zip(layers, layer_gaps, extent, strict=True):
        x = (widest - ext) / 2
        for i, v in enumerate(lay):
            pos[v] = x + size[v] / 2
            x += size[v] + (gs[i] if i < len(gs) else 0.0)

    def sweep(order: range, nbr_sets: tuple[list[list[int]], ...]) -> None:
        for r in order:
            lay = layers[r]
            desired, weight = [], []
            for v in lay:
                ns = [u for nb in nbr_sets for u in nb[v]]
                desired.append(sum(pos[u] for u in ns) / len(ns) if ns else pos[v])
                # Dummies pull harder so long arcs run straight; unconnected barely pull.
                weight.append((4.0 if v >= dummy_from else 1.0) * max(len(ns), 0.2))
            for v, p in zip(lay, place_layer(desired, [size[v] for v in lay], layer_gaps[r], weight),
                            strict=True):
                pos[v] = p

    depth = len(layers)
    for _ in range(iterations):
        sweep(range(1, depth), (up,))
        sweep(range(depth - 2, -1, -1), (down,))
    sweep(range(depth), (up, down))
    lo = min((pos[v] - size[v] / 2 for lay in layers for v in lay), default=0.0)
    return [p - lo for p in pos]

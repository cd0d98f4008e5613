"""Layered layout of any directed graph with sized nodes (BPMN diagrams, Petri nets).

The same Sugiyama steps as the process maps (``layering``, ``ordering``, ``coordinates``):
cycles broken from the start node, longest-path layers with the end node last, barycentre
ordering, least-squares positions; then each edge is routed orthogonally through its
dummy nodes. Coordinates are SVG / BPMN-DI user units, origin top left.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from taskloom.mining.render.coordinates import assign_positions
from taskloom.mining.render.layering import (
    add_dummies,
    balance,
    feedback_arcs,
    longest_path_layers,
    pull_down,
)
from taskloom.mining.render.ordering import order_layers

Point = tuple[float, float]
MARGIN = 30.0
DUMMY = 10.0


@dataclass(frozen=True)
class Box:
    """A node's centre (x, y) and size (w, h)."""

    id: str
    x: float
    y: float
    w: float
    h: float

    @property
    def left(self) -> float:
        return self.x - self.w / 2

    @property
    def top(self) -> float:
        return self.y - self.h / 2


@dataclass(frozen=True)
class Route:
    """An edge drawn from `source` to `target` as a polyline (first point on the source's border)."""

    source: str
    target: str
    points: tuple[Point, ...]
    reversed: bool


@dataclass(frozen=True)
class GraphLayout:
    """Boxes by node id, one route per edge (in input order), canvas size."""

    boxes: dict[str, Box]
    routes: tuple[Route, ...]
    width: float
    height: float
    direction: str


def _orthogonal(points: list[Point], lr: bool) -> list[Point]:
    """Bend each segment at its middle so every piece is horizontal or vertical."""
    out = [points[0]]
    for (x0, y0), (x1, y1) in itertools.pairwise(points):
        if lr and y0 != y1:
            mx = (x0 + x1) / 2
            out += [(mx, y0), (mx, y1)]
        elif not lr and x0 != x1:
            my = (y0 + y1) / 2
            out += [(x0, my), (x1, my)]
        out.append((x1, y1))
    return out


def layout_graph(nodes: list[tuple[str, float, float]], edges: list[tuple[str, str]],
                 start: str, end: str, direction: str = "LR", rank_gap: float = 60.0,
                 order_gap: float = 30.0) -> GraphLayout:
    """Lay out nodes (id, width, height) and edges, `start` first and `end` last."""
    lr = direction == "LR"
    vid = {nid: i for i, (nid, _, _) in enumerate(nodes)}
    n = len(nodes)
    arcs = [(vid[a], vid[b], 1.0) for a, b in edges if a != b]
    kept = [(a, b) for a, b in edges if a != b]
    back = feedback_arcs(n, arcs, vid[start])
    dag = [(v, u) if i in back else (u, v) for i, (u, v, _) in enumerate(arcs)]
    layer = longest_path_layers(n, dag, vid[start], vid[end])
    layer = pull_down(layer, dag, {vid[start], vid[end]})
    layer = balance(layer, dag, {vid[start], vid[end]}, n)
    lg = add_dummies(n, dag, layer)
    layers = order_layers(lg)
    along_size = [(h if lr else w) for _, w, h in nodes] + [DUMMY] * (len(lg.rank) - n)
    across_size = [(w if lr else h) for _, w, h in nodes] + [0.0] * (len(lg.rank) - n)
    up: list[list[int]] = [[] for _ in lg.rank]
    down: list[list[int]] = [[] for _ in lg.rank]
    for a, b in lg.segments:
        down[a].append(b)
        up[b].append(a)
    along = [MARGIN + p for p in assign_positions(layers, along_size, up, down, order_gap, n)]
    thick = [max((across_size[v] for v in lay), default=0.0) for lay in layers]
    centre, pos = [], MARGIN
    for t in thick:
        centre.append(pos + t / 2)
        pos += t + rank_gap
    rank_c = [centre[r] for r in lg.rank]

    def xy(a: float, r: float) -> Point:
        return (r, a) if lr else (a, r)

    boxes = {}
    for (nid, w, h), v in zip(nodes, range(n), strict=True):
        x, y = xy(along[v], rank_c[v])
        boxes[nid] = Box(nid, x, y, w, h)
    routes = []
    for i, chain in enumerate(lg.chains):
        pts = [xy(along[chain[0]], rank_c[chain[0]] + across_size[chain[0]] / 2)]
        pts += [xy(along[v], rank_c[v]) for v in chain[1:-1]]
        pts.append(xy(along[chain[-1]], rank_c[chain[-1]] - across_size[chain[-1]] / 2))
        pts = _orthogonal(pts, lr)
        rev = i in back
        src, tgt = kept[i]
        routes.append(Route(src, tgt, tuple(reversed(pts)) if rev else tuple(pts), rev))
    extent_along = max((along[v] + along_size[v] / 2 for v in range(len(along))), default=0.0)
    w, h = xy(extent_along + MARGIN, pos - rank_gap + MARGIN)
    return GraphLayout(boxes, tuple(routes), w, h, direction)

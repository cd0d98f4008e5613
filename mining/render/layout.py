"""Layered layout of a DFG: where every node box and every arc goes, in SVG user units.

Runs the Sugiyama pipeline (layering → ordering → coordinates) on the DFG plus its
start and end nodes and turns dummy chains into smooth cubic Bézier paths with ports
spread along the node sides. The result is a plain value the SVG writer and the web
console share; layouts are cached by graph structure so re-rendering the same
abstraction (e.g. a new overlay) costs no layout time.
"""

from __future__ import annotations

import itertools
import logging
from collections import OrderedDict
from dataclasses import dataclass

from taskloom.mining.dfg_model import DFG
from taskloom.mining.render.coordinates import assign_positions
from taskloom.mining.render.layering import (
    Layered,
    add_dummies,
    balance,
    feedback_arcs,
    longest_path_layers,
    pull_down,
)
from taskloom.mining.render.ordering import order_layers

log = logging.getLogger(__name__)

Point = tuple[float, float]
Bezier = tuple[Point, Point, Point, Point]

DIRECTIONS = ("TB", "LR")
NODE_W, NODE_H = 176.0, 48.0
TERMINAL = 30.0           # start circle / end square
DUMMY = 8.0               # room a long arc takes up where it crosses a layer
LOOP = 46.0               # room a self-loop and its label take beside a node
MARGIN = 24.0
# Gaps between layers leave room for arc labels.
RANK_GAP = {"TB": 70.0, "LR": 110.0}
ORDER_GAP = {"TB": 34.0, "LR": 22.0}


@dataclass(frozen=True)
class NodeBox:
    """A node's box: centre (x, y), size (w, h), layer. kind: activity, start or end."""

    name: str
    kind: str
    x: float
    y: float
    w: float
    h: float
    layer: int


@dataclass(frozen=True)
class ArcPath:
    """An arc drawn from source to target (None = the start / end node).

    beziers: the cubic segments in drawing order (through dummy positions for long
    arcs); reversed: the arc points against the layering (a rework loop);
    self_loop: source == target.
    """

    source: str | None
    target: str | None
    beziers: tuple[Bezier, ...]
    reversed: bool
    self_loop: bool

    @property
    def d(self) -> str:
        """The SVG path data."""
        if not self.beziers:
            return ""
        (x0, y0) = self.beziers[0][0]
        parts = [f"M{x0:.1f},{y0:.1f}"]
        for _, c1, c2, p in self.beziers:
            parts.append(f"C{c1[0]:.1f},{c1[1]:.1f} {c2[0]:.1f},{c2[1]:.1f} {p[0]:.1f},{p[1]:.1f}")
        return "".join(parts)

    def point_at(self, t: float) -> Point:
        """A point along the middle segment at parameter t (t=0.5: its midpoint)."""
        p0, p1, p2, p3 = self.beziers[(len(self.beziers) - 1) // 2]
        s = 1 - t
        a, b, c, d = s * s * s, 3 * s * s * t, 3 * s * t * t, t * t * t
        return (a * p0[0] + b * p1[0] + c * p2[0] + d * p3[0],
                a * p0[1] + b * p1[1] + c * p2[1] + d * p3[1])


@dataclass(frozen=True)
class Layout:
    """Positions of a whole map: activity boxes by name, start/end, arcs, canvas size."""

    direction: str
    nodes: dict[str, NodeBox]
    start: NodeBox
    end: NodeBox
    arcs: tuple[ArcPath, ...]
    width: float
    height: float


_CACHE: OrderedDict[tuple[object, ...], Layout] = OrderedDict()
_CACHE_SIZE = 64


def layout_dfg(dfg: DFG, direction: str = "TB") -> Layout:
    """Lay out `dfg` top-to-bottom ("TB", start on top) or left-to-right ("LR")."""
    if direction not in DIRECTIONS:
        raise ValueError(f"direction {direction!r}: use TB or LR")
    names = [str(x) for x in dfg.nodes.index]
    freq = dfg.nodes["frequency"].to_numpy().tolist() if len(names) else []
    known = set(names)
    e = dfg.edges
    arcs = [(str(s), str(t), float(f)) for s, t, f in
            zip(e["source"].tolist(), e["target"].tolist(), e["frequency"].tolist(), strict=True)
            if str(s) in known and str(t) in known]
    start = tuple(sorted((str(k), float(v)) for k, v in dfg.start.items() if str(k) in known))
    end = tuple(sorted((str(k), float(v)) for k, v in dfg.end.items() if str(k) in known))
    key = (direction, tuple(zip(names, freq, strict=True)), tuple(arcs), start, end)
    hit = _CACHE.get(key)
    if hit is not None:
        _CACHE.move_to_end(key)
        return hit
    result = _layout(direction, names, freq, arcs, start, end)
    _CACHE[key] = result
    if len(_CACHE) > _CACHE_SIZE:
        _CACHE.popitem(last=False)
    return result


@dataclass(frozen=True)
class _Graph:
    """The DFG as numbered vertices: activities heaviest first, then start and end."""

    label: list[str]                        # activity name per vertex < n_act
    vid: dict[str, int]
    arcs: list[tuple[int, int, float]]      # every arc but self-loops, with start/end arcs
    ends: list[tuple[str | None, str | None]]  # (source, target) names per arc (None: start/end)
    loops: list[str]                        # activities with a self-loop

    @property
    def n_act(self) -> int:
        return len(self.label)


def _graph(names: list[str], freq: list[float], arcs: list[tuple[str, str, float]],
           start: tuple[tuple[str, float], ...], end: tuple[tuple[str, float], ...]) -> _Graph:
    # Heaviest activities first: they end up leftmost.
    order = sorted(range(len(names)), key=lambda i: (-freq[i], names[i]))
    vid = {names[i]: k for k, i in enumerate(order)}
    s_v, e_v = len(order), len(order) + 1
    graph = _Graph([names[i] for i in order], vid, [], [], [])
    for s, t, f in arcs:
        if s == t:
            graph.loops.append(s)
            continue
        graph.arcs.append((vid[s], vid[t], f))
        graph.ends.append((s, t))
    for act, cnt in start:
        graph.arcs.append((s_v, vid[act], cnt))
        graph.ends.append((None, act))
    for act, cnt in end:
        graph.arcs.append((vid[act], e_v, cnt))
        graph.ends.append((act, None))
    return graph


@dataclass(frozen=True)
class _Geometry:
    """Where the vertices of the layered graph are: along a layer and across layers."""

    tb: bool
    along: list[float]      # centre along the layer, per vertex (dummies included)
    rank_c: list[float]     # centre across layers
    size: list[float]       # extent along the layer
    across: list[float]     # extent across layers
    loop_set: set[int]

    def xy(self, a: float, r: float) -> Point:
        return (a, r) if self.tb else (r, a)


def _geometry(direction: str, graph: _Graph, lg: Layered, layers: list[list[int]]) -> _Geometry:
    tb = direction == "TB"
    n_act, n = graph.n_act, graph.n_act + 2
    act_along = NODE_W if tb else NODE_H      # extent along a layer
    act_across = NODE_H if tb else NODE_W     # extent across layers
    loop_set = set(graph.vid[x] for x in graph.loops)
    size = [0.0] * len(lg.rank)
    across = [0.0] * len(lg.rank)
    for v in range(len(lg.rank)):
        if v < n_act:
            size[v] = act_along + (2 * LOOP if v in loop_set else 0.0)
            across[v] = act_across
        elif v < n:
            size[v] = across[v] = TERMINAL
        else:
            size[v] = DUMMY
    up: list[list[int]] = [[] for _ in lg.rank]
    down: list[list[int]] = [[] for _ in lg.rank]
    for a, b in lg.segments:
        down[a].append(b)
        up[b].append(a)
    along = assign_positions(layers, size, up, down, ORDER_GAP[direction], n)
    pitch = act_across + RANK_GAP[direction]
    rank_c = [MARGIN + act_across / 2 + r * pitch for r in lg.rank]
    return _Geometry(tb, [MARGIN + p for p in along], rank_c, size, across, loop_set)


def _ports(lg: Layered, geo: _Geometry, n_act: int) -> dict[tuple[int, int], float]:
    """Where each segment leaves a vertex's lower side (key (segment, 0)) or enters its
    upper side ((segment, 1)): spread along the side, keyed by segment so an arc and its
    reverse between two nodes do not overlap."""
    n = n_act + 2
    lower: dict[int, list[tuple[float, int]]] = {}
    upper: dict[int, list[tuple[float, int]]] = {}
    for si, (a, b) in enumerate(lg.segments):
        if a < n:
            lower.setdefault(a, []).append((geo.along[b], si))
        if b < n:
            upper.setdefault(b, []).append((geo.along[a], si))
    port: dict[tuple[int, int], float] = {}
    for side, table in ((0, lower), (1, upper)):
        for v, lst in table.items():
            lst.sort()
            loop_room = 2 * LOOP if v in geo.loop_set else 0.0
            half = (geo.size[v] - loop_room) * (0.36 if v < n_act else 0.2)
            k = len(lst)
            for i, (_, si) in enumerate(lst):
                port[(si, side)] = geo.along[v] + (0.0 if k == 1 else -half + 2 * half * i / (k - 1))
    return port


def _arc_paths(graph: _Graph, lg: Layered, geo: _Geometry, back: set[int]) -> list[ArcPath]:
    """Each arc as Bézier segments through its dummy vertices, from port to port."""
    n = graph.n_act + 2
    port = _ports(lg, geo, graph.n_act)
    out: list[ArcPath] = []
    k_seg = 0
    for i, chain in enumerate(lg.chains):
        first_seg, last_seg = k_seg, k_seg + len(chain) - 2
        k_seg += len(chain) - 1
        pts: list[Point] = []
        for j, v in enumerate(chain):
            if v >= n:
                pts.append((geo.along[v], geo.rank_c[v]))
            elif j == 0:
                pts.append((port[(first_seg, 0)], geo.rank_c[v] + geo.across[v] / 2))
            else:
                pts.append((port[(last_seg, 1)], geo.rank_c[v] - geo.across[v] / 2))
        segs: list[Bezier] = []
        for (a0, r0), (a1, r1) in itertools.pairwise(pts):
            rm = (r0 + r1) / 2
            segs.append((geo.xy(a0, r0), geo.xy(a0, rm), geo.xy(a1, rm), geo.xy(a1, r1)))
        rev = i in back
        if rev:
            segs = [(d, c, b, a) for a, b, c, d in reversed(segs)]
        src, tgt = graph.ends[i]
        out.append(ArcPath(src, tgt, tuple(segs), rev, False))
    for name in graph.loops:
        v = graph.vid[name]
        a_edge = geo.along[v] + (NODE_W if geo.tb else NODE_H) / 2
        r = geo.rank_c[v]
        p0, p3 = geo.xy(a_edge, r - 10), geo.xy(a_edge, r + 10)
        c1, c2 = geo.xy(a_edge + LOOP * 0.9, r - 26), geo.xy(a_edge + LOOP * 0.9, r + 26)
        out.append(ArcPath(name, name, ((p0, c1, c2, p3),), False, True))
    return out


def _layout(direction: str, names: list[str], freq: list[float],
            arcs: list[tuple[str, str, float]], start: tuple[tuple[str, float], ...],
            end: tuple[tuple[str, float], ...]) -> Layout:
    """The Sugiyama pipeline: vertices, layers, order, coordinates, then boxes and arcs."""
    graph = _graph(names, freq, arcs, start, end)
    n_act = graph.n_act
    s_v, e_v, n = n_act, n_act + 1, n_act + 2
    back = feedback_arcs(n, graph.arcs, s_v)
    dag = [(v, u) if i in back else (u, v) for i, (u, v, _) in enumerate(graph.arcs)]
    layer = longest_path_layers(n, dag, s_v, e_v)
    layer = pull_down(layer, dag, {s_v, e_v})
    layer = balance(layer, dag, {s_v, e_v}, n_act)
    lg = add_dummies(n, dag, layer)
    layers = order_layers(lg)
    geo = _geometry(direction, graph, lg, layers)

    boxes: dict[str, NodeBox] = {}
    for v in range(n_act):
        x, y = geo.xy(geo.along[v], geo.rank_c[v])
        boxes[graph.label[v]] = NodeBox(graph.label[v], "activity", x, y, NODE_W, NODE_H, lg.rank[v])
    sx, sy = geo.xy(geo.along[s_v], geo.rank_c[s_v])
    ex, ey = geo.xy(geo.along[e_v], geo.rank_c[e_v])
    start_box = NodeBox("start", "start", sx, sy, TERMINAL, TERMINAL, lg.rank[s_v])
    end_box = NodeBox("end", "end", ex, ey, TERMINAL, TERMINAL, lg.rank[e_v])
    act_across = NODE_H if geo.tb else NODE_W
    extent_along = max((geo.along[v] + geo.size[v] / 2 for v in range(len(geo.size))),
                       default=0.0) + MARGIN
    extent_rank = max(geo.rank_c, default=0.0) + act_across / 2 + MARGIN
    w, h = geo.xy(extent_along, extent_rank)
    log.debug("layout: %d nodes, %d arcs, %d layers, %d dummies", n_act, len(graph.arcs),
              len(layers), len(lg.rank) - n)
    return Layout(direction, boxes, start_box, end_box,
                  tuple(_arc_paths(graph, lg, geo, back)), w, h)

"""Stable maps: lay out a DFG at the positions of a reference layout (the mental map).

A map that jumps when a slider or a filter changes is the top complaint about
process-mining tools. The console lays out a study's map once, on the unfiltered log with
every node (``reference_dfg``), and draws each slider or filter setting with
``anchored_layout``: a node keeps the box it has in the reference, an arc keeps the route
it has there (Sugiyama dummy chains, so it still avoids the boxes), and only an arc the
reference lacks (an event-level filter can make new direct successions, and very dense
graphs keep their weakest arcs out of the reference) gets a plain curve of its own.
"""

from __future__ import annotations

from taskloom.mining.abstraction import abstract_dfg
from taskloom.mining.dfg_model import DFG
from taskloom.mining.render.layout import LOOP, ArcPath, Bezier, Layout, NodeBox, Point

#: The reference keeps at most this many arcs (or 3 per node): layered layout time grows
#: with arcs × layers, and a map past a few hundred arcs is read through the arcs slider.
MAX_REFERENCE_ARCS = 60


def reference_dfg(dfg: DFG, max_arcs: int = MAX_REFERENCE_ARCS) -> DFG:
    """Every node of ``dfg`` with its strongest arcs (all of them when few enough)."""
    cap = max(max_arcs, 2 * len(dfg.nodes))
    if len(dfg.edges) <= cap:
        return dfg
    return abstract_dfg(dfg, 100.0, 100.0 * cap / len(dfg.edges))


def covers(reference: Layout, dfg: DFG) -> bool:
    """True when every node of ``dfg`` has a box in ``reference``."""
    return all(str(name) in reference.nodes for name in dfg.nodes.index)


def _side(box: NodeBox, direction: str, out: bool) -> Point:
    """Where an arc leaves (out) or enters a box along the flow."""
    if direction == "TB":
        return (box.x, box.y + box.h / 2) if out else (box.x, box.y - box.h / 2)
    return (box.x + box.w / 2, box.y) if out else (box.x - box.w / 2, box.y)


def _free_route(src: NodeBox, tgt: NodeBox, direction: str) -> tuple[Bezier, bool]:
    """A curve for an arc the reference does not route; (segment, points backwards)."""
    tb = direction == "TB"
    p0, p3 = _side(src, direction, True), _side(tgt, direction, False)
    forward = (p3[1] > p0[1]) if tb else (p3[0] > p0[0])
    if forward:
        if tb:
            mid = (p0[1] + p3[1]) / 2
            return (p0, (p0[0], mid), (p3[0], mid), p3), False
        mid = (p0[0] + p3[0]) / 2
        return (p0, (mid, p0[1]), (mid, p3[1]), p3), False
    # Backwards or within a layer: leave and enter on the far side, bulging outwards.
    if tb:
        a = (src.x + src.w / 2, src.y)
        b = (tgt.x + tgt.w / 2, tgt.y)
        bulge = max(a[0], b[0]) + LOOP + 0.15 * abs(a[1] - b[1])
        return (a, (bulge, a[1]), (bulge, b[1]), b), True
    a = (src.x, src.y + src.h / 2)
    b = (tgt.x, tgt.y + tgt.h / 2)
    bulge = max(a[1], b[1]) + LOOP + 0.15 * abs(a[0] - b[0])
    return (a, (a[0], bulge), (b[0], bulge), b), True


def _loop(box: NodeBox, direction: str) -> Bezier:
    if direction == "TB":
        edge, r = box.x + box.w / 2, box.y
        return ((edge, r - 10), (edge + LOOP * 0.9, r - 26), (edge + LOOP * 0.9, r + 26), (edge, r + 10))
    edge, a = box.y + box.h / 2, box.x
    return ((a - 10, edge), (a - 26, edge + LOOP * 0.9), (a + 26, edge + LOOP * 0.9), (a + 10, edge))


def anchored_layout(reference: Layout, dfg: DFG) -> Layout:
    """The layout of ``dfg`` (nodes a subset of the reference's) at the reference positions.

    Raises KeyError naming a node the reference has no box for (see ``covers``).
    """
    names = [str(x) for x in dfg.nodes.index]
    missing = [n for n in names if n not in reference.nodes]
    if missing:
        raise KeyError(f"node {missing[0]!r} is not in the reference layout")
    boxes = {n: reference.nodes[n] for n in names}
    wanted: list[tuple[str | None, str | None]] = [
        (str(s), str(t)) for s, t in zip(dfg.edges["source"].tolist(),
                                         dfg.edges["target"].tolist(), strict=True)
        if str(s) in boxes and str(t) in boxes]
    wanted += [(None, str(a)) for a in sorted(dfg.start) if str(a) in boxes]
    wanted += [(str(a), None) for a in sorted(dfg.end) if str(a) in boxes]
    known = {(a.source, a.target): a for a in reference.arcs}
    want = set(wanted)
    arcs = [a for a in reference.arcs if (a.source, a.target) in want]  # reference order
    for src, tgt in wanted:
        if (src, tgt) in known:
            continue
        sbox = reference.start if src is None else boxes[src]
        tbox = reference.end if tgt is None else boxes[tgt]
        if src is not None and src == tgt:
            arcs.append(ArcPath(src, tgt, (_loop(sbox, reference.direction),), False, True))
            continue
        seg, backwards = _free_route(sbox, tbox, reference.direction)
        arcs.append(ArcPath(src, tgt, (seg,), backwards, False))
    return Layout(reference.direction, boxes, reference.start, reference.end, tuple(arcs),
                  reference.width, reference.height)

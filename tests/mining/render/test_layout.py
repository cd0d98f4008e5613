"""Layout invariants on DFGs of the real logs: every node placed, no overlaps, arcs
follow the layering, start on top and end at the bottom."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from taskloom.mining.render import Layout, NodeBox, layout_dfg
from tests.mining.render.maps import MAPS, map_dfg


def _boxes(lay: Layout) -> list[NodeBox]:
    return [*lay.nodes.values(), lay.start, lay.end]


def _on_border(p: tuple[float, float], b: NodeBox, tol: float = 0.6) -> bool:
    x, y = p
    inside = abs(x - b.x) <= b.w / 2 + tol and abs(y - b.y) <= b.h / 2 + tol
    edge = (abs(abs(x - b.x) - b.w / 2) <= tol) or (abs(abs(y - b.y) - b.h / 2) <= tol)
    return inside and edge


@pytest.mark.parametrize("direction", ["TB", "LR"])
@pytest.mark.parametrize("key", sorted(MAPS))
def test_layout_invariants_on_real_logs(shared_data: Path, key: str, direction: str) -> None:
    dfg = map_dfg(shared_data, key)
    lay = layout_dfg(dfg, direction)
    # Every node has a position and a box inside the canvas.
    assert set(lay.nodes) == {str(n) for n in dfg.nodes.index}
    for b in _boxes(lay):
        assert b.x - b.w / 2 >= 0 and b.y - b.h / 2 >= 0
        assert b.x + b.w / 2 <= lay.width and b.y + b.h / 2 <= lay.height
    # No two boxes overlap.
    for a, b in itertools.combinations(_boxes(lay), 2):
        assert abs(a.x - b.x) >= (a.w + b.w) / 2 or abs(a.y - b.y) >= (a.h + b.h) / 2, (a.name, b.name)
    # Every kept arc, start arc and end arc has exactly one path.
    want = {(str(s), str(t)) for s, t in zip(dfg.edges["source"], dfg.edges["target"], strict=True)}
    want |= {(None, a) for a in dfg.start} | {(a, None) for a in dfg.end}
    got = [(a.source, a.target) for a in lay.arcs]
    assert sorted(got, key=str) == sorted(want, key=str)
    assert all(a.beziers and a.d.startswith("M") for a in lay.arcs)
    # Start strictly before every other node along the flow, end strictly after.
    axis = (lambda b: b.y) if direction == "TB" else (lambda b: b.x)
    others = list(lay.nodes.values())
    assert all(axis(lay.start) < axis(b) for b in [*others, lay.end])
    assert all(axis(lay.end) > axis(b) for b in others)
    # Layering: forward arcs go down the layers, reversed (rework) arcs go up.
    box = {**lay.nodes, None: None}
    for arc in lay.arcs:
        src = lay.start if arc.source is None else box[arc.source]
        tgt = lay.end if arc.target is None else box[arc.target]
        assert src is not None and tgt is not None
        if arc.self_loop:
            assert arc.source == arc.target
            continue
        if arc.reversed:
            assert src.layer > tgt.layer, (arc.source, arc.target)
        else:
            assert src.layer < tgt.layer, (arc.source, arc.target)
        # The path leaves the source's border and ends on the target's border.
        assert _on_border(arc.beziers[0][0], src), (arc.source, arc.target)
        assert _on_border(arc.beziers[-1][-1], tgt), (arc.source, arc.target)


def test_sixty_node_map_has_the_size_the_requirement_names(shared_data: Path) -> None:
    dfg = map_dfg(shared_data, "bpic2012-resources")
    assert len(dfg.nodes) >= 60 and 120 <= len(dfg.edges) <= 200
    lay = layout_dfg(dfg)
    # Not one very wide row: the map spreads over several layers.
    assert len({b.layer for b in lay.nodes.values()}) >= 6


def test_layout_is_reused_for_the_same_graph(shared_data: Path) -> None:
    dfg = map_dfg(shared_data, "running-example")
    assert layout_dfg(dfg) is layout_dfg(dfg)
    assert layout_dfg(dfg, "LR") is not layout_dfg(dfg, "TB")


def test_unknown_direction_is_refused(shared_data: Path) -> None:
    with pytest.raises(ValueError, match="TB or LR"):
        layout_dfg(map_dfg(shared_data, "running-example"), "BT")

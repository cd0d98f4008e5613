"""The SVG map of real logs: one group per node and arc carrying the DFG's values,
standalone (no scripts, no external resources), readable at 60 nodes and ~150 arcs."""

from __future__ import annotations

import itertools
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from taskloom.mining.dfg_model import DFG
from taskloom.mining.render import layout_dfg, render_svg
from taskloom.mining.render.style import OVERLAYS, human_count, human_duration, human_pct
from tests.mining.render.maps import MAPS, SVG, groups, map_dfg, texts, title

START, END = "▶ start", "■ end"


def _expected_arc_text(dfg: DFG, source: str, target: str, overlay: str) -> str:
    """The label an arc must carry, from the DFG's numbers (start/end arcs: case counts)."""
    if source == START or target == END:
        count = dfg.start[target] if source == START else dfg.end[source]
        return human_pct(count, dfg.total_cases) if overlay == "case-pct" else human_count(count)
    row = dfg.edges[(dfg.edges["source"] == source) & (dfg.edges["target"] == target)].iloc[0]
    if overlay == "case":
        return human_count(row["cases"])
    if overlay == "case-pct":
        return human_pct(row["cases"], dfg.total_cases)
    if overlay.startswith("duration-"):
        return human_duration(float(row[f"{overlay.split('-')[1]}_s"]))
    return human_count(row["frequency"])


@pytest.mark.parametrize("overlay", OVERLAYS)
@pytest.mark.parametrize("key", sorted(MAPS))
def test_every_node_and_arc_is_drawn_with_its_overlay_value(shared_data: Path, key: str, overlay: str) -> None:
    dfg = map_dfg(shared_data, key)
    svg = render_svg(dfg, overlay=overlay)
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    nodes = {g.get("data-name"): g for g in groups(svg, "node")}
    assert set(nodes) == {str(n) for n in dfg.nodes.index} | {"start", "end"}
    for name, row in dfg.nodes.iterrows():
        value = texts(nodes[str(name)])[-1]
        if overlay == "case":
            assert value == human_count(row["cases"])
        elif overlay == "case-pct":
            assert value == human_pct(row["cases"], dfg.total_cases)
        else:  # no per-activity durations in these logs: the frequency is shown
            assert value == human_count(row["frequency"])
        assert title(nodes[str(name)]).startswith(str(name))  # full name in the tooltip
    got = {(g.get("data-source"), g.get("data-target")): g for g in groups(svg, "arc")}
    want = {(str(s), str(t)) for s, t in zip(dfg.edges["source"], dfg.edges["target"], strict=True)}
    want |= {(START, a) for a in dfg.start} | {(a, END) for a in dfg.end}
    assert set(got) == want
    for (s, t), g in got.items():
        text = _expected_arc_text(dfg, str(s), str(t), overlay)
        assert texts(g) == [text], (s, t)
        assert title(g) == f"{s} → {t}: {text}"


@pytest.mark.parametrize("key", sorted(MAPS))
def test_map_is_standalone(shared_data: Path, key: str) -> None:
    root = ET.fromstring(render_svg(map_dfg(shared_data, key), color="duration", direction="LR"))
    tags = {el.tag.removeprefix(SVG) for el in root.iter()}
    assert not tags & {"script", "image", "foreignObject", "style"}
    for el in root.iter():
        for attr, value in el.attrib.items():
            assert not attr.startswith("on"), attr  # no event handlers
            if attr.endswith("href") or "url(" in value:
                assert value.startswith("#") or value.startswith("url(#"), value


def test_sixty_node_map_stays_readable(shared_data: Path) -> None:
    """60+ nodes, ~150 arcs: the canvas grows instead of the text shrinking and node
    labels stay inside their boxes."""
    dfg = map_dfg(shared_data, "bpic2012-resources")
    assert len(dfg.nodes) >= 60 and len(dfg.edges) >= 120
    svg = render_svg(dfg)
    root = ET.fromstring(svg)
    sizes = [float(t.get("font-size", 11)) for t in root.iter(f"{SVG}text")]
    assert min(sizes) >= 10
    lay = layout_dfg(dfg)
    for g in groups(svg, "node"):
        name = g.get("data-name")
        if name in ("start", "end"):
            continue
        box = lay.nodes[str(name)]
        for t in g.iter(f"{SVG}text"):
            width = 0.6 * float(t.get("font-size", 12)) * len(t.text or "")
            assert width <= box.w, (name, t.text)  # truncated to fit; full name in <title>


def test_no_two_node_boxes_share_a_label_position(shared_data: Path) -> None:
    svg = render_svg(map_dfg(shared_data, "bpic2012-resources"))
    anchors = [(t.get("x"), t.get("y")) for g in groups(svg, "node") for t in itertools.islice(g.iter(f"{SVG}text"), 1)]
    assert len(anchors) == len(set(anchors))


def test_unknown_overlay_or_colour_is_refused(shared_data: Path) -> None:
    dfg = map_dfg(shared_data, "running-example")
    with pytest.raises(ValueError, match="overlay 'speed'"):
        render_svg(dfg, overlay="speed")
    with pytest.raises(ValueError, match="color 'size'"):
        render_svg(dfg, color="size")


def _label_box(t: ET.Element) -> tuple[float, float, float, float]:
    """Where a centred label's ink lies: ~0.6 em per character (Helvetica), baseline at y."""
    size = float(t.get("font-size", 11))
    x, y, w = float(t.get("x", 0)), float(t.get("y", 0)), 0.6 * size * len(t.text or "") + 4
    return (x - w / 2, y - 0.75 * size, x + w / 2, y + 0.55 * size)


def _overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


@pytest.mark.parametrize("direction", ["TB", "LR"])
@pytest.mark.parametrize("key", sorted(MAPS))
def test_arc_labels_cover_no_node_and_no_other_label(shared_data: Path, key: str, direction: str) -> None:
    dfg = map_dfg(shared_data, key)
    svg = render_svg(dfg, direction=direction)
    lay = layout_dfg(dfg, direction)
    nodes = [(b.x - b.w / 2, b.y - b.h / 2, b.x + b.w / 2, b.y + b.h / 2)
             for b in [*lay.nodes.values(), lay.start, lay.end]]
    labels = [_label_box(t) for g in groups(svg, "arc") for t in g.iter(f"{SVG}text")]
    assert len(labels) == len(lay.arcs)
    on_nodes = [lb for lb in labels if any(_overlap(lb, n) for n in nodes)]
    assert not on_nodes, f"{len(on_nodes)} of {len(labels)} arc labels over a node"
    clashes = [(a, b) for a, b in itertools.combinations(labels, 2) if _overlap(a, b)]
    assert not clashes, f"{len(clashes)} pairs of overlapping arc labels"

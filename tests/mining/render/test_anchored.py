"""Stable maps: an anchored layout keeps every visible node where the reference put it,
reuses the reference's arc routes, and still draws arcs the reference lacks."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from taskloom.mining.abstraction import abstract_dfg
from taskloom.mining.dfg import discover_dfg
from taskloom.mining.filters import event_attribute, variants_top_k
from taskloom.mining.render import layout_dfg, render_svg
from taskloom.mining.render.anchored import anchored_layout, covers, reference_dfg
from tests.mining import factories
from tests.mining.render.maps import groups


@pytest.fixture(scope="module")
def bpic(shared_data: Path):  # type: ignore[no-untyped-def]
    return factories.read_ours(shared_data, "bpic2012.xes.gz")


def test_sliders_and_filters_keep_node_positions(bpic) -> None:  # type: ignore[no-untyped-def]
    full = discover_dfg(bpic)
    reference = layout_dfg(reference_dfg(full))
    views = [abstract_dfg(full, n, a) for n, a in itertools.product((100, 60, 25), (100, 30, 5))]
    views.append(abstract_dfg(discover_dfg(variants_top_k(bpic, 5)), 100, 100))  # a case filter
    for dfg in views:
        lay = anchored_layout(reference, dfg)
        assert set(lay.nodes) == {str(n) for n in dfg.nodes.index}
        for name, box in lay.nodes.items():
            assert box == reference.nodes[name], name
        assert (lay.width, lay.height, lay.start, lay.end) == (
            reference.width, reference.height, reference.start, reference.end)
        # Every arc of the view is drawn once, with the reference's route when it has one.
        want = {(str(s), str(t)) for s, t in zip(dfg.edges["source"], dfg.edges["target"], strict=True)}
        want |= {(None, a) for a in dfg.start} | {(a, None) for a in dfg.end}
        got = [(a.source, a.target) for a in lay.arcs]
        assert sorted(got, key=str) == sorted(want, key=str)
        routes = {(a.source, a.target): a for a in reference.arcs}
        reused = [a for a in lay.arcs if (a.source, a.target) in routes]
        assert all(a == routes[(a.source, a.target)] for a in reused)
        # The renderer takes the anchored layout as it is.
        svg = render_svg(dfg, layout=lay)
        assert len(groups(svg, "node")) == len(dfg.nodes) + 2


def test_reference_keeps_every_node_and_a_readable_number_of_arcs(bpic) -> None:  # type: ignore[no-untyped-def]
    full = discover_dfg(bpic, perspective="org:resource")
    ref = reference_dfg(full)
    assert list(ref.nodes.index) == list(full.nodes.index)
    assert len(ref.edges) < len(full.edges)
    assert len(ref.edges) <= max(60, 2 * len(full.nodes)) * 1.5  # plus connectivity arcs
    assert covers(layout_dfg(ref), full)


def test_arcs_the_reference_lacks_get_their_own_route(bpic) -> None:  # type: ignore[no-untyped-def]
    """An event-level filter makes new direct successions; they are drawn too."""
    full = discover_dfg(bpic)
    reference = layout_dfg(reference_dfg(full))
    w_events = bpic["concept:name"].astype(str).str.startswith("W_").to_numpy()
    only_w = discover_dfg(event_attribute(bpic, "concept:name",
                                          sorted(set(bpic["concept:name"][w_events]))))
    lay = anchored_layout(reference, only_w)
    known = {(a.source, a.target) for a in reference.arcs}
    new = [a for a in lay.arcs if (a.source, a.target) not in known]
    assert new, "removing the A_/O_ events must create direct W_ → W_ successions"
    for arc in new:
        assert arc.beziers and arc.d.startswith("M")
    for name, box in lay.nodes.items():
        assert box == reference.nodes[name]


def test_a_node_outside_the_reference_is_refused(bpic) -> None:  # type: ignore[no-untyped-def]
    small = layout_dfg(abstract_dfg(discover_dfg(bpic), 20, 100))
    with pytest.raises(KeyError, match="not in the reference layout"):
        anchored_layout(small, discover_dfg(bpic))

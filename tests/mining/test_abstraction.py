"""The nodes/arcs sliders: top X% nodes, top Y% arcs, every kept node connected start→end."""

from __future__ import annotations

import math
from collections.abc import Callable

import pandas as pd
import pytest

from taskloom.mining.abstraction import abstract_dfg
from taskloom.mining.dfg import discover_dfg
from taskloom.mining.dfg_model import DFG
from tests.mining.factories import reach

Reader = Callable[[str], tuple[pd.DataFrame, pd.DataFrame]]


def arcs_of(dfg: DFG) -> list[tuple[str, str]]:
    return list(zip(dfg.edges["source"], dfg.edges["target"], strict=True))


@pytest.mark.parametrize("name", ["running-example.xes", "bpic2012.xes.gz", "sepsis.csv"])
@pytest.mark.parametrize("by", ["frequency", "cases"])
@pytest.mark.parametrize(("nodes_pct", "arcs_pct"), [(100, 100), (100, 0), (60, 20), (30, 50), (10, 5)])
def test_sliders_keep_top_nodes_top_arcs_and_connectivity(
        read_shared: Reader, name: str, by: str, nodes_pct: float, arcs_pct: float) -> None:
    full = discover_dfg(read_shared(name)[0])
    small = abstract_dfg(full, nodes_pct, arcs_pct, by=by)
    n_keep = max(1, math.ceil(len(full.nodes) * nodes_pct / 100))
    assert len(small.nodes) == n_keep
    # the kept nodes are the most frequent ones
    threshold = full.nodes[by].sort_values(ascending=False).iloc[n_keep - 1]
    assert (small.nodes[by] >= threshold).all()
    kept = set(small.nodes.index)
    among = full.edges[full.edges["source"].isin(kept) & full.edges["target"].isin(kept)]
    assert set(arcs_of(small)) <= set(zip(among["source"], among["target"], strict=True))
    # the top Y% arcs are always there
    top_n = math.ceil(len(among) * arcs_pct / 100) if arcs_pct else 0
    top = among.sort_values(by, ascending=False, kind="stable").head(top_n)
    weakest_kept_top = top[by].min() if top_n else math.inf
    strong = among[among[by] > weakest_kept_top]
    assert set(zip(strong["source"], strong["target"], strict=True)) <= set(arcs_of(small))
    # connectivity: as good as with all arcs among the kept nodes
    all_arcs = list(zip(among["source"], among["target"], strict=True))
    rev = [(b, a) for a, b in all_arcs]
    assert reach(set(small.start), arcs_of(small)) == reach(set(small.start), all_arcs)
    assert reach(set(small.end), [(b, a) for a, b in arcs_of(small)]) == reach(set(small.end), rev)
    assert small.total_cases == full.total_cases


def test_full_sliders_return_the_same_graph(read_shared: Reader) -> None:
    full = discover_dfg(read_shared("helpdesk.xes.gz")[0])
    same = abstract_dfg(full, 100, 100)
    pd.testing.assert_frame_equal(same.edges, full.edges)
    pd.testing.assert_frame_equal(same.nodes, full.nodes)
    assert same.start == full.start and same.end == full.end


def test_unknown_ranking_is_rejected(read_shared: Reader) -> None:
    full = discover_dfg(read_shared("running-example.xes")[0])
    with pytest.raises(ValueError, match="frequency, cases"):
        abstract_dfg(full, 50, 50, by="duration")

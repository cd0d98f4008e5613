"""Inductive Miner against pm4py on every shared log: the same process tree and the same net.

pm4py is the oracle, run here on its own reading of each log. bpic2012 (pm4py needs
20–60 s for it) is compared in tests/bench/bench_discovery.py instead.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import pandas as pd
import pytest

from taskloom.mining.discovery.inductive import inductive_miner
from taskloom.mining.discovery.tree_to_net import tree_to_net
from tests.mining.factories import SHARED_LOGS

pm4py = pytest.importorskip("pm4py")

Reader = Callable[[str], tuple[pd.DataFrame, pd.DataFrame]]
LOGS = [n for n in SHARED_LOGS if n != "bpic2012.xes.gz"]


@pytest.fixture(autouse=True)
def _quiet() -> None:
    warnings.simplefilter("ignore")


@pytest.mark.parametrize("noise", [0.0, 0.2])
@pytest.mark.parametrize("name", LOGS)
def test_tree_matches_pm4py(read_shared: Reader, name: str, noise: float) -> None:
    ours, theirs = read_shared(name)
    want = pm4py.discover_process_tree_inductive(theirs, noise_threshold=noise)
    assert str(inductive_miner(ours, noise)) == str(want)


@pytest.mark.parametrize("name", LOGS)
def test_imd_tree_matches_pm4py(read_shared: Reader, name: str) -> None:
    from pm4py.algo.discovery.inductive import algorithm as im

    ours, theirs = read_shared(name)
    want = im.apply(theirs, variant=im.Variants.IMd)
    assert str(inductive_miner(ours, variant="imd")) == str(want)


def _shape(places: list[str], arcs: list[tuple[str, str]]) -> tuple[list[str], list[tuple[str, str]]]:
    return sorted(places), sorted(arcs)


@pytest.mark.parametrize("name", ["running-example.xes", "08_receipt.xes.gz", "sepsis.csv",
                                  "helpdesk.xes.gz"])
def test_workflow_net_matches_pm4py(read_shared: Reader, name: str) -> None:
    """Same places (by name) and arcs (silent transitions by name, visible ones by label)."""
    ours, theirs = read_shared(name)
    net = tree_to_net(inductive_miner(ours, 0.2))
    key = {t.name: t.label or t.name for t in net.transitions}
    got = _shape(list(net.places), [(key.get(a.source, a.source), key.get(a.target, a.target))
                                    for a in net.arcs])
    pn, im, fm = pm4py.discover_petri_net_inductive(theirs, noise_threshold=0.2)

    def name_of(x: Any) -> str:
        return str(getattr(x, "label", None) or x.name)

    want = _shape([p.name for p in pn.places], [(name_of(a.source), name_of(a.target)) for a in pn.arcs])
    assert got == want
    assert dict(net.initial) == {p.name: n for p, n in im.items()}
    assert dict(net.final) == {p.name: n for p, n in fm.items()}

"""Test helpers: our Petri nets as pm4py objects, and the nets the oracle tests replay on."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pandas as pd

from taskloom.mining.columns import CASE
from taskloom.mining.discovery.inductive import inductive_miner
from taskloom.mining.discovery.tree_to_net import tree_to_net
from taskloom.mining.filter_spec import apply_spec
from taskloom.mining.petri_net import PetriNet


def to_pm4py(net: PetriNet) -> tuple[Any, Any, Any]:
    """(pm4py net, initial marking, final marking) with the same names, labels and arcs."""
    from pm4py.objects.petri_net.obj import Marking
    from pm4py.objects.petri_net.obj import PetriNet as Pm4pyNet
    from pm4py.objects.petri_net.utils.petri_utils import add_arc_from_to

    pn = Pm4pyNet(net.name)
    nodes: dict[str, Any] = {}
    for p in net.places:
        nodes[p] = Pm4pyNet.Place(p)
        pn.places.add(nodes[p])
    for t in net.transitions:
        nodes[t.name] = Pm4pyNet.Transition(t.name, t.label)
        pn.transitions.add(nodes[t.name])
    for a in net.arcs:
        add_arc_from_to(nodes[a.source], nodes[a.target], pn, weight=a.weight)
    im = Marking({nodes[p]: k for p, k in net.initial.items()})
    fm = Marking({nodes[p]: k for p, k in net.final.items()})
    return pn, im, fm


def nets_for(log: pd.DataFrame) -> dict[str, PetriNet]:
    """Nets that fit the log to different degrees: IMf 0.2 on it, IM on its top 3 variants."""
    top = apply_spec(log, [{"type": "variants_top_k", "k": 3}])
    return {"imf": tree_to_net(inductive_miner(log, 0.2)),
            "top3": tree_to_net(inductive_miner(top, 0.0))}


def first_cases(ours: pd.DataFrame, theirs: pd.DataFrame, n: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Both readings cut to the same n cases (ours' first n), for the slow oracles."""
    keep = set(map(str, pd.unique(ours[CASE])[:n]))
    return (ours[ours[CASE].astype(str).isin(keep)],
            theirs[theirs[CASE].astype(str).isin(keep)])


def oracle_nets(read: Callable[[str], tuple[pd.DataFrame, pd.DataFrame]], name: str,
                sample: dict[str, int]) -> Iterator[tuple[str, pd.DataFrame, pd.DataFrame, PetriNet,
                                                          tuple[Any, Any, Any]]]:
    """For a shared log (cut to `sample` cases where listed): (kind, ours, theirs, net,
    the net as pm4py's) for each net of ``nets_for``."""
    ours, theirs = read(name)
    if name in sample:
        ours, theirs = first_cases(ours, theirs, sample[name])
    for kind, net in nets_for(ours).items():
        yield kind, ours, theirs, net, to_pm4py(net)

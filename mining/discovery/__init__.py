"""Process discovery: Inductive Miner → process tree → workflow net or BPMN model.

The small API other parts call (the console's BPMN view, the CLI)::

    from taskloom.mining.discovery import discover_bpmn, discover_net
    model = discover_bpmn(log, noise=0.2)          # BpmnModel
    net = discover_net(log, noise=0.2)             # PetriNet (sound workflow net)
    from taskloom.mining.render.bpmn_svg import render_bpmn_svg
    from taskloom.mining.conformance.overlay import bpmn_overlay
    svg = render_bpmn_svg(model, bpmn_overlay(log, model))
"""

from __future__ import annotations

import pandas as pd

from taskloom.mining.columns import ACTIVITY
from taskloom.mining.discovery.bpmn import BpmnModel, tree_to_bpmn
from taskloom.mining.discovery.inductive import inductive_miner
from taskloom.mining.discovery.process_tree import ProcessTree
from taskloom.mining.discovery.tree_to_net import tree_to_net
from taskloom.mining.petri_net import PetriNet

DEFAULT_NOISE = 0.2


def discover_tree(log: pd.DataFrame, noise: float = DEFAULT_NOISE, variant: str = "imf",
                  activity: str = ACTIVITY) -> ProcessTree:
    """The Inductive Miner's process tree (IMf with `noise`; ``variant="imd"`` for huge logs)."""
    return inductive_miner(log, noise, variant, activity)


def discover_net(log: pd.DataFrame, noise: float = DEFAULT_NOISE, variant: str = "imf",
                 activity: str = ACTIVITY) -> PetriNet:
    """A sound workflow net (one token from ``source`` to ``sink``)."""
    return tree_to_net(discover_tree(log, noise, variant, activity))


def discover_bpmn(log: pd.DataFrame, noise: float = DEFAULT_NOISE, variant: str = "imf",
                  activity: str = ACTIVITY) -> BpmnModel:
    """A BPMN model (tasks, exclusive and parallel gateways)."""
    return tree_to_bpmn(discover_tree(log, noise, variant, activity))


__all__ = ["DEFAULT_NOISE", "BpmnModel", "PetriNet", "ProcessTree", "discover_bpmn",
           "discover_net", "discover_tree"]

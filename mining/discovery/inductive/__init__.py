"""Inductive Miner (IM, IMf, IMd): a log → a block-structured process tree.

``inductive_miner(log, noise=0.2)`` runs IMf (noise 0: plain IM); ``variant="imd"`` runs
IMd on the directly-follows graph only, for logs too large to split repeatedly. The
tree converts to a sound workflow net (``discovery.tree_to_net``) or BPMN.
"""

from __future__ import annotations

import pandas as pd

from taskloom.mining.columns import ACTIVITY
from taskloom.mining.discovery.inductive.imd import SkipDfg, mine_dfg
from taskloom.mining.discovery.inductive.miner import InductiveMiner
from taskloom.mining.discovery.inductive.varlog import log_dfg, varlog_from_log
from taskloom.mining.discovery.process_tree import ProcessTree, canonical
from taskloom.mining.errors import LogInputError

VARIANTS = ("im", "imf", "imd")


def inductive_miner(log: pd.DataFrame, noise: float = 0.0, variant: str = "imf",
                    activity: str = ACTIVITY) -> ProcessTree:
    """Discover a process tree.

    variant ``imf`` (default) filters infrequent behaviour with ``noise`` in [0, 1)
    (0 is plain IM); ``im`` ignores noise; ``imd`` works on the directly-follows graph.
    """
    if variant not in VARIANTS:
        raise ValueError(f"variant {variant!r}: use one of {', '.join(VARIANTS)}")
    if not 0.0 <= noise < 1.0:
        raise LogInputError(f"noise threshold {noise}: use a value from 0 up to (not including) 1,"
                            " e.g. 0.2")
    vl, names = varlog_from_log(log, activity)
    if vl.n_traces == 0:
        raise LogInputError("the log has no events with an activity; nothing to discover")
    if variant == "imd":
        tree = mine_dfg(SkipDfg(log_dfg(vl), bool((vl.lengths == 0).any())), names)
    else:
        miner = InductiveMiner(names, noise if variant == "imf" and noise > 0 else None)
        tree = miner.mine(vl)
    return canonical(tree)


__all__ = ["VARIANTS", "inductive_miner"]

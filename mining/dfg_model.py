"""The directly-follows graph as a value: what discovery returns and what maps render.

Discovery (``mining.dfg``) builds it from a log; abstraction (the nodes/arcs sliders)
returns a smaller one of the same shape; the SVG renderer draws it. Keeping it a plain
value lets the console re-render a slider change without touching the log again.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd


@dataclass(frozen=True)
class DFG:
    """A directly-follows graph over one perspective (activity, resource, app, task type…).

    nodes: one row per node, indexed by node name, columns
        ``frequency`` (events), ``cases`` (distinct cases containing it), and, where the
        log has start timestamps, ``duration_mean_s``/``duration_median_s`` (optional).
    edges: one row per arc, columns ``source``, ``target``, ``frequency`` (times the
        pair directly follows), ``cases`` (distinct cases with the pair), ``mean_s``,
        ``median_s``, ``min_s``, ``max_s``, ``total_s`` (seconds between the two events).
    start / end: node → number of cases that start / end with it.
    total_cases: cases in the log the graph came from (for relative case %).
    """

    perspective: str
    nodes: pd.DataFrame
    edges: pd.DataFrame
    start: dict[str, int] = field(default_factory=dict)
    end: dict[str, int] = field(default_factory=dict)
    total_cases: int = 0

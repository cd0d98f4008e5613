"""Optimal alignments of a log on a Petri net: cost, moves and fitness per case.

``alignments(log, net)`` aligns every variant once (A*, ``search``) with pm4py's standard
costs (log and visible model moves 10000, silent moves 1, synchronous 0), so optimal
costs compare with pm4py's one to one. Each variant gets ``budget_s`` seconds and
``max_states`` expansions; a variant that runs out is marked not completed (cost None)
instead of holding up the log. Fitness per case is pm4py's: 1 − ⌊cost/10000⌋ /
⌊(10000·len + cost of the shortest model run)/10000⌋.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import pandas as pd

from taskloom.mining.columns import ACTIVITY
from taskloom.mining.conformance.alignments.heuristic import MOVE_COST, MarkingEquation
from taskloom.mining.conformance.alignments.search import Successors, TraceSearch
from taskloom.mining.conformance.traces import LogVariants, log_variants
from taskloom.mining.petri_net import PetriNet, compile_net

BUDGET_S = 10.0
MAX_STATES = 2_000_000


@dataclass(frozen=True)
class AlignMove:
    """One move: kind ``sync``, ``log`` (event the model cannot place), ``model`` (a visible
    transition with no event: the activity was skipped) or ``tau`` (a silent transition)."""

    kind: str
    activity: str | None
    transition: str | None


@dataclass(frozen=True)
class VariantAlignment:
    """The alignment of one variant (cost None: not completed within the budget)."""

    sequence: tuple[str, ...]
    cases: int
    cost: int | None
    moves: tuple[AlignMove, ...]
    fitness: float | None
    reason: str
    expanded: int
    lp_solves: int
    seconds: float

    @property
    def completed(self) -> bool:
        return self.cost is not None


@dataclass(frozen=True)
class AlignmentResult:
    """Alignments of a log: per variant, per case, and pm4py's log-level fitness."""

    variants: tuple[VariantAlignment, ...]
    cases: pd.DataFrame
    best_worst_cost: int

    @property
    def completed_share(self) -> float:
        """Share of cases whose variant was aligned within the budget."""
        return float(self.cases["completed"].mean()) if len(self.cases) else 1.0

    @property
    def log_fitness(self) -> float:
        """1 − Σcost / Σ(10000·len + best worst cost), over completed cases (pm4py's)."""
        c = self.cases[self.cases["completed"]]
        bwc = float((c["length"] * MOVE_COST + self.best_worst_cost).sum())
        return 1.0 - float(c["cost"].sum()) / bwc if bwc > 0 else 0.0

    @property
    def average_fitness(self) -> float:
        c = self.cases[self.cases["completed"]]
        return float(c["fitness"].mean()) if len(c) else 0.0


def _moves(raw: tuple[tuple[str | None, int | None], ...], names: tuple[str, ...],
           labels: tuple[str | None, ...]) -> tuple[AlignMove, ...]:
    out = []
    for log, t in raw:
        if t is None:
            out.append(AlignMove("log", log, None))
        elif log is not None:
            out.append(AlignMove("sync", log, names[t]))
        else:
            kind = "tau" if labels[t] is None else "model"
            out.append(AlignMove(kind, labels[t], names[t]))
    return tuple(out)


def align_variants(lv: LogVariants, net: PetriNet, budget_s: float = BUDGET_S,
                   max_states: int = MAX_STATES) -> AlignmentResult:
    """Align each variant of `lv` on `net` once."""
    cnet = compile_net(net)
    labels = sorted(cnet_labels(cnet) | {a for seq in lv.sequences for a in seq})
    me = MarkingEquation(cnet, labels)
    succ = Successors(me)
    initial = tuple(int(x) for x in cnet.initial)
    final = tuple(int(x) for x in cnet.final)

    def run(seq: tuple[str, ...]) -> tuple[object, float]:
        t0 = time.monotonic()
        res = TraceSearch(me, succ, list(seq), initial, final, budget_s, max_states).run()
        return res, time.monotonic() - t0

    empty, _ = run(())
    bwc = empty.cost if empty.cost is not None else 0  # type: ignore[attr-defined]
    out = []
    for seq, n in zip(lv.sequences, lv.counts.tolist(), strict=True):
        res, secs = run(seq)
        cost = res.cost  # type: ignore[attr-defined]
        den = (len(seq) * MOVE_COST + bwc) // MOVE_COST
        fitness = None if cost is None else (1 - (cost // MOVE_COST) / den if den > 0 else 0.0)
        out.append(VariantAlignment(
            seq, int(n), cost, _moves(res.moves, cnet.trans_names, cnet.labels),  # type: ignore[attr-defined]
            fitness, res.reason, res.expanded, res.lp_solves, secs))  # type: ignore[attr-defined]
    v = lv.case_variant
    costs = np.asarray([np.nan if a.cost is None else a.cost for a in out], dtype=float)
    fits = np.asarray([np.nan if a.fitness is None else a.fitness for a in out], dtype=float)
    cases = pd.DataFrame({
        "case": lv.case_names, "variant": v,
        "length": np.asarray([len(a.sequence) for a in out], dtype=np.int64)[v] if out else [],
        "cost": costs[v] if out else [], "fitness": fits[v] if out else [],
        "completed": ~np.isnan(costs[v]) if out else np.zeros(0, dtype=bool),
    })
    return AlignmentResult(tuple(out), cases, int(bwc))


def cnet_labels(cnet: object) -> set[str]:
    """Visible labels of a compiled net."""
    return {str(x) for x in cnet.labels if x is not None}  # type: ignore[attr-defined]


def alignments(log: pd.DataFrame, net: PetriNet, budget_s: float = BUDGET_S,
               max_states: int = MAX_STATES, activity: str = ACTIVITY) -> AlignmentResult:
    """Optimal alignments of every case of `log` on `net` (variants aligned once)."""
    return align_variants(log_variants(log, activity), net, budget_s, max_states)

"""A conformance report: fitness, precision, generalisation and the most frequent deviations.

Deviations are counted in cases, per activity, and phrased for an analyst:
"Triage skipped in 12% of cases" (alignments: a model move on Triage), "Triage
out of place in 3% of cases" (alignments: a log move), "Triage without its
preconditions in 5% of cases" (token replay: Triage needed missing tokens), "Triage is
not in the model (2% of cases)".
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

from taskloom.mining.columns import ACTIVITY
from taskloom.mining.conformance.alignments import BUDGET_S, AlignmentResult, align_variants
from taskloom.mining.conformance.precision import generalization, precision
from taskloom.mining.conformance.token_replay import ReplayResult, replay_variants
from taskloom.mining.conformance.traces import log_variants
from taskloom.mining.petri_net import PetriNet

METHODS = ("tokens", "alignments")
_PHRASE = {"skipped": "{a} skipped in {p} of cases",
           "out of place": "{a} out of place in {p} of cases",
           "without preconditions": "{a} without its preconditions in {p} of cases",
           "not in model": "{a} is not in the model ({p} of cases)"}


@dataclass(frozen=True)
class Deviation:
    """One kind of deviation on one activity, in how many cases."""

    activity: str
    kind: str
    cases: int
    share: float

    @property
    def text(self) -> str:
        pct = f"{100 * self.share:.1f}%" if self.share < 0.1 else f"{100 * self.share:.0f}%"
        return _PHRASE[self.kind].format(a=self.activity, p=pct)


@dataclass(frozen=True)
class ConformanceReport:
    """What ``taskloom conformance`` prints (``to_json`` is its --json document)."""

    method: str
    cases: int
    variants: int
    fitness: float
    fit_share: float
    precision: float
    generalization: float
    completed_share: float
    deviations: tuple[Deviation, ...]

    def to_json(self) -> dict[str, object]:
        doc = {k: v for k, v in asdict(self).items() if k != "deviations"}
        doc["deviations"] = [{**asdict(d), "text": d.text} for d in self.deviations]
        return doc


def _count(per_variant: list[set[tuple[str, str]]], counts: np.ndarray) -> Counter[tuple[str, str]]:
    out: Counter[tuple[str, str]] = Counter()
    for kinds, n in zip(per_variant, counts.tolist(), strict=True):
        for key in kinds:
            out[key] += n
    return out


def replay_deviations(r: ReplayResult) -> Counter[tuple[str, str]]:
    """(activity, kind) → cases, from token replay."""
    sets = []
    for rep in r.variants:
        kinds = {(str(r.transition_labels[t]), "without preconditions") for t in rep.problems}
        kinds |= {(a, "not in model") for a in rep.unknown}
        sets.append(kinds)
    return _count(sets, r.counts)


def alignment_deviations(a: AlignmentResult, model_labels: set[str]) -> Counter[tuple[str, str]]:
    """(activity, kind) → cases, from alignments (completed variants only)."""
    sets = []
    for v in a.variants:
        kinds: set[tuple[str, str]] = set()
        for mv in v.moves:
            if mv.kind == "model" and mv.activity is not None:
                kinds.add((mv.activity, "skipped"))
            elif mv.kind == "log" and mv.activity is not None:
                kinds.add((mv.activity, "out of place" if mv.activity in model_labels
                           else "not in model"))
        sets.append(kinds)
    return _count(sets, np.asarray([v.cases for v in a.variants], dtype=np.int64))


def conformance_report(log: pd.DataFrame, net: PetriNet, method: str = "tokens",
                       budget_s: float = BUDGET_S, top: int = 10,
                       activity: str = ACTIVITY) -> ConformanceReport:
    """Check `log` against `net` by token replay or alignments; precision and generalisation
    come from token replay in both cases."""
    if method not in METHODS:
        raise ValueError(f"method {method!r}: use one of {', '.join(METHODS)}")
    lv = log_variants(log, activity)
    replay = replay_variants(net, lv)
    n = max(lv.n_cases, 1)
    if method == "alignments":
        al = align_variants(lv, net, budget_s)
        fitness, fit_share = al.log_fitness, float((al.cases["fitness"] == 1.0).mean())
        completed = al.completed_share
        found = alignment_deviations(al, net.labels)
    else:
        fitness, fit_share, completed = replay.log_fitness, replay.fit_share, 1.0
        found = replay_deviations(replay)
    ranked = sorted(found.items(), key=lambda kv: (-kv[1], kv[0]))[:top]
    devs = tuple(Deviation(a, k, c, c / n) for (a, k), c in ranked)
    return ConformanceReport(method, lv.n_cases, len(lv.sequences), float(fitness),
                             float(fit_share), precision(lv, net), generalization(replay),
                             float(completed), devs)

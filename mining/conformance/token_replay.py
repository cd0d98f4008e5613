"""Token-based replay of a log on a Petri net: per-case and log fitness, token counts.

``token_replay(log, net)`` replays each variant once (steps memoised across variants,
see ``replayer``) and spreads the result over the variant's cases. Log fitness is
pm4py's: 0.5·(1 − Σmissing/Σconsumed) + 0.5·(1 − Σremaining/Σproduced) over all cases.
Events are taken per case in time order (stable), as everywhere in taskloom.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import numpy as np
import pandas as pd

from taskloom.mining.columns import ACTIVITY
from taskloom.mining.conformance.replayer import Replayer
from taskloom.mining.conformance.traces import LogVariants, log_variants
from taskloom.mining.petri_net import PetriNet, compile_net


@dataclass(frozen=True)
class TraceReplay:
    """Replay of one variant: token counts, fitness, and what fired or failed."""

    fit: bool
    fitness: float
    missing: int
    consumed: int
    remaining: int
    produced: int
    fired: tuple[int, ...]
    problems: tuple[int, ...]
    unknown: tuple[str, ...]


@dataclass(frozen=True)
class ReplayResult:
    """Token replay of a log.

    cases: one row per case (``case``, ``variant``, ``fit``, ``fitness``, ``missing``,
    ``consumed``, ``remaining``, ``produced``); variants: the replay per variant;
    transition_names / labels: the net's transitions by index (``fired`` refers to them).
    """

    cases: pd.DataFrame
    variants: tuple[TraceReplay, ...]
    sequences: tuple[tuple[str, ...], ...]
    counts: np.ndarray
    transition_names: tuple[str, ...]
    transition_labels: tuple[str | None, ...]

    @property
    def log_fitness(self) -> float:
        c = self.cases
        m, co, r, p = (int(c[k].sum()) for k in ("missing", "consumed", "remaining", "produced"))
        if len(c) == 0 or co == 0 or p == 0:
            return 0.0
        return 0.5 * (1 - m / co) + 0.5 * (1 - r / p)

    @property
    def fit_share(self) -> float:
        """Share of cases that replay without missing or remaining tokens."""
        return float(self.cases["fit"].mean()) if len(self.cases) else 0.0

    @property
    def average_fitness(self) -> float:
        return float(self.cases["fitness"].mean()) if len(self.cases) else 0.0

    def transition_counts(self) -> Counter[int]:
        """How often each transition fired over all cases (for generalisation)."""
        out: Counter[int] = Counter()
        for rep, n in zip(self.variants, self.counts.tolist(), strict=True):
            for t, k in Counter(rep.fired).items():
                out[t] += k * n
        return out


def replay_trace(rp: Replayer, labels: tuple[str, ...]) -> TraceReplay:
    """Replay one trace to the end, then towards the final marking (pm4py's defaults)."""
    marking = rp.initial
    missing = consumed = 0
    produced = sum(k for _, k in marking)
    fired: list[int] = []
    problems: list[int] = []
    unknown: list[str] = []
    for label in labels:
        if label not in rp.by_label:
            unknown.append(label)
            continue
        s = rp.step(marking, label)
        marking = s.marking
        fired.extend(s.fired)
        missing += s.missing
        consumed += s.consumed
        produced += s.produced
        if s.problem is not None:
            problems.append(s.problem)
    marking, more, c, p = rp.finish(marking)
    fired.extend(more)
    consumed += c
    produced += p
    m = dict(marking)
    remaining = sum(max(0, k - rp.final.get(pl, 0)) if pl in rp.final else k for pl, k in m.items())
    fit = missing == 0 and remaining == 0
    consumed += sum(rp.final.values())
    missing += sum(max(0, k - m.get(pl, 0)) for pl, k in rp.final.items())
    fitness = (0.5 * (1 - missing / consumed) + 0.5 * (1 - remaining / produced)
               if consumed > 0 and produced > 0 else 1.0)
    return TraceReplay(fit, fitness, missing, consumed, remaining, produced, tuple(fired),
                       tuple(problems), tuple(unknown))


def replay_variants(net: PetriNet, lv: LogVariants) -> ReplayResult:
    """Replay already grouped variants."""
    cnet = compile_net(net)
    rp = Replayer(cnet)
    reps = tuple(replay_trace(rp, seq) for seq in lv.sequences)
    v = lv.case_variant
    cols = {k: np.asarray([getattr(r, k) for r in reps])[v] if reps else np.zeros(0)
            for k in ("fit", "fitness", "missing", "consumed", "remaining", "produced")}
    cases = pd.DataFrame({"case": lv.case_names, "variant": v, **cols})
    return ReplayResult(cases, reps, lv.sequences, lv.counts, cnet.trans_names, cnet.labels)


def token_replay(log: pd.DataFrame, net: PetriNet, activity: str = ACTIVITY) -> ReplayResult:
    """Token-based replay of every case of `log` on `net`."""
    return replay_variants(net, log_variants(log, activity))

"""Precision (ETConformance, Muñoz-Gama & Carmona 2010) and generalisation, on token replay.

Precision: for every prefix of every case, the activities the model allows next (visible
transitions enabled after silent steps) against the activities the log shows next;
precision = 1 − escaping / allowed, summed over prefixes weighted by their cases, plus
the empty prefix. Prefixes whose replay needs a missing token are left out. This is
pm4py's ``precision_token_based_replay``; prefixes are walked as a tree, so each is
replayed once, from its parent's marking.

Generalisation: 1 − mean over transitions of 1/√(times fired) (unfired count 1).
"""

from __future__ import annotations

import math
from collections import defaultdict

from taskloom.mining.conformance.replayer import Replayer
from taskloom.mining.conformance.silent import Marking, visible_ahead
from taskloom.mining.conformance.token_replay import ReplayResult
from taskloom.mining.conformance.traces import LogVariants
from taskloom.mining.petri_net import PetriNet, compile_net


class _Ahead:
    """Labels a marking allows next, memoised."""

    def __init__(self, rp: Replayer) -> None:
        self.rp = rp
        self.cache: dict[Marking, frozenset[str]] = {}

    def __call__(self, m: Marking) -> frozenset[str]:
        hit = self.cache.get(m)
        if hit is None:
            labels = self.rp.net.labels
            hit = frozenset(str(labels[t]) for t in visible_ahead(self.rp.net, m))
            self.cache[m] = hit
        return hit


def _prefix_table(lv: LogVariants) -> dict[tuple[str, ...], tuple[int, set[str]]]:
    """prefix → (cases continuing after it, the activities that follow it)."""
    count: dict[tuple[str, ...], int] = defaultdict(int)
    follows: dict[tuple[str, ...], set[str]] = defaultdict(set)
    for seq, n in zip(lv.sequences, lv.counts.tolist(), strict=True):
        for i in range(1, len(seq)):
            count[seq[:i]] += n
            follows[seq[:i]].add(seq[i])
    return {p: (count[p], follows[p]) for p in count}


def precision(lv: LogVariants, net: PetriNet) -> float:
    """ETConformance precision of `net` on the log's variants (1.0 when nothing is allowed)."""
    rp = Replayer(compile_net(net))
    ahead = _Ahead(rp)
    table = _prefix_table(lv)
    starts = {seq[0] for seq in lv.sequences if seq}
    first = ahead(rp.initial)
    allowed = lv.n_cases * len(first)
    escaping = lv.n_cases * len(first - starts)
    # Replay prefixes shortest first; a prefix's marking extends its parent's.
    state: dict[tuple[str, ...], Marking | None] = {(): rp.initial}
    for prefix in sorted(table, key=len):
        parent = state.get(prefix[:-1])
        marking: Marking | None = None
        if parent is not None:
            label = prefix[-1]
            if label not in rp.by_label:
                marking = parent
            else:
                s = rp.step(parent, label)
                marking = s.marking if s.problem is None else None
        state[prefix] = marking
        if marking is None:
            continue
        n, nxt = table[prefix]
        labels = ahead(marking)
        allowed += n * len(labels)
        escaping += n * len(labels - nxt)
    return 1.0 - escaping / allowed if allowed > 0 else 1.0


def generalization(result: ReplayResult) -> float:
    """pm4py's token-based generalisation from a replay's transition firing counts."""
    fired = result.transition_counts()
    n = len(result.transition_names)
    if n == 0:
        return 1.0
    penalty = sum(1.0 / math.sqrt(k) for k in fired.values() if k > 0)
    penalty += sum(1 for t in range(n) if fired.get(t, 0) == 0)
    return 1.0 - penalty / n

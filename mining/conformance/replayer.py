"""Token-based replay of one trace, step by step, with pm4py's semantics (Berti & van der Aalst 2019).

For each event: take the transition with the event's label (an enabled one first); if it
is not enabled, fire silent transitions along the shortest silent paths from marked
places to its empty input places (pm4py's ``apply_hidden_trans``, recursion depth 2);
if it is still not enabled, insert the missing tokens. After the last event, silent
paths towards the final marking are tried. Missing, consumed, remaining and produced
tokens give the fitness 0.5·(1 − m/c) + 0.5·(1 − r/p).

A step depends only on the marking and the label, so steps are memoised: a log's
variants share most of their steps, which is where the speed comes from.
"""

from __future__ import annotations

from dataclasses import dataclass

from taskloom.mining.conformance.silent import (
    Marking,
    enabled,
    fire,
    freeze,
    shortest_silent_paths,
)
from taskloom.mining.petri_net import CompiledNet, by_place_name

MAX_DEPTH = 2        # pm4py's MAX_REC_DEPTH_HIDTRANSENABL
FINAL_ROUNDS = 5     # pm4py's MAX_IT_FINAL1 / MAX_IT_FINAL2


@dataclass(frozen=True)
class Step:
    """The effect of replaying one event from a marking."""

    marking: Marking
    fired: tuple[int, ...]
    missing: int
    consumed: int
    produced: int
    problem: int | None     # the transition that lacked tokens, if any


class Replayer:
    """Replays events on one compiled net, caching every (marking, label) step."""

    def __init__(self, net: CompiledNet) -> None:
        # Places renumbered in name order: pm4py breaks ties by place name, and sorted
        # place indices then are name order.
        net = by_place_name(net)
        self.net = net
        self.paths = shortest_silent_paths(net)
        self._path_cache: dict[tuple[tuple[int, ...], tuple[int, ...]], list[tuple[int, ...]]] = {}
        by_name = sorted(range(net.n_transitions), key=lambda t: net.trans_names[t])
        self.by_label: dict[str, list[int]] = {}
        for t in by_name:
            label = net.labels[t]
            if label is not None:
                self.by_label.setdefault(label, []).append(t)
        self.w_in = [sum(w for _, w in net.pre[t]) for t in range(net.n_transitions)]
        self.w_out = [sum(w for _, w in net.post[t]) for t in range(net.n_transitions)]
        self.final = {p: int(k) for p, k in enumerate(net.final) if k}
        self.initial = freeze({p: int(k) for p, k in enumerate(net.initial) if k})
        self._steps: dict[tuple[Marking, str], Step] = {}
        self._ends: dict[Marking, tuple[Marking, tuple[int, ...], int, int]] = {}

    def _paths_to(self, m: dict[int, int], targets: list[int]) -> list[tuple[int, ...]]:
        """Silent paths from marked places to `targets`, shortest first (ties by place names)."""
        key = (tuple(sorted(m)), tuple(sorted(targets)))
        hit = self._path_cache.get(key)
        if hit is not None:
            return hit
        found = []
        for p1 in key[0]:
            row = self.paths.get(p1, {})
            for p2 in key[1]:
                if p2 in row:
                    found.append(row[p2])
        found.sort(key=len)
        self._path_cache[key] = found
        return found

    def _enable_along(self, m: dict[int, int], fired: list[int], visited: set[int],
                      groups: list[tuple[int, ...]], t: int) -> dict[int, int]:
        """pm4py's ``enable_hidden_transitions``: walk the paths round-robin while that helps."""
        net = self.net
        index = [0] * len(groups)
        z = 0
        while True:
            g = z % len(groups)
            changed = False
            while index[g] < len(groups[g]):
                t3 = groups[g][index[g]]
                if t3 != t and enabled(net, t3, m) and t3 not in visited:
                    m = fire(net, t3, m)
                    fired.append(t3)
                    visited.add(t3)
                    changed = True
                index[g] += 1
                if enabled(net, t, m):
                    break
            if enabled(net, t, m) or not changed:
                return m
            z += 1

    def _hidden(self, t: int, m: dict[int, int], fired: list[int], depth: int,
                visited: set[int]) -> dict[int, int]:
        """pm4py's ``apply_hidden_trans``: try to enable t by silent transitions."""
        net = self.net
        if depth >= MAX_DEPTH or t in visited:
            return m
        visited.add(t)
        at_start = dict(m)
        lacking = [p for p, w in net.pre[t] if m.get(p, 0) < w]
        groups = self._paths_to(m, lacking)
        if groups:
            m = self._enable_along(m, fired, visited, groups, t)
            if not enabled(net, t, m):
                for group in self._paths_to(m, lacking):
                    for t4 in group:
                        if t4 == t or t4 in visited:
                            continue
                        if not enabled(net, t4, m):
                            m = self._hidden(t4, m, fired, depth + 1, visited)
                        if enabled(net, t4, m):
                            m = fire(net, t4, m)
                            fired.append(t4)
                            visited.add(t4)
            if not enabled(net, t, m) and at_start != m:
                m = self._hidden(t, m, fired, depth + 1, visited)
        return m

    def step(self, marking: Marking, label: str) -> Step:
        """Replay one event with a label the net has (memoised)."""
        key = (marking, label)
        hit = self._steps.get(key)
        if hit is not None:
            return hit
        net = self.net
        m = dict(marking)
        candidates = self.by_label[label]
        ready = [t for t in candidates if enabled(net, t, m)]
        t = ready[0] if ready else candidates[-1]
        fired: list[int] = []
        if not ready:
            m = self._hidden(t, m, fired, 0, set())
        consumed = sum(self.w_in[x] for x in fired) + self.w_in[t]
        produced = sum(self.w_out[x] for x in fired) + self.w_out[t]
        missing = 0
        problem = None
        if not enabled(net, t, m):
            problem = t
            for p, w in net.pre[t]:
                if m.get(p, 0) < w:
                    missing += w - m.get(p, 0)
                    m[p] = m.get(p, 0) + w   # pm4py adds the arc weight, not the shortfall
        m = fire(net, t, m)
        fired.append(t)
        out = Step(freeze(m), tuple(fired), missing, consumed, produced, problem)
        self._steps[key] = out
        return out

    def _reached(self, m: dict[int, int]) -> bool:
        return all(m.get(p, 0) >= 1 for p in self.final)

    def finish(self, marking: Marking) -> tuple[Marking, tuple[int, ...], int, int]:
        """Silent moves towards the final marking: (marking, fired, consumed, produced)."""
        hit = self._ends.get(marking)
        if hit is not None:
            return hit
        net = self.net
        m = dict(marking)
        fired: list[int] = []
        for _ in range(FINAL_ROUNDS):
            if self._reached(m):
                break
            for group in self._paths_to(m, list(self.final)):
                for t in group:
                    if enabled(net, t, m):
                        m = fire(net, t, m)
                        fired.append(t)
                if self._reached(m):
                    break
        if not self._reached(m) and len(self.final) == 1:
            sink = next(iter(self.final))
            links = [self.paths[p][sink] for p in sorted(m)
                     if sink in self.paths.get(p, {})]
            links.sort(key=len)
            for _ in range(FINAL_ROUNDS):
                for path in links:
                    for t in path:
                        if not enabled(net, t, m):
                            break
                        m = fire(net, t, m)
                        fired.append(t)
        out = (freeze(m), tuple(fired), sum(self.w_in[x] for x in fired),
               sum(self.w_out[x] for x in fired))
        self._ends[marking] = out
        return out

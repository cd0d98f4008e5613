"""A* over the synchronous product of one trace and the net, with a budget.

A state is (model marking, events aligned so far). Moves: synchronous (an enabled
transition with the event's label, cost 0), log move (the event alone, 10000), model
move (an enabled transition alone: 10000 visible, 1 silent). The heuristic is the
marking equation (``heuristic``): a state popped with a pool bound is solved exactly
once (unless its parent's LP solution already proves the bound, as in pm4py) and
pushed back if the bound rose. States reached again more cheaply are reopened, so the
first final state popped is optimal. The search stops, unfinished, after ``budget_s``
seconds or ``max_states`` expansions.
"""

from __future__ import annotations

import heapq
import time
from dataclasses import dataclass

import numpy as np

from taskloom.mining.conformance.alignments.heuristic import (
    MOVE_COST,
    TAU_COST,
    LpBound,
    MarkingEquation,
)

Marking = tuple[int, ...]
State = int  # marking id × (trace length + 1) + events aligned
# A move: (log label or None, model transition or None); both set = synchronous.
Move = tuple[str | None, int | None]


@dataclass(frozen=True)
class SearchResult:
    """cost None: not completed (budget exhausted) or no way to the final marking."""

    cost: int | None
    moves: tuple[Move, ...]
    expanded: int
    lp_solves: int
    reason: str = ""


class Successors:
    """Markings interned as ids, with their enabled transitions and successors (per net)."""

    def __init__(self, me: MarkingEquation) -> None:
        net = me.net
        self.pre = [tuple(net.pre[t]) for t in range(net.n_transitions)]
        self.delta = [(net.pre[t], net.post[t]) for t in range(net.n_transitions)]
        self.labels = net.labels
        self.markings: list[Marking] = []
        self.index: dict[Marking, int] = {}
        self.next: list[list[tuple[int, int]] | None] = []

    def intern(self, m: Marking) -> int:
        """The id of a marking."""
        mid = self.index.get(m)
        if mid is None:
            mid = len(self.markings)
            self.index[m] = mid
            self.markings.append(m)
            self.next.append(None)
        return mid

    def __call__(self, mid: int) -> list[tuple[int, int]]:
        """(transition, id of the marking it leads to) for every enabled transition."""
        hit = self.next[mid]
        if hit is not None:
            return hit
        m = self.markings[mid]
        out = []
        for t, pre in enumerate(self.pre):
            if all(m[p] >= w for p, w in pre):
                new = list(m)
                for p, w in self.delta[t][0]:
                    new[p] -= w
                for p, w in self.delta[t][1]:
                    new[p] += w
                out.append((t, self.intern(tuple(new))))
        self.next[mid] = out
        return out


class TraceSearch:
    """One alignment search; ``run`` returns the optimal alignment or an unfinished marker."""

    def __init__(self, me: MarkingEquation, succ: Successors, trace: list[str],
                 initial: Marking, final: Marking, budget_s: float, max_states: int) -> None:
        self.me, self.succ, self.trace = me, succ, trace
        self.width = len(trace) + 1
        self.initial, self.final = succ.intern(initial), succ.intern(final)
        self.budget_s, self.max_states = budget_s, max_states
        lab = {a: i for i, a in enumerate(me.labels)}
        self.log_col = [int(me.col_log[lab[a]]) for a in trace]
        ids = [lab[a] for a in trace]
        counts = np.zeros((len(trace) + 1, len(me.labels)))
        for i in range(len(trace) - 1, -1, -1):
            counts[i] = counts[i + 1]
            counts[i, ids[i]] += 1
        self.counts = counts
        self.lp: dict[State, LpBound] = {}
        self._labels_version = -1
        self._label_part = np.zeros((0, 0))

    def _b(self, s: State) -> np.ndarray:
        mid, i = divmod(s, self.width)
        return self.me.rhs(np.asarray(self.succ.markings[mid], dtype=float), self.counts[i])

    def _pool(self, states: list[State]) -> list[int]:
        """The pool's bounds for some states: max over pool vectors of a per-marking part
        plus a per-position part, for all the states in one numpy step."""
        me = self.me
        if len(me.pool) == 0:
            return [0] * len(states)
        if self._labels_version != me.version:
            self._label_part = me.label_parts(self.counts)
            self._labels_version = me.version
        w, marks = self.width, self.succ.markings
        parts = np.stack([me.place_part(s // w, marks[s // w]) for s in states])
        best = (parts + self._label_part[[s % w for s in states]]).max(axis=1)
        return np.maximum(0, np.ceil(best - 1e-4)).astype(int).tolist()

    def _children_h(self, parent_lp: LpBound | None, h_parent: int,
                    kids: list[tuple[State, Move, int, int]]) -> list[tuple[int, bool]]:
        """(bound, exact) per child. Exact when the parent's LP solution uses the move
        (pm4py's rule), or when the child's marking has had an LP of its own (its dual is
        in the pool); else the pool's bound."""
        out: list[tuple[int, bool] | None] = []
        need = []
        for k, (_child, _, cost, col) in enumerate(kids):
            if parent_lp is not None and parent_lp.primal[col] >= 1 - 1e-9:
                out.append((max(0, h_parent - cost), True))
            else:
                out.append(None)
                need.append(k)
        if need:
            bounds = self._pool([kids[k][0] for k in need])
            solved = self.me.solved_markings
            for k, b in zip(need, bounds, strict=True):
                out[k] = (b, kids[k][0] // self.width in solved)
        return [x for x in out if x is not None]

    def run(self) -> SearchResult:
        me = self.me
        start: State = self.initial * self.width
        n = len(self.trace)
        best = {start: 0}
        parent: dict[State, tuple[State, Move]] = {}
        closed: dict[State, int] = {}
        first = self._solve(start)
        if first is None:
            return SearchResult(None, (), 0, me.solves, "the final marking cannot be reached")
        goal = self.final * self.width + n
        tie = 0
        heap: list[tuple[int, int, int, int, State, bool]] = [(first.value, 0, 0, 0, start, True)]
        expanded = 0
        t0 = time.monotonic()
        while heap:
            f, _, _, g, s, exact = heapq.heappop(heap)
            if g > best.get(s, g) or closed.get(s, 1 << 62) <= g:
                continue
            if s == goal:
                return SearchResult(g, self._path(parent, s), expanded, me.solves)
            h = f - g
            if not exact:
                sol = self._solve(s)
                if sol is None:
                    closed[s] = g
                    continue
                if sol.value > h:
                    tie += 1
                    heapq.heappush(heap, (g + sol.value, -(s % self.width), tie, g, s, True))
                    continue
            closed[s] = g
            expanded += 1
            if expanded >= self.max_states or (expanded % 128 == 0
                                               and time.monotonic() - t0 > self.budget_s):
                return SearchResult(None, (), expanded, me.solves, "budget exhausted")
            lp = self.lp.get(s)
            kids = [kid for kid in self._moves(s) if g + kid[2] < best.get(kid[0], 1 << 62)]
            for (child, move, cost, _), (h2, ex2) in zip(kids, self._children_h(lp, h, kids),
                                                        strict=True):
                g2 = g + cost
                if g2 >= best.get(child, 1 << 62):
                    continue
                best[child] = g2
                parent[child] = (s, move)
                tie += 1
                heapq.heappush(heap, (g2 + h2, -(child % self.width), tie, g2, child, ex2))
        return SearchResult(None, (), expanded, me.solves, "the final marking cannot be reached")

    def _solve(self, s: State) -> LpBound | None:
        sol = self.me.solve(self._b(s))
        self.me.solved_markings.add(s // self.width)
        if sol is not None:
            self.lp[s] = sol
        return sol

    def _moves(self, s: State) -> list[tuple[State, Move, int, int]]:
        w = self.width
        mid, i = divmod(s, w)
        me = self.me
        out: list[tuple[State, Move, int, int]] = []
        label = self.trace[i] if i < len(self.trace) else None
        labels = self.succ.labels
        for t, m2 in self.succ(mid):
            tl = labels[t]
            if label is not None and tl == label:
                out.append((m2 * w + i + 1, (label, t), 0, me.col_sync[t]))
            out.append((m2 * w + i, (None, t), MOVE_COST if tl is not None else TAU_COST, t))
        if label is not None:
            out.append((s + 1, (label, None), MOVE_COST, self.log_col[i]))
        return out

    @staticmethod
    def _path(parent: dict[State, tuple[State, Move]], s: State) -> tuple[Move, ...]:
        moves = []
        while s in parent:
            s, mv = parent[s]
            moves.append(mv)
        return tuple(reversed(moves))

"""The A* heuristic of alignments: the marking equation, solved as an LP, and its dual bounds.

From a state (model marking m, events still to align with label counts n), every
alignment still has to reach the final marking m_f. Its cost is at least

    min  Σ_t c_t·x_t  +  10000·Σ_a u_a
    s.t. m + C·(x + s) = m_f,   Σ_{t labelled a} s_t + u_a = n_a,   x, s, u ≥ 0

(x: model moves, c_t = 10000 visible / 1 silent; s: synchronous moves; u: log moves),
the marking-equation heuristic of van der Aalst et al., written per label instead of
per event, which gives the same value with a constraint matrix that does not depend on
the trace. So the LP's dual feasible set is the same for every state of every trace:
each dual solution π is a lower bound π·(m_f − m, n) for *any* state, and the bound of
a pool of them is a max of dot products. The search solves an LP only where the pool
is not known to be exact, and each solve sharpens the bound everywhere else.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from taskloom.mining.petri_net import CompiledNet

MOVE_COST = 10000
TAU_COST = 1
POOL_LIMIT = 400
_SLACK = 1e-4  # costs are integers: a bound within this of the next integer rounds up


def _highs() -> object:
    """A HiGHS instance without its start-up banner on stdout.

    ``highspy.Highs()`` prints a banner when built; the core class it wraps does not,
    and command output (``--json``) must stay clean.
    """
    import highspy

    core = getattr(getattr(highspy, "_core", None), "_Highs", None)
    h = core() if core is not None else highspy.Highs()
    h.setOptionValue("output_flag", False)
    return h


@dataclass(frozen=True)
class LpBound:
    """An exact LP bound: ceil(value), the primal solution (columns) and the dual vector."""

    value: int
    primal: np.ndarray
    dual: np.ndarray


class MarkingEquation:
    """The LP of one net over a label alphabet, with a pool of dual bounds.

    Columns: model moves (one per transition), synchronous moves (one per visible
    transition), log moves (one per label). Rows: places, then labels.
    """

    def __init__(self, net: CompiledNet, labels: list[str]) -> None:
        import highspy

        self.net = net
        self.labels = labels
        lab = {a: i for i, a in enumerate(labels)}
        nt, npl, na = net.n_transitions, net.n_places, len(labels)
        self.visible = [t for t in range(nt) if net.labels[t] is not None]
        self.col_model = np.arange(nt)
        self.col_sync = {t: nt + k for k, t in enumerate(self.visible)}
        self.col_log = nt + len(self.visible) + np.arange(na)
        n_cols = nt + len(self.visible) + na
        cost = np.zeros(n_cols)
        cost[:nt] = [MOVE_COST if net.labels[t] is not None else TAU_COST for t in range(nt)]
        cost[self.col_log] = MOVE_COST
        inc = net.incidence().astype(float)
        a = np.zeros((npl + na, n_cols))
        a[:npl, :nt] = inc
        for t, col in self.col_sync.items():
            a[:npl, col] = inc[:, t]
            a[npl + lab[str(net.labels[t])], col] = 1.0
        a[npl + np.arange(na), self.col_log] = 1.0
        self.a, self.cost = a, cost
        self.n_rows = npl + na
        h = _highs()
        inf = highspy.kHighsInf
        h.addVars(n_cols, np.zeros(n_cols), np.full(n_cols, inf))  # type: ignore[attr-defined]
        h.changeColsCost(n_cols, np.arange(n_cols, dtype=np.int32), cost)  # type: ignore[attr-defined]
        for r in range(self.n_rows):
            idx = np.flatnonzero(a[r]).astype(np.int32)
            h.addRow(0.0, 0.0, len(idx), idx, a[r, idx])  # type: ignore[attr-defined]
        self.h = h
        self.rows = np.arange(self.n_rows, dtype=np.int32)
        self.final = net.final.astype(float)
        self.pool = np.zeros((0, self.n_rows))
        self.version = 0          # grows with the pool; cached bounds are per version
        self.solved_markings: set[int] = set()   # ids (see search.Successors)
        self.solves = 0
        self._place_part: dict[int, tuple[int, np.ndarray]] = {}
        self.n_places = npl

    def rhs(self, marking: np.ndarray, counts: np.ndarray) -> np.ndarray:
        """The right-hand side (m_f − m, n) of a state."""
        return np.concatenate((self.final - marking, counts))

    def solve(self, b: np.ndarray) -> LpBound | None:
        """The exact bound for right-hand side b, or None when the final marking is unreachable."""
        import highspy

        h = self.h
        h.changeRowsBounds(self.n_rows, self.rows, b, b)  # type: ignore[attr-defined]
        h.run()  # type: ignore[attr-defined]
        self.solves += 1
        status = h.getModelStatus()  # type: ignore[attr-defined]
        if status != highspy.HighsModelStatus.kOptimal:
            return None
        sol = h.getSolution()  # type: ignore[attr-defined]
        value = float(h.getInfo().objective_function_value)  # type: ignore[attr-defined]
        dual = np.asarray(sol.row_dual, dtype=float)
        primal = np.asarray(sol.col_value, dtype=float)
        self._add_dual(dual)
        return LpBound(math.ceil(value - _SLACK), primal, dual)

    def _add_dual(self, dual: np.ndarray) -> None:
        """Keep a dual vector if it is feasible (so its bound is valid everywhere)."""
        if len(self.pool) >= POOL_LIMIT:
            return
        if np.any(self.a.T @ dual > self.cost + 1e-7):
            return
        if len(self.pool) and np.any(np.all(np.abs(self.pool - dual) < 1e-9, axis=1)):
            return
        self.pool = np.vstack((self.pool, dual))
        self.version += 1

    def pool_bound(self, b: np.ndarray) -> int:
        """The best bound the pool gives for b (0 when the pool is empty)."""
        if len(self.pool) == 0:
            return 0
        return max(0, math.ceil(float((self.pool @ b).max()) - _SLACK))

    def place_part(self, mid: int, marking: tuple[int, ...]) -> np.ndarray:
        """pool[:, places] · (m_f − m) for every pool vector, cached per marking id."""
        hit = self._place_part.get(mid)
        if hit is not None and hit[0] == self.version:
            return hit[1]
        vec = self.pool[:, :self.n_places] @ (self.final - np.asarray(marking, dtype=float))
        self._place_part[mid] = (self.version, vec)
        return vec

    def label_parts(self, counts: np.ndarray) -> np.ndarray:
        """pool[:, labels] · n for each row n of `counts` (one row per trace position)."""
        return counts @ self.pool[:, self.n_places:].T

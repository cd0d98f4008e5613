"""The benchmarks' pm4py side: reading logs as the tests do, nets in both directions, quiet."""

from __future__ import annotations

import contextlib
import io
import os
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from taskloom.mining.petri_net import Arc, PetriNet, Transition
from tests.mining.conformance.pm4py_nets import to_pm4py
from tests.mining.factories import read_both

os.environ.setdefault("PM4PY_SHOW_PROGRESS_BAR", "False")
warnings.simplefilter("ignore")
with contextlib.redirect_stdout(io.StringIO()):   # pm4py's banner
    import pm4py  # noqa: F401

T = TypeVar("T")
ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT.parent / "shared" / "data"


def timed(fn: Callable[[], T], repeat: int = 1) -> tuple[T, float]:
    """(result, best CPU seconds of `repeat` runs).

    CPU time of this process, not wall time: the benchmark machine is shared with other
    work, and CPU time is what either library actually spends.
    """
    best = float("inf")
    out: T
    for _ in range(repeat):
        t = time.process_time()
        out = fn()
        best = min(best, time.process_time() - t)
    return out, best


def logs(name: str) -> tuple[Any, Any]:
    """(taskloom's reading, pm4py's reading) of a shared log."""
    return read_both(DATA, name)


def from_pm4py(pn: Any, im: Any, fm: Any) -> PetriNet:
    """A pm4py accepting net as ours (names kept)."""
    def name(x: Any) -> str:
        return str(x.name)

    arcs = tuple(Arc(name(a.source), name(a.target), int(a.weight)) for a in pn.arcs)
    return PetriNet(tuple(sorted(p.name for p in pn.places)),
                    tuple(Transition(t.name, t.label) for t in sorted(pn.transitions, key=name)),
                    arcs, {p.name: k for p, k in im.items()}, {p.name: k for p, k in fm.items()},
                    name="pm4py")


__all__ = ["DATA", "ROOT", "from_pm4py", "logs", "timed", "to_pm4py"]

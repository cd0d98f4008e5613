"""A log as its variants, for conformance checking: every distinct trace is checked once.

Cases are ordered as everywhere in taskloom (stable by start timestamp, then timestamp)
and grouped with ``mining.variants``; the result maps each case to its variant.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from taskloom.mining.columns import ACTIVITY
from taskloom.mining.ordering import order_log
from taskloom.mining.variants import case_variants


@dataclass(frozen=True)
class LogVariants:
    """Variant sequences (most frequent first), cases per variant, and each case's variant."""

    sequences: tuple[tuple[str, ...], ...]
    counts: np.ndarray
    case_names: np.ndarray
    case_variant: np.ndarray

    @property
    def n_cases(self) -> int:
        return len(self.case_names)


def log_variants(log: pd.DataFrame, activity: str = ACTIVITY) -> LogVariants:
    """Group the cases of `log` by their activity sequence (events without one are left out)."""
    o = order_log(log, activity)
    cv = case_variants(o)
    seqs = tuple(tuple(a for a in seq if a != "") for seq in cv.sequences)
    return LogVariants(seqs, np.asarray(cv.counts, dtype=np.int64), np.asarray(o.case_names),
                       np.asarray(cv.case_variant, dtype=np.int64))


def from_sequences(traces: dict[str, list[str]]) -> LogVariants:
    """LogVariants from {case: [activity, ...]} (for tests and small inputs)."""
    index: dict[tuple[str, ...], int] = {}
    case_variant = []
    for seq in traces.values():
        case_variant.append(index.setdefault(tuple(seq), len(index)))
    counts = np.bincount(np.asarray(case_variant, dtype=np.int64), minlength=len(index))
    return LogVariants(tuple(index), counts.astype(np.int64), np.asarray(list(traces), dtype=object),
                       np.asarray(case_variant, dtype=np.int64))

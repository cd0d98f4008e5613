"""Complete cases, the temporal split and the prediction targets.

A case is complete when its last activity is an end activity: one given by the analyst,
or else one that ends at least END_SHARE of the cases (historical logs end most cases
in a few activities; a case cut short mid-process rarely ends in one of them). The
temporal split trains on cases that ended before a cut-off and tests on cases that
started at or after it; cases running across the cut-off are in neither set, so the
two periods do not overlap and nothing of the test period leaks into training.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from taskloom.mining.errors import LogInputError
from taskloom.mining.ordering import Ordered

END_SHARE = 0.01
TRAIN_SHARE = 0.7
END_LABEL = "[end]"


def end_activities(o: Ordered, given: tuple[str, ...] = ()) -> tuple[str, ...]:
    """The end activities: `given`, else those ending at least END_SHARE of the cases."""
    if given:
        return tuple(given)
    last = o.act[o.last]
    counts = np.bincount(last[last >= 0], minlength=len(o.act_names))
    keep = np.flatnonzero(counts >= END_SHARE * max(o.n_cases, 1))
    return tuple(sorted(str(o.act_names[i]) for i in keep))


def complete_mask(o: Ordered, ends: tuple[str, ...]) -> np.ndarray:
    """Per case: does it end with an end activity?"""
    names = np.asarray([str(a) for a in o.act_names] + [""], dtype=object)
    return np.isin(names[o.act[o.last]], list(ends))


@dataclass(frozen=True)
class Split:
    """Cases (codes) to train on and to test on, and the cut-off between them."""

    train: np.ndarray
    test: np.ndarray
    cutoff: pd.Timestamp


def temporal_split(o: Ordered, complete: np.ndarray, cutoff: pd.Timestamp | None = None,
                   train_share: float = TRAIN_SHARE) -> Split:
    """Complete cases ending before the cut-off (default: when `train_share` of them had
    ended) for training, those starting at or after it for testing."""
    done = np.flatnonzero(complete)
    if len(done) == 0:
        raise LogInputError("the log has no complete cases to learn from (no case ends with an "
                            "end activity); name them with --end-activity or use a log of "
                            "finished cases")
    end_ts = o.ts[o.last][done]
    start_ts = o.ts[o.first][done]
    if cutoff is None:
        cut_ns = int(np.quantile(end_ts, train_share, method="higher"))
    else:
        cut_ns = int(pd.Timestamp(cutoff).tz_convert("UTC").value) if pd.Timestamp(cutoff).tzinfo \
            else int(pd.Timestamp(cutoff, tz="UTC").value)
    train = done[end_ts < cut_ns]
    test = done[start_ts >= cut_ns]
    if len(train) == 0 or len(test) == 0:
        raise LogInputError(f"the cut-off {pd.Timestamp(cut_ns, tz='UTC')} leaves no complete case "
                            f"{'ending before' if len(train) == 0 else 'starting after'} it; choose another "
                            "--cutoff")
    return Split(train, test, pd.Timestamp(cut_ns, tz="UTC"))


def next_activity(o: Ordered) -> np.ndarray:
    """Per event: the next activity's name, or END_LABEL after the case's last event."""
    names = np.asarray([str(a) for a in o.act_names] + [""], dtype=object)
    nxt = np.empty(len(o.act), dtype=object)
    if len(o.act) > 1:
        nxt[:-1] = names[o.act[1:]]
    nxt[o.last] = END_LABEL
    return nxt


def remaining_hours(o: Ordered) -> np.ndarray:
    """Per event: hours from it to the case's last event."""
    return (o.ts[o.last][o.case] - o.ts) / 3.6e12

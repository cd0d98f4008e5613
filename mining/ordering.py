"""Events ordered per case, as integer codes: the one sort every analysis shares.

pm4py orders a case's events with a stable sort on (case, start timestamp, timestamp):
events with equal timestamps keep their file order. Ties are common in real logs, so
we reproduce that exactly and code cases and activities as integers once, so that the
DFG, variants and statistics work on numpy arrays instead of strings.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from taskloom.mining.columns import ACTIVITY, CASE, START_TIMESTAMP, TIMESTAMP
from taskloom.mining.errors import LogInputError


@dataclass(frozen=True)
class Ordered:
    """A log's events in per-case order, as arrays.

    case: case code per event (0..n_cases-1, codes in order of first appearance);
    act: perspective code per event (-1 where the value is missing);
    ts / start_ts: int64 nanoseconds since the epoch (start_ts equals ts without a
    start column); first / last: index of each case's first / last event;
    order: positions of these events in the original log.
    """

    case: np.ndarray
    act: np.ndarray
    ts: np.ndarray
    start_ts: np.ndarray
    first: np.ndarray
    last: np.ndarray
    order: np.ndarray
    case_names: np.ndarray
    act_names: np.ndarray

    @property
    def n_cases(self) -> int:
        return len(self.case_names)

    def same_case_next(self) -> np.ndarray:
        """Mask of events whose next event belongs to the same case."""
        if len(self.case) < 2:
            return np.zeros(0, dtype=bool)
        return self.case[1:] == self.case[:-1]


def require_columns(log: pd.DataFrame, *columns: str) -> None:
    """Raise LogInputError naming the missing columns and what the log has."""
    missing = [c for c in columns if c not in log.columns]
    if missing:
        raise LogInputError(
            f"the log has no column {', '.join(repr(m) for m in missing)} "
            f"(columns: {', '.join(map(str, log.columns[:12]))}); "
            "map it with --case/--activity/--timestamp or pick an existing perspective"
        )


def ts_ns(values: pd.Series) -> np.ndarray:
    """Timestamps as int64 nanoseconds since the epoch (UTC), whatever the unit."""
    ser = values
    if not isinstance(ser.dtype, pd.DatetimeTZDtype) and ser.dtype.kind != "M":
        ser = pd.to_datetime(ser, utc=True)
    return np.asarray(ser.astype("datetime64[ns, UTC]").array.asi8, dtype=np.int64)


def _already_ordered(case: np.ndarray, start: np.ndarray, ts: np.ndarray) -> bool:
    """True when (case, start, ts) never decreases: the stable sort would change nothing.

    Case codes number cases by first appearance, so a file that lists each case's events
    together and in time order (most XES files) passes, and skips the sort.
    """
    if len(case) < 2:
        return True
    dc, ds, dt = np.diff(case), np.diff(start), np.diff(ts)
    return bool(np.all((dc > 0) | ((dc == 0) & ((ds > 0) | ((ds == 0) & (dt >= 0))))))


def order_log(log: pd.DataFrame, perspective: str = ACTIVITY) -> Ordered:
    """Sort events stably by (case, start timestamp, timestamp), codes for case and perspective."""
    require_columns(log, CASE, TIMESTAMP, perspective)
    case_codes, case_names = pd.factorize(log[CASE], use_na_sentinel=True)
    act_codes, act_names = pd.factorize(log[perspective], use_na_sentinel=True)
    ts = ts_ns(log[TIMESTAMP])
    start = ts_ns(log[START_TIMESTAMP]) if START_TIMESTAMP in log.columns else ts
    keep = case_codes >= 0
    idx = np.flatnonzero(keep) if not keep.all() else np.arange(len(log))
    # np.lexsort is stable: ties keep file order, as pandas' multi-key sort_values does.
    # pm4py orders cases by id text; case order changes no count, so codes are enough.
    order = idx if _already_ordered(case_codes[idx], start[idx], ts[idx]) \
        else idx[np.lexsort((ts[idx], start[idx], case_codes[idx]) if start is not ts
                            else (ts[idx], case_codes[idx]))]
    case = case_codes[order].astype(np.int64)
    n = len(case)
    if n:
        boundary = np.flatnonzero(case[1:] != case[:-1]) + 1
        first = np.concatenate(([0], boundary))
        last = np.concatenate((boundary - 1, [n - 1]))
    else:
        first = last = np.zeros(0, dtype=np.int64)
    # Re-code cases 0..k-1 in sorted order so case[first] == arange(k).
    present = case[first]
    recode = np.full(len(case_names), -1, dtype=np.int64)
    recode[present] = np.arange(len(present))
    return Ordered(
        case=recode[case],
        act=act_codes[order].astype(np.int64),
        ts=ts[order],
        start_ts=start[order],
        first=first.astype(np.int64),
        last=last.astype(np.int64),
        order=order,
        case_names=np.asarray(case_names)[present],
        act_names=np.asarray(act_names, dtype=object),
    )

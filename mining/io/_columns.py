"""Turn raw XES attribute text into typed pandas columns (shared by both XES parsers).

A parser hands over, per attribute key, the distinct raw value strings, the XES types
the key was declared with, and for each occurrence its row and value code; this module
types the distinct values once (vectorised) and spreads them over the rows.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np
import pandas as pd

from taskloom.mining.columns import ACTIVITY, CASE, CASE_PREFIX, TIMESTAMP
from taskloom.mining.errors import LogInputError

log = logging.getLogger(__name__)

TIME_UNIT = "us"
DATETIME_DTYPE = f"datetime64[{TIME_UNIT}, UTC]"
NUMBER_WORDS = ("nan", "inf", "-inf", "+inf", "infinity", "-infinity", "+infinity")


def parse_dates(values: Sequence[object] | np.ndarray | pd.Series, where: str) -> pd.Series:
    """ISO 8601 strings (any offset, or naive = UTC) to tz-aware UTC datetimes."""
    series = pd.Series(values, dtype=object)
    try:
        out = pd.to_datetime(series, utc=True, format="ISO8601")
    except (ValueError, TypeError, OverflowError) as exc:
        bad = pd.to_datetime(series, utc=True, format="ISO8601", errors="coerce").isna() \
            & series.notna()
        value = series[bad].iloc[0] if bad.any() else "?"
        raise LogInputError(
            f"{where}: {value!r} is not an ISO 8601 date (e.g. 2024-03-01T10:00:00.000+01:00); "
            "fix the value or re-export the log"
        ) from exc
    return out.astype(DATETIME_DTYPE)


def typed_values(values: Sequence[str], types: set[str], where: str) -> pd.Series:
    """The values of one attribute key, typed by its XES type(s).

    Mixed numeric types become float; any other mix (or a value that does not fit its
    declared type) becomes text, so nothing is dropped.
    """
    kinds = {"string" if t == "id" else t for t in types}
    s = pd.Series(values, dtype=object)
    if kinds == {"date"}:
        return parse_dates(s, f"{where}: date attribute")
    if kinds == {"int"}:
        ints = pd.to_numeric(s, errors="coerce")
        if not (ints.isna() & s.notna()).any():
            try:
                return ints.astype("Int64")
            except (TypeError, ValueError):
                return ints.astype("float64")
        log.warning("%s: int attribute holds non-integers; kept as text", where)
    elif kinds and kinds <= {"int", "float"}:
        nums = pd.to_numeric(s, errors="coerce")
        bad = s[nums.isna() & s.notna()].astype(str).str.strip().str.lower()
        if bad.isin(NUMBER_WORDS).all():
            return nums.astype("float64")
        log.warning("%s: float attribute holds non-numbers; kept as text", where)
    elif kinds == {"boolean"}:
        low = s.astype("str").str.strip().str.lower()
        if low.dropna().isin(["true", "false", "1", "0"]).all():
            return low.map({"true": True, "1": True, "false": False, "0": False}).astype("boolean")
        log.warning("%s: boolean attribute holds other values; kept as text", where)
    return s.astype("str")


def spread(n: int, rows: np.ndarray, codes: np.ndarray, uniques: pd.Series) -> pd.Series:
    """A column of length n: uniques[codes] at rows, missing elsewhere (later rows win)."""
    index = np.full(n, -1, dtype=np.intp)
    index[rows] = codes
    return pd.Series(uniques.array.take(index, allow_fill=True))


def assemble(
    n_events: int,
    event_cols: dict[str, pd.Series],
    trace_cols: dict[str, pd.Series],
    event_trace: np.ndarray,
    where: str,
) -> pd.DataFrame:
    """The event-log DataFrame from dense event columns and dense per-trace columns.

    Columns: case id, activity, timestamp, other event attributes in first-seen order,
    then ``case:<key>`` trace attributes.
    """
    take = np.asarray(event_trace, dtype=np.intp)
    n_traces = max((len(c) for c in trace_cols.values()), default=0)
    n_traces = max(n_traces, int(take.max()) + 1 if len(take) else 0)
    case = trace_cols.get("concept:name")
    if case is None or case.isna().any():
        names = pd.Series([f"trace-{i}" for i in range(n_traces)], dtype="str")
        missing = n_traces if case is None else int(case.isna().sum())
        log.warning("%s: %d traces have no concept:name; named by position", where, missing)
        case = names if case is None else case.astype("str").fillna(names)
    data: dict[str, pd.Series] = {CASE: pd.Series(case.astype("str").array.take(take))}
    if ACTIVITY in event_cols:
        data[ACTIVITY] = event_cols[ACTIVITY]
    else:
        data[ACTIVITY] = pd.Series([None] * n_events, dtype="str")
    if TIMESTAMP in event_cols:
        if event_cols[TIMESTAMP].dtype != DATETIME_DTYPE:
            raise LogInputError(f"{where}: time:timestamp is not a date attribute in every event")
        data[TIMESTAMP] = event_cols[TIMESTAMP]
    else:
        data[TIMESTAMP] = pd.Series(pd.NaT, index=range(n_events), dtype=DATETIME_DTYPE)
    for key, col in event_cols.items():
        if key not in data:
            data[key] = col
    for key, col in trace_cols.items():
        if key == "concept:name":
            continue
        name = CASE_PREFIX + key
        data[name if name not in data else name + " (trace)"] = pd.Series(col.array.take(take))
    frame = pd.DataFrame(data)
    frame.index = pd.RangeIndex(n_events)
    return frame

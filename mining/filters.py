"""Log filters: pure functions DataFrame → DataFrame, composable, in case order kept.

Case-level filters keep or drop whole cases; event-level filters keep or drop events.
Each works on integer codes and boolean masks (no Python loop per event or case).
``mining.filter_spec`` describes a chain of them as JSON for the CLI, API and console.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from taskloom.mining.columns import ACTIVITY, CASE, CASE_PREFIX, TIMESTAMP
from taskloom.mining.errors import LogInputError
from taskloom.mining.ordering import Ordered, order_log, require_columns, ts_ns
from taskloom.mining.variants import case_variants


def _keep_cases(log: pd.DataFrame, o: Ordered, case_mask: np.ndarray) -> pd.DataFrame:
    """Rows of the cases whose code is set in `case_mask` (order of the log kept)."""
    rows = np.zeros(len(log), dtype=bool)
    rows[o.order] = case_mask[o.case]
    return log[rows]


def _cases_where(o: Ordered, event_mask: np.ndarray) -> np.ndarray:
    """Case mask: cases with at least one (ordered) event in `event_mask`."""
    hit = np.zeros(o.n_cases, dtype=bool)
    hit[o.case[event_mask]] = True
    return hit


def _codes_of(o: Ordered, values: Iterable[object]) -> np.ndarray:
    """Mask over the ordered events whose perspective value is in `values`."""
    wanted = {str(v) for v in values}
    lookup = np.array([str(n) in wanted for n in o.act_names] + [False], dtype=bool)
    return lookup[o.act]  # code -1 (missing) indexes the trailing False


def cases_with_activity(log: pd.DataFrame, activities: Iterable[str], *, retain: bool = True,
                        activity: str = ACTIVITY) -> pd.DataFrame:
    """Retain (or remove) the cases that contain any of `activities`."""
    o = order_log(log, activity)
    hit = _cases_where(o, _codes_of(o, activities))
    return _keep_cases(log, o, hit if retain else ~hit)


def start_activities(log: pd.DataFrame, activities: Iterable[str], *,
                     activity: str = ACTIVITY) -> pd.DataFrame:
    """Retain the cases whose first event is one of `activities`."""
    o = order_log(log, activity)
    return _keep_cases(log, o, _codes_of(o, activities)[o.first])


def end_activities(log: pd.DataFrame, activities: Iterable[str], *,
                   activity: str = ACTIVITY) -> pd.DataFrame:
    """Retain the cases whose last event is one of `activities`."""
    o = order_log(log, activity)
    return _keep_cases(log, o, _codes_of(o, activities)[o.last])


def between(log: pd.DataFrame, first: str, last: str | None = None, *,
            include_first: bool = True, include_last: bool = True,
            activity: str = ACTIVITY) -> pd.DataFrame:
    """Per case, keep events from the first `first` up to the next `last` after it (or the end).

    Cases without `first` are dropped. Without `last` (or if it never follows), the
    segment runs to the case's end.
    """
    o = order_log(log, activity)
    n = len(o.act)
    pos = np.arange(n)
    is_a = _codes_of(o, [first])
    big = np.iinfo(np.int64).max
    first_a = np.full(o.n_cases, big, dtype=np.int64)
    np.minimum.at(first_a, o.case[is_a], pos[is_a])
    after_a = pos > first_a[o.case]
    end = o.last.astype(np.int64).copy()
    if last is not None:
        is_b = _codes_of(o, [last]) & after_a
        first_b = np.full(o.n_cases, big, dtype=np.int64)
        np.minimum.at(first_b, o.case[is_b], pos[is_b])
        has_b = first_b < big
        end[has_b] = first_b[has_b] if include_last else first_b[has_b] - 1
    lo = first_a[o.case] if include_first else first_a[o.case] + 1
    keep = (first_a[o.case] < big) & (pos >= lo) & (pos <= end[o.case])
    rows = np.zeros(len(log), dtype=bool)
    rows[o.order[keep]] = True
    return log[rows]


def event_attribute(log: pd.DataFrame, attribute: str, values: Iterable[object], *,
                    retain: bool = True) -> pd.DataFrame:
    """Retain (or remove) the events whose `attribute` is in `values` (e.g. DataSource)."""
    require_columns(log, attribute)
    col = log[attribute]
    wanted = list(values)
    hit = col.isin(wanted) | col.astype(str).isin([str(v) for v in wanted])
    return log[hit.to_numpy() if retain else ~hit.to_numpy()]


def case_attribute(log: pd.DataFrame, attribute: str, values: Iterable[object], *,
                   retain: bool = True) -> pd.DataFrame:
    """Retain (or remove) the cases whose case attribute is in `values`.

    `attribute` may be given with or without the ``case:`` prefix.
    """
    name = attribute if attribute in log.columns else CASE_PREFIX + attribute
    require_columns(log, name)
    wanted = list(values)
    col = log[name]
    hit = (col.isin(wanted) | col.astype(str).isin([str(v) for v in wanted])).to_numpy()
    case_hit = set(log[CASE].to_numpy()[hit])
    in_case = log[CASE].isin(case_hit).to_numpy()
    return log[in_case if retain else ~in_case]


def _parse_time(value: object, field: str) -> int:
    try:
        stamp = pd.Timestamp(value)
    except (ValueError, TypeError) as exc:
        raise LogInputError(f"filter {field}: {value!r} is not a timestamp; "
                            "use ISO 8601 such as 2012-01-31T00:00:00Z") from exc
    if stamp.tzinfo is None:
        stamp = stamp.tz_localize("UTC")
    return int(stamp.tz_convert("UTC").as_unit("ns").value)


TIME_MODES = ("contained", "intersecting", "starting", "ending", "events")


def time_range(log: pd.DataFrame, start: object, end: object, *,
               mode: str = "contained") -> pd.DataFrame:
    """Cases (or events) in the window [start, end].

    contained: the whole case lies inside; intersecting: the case overlaps it;
    starting / ending: the case starts / ends inside; events: keep only events inside.
    """
    lo, hi = _parse_time(start, "start"), _parse_time(end, "end")
    if mode == "events":
        ts = ts_ns(log[TIMESTAMP])
        return log[(ts >= lo) & (ts <= hi)]
    o = order_log(log, CASE)
    cmin = np.minimum.reduceat(o.ts, o.first) if o.n_cases else np.zeros(0, np.int64)
    cmax = np.maximum.reduceat(o.ts, o.first) if o.n_cases else np.zeros(0, np.int64)
    masks = {
        "contained": (cmin >= lo) & (cmax <= hi),
        "intersecting": (cmax >= lo) & (cmin <= hi),
        "starting": (cmin >= lo) & (cmin <= hi),
        "ending": (cmax >= lo) & (cmax <= hi),
    }
    if mode not in masks:
        raise LogInputError(f"time filter mode {mode!r} is unknown; use one of {', '.join(TIME_MODES)}")
    return _keep_cases(log, o, masks[mode])


def case_duration(log: pd.DataFrame, min_s: float = 0.0, max_s: float = float("inf")) -> pd.DataFrame:
    """Retain the cases whose duration (last minus first event, seconds) is in [min_s, max_s]."""
    o = order_log(log, CASE)
    dur = (o.ts[o.last] - o.ts[o.first]) / 1e9
    return _keep_cases(log, o, (dur >= min_s) & (dur <= max_s))


def variants_top_k(log: pd.DataFrame, k: int, *, activity: str = ACTIVITY) -> pd.DataFrame:
    """Retain the cases of the `k` most frequent variants."""
    o = order_log(log, activity)
    cv = case_variants(o)
    return _keep_cases(log, o, cv.case_variant < k)


def variants_min_cases(log: pd.DataFrame, min_cases: int, *, activity: str = ACTIVITY) -> pd.DataFrame:
    """Retain the cases of variants shared by at least `min_cases` cases."""
    o = order_log(log, activity)
    cv = case_variants(o)
    return _keep_cases(log, o, cv.counts[cv.case_variant] >= min_cases)


def variant(log: pd.DataFrame, activities: Iterable[str], *, retain: bool = True,
            activity: str = ACTIVITY) -> pd.DataFrame:
    """Retain (or remove) the cases whose whole activity sequence is exactly `activities`."""
    o = order_log(log, activity)
    cv = case_variants(o)
    wanted = tuple(str(a) for a in activities)
    index = next((i for i, seq in enumerate(cv.sequences) if seq == wanted), -1)
    hit = cv.case_variant == index
    return _keep_cases(log, o, hit if retain else ~hit)


def directly_follows(log: pd.DataFrame, source: str, target: str, *, retain: bool = True,
                     activity: str = ACTIVITY) -> pd.DataFrame:
    """Retain (or remove) the cases where `target` directly follows `source`."""
    o = order_log(log, activity)
    a, b = _codes_of(o, [source]), _codes_of(o, [target])
    pair = o.same_case_next() & a[:-1] & b[1:] if len(a) > 1 else np.zeros(0, bool)
    hit = _cases_where(o, np.concatenate((pair, [False])) if len(a) else pair)
    return _keep_cases(log, o, hit if retain else ~hit)


def eventually_follows(log: pd.DataFrame, source: str, target: str, *,
                       max_s: float | None = None, min_s: float = 0.0, retain: bool = True,
                       activity: str = ACTIVITY) -> pd.DataFrame:
    """Retain (or remove) the cases where `target` comes some time after `source`.

    With a time bound, some `target` must follow some earlier `source` by a gap in
    [min_s, max_s] seconds. Checked per `target` against the latest `source` before it
    (for the upper bound) and the earliest one (for the lower bound).
    """
    o = order_log(log, activity)
    n = len(o.act)
    if n == 0:
        return log
    a, b = _codes_of(o, [source]), _codes_of(o, [target])
    pos = np.arange(n)
    # Latest source at or before each event within its case (-1 if none), via a running max.
    marks = np.where(a, pos, -1)
    seg_start = o.first[o.case]
    # The running max crosses case boundaries; sources of earlier cases are discarded below.
    last_a = np.maximum.accumulate(marks)
    # Earliest source of the case (for the lower time bound).
    big = np.iinfo(np.int64).max
    first_a = np.full(o.n_cases, big, dtype=np.int64)
    np.minimum.at(first_a, o.case[a], pos[a])
    fa = first_a[o.case]
    # A source strictly before the target (same event can be both; it must be earlier).
    prev_last_a = np.concatenate((np.array([-1], dtype=np.int64), last_a[:-1]))
    prev_last_a = np.where(prev_last_a >= seg_start, prev_last_a, -1)
    ok = b & (prev_last_a >= 0)
    if max_s is not None or min_s > 0:
        safe_last = np.maximum(prev_last_a, 0)
        safe_first = np.minimum(fa, n - 1)
        gap_latest = (o.ts - o.ts[safe_last]) / 1e9
        gap_earliest = (o.ts - o.ts[safe_first]) / 1e9
        ok &= gap_earliest >= min_s
        if max_s is not None:
            ok &= gap_latest <= max_s
    hit = _cases_where(o, ok)
    return _keep_cases(log, o, hit if retain else ~hit)

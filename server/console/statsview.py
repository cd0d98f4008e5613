"""Statistics, charts and variants for the console, over a (filtered) event log.

Apromore's log statistics (``mining.stats``) as filtered/total, and the chart series the
statistics page draws: events and active cases over time, the case-duration histogram,
activity frequency, resource workload and case attribute distributions. Everything is
vectorised over the one per-case ordering (``mining.ordering``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from taskloom.mining import columns as mc
from taskloom.server.console import levels

if TYPE_CHECKING:
    import pandas as pd

TOP_VALUES = 200
TOP_BARS = 30
TIME_BINS = 90
DURATION_BINS = 30
_BASE = {mc.CASE, mc.ACTIVITY, mc.TIMESTAMP, mc.START_TIMESTAMP, mc.RESOURCE, levels.LEVEL}


def _values(col: pd.Series, by_case: pd.Series | None = None) -> list[dict[str, Any]]:
    """Most common values (events, or distinct cases when ``by_case`` is given)."""
    if by_case is not None:
        frame = col.to_frame("v").assign(c=by_case.to_numpy()).drop_duplicates()
        counts = frame["v"].value_counts()
    else:
        counts = col.value_counts()
    return [{"value": v.item() if hasattr(v, "item") else v, "count": int(n)}
            for v, n in counts.head(TOP_VALUES).items()]


def log_info(log: pd.DataFrame) -> dict[str, Any]:
    """What the filter panel and map controls offer for this log."""
    from taskloom.server.console.mapview import perspectives

    info: dict[str, Any] = {"events": len(log), "cases": int(log[mc.CASE].nunique()) if len(log) else 0}
    info["activities"] = [{"name": str(d["value"]), "count": d["count"]}
                          for d in _values(log[mc.ACTIVITY])] if len(log) else []
    info["resources"] = _values(log[mc.RESOURCE]) if mc.RESOURCE in log.columns else []
    info["perspectives"] = [p.__dict__ for p in perspectives(log)] if len(log) else []
    event_attrs, case_attrs = [], []
    for col in log.columns:
        name = str(col)
        if name in _BASE or log[col].dtype.kind in "Mm":
            continue
        n = int(log[col].nunique(dropna=True))
        if name.startswith(mc.CASE_PREFIX):
            case_attrs.append({"name": name, "distinct": n, "values": _values(log[col], log[mc.CASE])})
        else:
            event_attrs.append({"name": name, "distinct": n, "values": _values(log[col])})
    info["event_attributes"], info["case_attributes"] = event_attrs, case_attrs
    ts = log[mc.TIMESTAMP]
    info["start"] = ts.min().isoformat() if len(log) else None
    info["end"] = ts.max().isoformat() if len(log) else None
    info["has_start_timestamps"] = mc.START_TIMESTAMP in log.columns
    return info


def _time_series(o: Any) -> dict[str, Any]:
    """Events and active cases per time bin (≤ TIME_BINS bins of whole days or hours)."""
    if len(o.ts) == 0:
        return {"bin_s": 0, "bins": []}
    lo, hi = int(o.ts.min()), int(o.ts.max())
    span_s = max((hi - lo) / 1e9, 1.0)
    steps = (3600, 6 * 3600, 86400, 7 * 86400, 30 * 86400, 91 * 86400, 365 * 86400)
    bin_s = next((s for s in steps if span_s / s <= TIME_BINS), steps[-1])
    width = bin_s * 10**9
    origin = lo - lo % width
    n = int((hi - origin) // width) + 1
    events = np.bincount((o.ts - origin) // width, minlength=n)
    first = (o.ts[o.first] - origin) // width
    last = (o.ts[o.last] - origin) // width
    active = np.cumsum(np.bincount(first, minlength=n)) - np.concatenate(
        ([0], np.cumsum(np.bincount(last, minlength=n))[:-1]))
    starts = (origin + np.arange(n) * width) // 10**6
    return {"bin_s": bin_s, "bins": [{"t": int(t), "events": int(e), "cases": int(c)}
                                     for t, e, c in zip(starts, events, active, strict=True)]}


def _histogram(durations: np.ndarray) -> list[dict[str, Any]]:
    """Case durations in equal bins up to the 99th percentile, the rest in a last bin."""
    if len(durations) == 0:
        return []
    top = float(np.quantile(durations, 0.99)) or float(durations.max()) or 1.0
    edges = np.linspace(0.0, top, DURATION_BINS + 1)
    counts, _ = np.histogram(np.minimum(durations, top), bins=edges)
    return [{"lo": float(a), "hi": float(b), "cases": int(c), "overflow": i == DURATION_BINS - 1
             and bool((durations > top).any())}
            for i, (a, b, c) in enumerate(zip(edges[:-1], edges[1:], counts, strict=True))]


def _bars(log: pd.DataFrame, column: str) -> list[dict[str, Any]]:
    counts = log.groupby(column, sort=False, observed=True)[mc.CASE].agg(["size", "nunique"])
    counts = counts.sort_values("size", ascending=False).head(TOP_BARS)
    return [{"name": str(k), "events": int(s), "cases": int(c)}
            for k, s, c in zip(counts.index, counts["size"], counts["nunique"], strict=True)]


def statistics(full: pd.DataFrame, log: pd.DataFrame) -> dict[str, Any]:
    """Statistics of ``log`` against ``full`` plus the chart series."""
    from taskloom.mining.ordering import order_log
    from taskloom.mining.stats import case_durations_s, stats_from_ordered

    o = order_log(log, mc.ACTIVITY)
    total = order_log(full, mc.ACTIVITY) if log is not full else o
    out: dict[str, Any] = {"filtered": stats_from_ordered(o).to_json(),
                           "total": stats_from_ordered(total).to_json()}
    out["over_time"] = _time_series(o)
    out["case_durations"] = _histogram(case_durations_s(o))
    out["activities"] = _bars(log, mc.ACTIVITY) if len(log) else []
    out["resources"] = _bars(log, mc.RESOURCE) if mc.RESOURCE in log.columns and len(log) else []
    out["case_attributes"] = [str(c) for c in log.columns
                              if str(c).startswith(mc.CASE_PREFIX) and str(c) != mc.CASE]
    return out


def distribution(log: pd.DataFrame, attribute: str) -> list[dict[str, Any]]:
    """Cases per value of a case (or event) attribute, most common first."""
    from taskloom.mining.attributes import case_distribution

    table = case_distribution(log, attribute).head(TOP_BARS)
    return [{"value": v.item() if hasattr(v, "item") else v, "cases": int(c), "share": float(s)}
            for v, c, s in zip(table["value"], table["cases"], table["share"], strict=True)]


def variants(log: pd.DataFrame, top: int) -> dict[str, Any]:
    """Variants by cases: sequence, cases, share, mean duration (top ``top``)."""
    from taskloom.mining.variants import variants_table

    table = variants_table(log, mc.ACTIVITY)
    rows = [{"rank": i + 1, "activities": list(v), "cases": int(c), "share": float(s),
             "mean_duration_s": float(d)}
            for i, (v, c, s, d) in enumerate(zip(table["variant"].head(top), table["cases"],
                                                 table["share"], table["mean_duration_s"],
                                                 strict=False))]
    return {"variants": rows, "total_variants": len(table),
            "cases": int(table["cases"].sum()) if len(table) else 0}

"""The task-instance table that linking works on, built from UI events with task columns.

One row per task instance: user, device, type, start and end (epoch ms), active seconds,
main app, app switches and event count. Active time is the sum of the gaps between a
task's consecutive events, each capped at ``ACTIVE_CAP_S`` (a longer pause is time away).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from taskloom.collector.tasks.events import to_ms

ACTIVE_CAP_S = 60.0
IDLE_TYPE = "idle"
LINK_EVENT_COLUMNS = ("event_id", "user", "device_id", "ts", "app", "title", "url", "element",
                      "task_type", "task_instance")


def link_events(rows: pd.DataFrame) -> pd.DataFrame:
    """Wire-format UI event rows with task columns → the frame linking reads (``ts`` in ms)."""
    n = len(rows)
    out = pd.DataFrame(index=pd.RangeIndex(n))
    # Plain object columns: linking moves these strings around a lot, and conversions
    # between Arrow-backed strings and numpy are what would cost most at a million rows.
    for col in ("event_id", "user", "device_id", "app", "title", "url", "element", "task_type",
                "task_instance"):
        values = rows[col].to_numpy(dtype=object, na_value=None) if col in rows.columns \
            else np.full(n, None, dtype=object)
        out[col] = pd.Series(values, index=out.index, dtype=object)
    if "event_id" not in rows.columns:
        out["event_id"] = pd.Series([f"u{i}" for i in range(n)], index=out.index, dtype=object)
    out["user"] = out["user"].fillna("")
    out["device_id"] = out["device_id"].where(out["device_id"].notna(), out["user"])
    out["ts"] = to_ms(rows["ts"].reset_index(drop=True)) if n else np.zeros(0, dtype=np.int64)
    if "task_label" in rows.columns:
        out["task_label"] = pd.Series(rows["task_label"].to_numpy(dtype=object, na_value=None), index=out.index,
                                      dtype=object)
    return out


def dwell_ms(events: pd.DataFrame, order: np.ndarray) -> np.ndarray:
    """Per event (row order): ms until the next event of the same task instance, capped."""
    inst = events["task_instance"].to_numpy()[order]
    ts = events["ts"].to_numpy()[order]
    gap = np.zeros(len(ts), dtype=np.int64)
    if len(ts) > 1:
        same = inst[1:] == inst[:-1]
        gap[:-1] = np.where(same, np.minimum(ts[1:] - ts[:-1], int(ACTIVE_CAP_S * 1000)), 0)
    out = np.empty_like(gap)
    out[order] = np.maximum(gap, 0)
    return out


def instance_order(events: pd.DataFrame) -> np.ndarray:
    """Row positions sorted by task instance, then time, then row."""
    codes, _ = pd.factorize(events["task_instance"])
    return np.lexsort((np.arange(len(events)), events["ts"].to_numpy(), codes))


def task_table(events: pd.DataFrame, dwell: np.ndarray | None = None) -> pd.DataFrame:
    """One row per task instance (index: task_instance, in order of first appearance), from a
    ``link_events`` frame. Integer codes and numpy reductions: no grouping on strings."""
    if dwell is None:
        dwell = dwell_ms(events, instance_order(events))
    codes, uniques = pd.factorize(events["task_instance"].to_numpy(dtype=object))
    rows = np.flatnonzero(codes >= 0)
    c = codes[rows]
    m = len(uniques)
    ts = events["ts"].to_numpy(dtype=np.int64)[rows]
    # Rows in (instance, time) order: the first row of each instance gives its constant fields.
    order = rows[np.lexsort((ts, c))]
    oc = codes[order]
    head = np.r_[True, oc[1:] != oc[:-1]] if len(oc) else np.zeros(0, dtype=bool)
    first_row = np.empty(m, dtype=np.int64)
    first_row[oc[head]] = order[head]
    start = np.full(m, np.iinfo(np.int64).max, dtype=np.int64)
    end = np.full(m, np.iinfo(np.int64).min, dtype=np.int64)
    np.minimum.at(start, c, ts)
    np.maximum.at(end, c, ts)

    def at_first(column: str) -> np.ndarray:
        return events[column].to_numpy(dtype=object)[first_row]

    table = pd.DataFrame({
        "task_type": at_first("task_type"),
        "user": at_first("user"),
        "device": at_first("device_id"),
        "start": start,
        "end": end,
        "active_time": np.bincount(c, weights=np.asarray(dwell, dtype=np.float64)[rows], minlength=m) / 1000.0,
        "events": np.bincount(c, minlength=m).astype(np.int64),
    }, index=pd.Index(np.asarray(uniques, dtype=object), name="task_instance"))
    if "task_label" in events.columns:
        table["task_label"] = at_first("task_label")
    table["cut"] = events["cut"].to_numpy(dtype=bool)[first_row] if "cut" in events.columns else False
    # Main app: the most frequent app of the instance (first seen wins a tie); switches: app changes.
    app_codes, app_names = pd.factorize(events["app"].to_numpy(dtype=object)[order])
    a = app_codes.astype(np.int64) + 1  # 0: no app
    pair = oc.astype(np.int64) * (len(app_names) + 1) + a
    pairs, counts = np.unique(pair, return_counts=True)
    p_inst, p_app = pairs // (len(app_names) + 1), pairs % (len(app_names) + 1)
    best = np.lexsort((-counts, p_inst))  # per instance, the highest count first
    keep = best[np.r_[True, p_inst[best][1:] != p_inst[best][:-1]]] if len(best) else best
    main = np.full(m, None, dtype=object)
    names = np.asarray([None, *app_names], dtype=object)
    main[p_inst[keep]] = names[p_app[keep]]
    table["app"] = pd.array(main, dtype="string")
    switch = np.r_[False, (oc[1:] == oc[:-1]) & (a[1:] != a[:-1])] if len(oc) else np.zeros(0, dtype=bool)
    table["app_switches"] = np.bincount(oc[switch], minlength=m).astype(np.int64) if m else np.zeros(0, np.int64)
    return table

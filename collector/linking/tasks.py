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
    """One row per task instance (index: task_instance), from a ``link_events`` frame."""
    ev = events[events["task_instance"].notna()]
    if dwell is None:
        dwell = dwell_ms(events, instance_order(events))
    d = pd.Series(dwell, index=events.index)[ev.index]
    g = ev.assign(_dwell=d.to_numpy()).groupby("task_instance", sort=False)
    table = pd.DataFrame({
        "task_type": g["task_type"].first(),
        "user": g["user"].first(),
        "device": g["device_id"].first(),
        "start": g["ts"].min(),
        "end": g["ts"].max(),
        "active_time": g["_dwell"].sum() / 1000.0,
        "events": g.size(),
    })
    if "task_label" in ev.columns:
        table["task_label"] = g["task_label"].first()
    table["cut"] = g["cut"].first().astype(bool) if "cut" in ev.columns else False
    apps = ev["app"].fillna("")
    main = ev.assign(app=apps).groupby(["task_instance", "app"], sort=False).size() \
        .reset_index(name="n").sort_values(["task_instance", "n"], ascending=[True, False], kind="stable") \
        .drop_duplicates("task_instance").set_index("task_instance")["app"]
    table["app"] = main.reindex(table.index).replace("", pd.NA).astype("string")
    order = np.lexsort((ev["ts"].to_numpy(), pd.factorize(ev["task_instance"])[0]))
    inst = ev["task_instance"].to_numpy()[order]
    app = apps.to_numpy()[order]
    switch = np.r_[False, (inst[1:] == inst[:-1]) & (app[1:] != app[:-1])] if len(inst) else np.zeros(0, bool)
    table["app_switches"] = pd.Series(switch, index=inst).groupby(level=0).sum().reindex(table.index) \
        .fillna(0).astype("int64")
    table.index.name = "task_instance"
    return table

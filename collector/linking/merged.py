"""The two-level merged log: system events (level ``case``) and task instances (level ``task``).

Columns follow the contract shared with the two-level model (``mining.twolevel``): the
pm4py/XES names plus ``level``, ``task_type``, ``task_instance``, ``parent``,
``parent_event``, ``link_method``, ``link_confidence``, ``active_time``, ``app``, ``device``
and ``app_switches``. Unattributed task rows are kept (``link_method`` "none"); idle
segments are not work and are left out. Rows are sorted by time, case rows first.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from taskloom.collector.linking.tasks import IDLE_TYPE

CASE, TASK = "case", "task"
MERGED_COLUMNS = ("event_id", "case:concept:name", "concept:name", "time:timestamp", "start_timestamp",
                  "org:resource", "level", "task_type", "task_instance", "parent", "parent_event",
                  "link_method", "link_confidence", "active_time", "app", "device", "app_switches")
_LINK_COLUMNS = ("case_id", "system_activity", "parent_event", "method", "confidence")


def _utc(values: pd.Series) -> pd.Series:
    if pd.api.types.is_numeric_dtype(values):
        return pd.to_datetime(values.astype("int64"), unit="ms", utc=True)
    return pd.to_datetime(values, utc=True, format="ISO8601")


def _task_rows(tasks: pd.DataFrame, links: pd.DataFrame) -> pd.DataFrame:
    t = tasks.reset_index() if "task_instance" not in tasks.columns else tasks.reset_index(drop=True)
    t = t[t["task_type"].astype("string").fillna(IDLE_TYPE) != IDLE_TYPE]
    lk = links.reset_index() if "task_instance" not in links.columns else links
    lk = lk.drop_duplicates("task_instance").set_index("task_instance")
    lk = lk[[c for c in _LINK_COLUMNS if c in lk.columns]].reindex(t["task_instance"].to_numpy())
    label = t["task_label"] if "task_label" in t.columns else t["task_type"]
    method = lk["method"].astype("string").fillna("none") if "method" in lk.columns else \
        pd.Series("none", index=lk.index, dtype="string")
    conf = lk["confidence"].astype("Float64").fillna(0.0) if "confidence" in lk.columns else \
        pd.Series(0.0, index=lk.index, dtype="Float64")
    n = len(t)

    def col(name: str) -> np.ndarray:
        return lk[name].astype("string").to_numpy() if name in lk.columns else np.full(n, pd.NA, dtype=object)

    return pd.DataFrame({
        "event_id": t["task_instance"].astype("string").to_numpy(),
        "case:concept:name": col("case_id"),
        "concept:name": label.astype("string").fillna(t["task_type"].astype("string")).to_numpy(),
        "time:timestamp": _utc(t["end"]).to_numpy(),
        "start_timestamp": _utc(t["start"]).to_numpy(),
        "org:resource": t["user"].astype("string").to_numpy(),
        "level": TASK,
        "task_type": t["task_type"].astype("string").to_numpy(),
        "task_instance": t["task_instance"].astype("string").to_numpy(),
        "parent": col("system_activity"),
        "parent_event": col("parent_event"),
        "link_method": method.to_numpy(),
        "link_confidence": conf.to_numpy(),
        "active_time": t["active_time"].astype("Float64").to_numpy() if "active_time" in t.columns else np.nan,
        "app": t["app"].astype("string").to_numpy() if "app" in t.columns else pd.NA,
        "device": t["device"].astype("string").to_numpy() if "device" in t.columns else pd.NA,
        "app_switches": t["app_switches"].astype("Int64").to_numpy() if "app_switches" in t.columns else 0,
    })


def _case_rows(system_log: pd.DataFrame) -> pd.DataFrame:
    n = len(system_log)
    s = system_log.reset_index(drop=True)
    end = pd.to_datetime(s["time:timestamp"], utc=True)
    start = pd.to_datetime(s["start_timestamp"], utc=True).fillna(end) if "start_timestamp" in s.columns else end
    out = pd.DataFrame({
        "event_id": s["event_id"].astype("string") if "event_id" in s.columns
        else pd.Series([f"s{i}" for i in range(n)], dtype="string"),
        "case:concept:name": s["case:concept:name"].astype("string"),
        "concept:name": s["concept:name"].astype("string"),
        "time:timestamp": end,
        "start_timestamp": start,
        "org:resource": s["org:resource"].astype("string") if "org:resource" in s.columns
        else pd.Series(pd.NA, index=s.index, dtype="string"),
        "level": CASE,
    })
    extra = [c for c in s.columns if c not in out.columns and c not in MERGED_COLUMNS]
    return pd.concat([out, s[extra]], axis=1)


def build_merged_log(system_log: pd.DataFrame, tasks: pd.DataFrame, links: pd.DataFrame) -> pd.DataFrame:
    """The flat two-level log of ``system_log`` and the linked ``tasks`` (see the module doc).

    ``tasks``: one row per task instance (``linking.tasks.task_table``, index or column
    ``task_instance``); ``links``: per task instance (or per event, first row per instance
    used) ``case_id``, ``system_activity``, ``parent_event``, ``method``, ``confidence``.
    """
    case_rows = _case_rows(system_log)
    task_rows = _task_rows(tasks, links)
    merged = pd.concat([case_rows, task_rows], ignore_index=True, sort=False)
    merged["level"] = merged["level"].astype("string")
    for name in ("case:concept:name", "concept:name", "org:resource", "task_type", "task_instance", "parent",
                 "parent_event", "link_method", "app", "device", "event_id"):
        merged[name] = merged[name].astype("string")
    merged["link_confidence"] = merged["link_confidence"].astype("Float64")
    merged["active_time"] = merged["active_time"].astype("Float64")
    merged["app_switches"] = merged["app_switches"].astype("Int64")
    merged["time:timestamp"] = pd.to_datetime(merged["time:timestamp"], utc=True)
    merged["start_timestamp"] = pd.to_datetime(merged["start_timestamp"], utc=True)
    rank = (merged["level"] == TASK).astype("int8")
    order = np.lexsort((np.arange(len(merged)), rank.to_numpy(),
                        merged["time:timestamp"].astype("int64").to_numpy()))
    merged = merged.iloc[order].reset_index(drop=True)
    extra = [c for c in merged.columns if c not in MERGED_COLUMNS]
    return merged[[*MERGED_COLUMNS, *extra]]

"""Task types for the console's Tasks page, from the task-level rows of a two-level log.

Per task type: instances, events, active time and its share, the apps used, and the
system activities it serves; and a type's own map (the directly-follows graph of the
types' steps when the rows carry a step column, else of the activities it serves).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from taskloom.mining.columns import ACTIVITY, CASE, START_TIMESTAMP, TIMESTAMP
from taskloom.server.console import levels
from taskloom.server.console.casesview import ACTIVE_COLUMNS

if TYPE_CHECKING:
    import pandas as pd

TOP = 5


def _instances(tasks: pd.DataFrame) -> pd.DataFrame:
    """One row per task instance: type, active seconds, first app."""
    key = levels.TASK_INSTANCE if levels.TASK_INSTANCE in tasks.columns else None
    frame = tasks.assign(_inst=tasks[key] if key else tasks.index)
    active = next((c for c in ACTIVE_COLUMNS if c in frame.columns), None)
    grp = frame.groupby("_inst", sort=False)
    out = grp[levels.TASK_TYPE].first().to_frame("task_type")
    if active:
        out["active_s"] = grp[active].sum()
    else:
        begin = grp[START_TIMESTAMP].min() if START_TIMESTAMP in frame.columns else grp[TIMESTAMP].min()
        out["active_s"] = (grp[TIMESTAMP].max() - begin.fillna(grp[TIMESTAMP].min())).dt.total_seconds()
    out["events"] = grp.size()
    return out


def _top(series: pd.Series) -> list[dict[str, Any]]:
    counts = series.dropna().astype(str).value_counts().head(TOP)
    return [{"name": k, "count": int(v)} for k, v in counts.items()]


def task_types(tasks: pd.DataFrame) -> dict[str, Any]:
    """The task-type table: instances, events, active time, share, apps, served activities."""
    inst = _instances(tasks)
    total_active = float(inst["active_s"].sum()) or 1.0
    rows: list[dict[str, Any]] = []
    for ttype, grp in inst.groupby("task_type", sort=False):
        mine = tasks[(tasks[levels.TASK_TYPE] == ttype).to_numpy()]
        label = mine[ACTIVITY].iloc[0] if ACTIVITY in mine.columns and len(mine) else ttype
        rows.append({
            "task_type": str(ttype), "label": str(label), "instances": len(grp), "events": int(grp["events"].sum()),
            "active_s": float(grp["active_s"].sum()), "share": float(grp["active_s"].sum()) / total_active,
            "median_active_s": float(grp["active_s"].median()),
            "apps": _top(mine["app"]) if "app" in mine.columns else [],
            "serves": _top(mine[levels.PARENT]),
            "cases": int(mine[CASE].nunique()),
        })
    rows.sort(key=lambda r: -r["active_s"])
    return {"types": rows, "instances": len(inst), "active_s": total_active}

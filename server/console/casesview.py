"""Cases for the console: a searchable list and one case's timeline.

The timeline lists the case's system events in order; beneath each one, the task
instances that served it (two-level logs: task rows whose ``parent`` is the event's
activity, assigned to the first occurrence of that activity at or after the task) with
their active time.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from taskloom.mining import columns as mc
from taskloom.server.console import levels

if TYPE_CHECKING:
    import pandas as pd

SORTS = ("start", "-start", "duration", "-duration", "events", "-events", "case")
PARENT_EVENT, EVENT_ID = "parent_event", "event_id"  # merged-log columns (DESIGN.md)
ACTIVE_COLUMNS = ("active_s", "active_time", "active_time_s", "task_active_s")


def _iso(value: Any) -> str | None:
    return None if value is None or value != value else value.isoformat()


def case_table(log: pd.DataFrame) -> pd.DataFrame:
    """One row per case: events, start, end, duration, first and last activity."""
    from taskloom.mining.ordering import order_log

    o = order_log(log, mc.ACTIVITY)
    names = np.asarray([str(x) for x in o.act_names] + [""], dtype=object)
    import pandas as pd

    return pd.DataFrame({
        "case": pd.Series([str(c) for c in o.case_names], dtype=object),
        "events": (o.last - o.first + 1).astype(np.int64),
        "start": pd.to_datetime(o.ts[o.first], utc=True),
        "end": pd.to_datetime(o.ts[o.last], utc=True),
        "duration_s": (o.ts[o.last] - o.ts[o.first]) / 1e9,
        "first_activity": names[o.act[o.first]],
        "last_activity": names[o.act[o.last]],
    })


def cases_page(table: pd.DataFrame, query: str, sort: str, limit: int, offset: int) -> dict[str, Any]:
    """A page of the case table, searched by case id (substring, case-insensitive)."""
    rows = table
    if query:
        rows = rows[rows["case"].astype(str).str.contains(query, case=False, regex=False).to_numpy()]
    key = sort.lstrip("-")
    rows = rows.sort_values([key, "case"] if key != "case" else ["case"],
                            ascending=not sort.startswith("-"), kind="stable")
    page = rows.iloc[offset:offset + limit]
    return {"total": len(table), "matching": len(rows), "offset": offset, "cases": [
        {"case": c, "events": int(e), "start": _iso(s), "end": _iso(en), "duration_s": float(d),
         "first_activity": str(fa), "last_activity": str(la)}
        for c, e, s, en, d, fa, la in zip(page["case"], page["events"], page["start"], page["end"],
                                          page["duration_s"], page["first_activity"],
                                          page["last_activity"], strict=True)]}


def _json(value: Any) -> Any:
    if value is None or (isinstance(value, float) and value != value):
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value.item() if hasattr(value, "item") else value


def _task_instances(rows: pd.DataFrame) -> list[tuple[dict[str, Any], Any]]:
    """Task instances of some task rows (type, start, end, active time, user, app), each
    with its end time."""
    key = levels.TASK_INSTANCE if levels.TASK_INSTANCE in rows.columns else levels.TASK_TYPE
    active = next((c for c in ACTIVE_COLUMNS if c in rows.columns), None)
    out = []
    for inst, grp in rows.groupby(key, sort=False):
        start = grp[mc.START_TIMESTAMP].min() if mc.START_TIMESTAMP in grp.columns else grp[mc.TIMESTAMP].min()
        if start != start:  # all start timestamps missing
            start = grp[mc.TIMESTAMP].min()
        end = grp[mc.TIMESTAMP].max()
        ttype = str(grp[levels.TASK_TYPE].iloc[0])
        label = str(grp[mc.ACTIVITY].iloc[0]) if mc.ACTIVITY in grp.columns else ttype
        item = {"task_instance": str(inst), "task_type": ttype, "label": label,
                "start": _iso(start), "end": _iso(end),
                "active_s": float(grp[active].sum()) if active else (end - start).total_seconds(),
                "active_measured": active is not None}
        for col in (mc.RESOURCE, "user", "app"):
            if col in grp.columns:
                item[col.replace("org:", "")] = _json(grp[col].iloc[0])
        out.append((item, end))
    return out


def case_detail(log: pd.DataFrame, tasks: pd.DataFrame | None, case_id: str) -> dict[str, Any] | None:
    """The timeline of one case, or None when the (filtered) log has no such case."""
    rows = log[(log[mc.CASE].astype(str) == case_id).to_numpy()]
    if rows.empty:
        return None
    order = [c for c in (mc.START_TIMESTAMP, mc.TIMESTAMP) if c in rows.columns]
    rows = rows.sort_values(order, kind="stable") if len(order) == 2 else rows.sort_values(mc.TIMESTAMP, kind="stable")
    case_attrs = {c: _json(rows[c].iloc[0]) for c in rows.columns if str(c).startswith(mc.CASE_PREFIX)
                  and c != mc.CASE}
    skip = {mc.CASE, *case_attrs}
    events = [{k: _json(v) for k, v in rec.items() if k not in skip and _json(v) is not None}
              for rec in rows.to_dict("records")]
    for ev in events:
        ev["tasks"] = []
    if tasks is not None:
        mine = tasks[(tasks[mc.CASE].astype(str) == case_id).to_numpy()]
        ts = rows[mc.TIMESTAMP].tolist()
        acts = rows[mc.ACTIVITY].astype(str).to_numpy()
        if PARENT_EVENT in mine.columns and EVENT_ID in rows.columns:
            # A stored merge names the system event each task served: put it exactly there.
            where = {str(e): i for i, e in enumerate(rows[EVENT_ID].astype(str))}
            known = mine[PARENT_EVENT].astype(str).isin(where).to_numpy()
            for event, grp in mine[known].groupby(PARENT_EVENT, sort=False):
                events[where[str(event)]]["tasks"].extend(item for item, _ in _task_instances(grp))
            mine = mine[~known]
        for parent, grp in mine.groupby(levels.PARENT, sort=False):
            at = np.flatnonzero(acts == str(parent)).tolist()
            for inst, end in _task_instances(grp):
                later = [i for i in at if ts[i] >= end]
                if at:
                    events[later[0] if later else at[-1]]["tasks"].append(inst)
    duration = (rows[mc.TIMESTAMP].max() - rows[mc.TIMESTAMP].min()).total_seconds()
    return {"case": case_id, "attributes": case_attrs, "events": events, "duration_s": duration,
            "two_level": tasks is not None}

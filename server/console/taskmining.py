"""Task discovery for the console's Tasks page: the job, the type table, a type's own map.

The job runs the collector's task discovery (``collector.tasks.discover``, the code behind
`taskloom tasks discover --study`) on the study's stored UI events and keeps the result
for the page: per task type its instances, users, share of active time, clicks and keys
per instance, apps and screens (titles with identifiers masked), and the automation
estimate of ``collector.tasks.stats`` (the one `taskloom tasks report` prints). Labels an
analyst gives are stored with the study (setting ``task_labels``) and win over generated
ones. A type's own map is the directly-follows map of the steps (kind, app, element or
masked screen) inside its instances, drawn by the map renderer.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from taskloom.collector.store import Store

LABELS_SETTING = "task_labels"
MAX_LABEL = 80
TOP = 5
MAP_NODES = 25


@dataclass(frozen=True)
class Discovered:
    """One discovery run on a study: the event frame with its types, the segments, labels."""

    events: pd.DataFrame  # task-mining frame + task_type, task_instance
    segments: pd.DataFrame  # one row per task instance (collector.tasks.features) + task_type
    labels: dict[str, str]  # generated labels
    days: float
    finished_at: float


class TaskResults:
    """The latest discovery per study (``app.state.console.tasks``), replaced by each run."""

    def __init__(self) -> None:
        self._by_study: dict[int, Discovered] = {}
        self._lock = threading.Lock()

    def put(self, study_id: int, found: Discovered) -> None:
        with self._lock:
            self._by_study[study_id] = found

    def get(self, study_id: int) -> Discovered | None:
        with self._lock:
            return self._by_study.get(study_id)


def discover_study(store: Store, study_id: int, progress: Callable[[float, str], None]) -> Discovered:
    """Read the study's UI events, discover task instances and types (StoreError: no events)."""
    from taskloom.collector.services.tasks import study_events
    from taskloom.collector.tasks.discover import discover

    progress(0.05, "reading the study's UI events")
    _, ev = study_events(store, study_id)
    progress(0.3, f"segmenting and clustering {len(ev):,} UI events")
    res = discover(ev)
    progress(0.9, f"{len(res.segments):,} task instances; summarising")
    events = ev.assign(task_type=res.task_type, task_instance=res.task_instance)
    span = (int(ev["ts"].max()) - int(ev["ts"].min())) / 86_400_000 if len(ev) else 0.0
    return Discovered(events, res.segments, dict(res.labels), max(span, 1 / 24), time.time())


def saved_labels(settings: Mapping[str, Any] | None) -> dict[str, str]:
    found = (settings or {}).get(LABELS_SETTING)
    return {str(k): str(v) for k, v in found.items()} if isinstance(found, dict) else {}


def clean_labels(given: Mapping[str, str]) -> dict[str, str]:
    """Labels as stored: trimmed, at most MAX_LABEL characters; an empty label is removed."""
    out = {}
    for key, value in given.items():
        text = " ".join(str(value).split())
        if len(text) > MAX_LABEL:
            raise ValueError(f"the label of {key!r} is {len(text)} characters; keep it to {MAX_LABEL}")
        out[str(key)[:200]] = text
    return out


def _top(values: pd.Series) -> list[dict[str, Any]]:
    counts = values.dropna().astype(str)
    counts = counts[counts != ""].value_counts().head(TOP)
    return [{"name": str(k), "count": int(v)} for k, v in counts.items()]


def type_rows(found: Discovered, labels: Mapping[str, str]) -> dict[str, Any]:
    """The Tasks page's table: every type (idle left out) with counts, share, apps, screens,
    and the automation estimate; candidates first by estimated hours saved per month."""
    import pandas as pd

    from taskloom.collector.metrics.categories import screen_label
    from taskloom.collector.tasks.labels import IDLE_TYPE
    from taskloom.collector.tasks.stats import automation_candidates, type_table

    names = {**found.labels, **{k: v for k, v in labels.items() if v}}
    table = automation_candidates(type_table(found.segments, names), found.days)
    ev = found.events[found.events["task_type"] != IDLE_TYPE]
    total = float(table["mean_active_s"].mul(table["instances"]).sum()) or 1.0
    by_type = dict(tuple(ev.groupby("task_type", sort=False)))
    rows: list[dict[str, Any]] = []
    for r in table.to_dict("records"):
        mine = by_type.get(str(r["task_type"]))
        active = float(r["mean_active_s"]) * int(r["instances"])
        screens = ([screen_label(a, t) for a, t in zip(mine["app"].tolist(), mine["title"].tolist(), strict=True)]
                   if mine is not None else [])
        rows.append({
            "task_type": str(r["task_type"]), "label": names.get(str(r["task_type"]), str(r["task_type"])),
            "generated_label": found.labels.get(str(r["task_type"]), ""),
            "renamed": bool(labels.get(str(r["task_type"]))),
            "instances": int(r["instances"]), "users": int(r["users"]), "active_s": active,
            "share": active / total, "median_active_s": float(r["median_active_s"]),
            "clicks_per_instance": float(r["clicks_per_instance"]),
            "keys_per_instance": float(r["keys_per_instance"]), "variants": int(r["variants"]),
            "apps": _top(mine["app"]) if mine is not None else [],
            "screens": _top(pd.Series(screens)) if screens else [],
            "repetitiveness": float(r["repetitiveness"]), "automatable_share": float(r["automatable_share"]),
            "hours_saved_per_month": float(r["hours_saved_per_month"]),
        })
    rows.sort(key=lambda x: -float(x["active_s"]))
    candidates = sorted(rows, key=lambda x: -float(x["hours_saved_per_month"]))[:TOP]
    return {"types": rows, "candidates": [c["task_type"] for c in candidates],
            "instances": int(table["instances"].sum()), "active_s": total if len(rows) else 0.0,
            "events": len(found.events), "days": found.days, "finished_at": int(found.finished_at * 1000)}


def steps(events: pd.DataFrame) -> pd.Series:
    """A readable step per event: what was done, in which app, on which element or screen."""
    from taskloom.collector.tasks.segment import mask_title

    where = events["element"].astype("string").fillna(mask_title(events["title"].astype("string")))
    return (events["kind"].astype("string").fillna("?") + " · " + events["app"].astype("string").fillna("?")
            + " · " + where.fillna("")).str.slice(0, 80)


def type_map(found: Discovered, task_type: str) -> dict[str, Any] | None:
    """The directly-follows map of the steps inside one type's instances (None: no such type)."""
    import pandas as pd

    from taskloom.mining import columns as mc
    from taskloom.mining.abstraction import abstract_dfg
    from taskloom.mining.dfg import discover_dfg
    from taskloom.mining.render import layout_dfg, render_svg

    mine = found.events[(found.events["task_type"] == task_type).to_numpy()]
    if mine.empty:
        return None
    log = pd.DataFrame({mc.CASE: mine["task_instance"].astype(str).to_numpy(),
                        mc.ACTIVITY: steps(mine).to_numpy(),
                        mc.TIMESTAMP: pd.to_datetime(mine["ts"].to_numpy(), unit="ms", utc=True),
                        "seq": mine["seq"].to_numpy()})
    log = log.sort_values([mc.CASE, mc.TIMESTAMP, "seq"], kind="stable").drop(columns="seq")
    dfg = discover_dfg(log)
    nodes_pct = min(100.0, 100.0 * MAP_NODES / max(1, len(dfg.nodes)))
    shown = abstract_dfg(dfg, nodes_pct, 100.0 if len(dfg.edges) <= 2 * MAP_NODES else 50.0)
    lay = layout_dfg(shown, "TB")
    svg = render_svg(shown, overlay="frequency", layout=lay)
    return {"task_type": task_type, "svg": svg.split("?>", 1)[1].lstrip() if svg.startswith("<?xml") else svg,
            "steps": len(dfg.nodes), "shown": len(shown.nodes), "instances": int(log[mc.CASE].nunique())}

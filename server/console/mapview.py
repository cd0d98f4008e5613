"""The process map the console shows: one SVG from the shared renderer, plus node data.

The map is drawn by ``mining.render.render_svg`` (the CLI's renderer) on a layout anchored
to the study's reference layout (``mining.render.anchored``), so the nodes that stay
visible keep their positions whatever the sliders and filters do. A system activity with
task-level rows beneath it (a two-level log) expands into its own task map, laid out and
drawn by the same code.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from taskloom.mining import columns as mc
from taskloom.server.console import levels

if TYPE_CHECKING:
    import pandas as pd

    from taskloom.mining.dfg_model import DFG
    from taskloom.server.console.logcache import StudyLogs

LABELS = {mc.ACTIVITY: "Activity", mc.RESOURCE: "Resource", levels.TASK_TYPE: "Task type",
          "app": "App", "lifecycle:transition": "Lifecycle"}
MAX_PERSPECTIVE_VALUES = 400
NEIGHBOURS = 5


@dataclass(frozen=True)
class MapParams:
    """A map request: sliders, overlay, colour, perspective, direction, expanded nodes."""

    nodes: float = 100.0
    arcs: float | None = None  # None: a readable start (see ``auto_arcs``)
    overlay: str = "frequency"
    color: str = "frequency"
    perspective: str = mc.ACTIVITY
    direction: str = "TB"
    expand: tuple[str, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Perspective:
    column: str
    label: str
    values: int


READABLE_ARCS = 60


def auto_arcs(dfg: DFG, nodes_pct: float) -> float:
    """An arcs slider value that shows about two arcs per visible node (≥ 60 arcs)."""
    from taskloom.mining.abstraction import abstract_dfg

    among = len(abstract_dfg(dfg, nodes_pct, 100.0).edges)
    if among == 0:
        return 100.0
    visible = max(1, round(len(dfg.nodes) * nodes_pct / 100))
    want = max(READABLE_ARCS, 2 * visible)
    return 100.0 if among <= want else max(1.0, float(int(100.0 * want / among)))


def perspectives(log: pd.DataFrame) -> list[Perspective]:
    """Columns a map can be drawn over: activity, resource and other categorical event
    attributes with at most ``MAX_PERSPECTIVE_VALUES`` values (not case attributes)."""
    skip = {mc.CASE, mc.TIMESTAMP, mc.START_TIMESTAMP, levels.LEVEL, levels.PARENT, levels.TASK_INSTANCE}
    out = []
    for col in log.columns:
        name = str(col)
        if name in skip or name.startswith(mc.CASE_PREFIX) or log[col].dtype.kind in "fMm":
            continue
        n = int(log[col].nunique(dropna=True))
        if 1 <= n <= MAX_PERSPECTIVE_VALUES or name == mc.ACTIVITY:
            out.append(Perspective(name, LABELS.get(name, name), n))
    order = list(LABELS)
    out.sort(key=lambda p: (order.index(p.column) if p.column in order else len(order), p.label))
    return out


def _neighbours(dfg: DFG) -> tuple[dict[str, list[dict[str, Any]]], dict[str, list[dict[str, Any]]]]:
    """Per node: its strongest predecessors and successors (name, frequency, mean gap)."""
    e = dfg.edges.sort_values("frequency", ascending=False, kind="stable")
    maps: list[dict[str, list[dict[str, Any]]]] = []
    for key, other in (("target", "source"), ("source", "target")):
        top = e.groupby(key, sort=False).head(NEIGHBOURS)
        found: dict[str, list[dict[str, Any]]] = {}
        for k, o, f, m in zip(top[key].tolist(), top[other].tolist(), top["frequency"].tolist(),
                              top["mean_s"].tolist(), strict=True):
            found.setdefault(str(k), []).append({"name": str(o), "frequency": int(f),
                                                 "mean_s": float(m)})
        maps.append(found)
    return maps[0], maps[1]


def _node_rows(full: DFG, shown: DFG, layout: Any, expandable: set[str]) -> list[dict[str, Any]]:
    nodes = full.nodes.loc[shown.nodes.index]
    preds, succs = _neighbours(full)
    extra = [c for c in ("duration_mean_s", "duration_median_s") if c in nodes.columns]
    out = []
    for name, freq, cases, *durations in zip(nodes.index, nodes["frequency"].tolist(),
                                             nodes["cases"].tolist(),
                                             *(nodes[c].tolist() for c in extra), strict=True):
        key = str(name)
        box = layout.nodes[key]
        item: dict[str, Any] = {
            "name": key, "frequency": int(freq), "cases": int(cases),
            "x": box.x, "y": box.y, "w": box.w, "h": box.h,
            "starts": int(full.start.get(key, 0)), "ends": int(full.end.get(key, 0)),
            "in": preds.get(key, []), "out": succs.get(key, []), "expandable": key in expandable,
        }
        item.update({c: float(v) for c, v in zip(extra, durations, strict=True)})
        out.append(item)
    return out


def _edge_rows(dfg: DFG) -> list[dict[str, Any]]:
    e = dfg.edges
    cols = ["frequency", "cases", "mean_s", "median_s", "min_s", "max_s", "total_s"]
    return [{"source": str(s), "target": str(t),
             **{c: (int(v) if c in ("frequency", "cases") else float(v))
                for c, v in zip(cols, vals, strict=True)}}
            for s, t, *vals in zip(e["source"], e["target"], *(e[c] for c in cols), strict=True)]


_ID = re.compile(r'(id="|url\(#)([A-Za-z][\w-]*)')


def prefix_ids(svg: str, prefix: str) -> str:
    """Make an SVG's ids unique inside a page that already holds another map."""
    return _ID.sub(lambda m: f"{m.group(1)}{prefix}{m.group(2)}", svg)


def _strip_prolog(svg: str) -> str:
    return svg.split("?>", 1)[1].lstrip() if svg.startswith("<?xml") else svg


def submap(tasks: pd.DataFrame, activity: str, cases: set[Any], params: MapParams,
           index: int) -> dict[str, Any] | None:
    """The task-level map under ``activity`` for the kept cases (None when empty)."""
    from taskloom.mining.dfg import discover_dfg
    from taskloom.mining.render import layout_dfg, render_svg

    rows = tasks[(tasks[levels.PARENT].astype(str) == activity).to_numpy()
                 & tasks[mc.CASE].isin(cases).to_numpy()]
    if rows.empty:
        return None
    # Task rows name their type's readable label in concept:name (the merged-log contract);
    # task_type holds the type id.
    dfg = discover_dfg(rows, perspective=mc.ACTIVITY if mc.ACTIVITY in rows.columns else levels.TASK_TYPE)
    lay = layout_dfg(dfg, "TB")
    svg = render_svg(dfg, overlay=params.overlay, color=params.color, layout=lay)
    return {"activity": activity, "svg": prefix_ids(_strip_prolog(svg), f"sub{index}-"),
            "width": lay.width, "height": lay.height, "nodes": len(dfg.nodes),
            "instances": int(rows[levels.TASK_INSTANCE].nunique())
            if levels.TASK_INSTANCE in rows.columns else len(rows)}


def _desk(d: Any) -> dict[str, Any]:
    """A node's desk work (``mining.twolevel.DeskWork``) for the details panel."""
    import math

    def num(x: float) -> float | None:
        return float(x) if math.isfinite(x) else None

    return {"occurrences": d.occurrences, "with_work": d.with_work, "cases": d.cases,
            "cases_with_work": d.cases_with_work, "tasks": d.tasks, "total_s": d.total_s,
            "median_s": num(d.median_s), "mean_s": num(d.mean_s),
            "top_types": [{"name": t.name, "instances": t.instances, "active_s": t.active_s}
                          for t in d.top_types]}


def two_level(logs: StudyLogs, study_id: int, spec: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Desk work per system activity and the unattributed group of a study with a stored
    merge (``mining.twolevel``, the model behind ``/model`` and `taskloom map --levels 2`)."""
    merged = logs.merged(study_id)
    if merged is None:
        return None

    def make(_log: Any) -> dict[str, Any]:
        from taskloom.mining.twolevel import two_level_model

        model = two_level_model(merged, spec=spec or None)
        u = model.unattributed
        return {"desk": {k: _desk(v) for k, v in model.desk.items()},
                "unattributed": {"tasks": u.tasks, "no_case": u.no_case, "case_only": u.case_only,
                                 "active_s": u.total_s,
                                 "top_types": [{"name": t.name, "instances": t.instances,
                                                "active_s": t.active_s} for t in u.top_types]}}

    found: dict[str, Any] = logs.derived(study_id, spec, "two-level", make)
    return found


def map_view(logs: StudyLogs, study_id: int, spec: list[dict[str, Any]],
             params: MapParams) -> dict[str, Any]:
    """The map document for the console (see docs/console.md, "Process map")."""
    from taskloom.mining.abstraction import abstract_dfg
    from taskloom.mining.render import render_svg
    from taskloom.mining.render.anchored import anchored_layout
    from taskloom.mining.render.svg import LEGEND_H

    log = logs.filtered(study_id, spec)
    full_log = logs.log(study_id)
    if params.perspective not in log.columns:
        raise ValueError(f"perspective {params.perspective!r} is not a column of this study's "
                         "log; pick one the map page lists")
    tasks = logs.tasks(study_id) if params.perspective == mc.ACTIVITY else None
    expandable = set(tasks[levels.PARENT].astype(str).unique()) if tasks is not None else set()
    if log.empty:
        return {"empty": True, "total_events": len(full_log), "svg": "", "nodes": [],
                "edges": [], "submaps": [], "expandable": sorted(expandable)}
    full = logs.dfg(study_id, spec, params.perspective)
    arcs = params.arcs if params.arcs is not None else auto_arcs(full, params.nodes)
    shown = abstract_dfg(full, params.nodes, arcs)
    reference = logs.reference(study_id, params.perspective, params.direction, extra=full)
    layout = anchored_layout(reference, shown)
    svg = render_svg(shown, overlay=params.overlay, color=params.color,
                     direction=params.direction, layout=layout)
    subs: list[dict[str, Any]] = []
    if tasks is not None and params.expand:
        cases = set(log[mc.CASE].unique())
        for i, act in enumerate(a for a in params.expand if a in layout.nodes):
            sub = submap(tasks, act, cases, params, i)
            if sub is not None:
                subs.append(sub)
    rows = _node_rows(full, shown, layout, expandable)
    linked = two_level(logs, study_id, spec) if params.perspective == mc.ACTIVITY else None
    if linked is not None:
        for row in rows:
            desk = linked["desk"].get(row["name"])
            if desk is not None:
                row["desk"] = desk
    return {
        "unattributed": linked["unattributed"] if linked is not None else None,
        "empty": False, "svg": _strip_prolog(svg), "perspective": params.perspective,
        "nodes_pct": params.nodes, "arcs_pct": arcs,
        "width": layout.width, "height": layout.height + LEGEND_H, "offset_y": LEGEND_H,
        "nodes": rows, "edges": _edge_rows(shown),
        "node_count": len(full.nodes), "edge_count": len(full.edges),
        "total_cases": full.total_cases, "expandable": sorted(expandable), "submaps": subs,
    }

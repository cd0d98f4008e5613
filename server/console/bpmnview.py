"""The BPMN view of the map page: the Inductive Miner's model of the filtered log.

Discovery is ``mining.discovery`` (IMf with the page's noise threshold), drawn by
``mining.render.bpmn_svg`` with Apromore-style frequency or duration overlays
(``mining.conformance.overlay``), and written as BPMN 2.0 XML with diagram interchange
(``mining.io.bpmn_xml``) or as PNML (``mining.io.pnml``) for download: the same code as
`taskloom discover`. The process tree is cached per (filter, perspective, noise).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from taskloom.mining import columns as mc

if TYPE_CHECKING:
    from taskloom.mining.discovery import ProcessTree
    from taskloom.server.console.logcache import StudyLogs


@dataclass(frozen=True)
class BpmnParams:
    noise: float = 0.2
    color: str = "frequency"  # frequency | duration
    perspective: str = mc.ACTIVITY


def _tree(logs: StudyLogs, study_id: int, spec: list[dict[str, Any]], p: BpmnParams) -> ProcessTree:
    from taskloom.mining.discovery import discover_tree

    return logs.derived(study_id, spec, "im-tree",
                        lambda log: discover_tree(log, noise=p.noise, activity=p.perspective),
                        p.perspective, round(p.noise, 4))


def _check(logs: StudyLogs, study_id: int, spec: list[dict[str, Any]], p: BpmnParams) -> bool:
    """False when no events pass the filter; ValueError for a perspective the log lacks."""
    log = logs.filtered(study_id, spec)
    if p.perspective not in log.columns:
        raise ValueError(f"perspective {p.perspective!r} is not a column of this study's log; "
                         "pick one the map page lists")
    return not log.empty


def _model(logs: StudyLogs, study_id: int, spec: list[dict[str, Any]], p: BpmnParams) -> tuple[Any, ...]:
    """(model, layout, overlay, cases) per (filter, perspective, noise): a colour change
    only redraws."""
    from taskloom.mining.conformance.overlay import bpmn_overlay
    from taskloom.mining.discovery.bpmn import tree_to_bpmn
    from taskloom.mining.render.bpmn_svg import layout_bpmn

    def make(log: Any) -> tuple[Any, ...]:
        model = tree_to_bpmn(_tree(logs, study_id, spec, p))
        return model, layout_bpmn(model), bpmn_overlay(log, model, p.perspective), int(log[mc.CASE].nunique())

    found: tuple[Any, ...] = logs.derived(study_id, spec, "bpmn-model", make, p.perspective, round(p.noise, 4))
    return found


def bpmn_view(logs: StudyLogs, study_id: int, spec: list[dict[str, Any]], p: BpmnParams) -> dict[str, Any]:
    """The model drawn with overlays, and its size in elements."""
    from taskloom.mining.render.bpmn_svg import render_bpmn_svg

    if not _check(logs, study_id, spec, p):
        return {"empty": True, "total_events": len(logs.log(study_id)), "svg": ""}
    model, layout, overlay, cases = _model(logs, study_id, spec, p)
    svg = render_bpmn_svg(model, overlay, p.color, layout)
    kinds = [n.kind for n in model.nodes]
    tasks = [{"id": n.id, "name": n.name, "frequency": overlay.task_frequency.get(n.name),
              "mean_s": overlay.task_duration_s.get(n.name)} for n in model.nodes if n.kind == "task"]
    return {"empty": False, "svg": svg.split("?>", 1)[1].lstrip(), "width": layout.width,
            "height": layout.height, "noise": p.noise, "perspective": p.perspective,
            "tasks": len(tasks), "task_stats": tasks, "gateways": kinds.count("xor") + kinds.count("and"),
            "flows": len(model.flows), "cases": cases}


def bpmn_file(logs: StudyLogs, study_id: int, spec: list[dict[str, Any]], p: BpmnParams,
              kind: str) -> str:
    """The model as BPMN 2.0 XML with DI (``kind="bpmn"``) or as a PNML Petri net."""
    from taskloom.mining.discovery.tree_to_net import tree_to_net
    from taskloom.mining.io.bpmn_xml import bpmn_to_xml
    from taskloom.mining.io.pnml import net_to_pnml

    if not _check(logs, study_id, spec, p):
        raise ValueError("no events pass the filter; clear or change the filters first")
    if kind == "pnml":
        return net_to_pnml(tree_to_net(_tree(logs, study_id, spec, p)))
    model, layout, _, _ = _model(logs, study_id, spec, p)
    return bpmn_to_xml(model, layout)

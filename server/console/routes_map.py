"""JSON for the process-map page: the map itself and what the filter panel can offer."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import Response

from taskloom.mining.render.style import COLORS, OVERLAYS
from taskloom.server.console import bpmnview, mapview, statsview
from taskloom.server.console.apiutil import FilterParam, json_response, logs_of, parse_filter
from taskloom.server.console.principal import StudyId, Viewer, study_or_404

router = APIRouter(prefix="/api/v1/studies/{study_id}", tags=["console"])

Pct = Annotated[float, Query(gt=0, le=100)]


@router.get("/map", summary="the process map (SVG + node data) for the console")
def get_map(request: Request, study_id: StudyId, caller: Viewer, filter: FilterParam = "",
            nodes: Pct = 100.0, arcs: Annotated[float | None, Query(gt=0, le=100)] = None,
            overlay: Annotated[str, Query(max_length=32)] = "frequency",
            color: Annotated[str, Query(max_length=32)] = "frequency",
            perspective: Annotated[str, Query(max_length=200)] = "concept:name",
            direction: Literal["TB", "LR"] = "TB",
            expand: Annotated[list[str] | None, Query(max_length=20)] = None) -> Response:
    """The map of the study's system log after the filter, at the slider settings.

    Visible nodes keep their positions across slider and filter changes (one reference
    layout per perspective). Without ``arcs``, the arcs slider starts where the map stays
    readable (about two arcs per node, at least 60). ``expand`` lists system activities whose task-level sub-map
    is wanted (two-level logs).
    """
    if overlay not in OVERLAYS:
        raise HTTPException(422, f"overlay {overlay!r}: use one of {', '.join(OVERLAYS)}")
    if color not in COLORS:
        raise HTTPException(422, f"color {color!r}: use one of {', '.join(COLORS)}")
    study_or_404(request.app.state.store, caller, study_id)
    spec = parse_filter(filter)
    params = mapview.MapParams(nodes, arcs, overlay, color, perspective, direction,
                               tuple(expand or ()))
    try:
        doc = mapview.map_view(logs_of(request), study_id, spec, params)
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from None
    return json_response(doc)


@router.get("/log-info", summary="what the filter panel and the map controls can offer")
def log_info(request: Request, study_id: StudyId, caller: Viewer) -> Response:
    """Activities, resources, attributes with their values, the timeframe, perspectives."""
    study_or_404(request.app.state.store, caller, study_id)
    logs = logs_of(request)
    info: dict[str, Any] = logs.derived(study_id, [], "log-info", statsview.log_info)
    info["two_level"] = logs.tasks(study_id) is not None
    return json_response(info)


Noise = Annotated[float, Query(ge=0, le=1, description="IMf noise threshold (0: plain IM)")]


def _bpmn_params(noise: float, color: str, perspective: str) -> bpmnview.BpmnParams:
    if color not in ("frequency", "duration"):
        raise HTTPException(422, f"color {color!r}: use frequency or duration")
    return bpmnview.BpmnParams(noise, color, perspective)


@router.get("/bpmn", summary="the Inductive Miner's BPMN model of the filtered log, as SVG")
def get_bpmn(request: Request, study_id: StudyId, caller: Viewer, filter: FilterParam = "",
             noise: Noise = 0.2, color: Annotated[str, Query(max_length=32)] = "frequency",
             perspective: Annotated[str, Query(max_length=200)] = "concept:name") -> Response:
    """IMf with ``noise``, drawn with frequency or duration overlays (as `taskloom discover`)."""
    study_or_404(request.app.state.store, caller, study_id)
    spec = parse_filter(filter)
    try:
        doc = bpmnview.bpmn_view(logs_of(request), study_id, spec,
                                 _bpmn_params(noise, color, perspective))
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from None
    return json_response(doc)


@router.get("/bpmn/export", summary="the BPMN model as BPMN 2.0 XML (with DI) or PNML")
def export_bpmn(request: Request, study_id: StudyId, caller: Viewer, filter: FilterParam = "",
                noise: Noise = 0.2, format: Literal["bpmn", "pnml"] = "bpmn",
                perspective: Annotated[str, Query(max_length=200)] = "concept:name") -> Response:
    study = study_or_404(request.app.state.store, caller, study_id)
    spec = parse_filter(filter)
    try:
        text = bpmnview.bpmn_file(logs_of(request), study_id, spec,
                                  bpmnview.BpmnParams(noise, "frequency", perspective), format)
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from None
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", f"{study.name}-model") + f".{format}"
    return Response(text, media_type="application/xml",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})

"""JSON for the statistics and variants pages and the filter bar's filtered/total line."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import Response

from taskloom.mining.columns import CASE
from taskloom.server.console import statsview
from taskloom.server.console.apiutil import FilterParam, json_response, logs_of, parse_filter
from taskloom.server.console.principal import StudyId, Viewer, study_or_404

router = APIRouter(prefix="/api/v1/studies/{study_id}", tags=["console"])


def _summary(full: Any, log: Any) -> dict[str, Any]:
    return {"cases": int(log[CASE].nunique()), "total_cases": int(full[CASE].nunique()),
            "events": len(log), "total_events": len(full)}


@router.get("/filter-summary", summary="cases and events after the filter, and in total")
def filter_summary(request: Request, study_id: StudyId, caller: Viewer,
                   filter: FilterParam = "") -> Response:
    study_or_404(request.app.state.store, caller, study_id)
    spec = parse_filter(filter)
    logs = logs_of(request)
    full = logs.log(study_id)
    return json_response(logs.derived(study_id, spec, "summary", lambda log: _summary(full, log)))


@router.get("/statistics", summary="log statistics (filtered/total) and chart series")
def statistics(request: Request, study_id: StudyId, caller: Viewer,
               filter: FilterParam = "") -> Response:
    """Apromore's log statistics for the filtered log and the whole log, with the series of
    the charts: events and active cases over time, case durations, activities, resources."""
    study_or_404(request.app.state.store, caller, study_id)
    spec = parse_filter(filter)
    logs = logs_of(request)
    full = logs.log(study_id)
    return json_response(logs.derived(study_id, spec, "statistics",
                                      lambda log: statsview.statistics(full, log)))


@router.get("/distribution", summary="cases per value of a case or event attribute")
def distribution(request: Request, study_id: StudyId, caller: Viewer,
                 attribute: Annotated[str, Query(min_length=1, max_length=200)],
                 filter: FilterParam = "") -> Response:
    study_or_404(request.app.state.store, caller, study_id)
    spec = parse_filter(filter)
    logs = logs_of(request)
    log = logs.filtered(study_id, spec)
    if attribute not in log.columns and f"case:{attribute}" not in log.columns:
        raise HTTPException(422, f"attribute {attribute!r} is not in this study's log; "
                                 "pick one the statistics page lists")
    return json_response(logs.derived(study_id, spec, "distribution",
                                      lambda lg: statsview.distribution(lg, attribute), attribute))


@router.get("/variants", summary="variants by cases with share and mean duration")
def variants(request: Request, study_id: StudyId, caller: Viewer, filter: FilterParam = "",
             top: Annotated[int, Query(ge=1, le=5000)] = 100) -> Response:
    study_or_404(request.app.state.store, caller, study_id)
    spec = parse_filter(filter)
    logs = logs_of(request)
    return json_response(logs.derived(study_id, spec, "variants",
                                      lambda lg: statsview.variants(lg, top), top))

"""JSON for the cases page: search the (filtered) cases, open one case's timeline."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import Response

from taskloom.server.console import casesview
from taskloom.server.console.apiutil import FilterParam, json_response, logs_of, parse_filter
from taskloom.server.console.principal import StudyId, Viewer, study_or_404

router = APIRouter(prefix="/api/v1/studies/{study_id}", tags=["console"])


@router.get("/cases", summary="cases after the filter: search by id, sort, page")
def cases(request: Request, study_id: StudyId, caller: Viewer, filter: FilterParam = "",
          q: Annotated[str, Query(max_length=200)] = "",
          sort: Annotated[str, Query(max_length=16)] = "-start",
          limit: Annotated[int, Query(ge=1, le=500)] = 50,
          offset: Annotated[int, Query(ge=0, le=1_000_000_000)] = 0) -> Response:
    if sort not in casesview.SORTS:
        raise HTTPException(422, f"sort {sort!r}: use one of {', '.join(casesview.SORTS)}")
    study_or_404(request.app.state.store, caller, study_id)
    spec = parse_filter(filter)
    table = logs_of(request).derived(study_id, spec, "case-table", casesview.case_table)
    return json_response(casesview.cases_page(table, q.strip(), sort, limit, offset))


@router.get("/case", summary="one case's timeline: system events with their task instances")
def case(request: Request, study_id: StudyId, caller: Viewer,
         id: Annotated[str, Query(min_length=1, max_length=512)], filter: FilterParam = "") -> Response:
    study_or_404(request.app.state.store, caller, study_id)
    spec = parse_filter(filter)
    logs = logs_of(request)
    detail = casesview.case_detail(logs.filtered(study_id, spec), logs.tasks(study_id), id)
    if detail is None:
        raise HTTPException(404, f"no case {id!r} among the cases the filters keep")
    return json_response(detail)


@router.get("/task-types", summary="task types under the system activities (two-level logs)")
def task_types(request: Request, study_id: StudyId, caller: Viewer) -> Response:
    """Per task type: instances, active time and share, apps, the activities it serves.
    Empty (``two_level`` false) until tasks are linked to the study's cases."""
    from taskloom.server.console import tasksview

    study_or_404(request.app.state.store, caller, study_id)
    logs = logs_of(request)
    tasks = logs.tasks(study_id)
    if tasks is None:
        return json_response({"two_level": False, "types": [], "instances": 0, "active_s": 0})
    doc = logs.derived(study_id, [], "task-types", lambda _log: tasksview.task_types(tasks))
    return json_response({"two_level": True, **doc})

"""JSON for the Tasks page: the "discover tasks" background job, its task types with their
labels (stored with the study), and a task type's own map."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException
from fastapi import Path as PathParam
from fastapi.requests import Request
from fastapi.responses import Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from taskloom.server.console import taskmining
from taskloom.server.console.apiutil import json_body, json_response, logs_of, parse_model
from taskloom.server.console.jobs import Progress
from taskloom.server.console.principal import Analyst, StudyId, Viewer, study_or_404

router = APIRouter(prefix="/api/v1/studies/{study_id}", tags=["console"])
TaskType = Annotated[str, PathParam(min_length=1, max_length=200)]


class LabelsIn(BaseModel):
    """Labels to set: task type id → label (an empty label goes back to the generated one)."""

    labels: dict[str, str] = Field(max_length=500)


def _results(request: Request) -> taskmining.TaskResults:
    found: taskmining.TaskResults = request.app.state.console.tasks
    return found


@router.post("/task-discovery", status_code=202,
             summary="start the background job that discovers tasks in the study's UI events")
async def start_discovery(request: Request, study_id: StudyId, caller: Analyst) -> Response:
    store = request.app.state.store
    study = await run_in_threadpool(study_or_404, store, caller, study_id)
    results = _results(request)

    def run(progress: Progress) -> dict[str, Any]:
        from taskloom.collector.store import StoreError

        try:
            found = taskmining.discover_study(store, study_id, progress)
        except StoreError as exc:
            raise HTTPException(422, str(exc)) from None
        from taskloom.collector.tasks.labels import IDLE_TYPE

        results.put(study_id, found)
        work = found.segments.loc[found.segments["task_type"] != IDLE_TYPE, "task_type"]
        instances, n_types = len(work), int(work.nunique())
        store.audit(caller.actor, "tasks.discover", "study", study_id, events=len(found.events),
                    instances=instances, types=n_types)
        return {"events": len(found.events), "instances": instances, "types": n_types,
                "message": f"found {instances:,} task instances of {n_types} types in "
                           f"{len(found.events):,} UI events"}

    job = request.app.state.console.jobs.submit("discover-tasks", study_id, caller.actor,
                                                f"discover tasks in {study.name}", run)
    return json_response(job.to_json(), status=202)


@router.get("/discovered-tasks", summary="task types found by the last discovery, with labels")
def discovered_tasks(request: Request, study_id: StudyId, caller: Viewer) -> Response:
    """Per type: label, instances, users, share of active time, clicks and keys per instance,
    apps and screens, and the automation estimate; ``discovered`` false before a run."""
    store = request.app.state.store
    study = study_or_404(store, caller, study_id)
    found = _results(request).get(study_id)
    if found is None:
        return json_response({"discovered": False, "ui_events": store.count_ui_events(study_id)})
    doc = taskmining.type_rows(found, taskmining.saved_labels(study.settings))
    return json_response({"discovered": True, **doc})


@router.get("/discovered-tasks/{task_type}/map", summary="a task type's own map (its steps)")
def task_type_map(request: Request, study_id: StudyId, task_type: TaskType, caller: Viewer) -> Response:
    study_or_404(request.app.state.store, caller, study_id)
    found = _results(request).get(study_id)
    doc = taskmining.type_map(found, task_type) if found is not None else None
    if doc is None:
        raise HTTPException(404, f"no task type {task_type!r} in this study's discovered tasks; "
                                 "run the discovery on the Tasks page first")
    return json_response(doc)


@router.put("/task-labels", summary="rename task types (stored with the study)")
async def put_labels(request: Request, study_id: StudyId, caller: Analyst) -> Response:
    store = request.app.state.store
    study = await run_in_threadpool(study_or_404, store, caller, study_id)
    body: LabelsIn = parse_model(LabelsIn, await json_body(request, max_bytes=64 * 1024))
    try:
        given = taskmining.clean_labels(body.labels)
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from None
    labels = {**taskmining.saved_labels(study.settings), **given}
    labels = {k: v for k, v in labels.items() if v}
    settings = {**(study.settings or {}), taskmining.LABELS_SETTING: labels}
    await run_in_threadpool(lambda: store.update_study(study_id, settings=settings, actor=caller.actor))
    logs_of(request).bump(study_id)  # the map, cases and tasks pages name task rows by these labels
    return json_response({"labels": labels})

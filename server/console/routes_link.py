"""JSON for the Data page's linking panel: the "merge" background job (tasks linked to the
study's cases, stored), what the stored merge holds, and OCEL 2.0 exports of it.

The job runs ``collector.services.linking.run_merge`` — what `taskloom merge --study` does:
discover tasks in the stored UI events, link them to the imported system log's cases in
three tiers, store task types, instances and links (a re-run replaces them). The exports
write ``collector.linking.ocel`` of the stored merged log.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from pathlib import Path
from typing import Any, Literal

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import FileResponse, Response
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool

from taskloom.server.console.apiutil import json_response, logs_of
from taskloom.server.console.jobs import Job, Progress
from taskloom.server.console.principal import Analyst, StudyId, Viewer, study_or_404

router = APIRouter(prefix="/api/v1/studies/{study_id}", tags=["console"])
OCEL_MEDIA = {"jsonocel": "application/json", "sqlite": "application/vnd.sqlite3", "xmlocel": "application/xml"}


def link_summary(merged: Any) -> dict[str, Any]:
    """Task instances of a merged log by link method, and the share linked to a case."""
    tasks = merged[merged["level"].astype(str) == "task"]
    methods = tasks["link_method"].fillna("none").astype(str).value_counts()
    linked = int(len(tasks) - methods.get("none", 0))
    return {"merged": True, "task_instances": len(tasks), "linked": linked,
            "linked_share": linked / len(tasks) if len(tasks) else 0.0,
            "by_method": {str(k): int(v) for k, v in methods.items()},
            "cases": int(merged.loc[merged["level"].astype(str) == "case", "case:concept:name"].nunique())}


@router.get("/links", summary="what the study's stored merge holds (task instances by link method)")
def links(request: Request, study_id: StudyId, caller: Viewer) -> Response:
    study_or_404(request.app.state.store, caller, study_id)
    merged = logs_of(request).merged(study_id)
    return json_response(link_summary(merged) if merged is not None else {"merged": False})


@router.post("/merge-job", status_code=202,
             summary="start the background job that links the study's tasks to its cases and stores them")
async def start_merge(request: Request, study_id: StudyId, caller: Analyst) -> Response:
    store = request.app.state.store
    study = await run_in_threadpool(study_or_404, store, caller, study_id)
    logs = logs_of(request)

    def run(progress: Progress) -> dict[str, Any]:
        from taskloom.collector.services.linking import run_merge
        from taskloom.errors import UserError

        progress(0.05, "discovering tasks in the UI events and linking them to the cases")
        try:
            result = run_merge(store, study_id)
        except UserError as exc:
            raise HTTPException(422, str(exc)) from None
        summary = link_summary(result.merged)
        return {**summary, "message": f"linked {summary['linked']:,} of {summary['task_instances']:,} task "
                                      f"instances ({100 * summary['linked_share']:.0f} %) to cases; stored"}

    def done(job: Job) -> None:
        if job.status == "done":
            logs.bump(study_id)
            logs.warm(study_id)

    job = request.app.state.console.jobs.submit("merge", study_id, caller.actor,
                                                f"link tasks to cases in {study.name}", run, done)
    return json_response(job.to_json(), status=202)


@router.get("/ocel", summary="the stored merged log as OCEL 2.0 (JSON, SQLite or XML)")
def export_ocel(request: Request, study_id: StudyId, caller: Analyst,
                format: Literal["jsonocel", "sqlite", "xmlocel"] = "jsonocel") -> FileResponse:
    from taskloom.collector.linking.ocel import build_ocel, write_ocel

    store = request.app.state.store
    study = study_or_404(store, caller, study_id)
    merged = logs_of(request).merged(study_id)
    if merged is None:
        raise HTTPException(422, f"study {study.name!r} has no stored merge yet; run \"Link tasks to "
                                 "cases\" on the Data page (or `taskloom merge --study`) first")
    tmp = tempfile.mkdtemp(prefix="taskloom-ocel-")
    path = Path(tmp) / (re.sub(r"[^A-Za-z0-9._-]+", "_", f"{study.name}-ocel") + f".{format}")
    write_ocel(build_ocel(merged), path)
    store.audit(caller.actor, "ocel.export", "study", study_id, format=format, rows=len(merged))
    return FileResponse(path, media_type=OCEL_MEDIA[format], filename=path.name,
                        background=BackgroundTask(shutil.rmtree, tmp, True))

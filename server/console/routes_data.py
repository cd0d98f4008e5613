"""The Data page's JSON: upload a system log, inspect and preview it, import it as a
background job with progress, list jobs, and export the (filtered) system log."""

from __future__ import annotations

import asyncio
import tempfile
import time
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import FileResponse, Response
from pydantic import BaseModel, Field
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool

from taskloom.server.console import uploads
from taskloom.server.console.apiutil import (
    FilterParam,
    json_body,
    json_response,
    logs_of,
    parse_filter,
    parse_model,
)
from taskloom.server.console.jobs import Job, Progress
from taskloom.server.console.principal import Analyst, StudyId, Viewer, study_or_404

router = APIRouter(prefix="/api/v1", tags=["console"])
UploadId = Annotated[str, PathParam(min_length=8, max_length=40, pattern=r"^[\w-]+$")]
JobId = Annotated[str, PathParam(min_length=8, max_length=40, pattern=r"^[0-9a-f]+$")]
Text = Annotated[str | None, Field(default=None, max_length=200)]


class Mapping(BaseModel):
    case: Text = None
    activity: Text = None
    timestamp: Text = None
    start_timestamp: Text = None
    resource: Text = None
    timestamp_format: Text = None
    timezone: Text = None
    sep: Annotated[str | None, Field(default=None, max_length=4)] = None

    def options(self) -> dict[str, Any]:
        return {k: (v or None) for k, v in self.model_dump().items()}


class ImportJobIn(BaseModel):
    kind: Literal["import"]
    upload_id: str = Field(min_length=8, max_length=40)
    mapping: Mapping = Field(default_factory=Mapping)
    hash_case_ids: bool = False
    case_prefix: str = Field(default="", max_length=32)


def _uploads(request: Request) -> uploads.Uploads:
    found: uploads.Uploads = request.app.state.console.uploads
    return found


def _upload_or_404(request: Request, study_id: int, upload_id: str) -> uploads.Upload:
    found = _uploads(request).get(upload_id, study_id)
    if found is None:
        raise HTTPException(404, "that upload is gone (uploads are kept for 6 hours and "
                                 "removed once imported); upload the file again")
    return found


@router.post("/studies/{study_id}/uploads", status_code=201,
             summary="stage a system-log file (raw request body) and inspect its columns")
async def upload(request: Request, study_id: StudyId, caller: Analyst,
                 name: Annotated[str, Query(min_length=1, max_length=255)]) -> Response:
    store = request.app.state.store
    await run_in_threadpool(study_or_404, store, caller, study_id)
    try:
        file_name = uploads.check_name(name)
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from None
    limit = request.app.state.limits.max_upload_bytes
    upload_id, path = _uploads(request).new_path(file_name)
    size = 0
    with path.open("wb") as out:
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                out.close()
                _uploads(request).remove(upload_id)
                path.unlink(missing_ok=True)
                raise HTTPException(413, f"{file_name} is over the upload limit of {limit} bytes; "
                                         "import it with `taskloom import` on the server instead")
            out.write(chunk)
    if size == 0:
        raise HTTPException(422, f"{file_name} is empty; choose the file again")
    staged = uploads.Upload(upload_id, study_id, path, file_name, size, time.time())
    _uploads(request).add(staged)
    return json_response(await run_in_threadpool(uploads.inspect, staged), status=201)


def _read(upload: uploads.Upload, options: dict[str, Any], head_only: bool,
          limit: int | None = None) -> Any:
    """Read the file (or its head) with the mapping through the importer; its UserError
    (a bad mapping names the column and the fix) is a 422 with that message. ``limit``
    bounds the uncompressed size (the upload limit applies to inflated bytes)."""
    from taskloom.collector.services.imports import read_system_log
    from taskloom.errors import UserError

    with tempfile.TemporaryDirectory(prefix="taskloom-preview-") as tmp:
        path = uploads.preview_file(upload, Path(tmp)) if head_only else upload.path
        try:
            return read_system_log(path, options, limit)
        except UserError as exc:
            text = str(exc)
            raise HTTPException(422, text if text.startswith(upload.name) else
                                f"{upload.name}: {text}") from None


@router.post("/studies/{study_id}/uploads/{upload_id}/preview",
             summary="the first rows as the import would read them with this mapping")
async def preview(request: Request, study_id: StudyId, upload_id: UploadId,
                  caller: Analyst) -> Response:
    from taskloom.collector import sysimport

    await run_in_threadpool(study_or_404, request.app.state.store, caller, study_id)
    mapping: Mapping = parse_model(Mapping, await json_body(request) or {})
    staged = _upload_or_404(request, study_id, upload_id)
    frame = await run_in_threadpool(_read, staged, mapping.options(), True,
                                    request.app.state.limits.max_upload_bytes)
    return json_response({"columns": [str(c) for c in frame.columns],
                          "rows": sysimport.preview_rows(frame, uploads.SAMPLE_ROWS),
                          "rows_read": len(frame),
                          "cases": int(frame["case:concept:name"].nunique()),
                          "activities": int(frame["concept:name"].nunique())})


def _import_job(request: Request, study_id: int, caller: Any, body: ImportJobIn,
                staged: uploads.Upload) -> Job:
    from taskloom.collector.services.imports import import_frame

    store = request.app.state.store
    options = body.mapping.options()
    logs = logs_of(request)
    limit = request.app.state.limits.max_upload_bytes

    def run(progress: Progress) -> dict[str, Any]:
        progress(0.02, f"reading {staged.name} ({staged.size:,} bytes)")
        try:
            frame = _read(staged, options, False, limit)
        except HTTPException as exc:
            store.record_failed_import(study_id, staged.name, options, str(exc.detail), caller.actor)
            raise
        progress(0.35, f"read {len(frame):,} events; mapping them")

        def stored(done: int, total: int) -> None:
            progress(0.4 + 0.6 * done / max(total, 1), f"storing events: {done:,} of {total:,}")

        result = import_frame(store, study_id, staged.name, options, frame,
                              hash_case_ids=body.hash_case_ids, case_prefix=body.case_prefix,
                              actor=caller.actor, progress=stored)
        return {"import_id": result.id, "events": result.row_count,
                "message": f"imported {result.row_count:,} events from {staged.name}"}

    def done(job: Job) -> None:
        _uploads(request).remove(staged.id)
        if job.status == "done":
            logs.warm(study_id)

    return request.app.state.console.jobs.submit(
        "import", study_id, caller.actor, f"import {staged.name}", run, done)


@router.post("/studies/{study_id}/jobs", status_code=202,
             summary="start a background job (import of an uploaded system log)")
async def start_job(request: Request, study_id: StudyId, caller: Analyst) -> Response:
    await run_in_threadpool(study_or_404, request.app.state.store, caller, study_id)
    body: ImportJobIn = parse_model(ImportJobIn, await json_body(request))
    staged = _upload_or_404(request, study_id, body.upload_id)
    return json_response(_import_job(request, study_id, caller, body, staged).to_json(), status=202)


@router.get("/studies/{study_id}/jobs", summary="the study's recent background jobs")
def study_jobs(request: Request, study_id: StudyId, caller: Viewer) -> Response:
    study_or_404(request.app.state.store, caller, study_id)
    return json_response([j.to_json() for j in request.app.state.console.jobs.of_study(study_id)])


@router.get("/jobs/{job_id}", summary="one background job: status, progress, result or error")
async def get_job(request: Request, job_id: JobId, caller: Viewer) -> Response:
    job = request.app.state.console.jobs.get(job_id)
    if job is None or not caller.may_see_study(job.study_id):
        raise HTTPException(404, f"no job {job_id}; jobs are kept while the server runs")
    if request.query_params.get("wait") and job.finished_at is None:
        await asyncio.sleep(0.3)  # a short long-poll keeps the page's progress smooth
    return json_response(job.to_json())


@router.get("/studies/{study_id}/system-log/export",
            summary="the study's system log after the filter, as CSV, XES or Parquet")
def export_system_log(request: Request, study_id: StudyId, caller: Analyst,
                      format: Literal["csv", "xes", "parquet"] = "csv",
                      filter: FilterParam = "") -> FileResponse:
    import shutil

    from taskloom.collector.services.files import export_file_name
    from taskloom.mining.io import write_log

    store = request.app.state.store
    study = study_or_404(store, caller, study_id)
    spec = parse_filter(filter)
    log = logs_of(request).filtered(study_id, spec)
    tmp = tempfile.mkdtemp(prefix="taskloom-export-")
    try:
        path = Path(tmp) / export_file_name(study.name, "system-log", format)
        write_log(log, path)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    store.audit(caller.actor, "system_log.export", "study", study_id, format=format,
                rows=len(log), filtered=bool(spec))
    media = {"csv": "text/csv", "xes": "application/xml",
             "parquet": "application/vnd.apache.parquet"}[format]
    return FileResponse(path, media_type=media, filename=path.name,
                        background=BackgroundTask(shutil.rmtree, tmp, True))

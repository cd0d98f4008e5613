"""A study's UI events as a file (admin): CSV, XES or Parquet."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import FileResponse
from starlette.background import BackgroundTask

from taskloom.agent.protocol import API_PREFIX
from taskloom.collector.api.deps import AdminAuth, StoreDep, StudyId, study_for
from taskloom.collector.api.errors import errors
from taskloom.collector.services import exports
from taskloom.collector.services.files import export_file_name

router = APIRouter(prefix=API_PREFIX, tags=["admin"])

MEDIA_TYPES = {"csv": "text/csv", "xes": "application/xml",
               "parquet": "application/vnd.apache.parquet"}


@router.get("/studies/{study_id}/export",
            responses={**errors(404), 200: {"description": "the file", "content": {
                media: {} for media in MEDIA_TYPES.values()}}})
def export_study(study_id: StudyId, admin: AdminAuth, store: StoreDep,
           format: Annotated[Literal["csv", "xes", "parquet"], Query()] = "csv") -> FileResponse:
    """The study's UI events, one row per stored event with the wire-format columns."""
    study = study_for(store, admin, study_id)
    tmpdir = tempfile.mkdtemp(prefix="taskloom-export-")
    try:
        path = Path(tmpdir) / export_file_name(study.name, "ui-events", format)
        exports.export_study(store, study_id, path, actor=admin.actor)
    except BaseException:
        shutil.rmtree(tmpdir, ignore_errors=True)
        raise
    return FileResponse(path, media_type=MEDIA_TYPES[format], filename=path.name,
                        background=BackgroundTask(shutil.rmtree, tmpdir, ignore_errors=True))

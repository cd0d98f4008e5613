"""System-log imports of a study (admin): preview a mapping, import, list imports.

The upload is streamed to a temporary file under the upload limit; reading and storing
run in the thread pool (collector.services.imports), never on the event loop.
"""

from __future__ import annotations

import tempfile
from typing import Annotated

from fastapi import APIRouter, Depends, File, Form, UploadFile
from starlette.concurrency import run_in_threadpool

from taskloom.agent.protocol import API_PREFIX
from taskloom.collector.api.body import save_upload
from taskloom.collector.api.deps import AdminAuth, LimitsDep, StoreDep, StudyId, study_for
from taskloom.collector.api.errors import errors
from taskloom.collector.api.models import ImportOut, PreviewOut
from taskloom.collector.services.imports import Preview, import_system_log, preview_system_log
from taskloom.collector.store import ImportInfo

router = APIRouter(prefix=API_PREFIX, tags=["admin"])

MappingForm = Annotated[str | None, Form()]
_BAD_FILE = (422, "bad column mapping or file")


class _Mapping:
    """The column-mapping form fields every import route takes (a FastAPI dependency)."""

    def __init__(self, case: MappingForm = None, activity: MappingForm = None,
                 timestamp: MappingForm = None, start_timestamp: MappingForm = None,
                 resource: MappingForm = None, timestamp_format: MappingForm = None,
                 timezone: MappingForm = None, sep: MappingForm = None) -> None:
        self.options = {"case": case, "activity": activity, "timestamp": timestamp,
                        "start_timestamp": start_timestamp, "resource": resource,
                        "timestamp_format": timestamp_format, "timezone": timezone, "sep": sep}


MappingDep = Annotated[_Mapping, Depends()]
Upload = Annotated[UploadFile, File()]


@router.post("/studies/{study_id}/imports/preview", response_model=PreviewOut,
             responses=errors(404, _BAD_FILE))
async def preview_import(study_id: StudyId, admin: AdminAuth, store: StoreDep, limits: LimitsDep,
                         file: Upload, mapping: MappingDep,
                         rows: Annotated[int, Form(ge=1, le=1000)] = 20) -> Preview:
    """Read the file with the mapping and return its first rows (nothing is stored)."""
    await run_in_threadpool(study_for, store, admin, study_id)
    with tempfile.TemporaryDirectory(prefix="taskloom-upload-") as tmpdir:
        path = await save_upload(file, limits, tmpdir)
        return await run_in_threadpool(preview_system_log, path, mapping.options, rows,
                                       limits.max_upload_bytes)


@router.post("/studies/{study_id}/imports", response_model=ImportOut, status_code=201,
             responses=errors(404, _BAD_FILE))
async def create_import(study_id: StudyId, admin: AdminAuth, store: StoreDep, limits: LimitsDep,
                        file: Upload, mapping: MappingDep,
                        hash_case_ids: Annotated[bool, Form()] = False,
                        case_prefix: Annotated[str, Form(max_length=32)] = "") -> ImportInfo:
    """Import a system log (CSV/XES) into the study; case ids hashed with the study key if asked."""
    await run_in_threadpool(study_for, store, admin, study_id)
    with tempfile.TemporaryDirectory(prefix="taskloom-upload-") as tmpdir:
        path = await save_upload(file, limits, tmpdir)
        return await run_in_threadpool(
            lambda: import_system_log(store, study_id, path, mapping.options,
                                      hash_case_ids=hash_case_ids, case_prefix=case_prefix,
                                      actor=admin.actor,
                                      max_inflated_bytes=limits.max_upload_bytes))


@router.get("/studies/{study_id}/imports", response_model=list[ImportOut], responses=errors(404))
def list_imports(study_id: StudyId, admin: AdminAuth, store: StoreDep) -> list[ImportInfo]:
    study_for(store, admin, study_id)
    return store.list_imports(study_id)

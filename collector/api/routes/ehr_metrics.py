"""`/api/v1/studies/{id}/ehr-metrics`: the documentation-time report as JSON (admin).

Thin: parse, call the service, format. GET uses the study's events alone; POST adds a
schedule, a visit list and a category map as uploaded files (each at most 5 MB, read after
authentication). Bad files are user errors: 422 with the file, row and fix.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, HTTPException, Query, UploadFile
from starlette.concurrency import run_in_threadpool

from taskloom.agent.protocol import API_PREFIX
from taskloom.collector.api.deps import AdminAuth, StoreDep, StudyId, study_for
from taskloom.collector.api.errors import errors
from taskloom.collector.services.ehr_metrics import EhrOptions, TextFile, ehr_metrics
from taskloom.collector.store import Admin, Store
from taskloom.collector.store.rows import ADMIN_ROLE

MAX_FILE_BYTES = 5 * 1024 * 1024
router = APIRouter(prefix=API_PREFIX, tags=["admin"])
_RESPONSES = errors(403, 404, 413, (422, "bad schedule, visit list or category map; a study without UI events"))
Threshold = Annotated[float, Query(gt=0, le=3600, description="inactivity threshold in seconds (default 5)")]
MinGroup = Annotated[int, Query(ge=1, le=1000, description="suppress cohort figures below N clinicians")]
Zone = Annotated[str | None, Query(max_length=64, description="IANA time zone (default: the study's setting)")]
PerClinician = Annotated[bool, Query(description="per clinician-week rows (admin tokens only)")]
Upload = Annotated[UploadFile | None, File()]


def _report(store: Store, admin: Admin, study_id: int, options: EhrOptions) -> dict[str, Any]:
    study_for(store, admin, study_id)
    if options.per_clinician and admin.role != ADMIN_ROLE:
        raise HTTPException(403, "per-clinician figures are for admin tokens; ask without per_clinician")
    return ehr_metrics(store, study_id, options).to_dict()


@router.get("/studies/{study_id}/ehr-metrics", responses=_RESPONSES)
def get_ehr_metrics(study_id: StudyId, admin: AdminAuth, store: StoreDep, threshold: Threshold = 5.0,
                    min_group: MinGroup = 5, tz: Zone = None, per_clinician: PerClinician = False) -> dict[str, Any]:
    """EHR documentation-time metrics of the study's UI events (no schedule: after-hours time)."""
    return _report(store, admin, study_id, EhrOptions(threshold_s=threshold, min_group=min_group, zone=tz,
                                                      per_clinician=per_clinician))


async def _text(upload: UploadFile | None, what: str) -> TextFile | None:
    if upload is None:
        return None
    data = await upload.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise HTTPException(413, f"{what} is larger than {MAX_FILE_BYTES // 1024 // 1024} MB; split it by period")
    try:
        return TextFile(upload.filename or what, data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise HTTPException(422, f"{upload.filename or what}: not UTF-8 text; save it as UTF-8") from None


@router.post("/studies/{study_id}/ehr-metrics", responses=_RESPONSES)
async def post_ehr_metrics(study_id: StudyId, admin: AdminAuth, store: StoreDep, schedule: Upload = None,
                           visits: Upload = None, categories: Upload = None, threshold: Threshold = 5.0,
                           min_group: MinGroup = 5, tz: Zone = None,
                           per_clinician: PerClinician = False) -> dict[str, Any]:
    """The same report with an uploaded schedule (CSV), visit list (CSV) and category map (YAML/JSON)."""
    await run_in_threadpool(study_for, store, admin, study_id)
    options = EhrOptions(threshold_s=threshold, min_group=min_group, zone=tz, per_clinician=per_clinician,
                         schedule=await _text(schedule, "schedule"), visits=await _text(visits, "visit list"),
                         categories=await _text(categories, "category map"))
    return await run_in_threadpool(_report, store, admin, study_id, options)

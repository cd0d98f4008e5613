"""JSON for the "Documentation time" page: the EHR documentation-time report of a study.

The figures come from the same service as `taskloom ehr metrics` and the API's
``/ehr-metrics`` (collector/services/ehr_metrics.py), and the charts from the same SVG
renderer as its HTML report. GET computes from the study's UI events alone (no schedule:
after-hours time, as the service reports it); POST adds a schedule, a visit list and a
category map, sent as text in a small JSON body read only after authentication. Per
clinician-week rows (and the dots in the charts) are for admins only.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from taskloom.collector.metrics.report import DEFAULT_MIN_GROUP
from taskloom.collector.services.ehr_metrics import EhrOptions, TextFile, ehr_metrics
from taskloom.collector.store import Admin, Store
from taskloom.server.console.apiutil import json_body, json_response, parse_model
from taskloom.server.console.principal import ADMIN, StudyId, Viewer, study_or_404

router = APIRouter(prefix="/api/v1/studies/{study_id}", tags=["console"])

MAX_FILE_CHARS = 5 * 1024 * 1024  # as the API's uploads
Threshold = Annotated[float, Query(gt=0, le=3600, description="inactivity threshold in seconds")]
MinGroup = Annotated[int, Query(ge=1, le=1000, description="suppress cohort figures below N clinicians")]


class FileIn(BaseModel):
    name: str = Field(min_length=1, max_length=255)
    text: str = Field(max_length=MAX_FILE_CHARS)


class TimetablesIn(BaseModel):
    """The optional files of the report, as the page read them from the user's disk."""

    schedule: FileIn | None = None
    visits: FileIn | None = None
    categories: FileIn | None = None


def _text(f: FileIn | None) -> TextFile | None:
    return TextFile(f.name, f.text) if f is not None else None


def documentation_time(store: Store, caller: Admin, study_id: int, options: EhrOptions) -> dict[str, Any]:
    """The report as the page shows it: figures, chart SVGs, the active-time definition."""
    from taskloom.collector.metrics.html import ACTIVE_TIME, distribution_svgs
    from taskloom.errors import UserError

    study = study_or_404(store, caller, study_id)
    events = store.count_ui_events(study.id)
    if events == 0:
        return {"events": 0, "study": study.name}
    try:
        report = ehr_metrics(store, study.id, options)
    except UserError as exc:
        raise HTTPException(422, str(exc)) from None
    return {**report.to_dict(), "charts": distribution_svgs(report), "active_time": ACTIVE_TIME,
            "per_clinician_shown": options.per_clinician}


def _options(caller: Admin, threshold: float, min_group: int, files: TimetablesIn | None = None) -> EhrOptions:
    files = files or TimetablesIn()
    return EhrOptions(threshold_s=threshold, min_group=min_group, per_clinician=caller.role == ADMIN,
                      schedule=_text(files.schedule), visits=_text(files.visits),
                      categories=_text(files.categories))


@router.get("/documentation-time", summary="EHR documentation-time figures and charts (no schedule)")
def get_documentation_time(request: Request, study_id: StudyId, caller: Viewer,
                           threshold: Threshold = 5.0, min_group: MinGroup = DEFAULT_MIN_GROUP) -> Response:
    """Cohort medians/IQRs, box charts, the sensitivity table and the definitions."""
    options = _options(caller, threshold, min_group)
    return json_response(documentation_time(request.app.state.store, caller, study_id, options))


@router.post("/documentation-time", summary="the same with a schedule, visit list and category map")
async def post_documentation_time(request: Request, study_id: StudyId, caller: Viewer,
                                  threshold: Threshold = 5.0,
                                  min_group: MinGroup = DEFAULT_MIN_GROUP) -> Response:
    """The files come as ``{"schedule": {"name", "text"}, "visits": …, "categories": …}``."""
    store = request.app.state.store
    await run_in_threadpool(study_or_404, store, caller, study_id)
    files = parse_model(TimetablesIn, await json_body(request, max_bytes=3 * MAX_FILE_CHARS + 4096))
    options = _options(caller, threshold, min_group, files)
    return json_response(await run_in_threadpool(documentation_time, store, caller, study_id, options))


REPORT_MEDIA = {"html": "text/html; charset=utf-8", "csv": "text/csv; charset=utf-8",
                "json": "application/json"}


def report_file(store: Store, caller: Admin, study_id: int, options: EhrOptions, fmt: str) -> tuple[str, str]:
    """(file name, text) of the report as `taskloom ehr metrics -o report.FMT` writes it."""
    import json

    from taskloom.collector.metrics.html import render_html
    from taskloom.collector.metrics.report import csv_rows
    from taskloom.errors import UserError

    study = study_or_404(store, caller, study_id)
    try:
        report = ehr_metrics(store, study.id, options)
    except UserError as exc:
        raise HTTPException(422, str(exc)) from None
    if fmt == "html":
        text = render_html(report)
    elif fmt == "json":
        text = json.dumps(report.to_dict(), indent=2, allow_nan=False) + "\n"
    else:
        import pandas as pd

        from taskloom.mining.io.csv_io import to_safe_csv

        text = to_safe_csv(pd.DataFrame(csv_rows(report))) or ""
    name = re.sub(r"[^A-Za-z0-9._-]+", "_", f"{study.name}-documentation-time") + f".{fmt}"
    return name, text


@router.post("/documentation-time/report",
             summary="the report as a file: self-contained HTML, CSV or JSON (as `ehr metrics -o`)")
async def post_documentation_report(request: Request, study_id: StudyId, caller: Viewer,
                                    format: Literal["html", "csv", "json"] = "html",
                                    threshold: Threshold = 5.0,
                                    min_group: MinGroup = DEFAULT_MIN_GROUP) -> Response:
    """The body is the page's ``{"schedule": …, "visits": …, "categories": …}`` (may be ``{}``)."""
    store = request.app.state.store
    await run_in_threadpool(study_or_404, store, caller, study_id)
    files = parse_model(TimetablesIn, await json_body(request, max_bytes=3 * MAX_FILE_CHARS + 4096) or {})
    options = _options(caller, threshold, min_group, files)
    name, text = await run_in_threadpool(report_file, store, caller, study_id, options, format)
    return Response(text, media_type=REPORT_MEDIA[format],
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})

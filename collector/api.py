"""The collector's HTTP API under /api/v1: agent ingest plus admin endpoints.

Routes stay thin: ``DeviceAuth`` / ``AdminAuth`` / ``StoreDep`` carry authentication and
storage, the store does the work. ``POST /api/v1/events`` is the hot path and avoids
pydantic per event: raw body → (gzip) → orjson → agent.protocol.parse_event → one
executemany in one transaction → answer after the commit.
"""

from __future__ import annotations

import asyncio
import logging
import math
import tempfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, Literal

import orjson
from fastapi import (
    APIRouter,
    Depends,
    FastAPI,
    File,
    Form,
    HTTPException,
    Query,
    Request,
    UploadFile,
)
from fastapi import Path as PathParam
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field, model_validator
from sqlalchemy.exc import StatementError
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool

from taskloom.agent.protocol import (
    API_PREFIX,
    EVENT_KINDS,
    EVENTS_PATH,
    HEARTBEAT_PATH,
    POLICY_PATH,
    WireError,
    parse_ts,
)
from taskloom.collector import exports, sysimport
from taskloom.collector.ingest import BatchError, events_of, validate_batch
from taskloom.collector.limits import Limits, TokenBuckets
from taskloom.collector.store import (
    Admin,
    AuthError,
    Device,
    IngestResult,
    Store,
    StoreError,
    now_ms,
)

log = logging.getLogger(__name__)

# ---------------------------------------------------------------- models (OpenAPI)


class ErrorOut(BaseModel):
    """Every error answer: one sentence saying what is wrong and what to do."""

    detail: str


class StorableModel(BaseModel):
    """A request body whose values the store can keep: valid Unicode text (no lone
    surrogates) and integers within 64 bits. Anything else is a 422, not a 500."""

    @model_validator(mode="after")
    def _storable(self) -> StorableModel:
        try:
            orjson.dumps(self.model_dump())
        except TypeError as exc:
            raise ValueError(f"the body holds a value that cannot be stored ({exc}); send "
                             "valid UTF-8 text and integers within 64 bits") from None
        return self


class EnrollIn(StorableModel):
    enrollment_token: str = Field(min_length=1, max_length=200)
    hostname: str = Field(min_length=1, max_length=255)


class EnrollOut(BaseModel):
    device_id: str
    device_token: str = Field(description="Bearer token for this device; shown once, stored hashed")
    study_id: int
    policy: dict[str, Any]


class RejectedOut(BaseModel):
    event_id: str | None
    index: int
    reason: str


class IngestOut(BaseModel):
    accepted: list[str] = Field(description="event ids stored now or before (safe to drop from the spool)")
    rejected: list[RejectedOut] = Field(description="events quarantined with the reason")


class HeartbeatIn(StorableModel):
    version: str | None = Field(default=None, max_length=64)
    spool_depth: int | None = Field(default=None, ge=0, le=2**62)
    dropped: int | None = Field(default=None, ge=0, le=2**62)
    last_capture: str | int | None = Field(
        default=None, description="ISO 8601 with a zone or epoch milliseconds")
    paused: bool | None = Field(default=None, description="the user paused capture")
    consent: bool | None = Field(default=None, description="the user accepted the study notice")
    capturing: bool | None = Field(default=None, description="capture is running now")


class OkOut(BaseModel):
    ok: bool = True


class StudyIn(StorableModel):
    name: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=10_000)
    settings: dict[str, Any] = Field(default_factory=dict,
                                     description="policy overrides merged over the default policy")


class StudyPatch(StorableModel):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=10_000)
    settings: dict[str, Any] | None = None


class StudyOut(BaseModel):
    id: int
    name: str
    description: str
    settings: dict[str, Any]
    created_at: int
    devices: int | None = None


class TokenIn(StorableModel):
    uses: int = Field(default=1, ge=1, le=100_000)
    expires_in_s: int = Field(default=7 * 86400, ge=60, le=365 * 86400)


class TokenOut(BaseModel):
    id: int
    token: str = Field(description="the enrolment token; shown once, stored hashed")
    study_id: int
    expires_at: int
    max_uses: int


class TokenInfo(BaseModel):
    id: int
    study_id: int
    expires_at: int
    max_uses: int
    uses: int
    created_at: int


class DeviceOut(BaseModel):
    id: str
    study_id: int
    study: str
    hostname: str
    revoked: bool
    created_at: int
    last_seen: int | None
    last_heartbeat: int | None
    version: str | None
    spool_depth: int | None
    dropped: int | None
    last_capture: int | None
    events: int
    seq_min: int | None
    seq_max: int | None
    seq_missing: int = Field(description="sequence numbers between seq_min and seq_max never received")
    paused: bool | None = None
    consent: bool | None = None
    capturing: bool | None = None


class DeviceDetail(DeviceOut):
    seq_gaps: list[tuple[int, int]] = Field(description="missing ranges (first, last), up to 100")


class QuarantineOut(BaseModel):
    id: int
    device_id: str | None
    study_id: int | None
    event_id: str | None
    reason: str
    payload: str
    received_at: int


class ImportOut(BaseModel):
    id: int
    study_id: int
    file_name: str
    mapping: dict[str, Any]
    hashed_case_ids: bool
    row_count: int
    status: str
    error: str | None
    created_at: int


class PreviewOut(BaseModel):
    columns: list[str]
    rows: list[dict[str, Any]]
    total_rows: int


# ---------------------------------------------------------------- dependencies

#: Database ids fit a 32-bit INTEGER on both backends; larger ones are refused up front.
StudyId = Annotated[int, PathParam(ge=1, le=2_147_483_647)]
DeviceId = Annotated[str, PathParam(min_length=1, max_length=36, pattern=r"^[0-9a-fA-F-]+$")]

_bearer = HTTPBearer(auto_error=False, description="device token (agents) or admin token")

_UNAUTH = {"WWW-Authenticate": "Bearer"}


def get_store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


def get_limits(request: Request) -> Limits:
    limits: Limits = request.app.state.limits
    return limits


StoreDep = Annotated[Store, Depends(get_store)]
LimitsDep = Annotated[Limits, Depends(get_limits)]
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


def device_auth(store: StoreDep, creds: Credentials) -> Device:
    """The device a Bearer device token belongs to (401 when missing, unknown or revoked)."""
    if creds is None:
        raise HTTPException(401, "no device token; send 'Authorization: Bearer <device_token>' "
                                 "(enrol first at POST /api/v1/agent/enroll)", headers=_UNAUTH)
    try:
        return store.authenticate_device(creds.credentials)
    except AuthError as exc:
        raise HTTPException(401, str(exc), headers=_UNAUTH) from None


def admin_auth(request: Request, store: StoreDep, creds: Credentials) -> Admin:
    """The admin behind a Bearer admin token (401 when missing or unknown), or the caller
    that the app's ``session_auth`` hook (the console's login cookie) vouches for."""
    session_auth = getattr(request.app.state, "session_auth", None)
    if creds is None and session_auth is not None and (caller := session_auth(request)):
        return caller
    if creds is None:
        raise HTTPException(401, "no admin token; send 'Authorization: Bearer <admin_token>' "
                                 "(create one with `taskloom admin token`)", headers=_UNAUTH)
    try:
        return store.authenticate_admin(creds.credentials)
    except AuthError as exc:
        raise HTTPException(401, str(exc), headers=_UNAUTH) from None


DeviceAuth = Annotated[Device, Depends(device_auth)]
AdminAuth = Annotated[Admin, Depends(admin_auth)]


def _study_for(store: Store, admin: Admin, study_id: int) -> dict[str, Any]:
    """The study if this admin may see it; 404 either way otherwise (no existence leak)."""
    if not admin.may_see_study(study_id):
        raise HTTPException(404, f"no study {study_id}; list them at GET /api/v1/studies")
    return store.get_study(study_id)


def _device_for(store: Store, admin: Admin, device_id: str) -> dict[str, Any]:
    device = store.get_device(device_id)
    if not admin.may_see_study(device["study_id"]):
        raise HTTPException(404, f"no device {device_id!r}; list them at GET /api/v1/devices")
    return device


_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorOut, "description": "missing, unknown or revoked token"},
}

router = APIRouter(prefix=API_PREFIX)

# ---------------------------------------------------------------- agent endpoints


@router.post("/agent/enroll", response_model=EnrollOut, tags=["agent"],
             responses={401: {"model": ErrorOut, "description": "enrolment token unknown, expired or used up"}})
def enroll(body: EnrollIn, store: StoreDep) -> dict[str, Any]:
    """Spend an enrolment token: returns the device id, its token and its policy."""
    try:
        out = store.enroll(body.enrollment_token, body.hostname)
    except AuthError as exc:
        raise HTTPException(401, str(exc)) from None
    out["policy"] = store.policy(Device(out["device_id"], out["study_id"]))
    return out


_EVENT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["event_id", "seq", "ts", "kind"],
    "properties": {
        "event_id": {"type": "string", "format": "uuid"},
        "device_id": {"type": ["string", "null"]},
        "seq": {"type": "integer", "minimum": 0},
        "user": {"type": ["string", "null"]},
        "ts": {"type": ["string", "integer"], "description": "ISO 8601 with a zone or epoch ms"},
        "kind": {"type": "string", "enum": sorted(EVENT_KINDS)},
        "app": {"type": ["string", "null"]},
        "title": {"type": ["string", "null"]},
        "url": {"type": ["string", "null"]},
        "element": {"type": ["string", "null"]},
        "key_class": {"type": ["string", "null"]},
        "button": {"type": ["string", "null"]},
        "x": {"type": ["integer", "null"]},
        "y": {"type": ["integer", "null"]},
        "attrs": {"type": "object"},
    },
}

_BATCH_BODY = {
    "requestBody": {
        "required": True,
        "description": "A batch of UI events (agent/protocol.py); gzip Content-Encoding accepted. "
                       "Invalid events are quarantined, not the whole batch.",
        "content": {"application/json": {"schema": {
            "type": "object", "required": ["events"],
            "properties": {"events": {"type": "array", "items": _EVENT_SCHEMA}},
        }}},
    }
}


async def _read_body(request: Request, limits: Limits) -> bytes:
    """The request body, refusing more than the limit (413) or a slow sender (408)."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limits.max_body_bytes:
        raise HTTPException(413, f"request body of {declared} bytes is over the limit of "
                                 f"{limits.max_body_bytes}; send smaller batches")
    chunks: list[bytes] = []
    size = 0

    async def collect() -> None:
        nonlocal size
        async for chunk in request.stream():
            size += len(chunk)
            if size > limits.max_body_bytes:
                raise HTTPException(413, f"request body is over the limit of "
                                         f"{limits.max_body_bytes} bytes; send smaller batches")
            chunks.append(chunk)

    try:
        await asyncio.wait_for(collect(), limits.body_timeout_s)
    except TimeoutError:
        raise HTTPException(408, f"the request body did not arrive within "
                                 f"{limits.body_timeout_s:g} s; retry") from None
    body = b"".join(chunks)
    encoding = request.headers.get("content-encoding", "identity").strip().lower()
    if encoding in ("", "identity"):
        return body
    if encoding not in ("gzip", "x-gzip"):
        raise HTTPException(415, f"Content-Encoding {encoding!r} is not supported; send gzip or none")
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        data = inflater.decompress(body, limits.max_body_bytes + 1)
    except zlib.error:
        raise HTTPException(400, "the body is not valid gzip; compress the whole JSON batch "
                                 "or drop Content-Encoding") from None
    if len(data) > limits.max_body_bytes:
        raise HTTPException(413, f"decoded body is over the limit of {limits.max_body_bytes} "
                                 "bytes; send smaller batches")
    if not inflater.eof:
        raise HTTPException(400, "the gzip body is truncated; resend the batch")
    return data


@router.post(EVENTS_PATH[len(API_PREFIX):], response_model=IngestOut, tags=["agent"],
             openapi_extra=_BATCH_BODY,
             responses={**_ERRORS,
                        400: {"model": ErrorOut, "description": "body is not JSON / not gzip"},
                        408: {"model": ErrorOut, "description": "body arrived too slowly"},
                        413: {"model": ErrorOut, "description": "body or batch too large"},
                        422: {"model": ErrorOut, "description": "body is not {\"events\": [...]}"},
                        429: {"model": ErrorOut, "description": "over the device's rate; see Retry-After"}})
async def post_events(request: Request, device: DeviceAuth, store: StoreDep,
                      limits: LimitsDep) -> Response:
    """Store a batch of UI events from the authenticated device; answer after the commit."""
    buckets: TokenBuckets = request.app.state.buckets
    wait = buckets.take(device.id)
    if wait > 0:
        retry = max(1, math.ceil(wait))
        raise HTTPException(429, f"over the rate limit of {limits.rate_per_s:g} requests/s for "
                                 f"this device; retry after {retry} s",
                            headers={"Retry-After": str(retry)})
    raw = await _read_body(request, limits)
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        await run_in_threadpool(store.quarantine_batch, device, f"body is not JSON: {exc}",
                                raw[:65536].decode("utf-8", "replace"))
        raise HTTPException(400, f"the body is not valid JSON ({exc}); send "
                                 '{"events": [...]} as UTF-8 JSON') from None
    try:
        events = events_of(data, limits.max_batch_events)
    except BatchError as exc:
        raise HTTPException(exc.status, str(exc)) from None
    result = await run_in_threadpool(ingest_events, store, device, events)
    return Response(orjson.dumps({"accepted": result.accepted, "rejected": result.rejected}),
                    media_type="application/json")


def ingest_events(store: Store, device: Device, events: list[Any]) -> IngestResult:
    """Validate one device's batch of wire events and store it (the POST /events body)."""
    batch = validate_batch(events, device.id, device.study_id, now_ms())
    return store.ingest(device, batch)


@router.get(POLICY_PATH[len(API_PREFIX):], tags=["agent"], responses=_ERRORS)
def get_policy(device: DeviceAuth, store: StoreDep) -> dict[str, Any]:
    """The device's policy: the default policy merged with its study's settings and key."""
    return store.policy(device)


@router.post(HEARTBEAT_PATH[len(API_PREFIX):], response_model=OkOut, tags=["agent"],
             responses=_ERRORS)
def heartbeat(body: HeartbeatIn, device: DeviceAuth, store: StoreDep) -> OkOut:
    """Record the agent's version, spool depth, dropped count and last capture time."""
    last: int | None = None
    if body.last_capture is not None:
        try:
            last = parse_ts(body.last_capture)
        except WireError as exc:
            raise HTTPException(422, f"last_capture: {exc}") from None
    store.heartbeat(device, version=body.version, spool_depth=body.spool_depth,
                    dropped=body.dropped, last_capture=last, paused=body.paused,
                    consent=body.consent, capturing=body.capturing)
    return OkOut()


# ---------------------------------------------------------------- admin: studies


@router.get("/studies", response_model=list[StudyOut], tags=["admin"], responses=_ERRORS)
def list_studies(admin: AdminAuth, store: StoreDep) -> list[dict[str, Any]]:
    """Studies this admin may see."""
    return [s for s in store.list_studies() if admin.may_see_study(s["id"])]


@router.post("/studies", response_model=StudyOut, status_code=201, tags=["admin"],
             responses={**_ERRORS, 409: {"model": ErrorOut, "description": "name taken"}})
def create_study(body: StudyIn, admin: AdminAuth, store: StoreDep) -> dict[str, Any]:
    """Create a study (with a fresh random key for pseudonymisation)."""
    return store.create_study(body.name, body.settings, body.description, actor=admin.actor)


@router.get("/studies/{study_id}", response_model=StudyOut, tags=["admin"],
            responses={**_ERRORS, 404: {"model": ErrorOut}})
def get_study(study_id: StudyId, admin: AdminAuth, store: StoreDep) -> dict[str, Any]:
    return _study_for(store, admin, study_id)


@router.patch("/studies/{study_id}", response_model=StudyOut, tags=["admin"],
              responses={**_ERRORS, 404: {"model": ErrorOut}, 409: {"model": ErrorOut}})
def update_study(study_id: StudyId, body: StudyPatch, admin: AdminAuth,
                 store: StoreDep) -> dict[str, Any]:
    """Rename a study or change its settings (policy overrides)."""
    _study_for(store, admin, study_id)
    return store.update_study(study_id, name=body.name, settings=body.settings,
                              description=body.description, actor=admin.actor)


@router.delete("/studies/{study_id}", status_code=204, tags=["admin"],
               responses={**_ERRORS, 404: {"model": ErrorOut}})
def delete_study(study_id: StudyId, admin: AdminAuth, store: StoreDep) -> Response:
    """Delete a study with its devices, events and imports."""
    _study_for(store, admin, study_id)
    store.delete_study(study_id, actor=admin.actor)
    return Response(status_code=204)


@router.post("/studies/{study_id}/enrollment-tokens", response_model=TokenOut, status_code=201,
             tags=["admin"], responses={**_ERRORS, 404: {"model": ErrorOut}})
def create_enrollment_token(study_id: StudyId, body: TokenIn, admin: AdminAuth,
                            store: StoreDep) -> dict[str, Any]:
    """A new enrolment token for the study (give it to the agent installer)."""
    _study_for(store, admin, study_id)
    return store.create_enrollment_token(study_id, uses=body.uses, expires_s=body.expires_in_s,
                                         actor=admin.actor)


@router.get("/studies/{study_id}/enrollment-tokens", response_model=list[TokenInfo],
            tags=["admin"], responses={**_ERRORS, 404: {"model": ErrorOut}})
def list_enrollment_tokens(study_id: StudyId, admin: AdminAuth, store: StoreDep) -> list[dict[str, Any]]:
    _study_for(store, admin, study_id)
    return store.list_enrollment_tokens(study_id)


# ---------------------------------------------------------------- admin: devices


@router.get("/devices", response_model=list[DeviceOut], tags=["admin"], responses=_ERRORS)
def list_devices(admin: AdminAuth, store: StoreDep,
                 study_id: Annotated[int | None, Query(ge=1, le=2_147_483_647)] = None) -> list[dict[str, Any]]:
    """Devices with last seen, heartbeat figures, sequence gaps and dropped counts."""
    if study_id is not None:
        _study_for(store, admin, study_id)
    return [d for d in store.list_devices(study_id=study_id) if admin.may_see_study(d["study_id"])]


@router.get("/devices/{device_id}", response_model=DeviceDetail, tags=["admin"],
            responses={**_ERRORS, 404: {"model": ErrorOut}})
def get_device(device_id: DeviceId, admin: AdminAuth, store: StoreDep) -> dict[str, Any]:
    device = _device_for(store, admin, device_id)
    device["seq_gaps"] = store.seq_gaps(device_id)
    return device


@router.post("/devices/{device_id}/revoke", response_model=DeviceOut, tags=["admin"],
             responses={**_ERRORS, 404: {"model": ErrorOut}})
def revoke_device(device_id: DeviceId, admin: AdminAuth, store: StoreDep) -> dict[str, Any]:
    """Revoke a device token: the device's next request is refused with 401."""
    _device_for(store, admin, device_id)
    return store.revoke_device(device_id, actor=admin.actor)


@router.get("/quarantine", response_model=list[QuarantineOut], tags=["admin"],
            responses={**_ERRORS, 404: {"model": ErrorOut}})
def list_quarantine(admin: AdminAuth, store: StoreDep,
                    study_id: Annotated[int, Query(ge=1, le=2_147_483_647)],
                    limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> list[dict[str, Any]]:
    """Rejected events of a study, newest first, with the reason each was refused."""
    _study_for(store, admin, study_id)
    return store.list_quarantine(study_id=study_id, limit=limit)


# ---------------------------------------------------------------- admin: system logs


async def _save_upload(upload: UploadFile, limits: Limits, tmpdir: str) -> Path:
    name = Path(upload.filename or "upload.csv").name
    lower = name.lower()
    if not lower.endswith((".csv", ".csv.gz", ".xes", ".xes.gz", ".parquet")):
        raise HTTPException(422, f"{name}: upload a .csv, .csv.gz, .xes, .xes.gz or .parquet file")
    path = Path(tmpdir) / name
    size = 0
    with path.open("wb") as out:
        while chunk := await upload.read(1 << 20):
            size += len(chunk)
            if size > limits.max_upload_bytes:
                raise HTTPException(413, f"{name} is over the upload limit of "
                                         f"{limits.max_upload_bytes} bytes; import it with "
                                         "`taskloom import` on the server instead")
            out.write(chunk)
    return path


def _mapping_options(case: str | None, activity: str | None, timestamp: str | None,
                     start_timestamp: str | None, resource: str | None,
                     timestamp_format: str | None, timezone: str | None,
                     sep: str | None) -> dict[str, Any]:
    return {"case": case, "activity": activity, "timestamp": timestamp,
            "start_timestamp": start_timestamp, "resource": resource,
            "timestamp_format": timestamp_format, "timezone": timezone, "sep": sep}


def _read_log_or_422(path: Path, options: dict[str, Any]) -> Any:
    try:
        return sysimport.read_system_log(path, options)
    except Exception as exc:
        if type(exc).__name__ == "LogInputError" or isinstance(exc, ValueError | KeyError):
            raise HTTPException(422, f"{path.name}: {exc}") from None
        raise


MappingForm = Annotated[str | None, Form()]


@router.post("/studies/{study_id}/imports/preview", response_model=PreviewOut, tags=["admin"],
             responses={**_ERRORS, 404: {"model": ErrorOut},
                        422: {"model": ErrorOut, "description": "bad column mapping or file"}})
async def preview_import(study_id: StudyId, admin: AdminAuth, store: StoreDep, limits: LimitsDep,
                         file: Annotated[UploadFile, File()],
                         case: MappingForm = None, activity: MappingForm = None,
                         timestamp: MappingForm = None, start_timestamp: MappingForm = None,
                         resource: MappingForm = None, timestamp_format: MappingForm = None,
                         timezone: MappingForm = None, sep: MappingForm = None,
                         rows: Annotated[int, Form(ge=1, le=1000)] = 20) -> dict[str, Any]:
    """Read the file with the mapping and return its first rows (nothing is stored)."""
    await run_in_threadpool(_study_for, store, admin, study_id)
    options = _mapping_options(case, activity, timestamp, start_timestamp, resource,
                               timestamp_format, timezone, sep)
    with tempfile.TemporaryDirectory(prefix="taskloom-upload-") as tmpdir:
        path = await _save_upload(file, limits, tmpdir)
        frame = await run_in_threadpool(_read_log_or_422, path, options)
    return {"columns": [str(c) for c in frame.columns],
            "rows": sysimport.preview_rows(frame, rows), "total_rows": len(frame)}


@router.post("/studies/{study_id}/imports", response_model=ImportOut, status_code=201,
             tags=["admin"],
             responses={**_ERRORS, 404: {"model": ErrorOut},
                        422: {"model": ErrorOut, "description": "bad column mapping or file"}})
async def create_import(study_id: StudyId, admin: AdminAuth, store: StoreDep, limits: LimitsDep,
                        file: Annotated[UploadFile, File()],
                        case: MappingForm = None, activity: MappingForm = None,
                        timestamp: MappingForm = None, start_timestamp: MappingForm = None,
                        resource: MappingForm = None, timestamp_format: MappingForm = None,
                        timezone: MappingForm = None, sep: MappingForm = None,
                        hash_case_ids: Annotated[bool, Form()] = False,
                        case_prefix: Annotated[str, Form(max_length=32)] = "") -> dict[str, Any]:
    """Import a system log (CSV/XES) into the study; case ids hashed with the study key if asked."""
    await run_in_threadpool(_study_for, store, admin, study_id)
    options = _mapping_options(case, activity, timestamp, start_timestamp, resource,
                               timestamp_format, timezone, sep)
    with tempfile.TemporaryDirectory(prefix="taskloom-upload-") as tmpdir:
        path = await _save_upload(file, limits, tmpdir)
        try:
            frame = await run_in_threadpool(_read_log_or_422, path, options)
        except HTTPException as exc:
            await run_in_threadpool(store.record_failed_import, study_id, path.name, options,
                                    str(exc.detail), admin.actor)
            raise
        return await run_in_threadpool(import_frame, store, study_id, path.name, options, frame,
                                       hash_case_ids, case_prefix, admin.actor)


def import_frame(store: Store, study_id: int, file_name: str, options: dict[str, Any],
                 frame: Any, hash_case_ids: bool, case_prefix: str, actor: str,
                 progress: Callable[[int, int], None] | None = None) -> dict[str, Any]:
    """Map a read system log to rows and store it as one import (``progress``: rows stored)."""
    key = store.study_key(study_id) if hash_case_ids else None
    rows = sysimport.to_rows(frame, key, case_prefix)
    mapping = {k: v for k, v in options.items() if v not in (None, "")}
    if hash_case_ids:
        mapping["case_prefix"] = case_prefix
    return store.create_import(study_id, file_name, mapping, hash_case_ids, rows, actor=actor,
                               progress=progress)


@router.get("/studies/{study_id}/imports", response_model=list[ImportOut], tags=["admin"],
            responses={**_ERRORS, 404: {"model": ErrorOut}})
def list_imports(study_id: StudyId, admin: AdminAuth, store: StoreDep) -> list[dict[str, Any]]:
    _study_for(store, admin, study_id)
    return store.list_imports(study_id)


@router.get("/studies/{study_id}/export", tags=["admin"],
            responses={**_ERRORS, 404: {"model": ErrorOut},
                       200: {"description": "the file", "content": {
                           "text/csv": {}, "application/xml": {},
                           "application/vnd.apache.parquet": {}}}})
def export_study(study_id: StudyId, admin: AdminAuth, store: StoreDep,
                 format: Annotated[Literal["csv", "xes", "parquet"], Query()] = "csv") -> FileResponse:
    """The study's UI events, one row per stored event with the wire-format columns."""
    study = _study_for(store, admin, study_id)
    tmpdir = tempfile.mkdtemp(prefix="taskloom-export-")
    path = Path(tmpdir) / f"{study['name']}-ui-events.{format}".replace("/", "_")
    n = exports.write_ui_events(store.ui_events_frame(study_id), path)
    store.audit(admin.actor, "study.export", "study", study_id, format=format, rows=n)
    media = {"csv": "text/csv", "xes": "application/xml",
             "parquet": "application/vnd.apache.parquet"}[format]
    return FileResponse(path, media_type=media, filename=path.name,
                        background=BackgroundTask(_rmtree, tmpdir))


def _rmtree(path: str) -> None:
    import shutil

    shutil.rmtree(path, ignore_errors=True)


# ---------------------------------------------------------------- wiring


def _validation_detail(exc: RequestValidationError) -> str:
    parts = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err.get("loc", ()) if p != "body") or "body"
        parts.append(f"{where}: {err.get('msg', 'invalid')}")
    return "; ".join(parts) + " — fix these fields and resend"


def install(app: FastAPI, store: Store, limits: Limits | None = None) -> None:
    """Mount the collector API on ``app`` with its store, limits and JSON error handlers."""
    limits = limits or Limits()
    app.state.store = store
    app.state.limits = limits
    app.state.buckets = TokenBuckets(limits.rate_per_s, limits.rate_burst)
    app.include_router(router)

    async def on_validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
        return JSONResponse({"detail": _validation_detail(exc)}, status_code=422)

    async def on_store_error(_request: Request, exc: StoreError) -> JSONResponse:
        headers = _UNAUTH if exc.status == 401 else None
        return JSONResponse({"detail": str(exc)}, status_code=exc.status, headers=headers)

    async def on_unstorable(_request: Request, exc: Exception) -> JSONResponse:
        orig = exc.orig if isinstance(exc, StatementError) else exc
        if not isinstance(orig, UnicodeError | TypeError | OverflowError | ValueError):
            raise exc
        return JSONResponse({"detail": f"a value in the request cannot be stored ({orig}); "
                                       "send valid UTF-8 text and numbers within 64 bits"},
                            status_code=422)

    app.add_exception_handler(RequestValidationError, on_validation)  # type: ignore[arg-type]
    app.add_exception_handler(UnicodeError, on_unstorable)
    app.add_exception_handler(StatementError, on_unstorable)
    app.add_exception_handler(StoreError, on_store_error)  # type: ignore[arg-type]
    _document_errors(app)


def _document_errors(app: FastAPI) -> None:
    """Make the spec say what the API does: every 422 is ``{"detail": str}`` (ErrorOut),
    not FastAPI's default list of validation errors, since our handler flattens them."""
    from fastapi.openapi.utils import get_openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        spec = get_openapi(title=app.title, version=app.version, description=app.description,
                           routes=app.routes)
        components = spec.setdefault("components", {}).setdefault("schemas", {})
        components.setdefault("ErrorOut", ErrorOut.model_json_schema())
        ref = {"$ref": "#/components/schemas/ErrorOut"}
        for ops in spec.get("paths", {}).values():
            for op in ops.values():
                responses = op.get("responses", {})
                if "422" in responses or op.get("parameters") or op.get("requestBody"):
                    entry = responses.setdefault("422", {"description": "invalid input"})
                    entry["content"] = {"application/json": {"schema": ref}}
        components.pop("HTTPValidationError", None)
        components.pop("ValidationError", None)
        app.openapi_schema = spec
        return spec

    app.openapi = openapi  # type: ignore[method-assign]

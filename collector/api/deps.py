"""What routes declare they need: the store, the limits, and who is calling.

``DeviceAuth`` and ``AdminAuth`` authenticate from the Bearer token before any body is
read; ``study_for`` / ``device_for`` are the per-object checks (404 either way, so a
caller learns nothing about objects it may not see).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Query, Request
from fastapi import Path as PathParam
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from taskloom.collector.api.guard import CALLER_KEY
from taskloom.collector.limits import Limits, TokenBuckets
from taskloom.collector.store import Admin, Device, DeviceInfo, Store, Study

#: Database ids fit a 32-bit INTEGER on both backends; larger ones are refused up front.
MAX_ID = 2_147_483_647
StudyId = Annotated[int, PathParam(ge=1, le=MAX_ID)]
StudyQuery = Annotated[int, Query(ge=1, le=MAX_ID)]
DeviceId = Annotated[str, PathParam(min_length=1, max_length=36, pattern=r"^[0-9a-fA-F-]+$")]

#: The header every 401 carries (RFC 6750).
UNAUTHORIZED = {"WWW-Authenticate": "Bearer"}

_bearer = HTTPBearer(auto_error=False, description="device token (agents) or admin token")


async def get_store(request: Request) -> Store:
    store: Store = request.app.state.store
    return store


async def get_limits(request: Request) -> Limits:
    limits: Limits = request.app.state.limits
    return limits


async def get_buckets(request: Request) -> TokenBuckets:
    buckets: TokenBuckets = request.app.state.buckets
    return buckets


StoreDep = Annotated[Store, Depends(get_store)]
LimitsDep = Annotated[Limits, Depends(get_limits)]
BucketsDep = Annotated[TokenBuckets, Depends(get_buckets)]
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


def _token(creds: HTTPAuthorizationCredentials | None, missing: str) -> str:
    if creds is None:
        raise HTTPException(401, missing, headers=UNAUTHORIZED)
    return creds.credentials


def _vouched(request: Request, kind: type[Device] | type[Admin]) -> Device | Admin | None:
    """What the guard middleware (collector.api.guard) already authenticated, if anything."""
    found = getattr(request.state, CALLER_KEY, None)
    return found if isinstance(found, kind) else None


async def device_auth(request: Request, store: StoreDep, creds: Credentials) -> Device:
    """The device a Bearer device token belongs to (401 when missing, unknown or revoked).

    Async: on the ingest path the guard has already looked the token up, so this costs
    no thread hop; otherwise the lookup runs in the thread pool.
    """
    if isinstance(found := _vouched(request, Device), Device):
        return found
    token = _token(creds, "no device token; send 'Authorization: Bearer <device_token>' "
                          "(enrol first at POST /api/v1/agent/enroll)")
    return await run_in_threadpool(store.authenticate_device, token)


def admin_auth(request: Request, store: StoreDep, creds: Credentials) -> Admin:
    """The admin behind a Bearer admin token (401 when missing or unknown), or the caller
    that the app's ``session_auth`` hook (the console's login cookie) vouches for."""
    if creds is not None and isinstance(found := _vouched(request, Admin), Admin):
        return found
    session_auth = getattr(request.app.state, "session_auth", None)
    if creds is None and session_auth is not None and (caller := session_auth(request)):
        return caller
    return store.authenticate_admin(_token(
        creds, "no admin token; send 'Authorization: Bearer <admin_token>' "
               "(create one with `taskloom admin token`)"))


DeviceAuth = Annotated[Device, Depends(device_auth)]
AdminAuth = Annotated[Admin, Depends(admin_auth)]


def study_for(store: Store, admin: Admin, study_id: int) -> Study:
    """The study if this admin may see it; 404 either way otherwise (no existence leak)."""
    if not admin.may_see_study(study_id):
        raise HTTPException(404, f"no study {study_id}; list them at GET /api/v1/studies")
    return store.get_study(study_id)


def device_for(store: Store, admin: Admin, device_id: str) -> DeviceInfo:
    """The device if this admin may see its study; 404 either way otherwise."""
    device = store.get_device(device_id)
    if not admin.may_see_study(device.study_id):
        raise HTTPException(404, f"no device {device_id!r}; list them at GET /api/v1/devices")
    return device

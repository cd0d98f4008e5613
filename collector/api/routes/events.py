"""UI events: the ingest hot path (POST /events) and the quarantine of refused ones.

``POST /api/v1/events`` avoids pydantic per event: raw body → (gzip) → orjson →
agent.protocol.parse_event → one executemany in one (group) commit → answer after it.
"""

from __future__ import annotations

import math
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, HTTPException, Query, Request, Response
from starlette.concurrency import run_in_threadpool

from taskloom.agent.protocol import API_PREFIX, EVENTS_PATH, event_json_schema
from taskloom.collector.api.body import encoding_of, inflate, inflated_size, read_raw
from taskloom.collector.api.deps import (
    AdminAuth,
    BucketsDep,
    DeviceAuth,
    LimitsDep,
    StoreDep,
    StudyQuery,
    study_for,
)
from taskloom.collector.api.errors import errors
from taskloom.collector.api.models import IngestOut, QuarantineOut
from taskloom.collector.limits import ByteBudget
from taskloom.collector.services.ingest import ingest_body
from taskloom.collector.store import QuarantineEntry

router = APIRouter(prefix=API_PREFIX)

_BATCH_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "A batch of UI events (agent/protocol.py); gzip Content-Encoding accepted. "
                       "Invalid events are quarantined, not the whole batch.",
        "content": {"application/json": {"schema": {
            "type": "object", "required": ["events"],
            "properties": {"events": {"type": "array", "items": event_json_schema()}},
        }}},
    }
}


@router.post(EVENTS_PATH[len(API_PREFIX):], response_model=IngestOut, tags=["agent"],
             openapi_extra=_BATCH_BODY,
             responses=errors((400, "body is not JSON / not gzip"),
                              (408, "body arrived too slowly"),
                              (413, "body or batch too large"),
                              (422, "body is not {\"events\": [...]}"),
                              (429, "over the device's rate; see Retry-After")))
async def post_events(request: Request, device: DeviceAuth, store: StoreDep,
                      limits: LimitsDep, buckets: BucketsDep) -> Response:
    """Store a batch of UI events from the authenticated device; answer after the commit."""
    wait = buckets.take(device.id)
    if wait > 0:
        retry = max(1, math.ceil(wait))
        raise HTTPException(429, f"over the rate limit of {limits.rate_per_s:g} requests/s for "
                                 f"this device; retry after {retry} s",
                            headers={"Retry-After": str(retry)})
    # Bodies in memory at once are bounded in bytes (ByteBudget): a body holds its
    # declared length while it arrives (the limit when it declares none), then its length
    # plus what it says it inflates to (gzip's trailer) before it is inflated and parsed.
    declared = request.headers.get("content-length", "")
    reserve = int(declared) if declared.isdigit() else limits.max_body_bytes
    budget: ByteBudget = request.app.state.body_budget
    encoding = encoding_of(request)
    async with budget.hold(min(reserve, limits.max_body_bytes)) as grow:
        body = await read_raw(request, limits)
        if encoding != "identity":
            await grow(len(body) + inflated_size(body, encoding, limits))
        raw = inflate(body, encoding, limits)
        if raw is not body:
            await grow(len(body) + len(raw))  # no-op unless the trailer understated it
        del body
        result = await run_in_threadpool(ingest_body, store, device, raw, limits)
        del raw
    return Response(orjson.dumps(result), media_type="application/json")


@router.get("/quarantine", response_model=list[QuarantineOut], tags=["admin"],
            responses=errors(404))
def list_quarantine(admin: AdminAuth, store: StoreDep, study_id: StudyQuery,
                    limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> list[QuarantineEntry]:
    """Rejected events of a study, newest first, with the reason each was refused."""
    study_for(store, admin, study_id)
    return store.list_quarantine(study_id=study_id, limit=limit)

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
from taskloom.collector.api.body import read_body
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
    async with request.app.state.body_slots:  # bodies held in memory at once are capped
        raw = await read_body(request, limits)
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

"""Study and fleet administration the collector API lacks: revoking an enrolment token,
the fleet view (devices with today's events and a silence flag)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import Response

from taskloom.collector.store import now_ms
from taskloom.server.console.apiutil import json_response
from taskloom.server.console.principal import AdminOnly, StudyId, study_or_404

router = APIRouter(prefix="/api/v1", tags=["console"])
TokenId = Annotated[int, PathParam(ge=1, le=2_147_483_647)]


@router.delete("/studies/{study_id}/enrollment-tokens/{token_id}", status_code=204,
               summary="revoke an enrolment token (admin); enrolled devices are not affected")
def revoke_enrollment_token(request: Request, study_id: StudyId, token_id: TokenId,
                            caller: AdminOnly) -> Response:
    store = request.app.state.store
    study_or_404(store, caller, study_id)
    store.revoke_enrollment_token(study_id, token_id, caller.actor)
    return Response(status_code=204)


@router.get("/fleet", summary="devices with today's events and a silence flag (admin)")
def fleet(request: Request, caller: AdminOnly,
          silent_after_s: Annotated[int, Query(ge=60, le=30 * 86400)] = 7200) -> Response:
    """Every device the caller may see (the collector's device list) plus events since
    midnight UTC and ``silent``: not heard from for ``silent_after_s`` seconds."""
    store = request.app.state.store
    devices = [d for d in store.list_devices() if caller.may_see_study(d.study_id)]
    now = now_ms()
    midnight = now - now % 86_400_000
    today = store.events_since({d.study_id for d in devices}, midnight)
    rows = [{**asdict(d), "events_today": today.get(d.id, 0),
             "silent": (not d.revoked) and (d.last_seen is None
                                            or now - d.last_seen > silent_after_s * 1000)}
            for d in devices]
    return json_response({"devices": rows, "now": now, "silent_after_s": silent_after_s})

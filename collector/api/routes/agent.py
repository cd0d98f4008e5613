"""What an agent does besides sending events: enrol, fetch its policy, send heartbeats."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException

from taskloom.agent.protocol import (
    API_PREFIX,
    ENROLL_PATH,
    HEARTBEAT_PATH,
    POLICY_PATH,
    WireError,
    parse_ts,
)
from taskloom.collector.api.deps import DeviceAuth, StoreDep
from taskloom.collector.api.errors import errors
from taskloom.collector.api.models import EnrollIn, EnrollOut, HeartbeatIn, OkOut
from taskloom.collector.store import Device

router = APIRouter(prefix=API_PREFIX, tags=["agent"])


def _path(full: str) -> str:
    return full[len(API_PREFIX):]


@router.post(_path(ENROLL_PATH), response_model=EnrollOut,
             responses=errors((401, "enrolment token unknown, expired or used up")))
def enroll(body: EnrollIn, store: StoreDep) -> dict[str, Any]:
    """Spend an enrolment token: returns the device id, its token and its policy."""
    enrolled = store.enroll(body.enrollment_token, body.hostname)
    return {"device_id": enrolled.device_id, "device_token": enrolled.device_token,
            "study_id": enrolled.study_id,
            "policy": store.policy(Device(enrolled.device_id, enrolled.study_id))}


@router.get(_path(POLICY_PATH), responses=errors())
def get_policy(device: DeviceAuth, store: StoreDep) -> dict[str, Any]:
    """The device's policy: the default policy merged with its study's settings and key."""
    return store.policy(device)


@router.post(_path(HEARTBEAT_PATH), response_model=OkOut, responses=errors())
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

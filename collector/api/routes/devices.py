"""Enrolled devices (admin): the fleet view with sequence gaps, and revocation."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Query

from taskloom.agent.protocol import API_PREFIX
from taskloom.collector.api.deps import MAX_ID, AdminAuth, DeviceId, StoreDep, device_for, study_for
from taskloom.collector.api.errors import errors
from taskloom.collector.api.models import DeviceDetail, DeviceOut
from taskloom.collector.store import DeviceInfo

router = APIRouter(prefix=API_PREFIX, tags=["admin"])


@router.get("/devices", response_model=list[DeviceOut], responses=errors())
def list_devices(admin: AdminAuth, store: StoreDep,
                 study_id: Annotated[int | None, Query(ge=1, le=MAX_ID)] = None) -> list[DeviceInfo]:
    """Devices with last seen, heartbeat figures, sequence gaps and dropped counts."""
    if study_id is not None:
        study_for(store, admin, study_id)
    return [d for d in store.list_devices(study_id=study_id) if admin.may_see_study(d.study_id)]


@router.get("/devices/{device_id}", response_model=DeviceDetail, responses=errors(404))
def get_device(device_id: DeviceId, admin: AdminAuth, store: StoreDep) -> dict[str, Any]:
    device = device_for(store, admin, device_id)
    return {**asdict(device), "seq_gaps": store.seq_gaps(device_id)}


@router.post("/devices/{device_id}/revoke", response_model=DeviceOut, responses=errors(404))
def revoke_device(device_id: DeviceId, admin: AdminAuth, store: StoreDep) -> DeviceInfo:
    """Revoke a device token: the device's next request is refused with 401."""
    device_for(store, admin, device_id)
    return store.revoke_device(device_id, actor=admin.actor)

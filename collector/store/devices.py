"""Devices: enrolment (spending an enrolment token), authentication, heartbeats,
revocation, and the fleet view with sequence gaps."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Row

from taskloom.collector import schema as t
from taskloom.collector.store.audit import write_audit
from taskloom.collector.store.engine import StoreBase, now_ms
from taskloom.collector.store.errors import AuthError, NotFound
from taskloom.collector.store.rows import Device, DeviceInfo, Enrolment
from taskloom.collector.store.tokens import DEVICE_PREFIX, hash_token, new_token


def _no_device(device_id: str) -> NotFound:
    return NotFound(f"no device {device_id!r}; list them with `taskloom device list`")


def _device_info(r: Row[Any]) -> DeviceInfo:
    n = int(r.n or 0)
    return DeviceInfo(
        id=r.id, study_id=r.study_id, study=r.study, hostname=r.hostname,
        revoked=bool(r.revoked), created_at=r.created_at, last_seen=r.last_seen,
        last_heartbeat=r.hb_at, version=r.hb_version, spool_depth=r.hb_spool_depth,
        dropped=r.hb_dropped, last_capture=r.hb_last_capture, events=n,
        seq_min=r.lo, seq_max=r.hi, seq_missing=int(r.hi - r.lo + 1 - r.nd) if n else 0,
        paused=r.hb_paused, consent=r.hb_consent, capturing=r.hb_capturing,
    )


class DevicesArea(StoreBase):
    """Enrolled devices of every study."""

    def enroll(self, enrollment_token: str, hostname: str) -> Enrolment:
        """Spend one use of an enrolment token: a new device id and device token."""
        et = t.enrollment_tokens
        hostname = (hostname or "").strip()[:255] or "unknown"
        with self._write() as conn:
            row = conn.execute(sa.select(et).where(
                et.c.token_hash == hash_token(enrollment_token))).first()
            now = now_ms()
            if row is None:
                raise AuthError("enrolment token unknown; ask the study admin for a new one "
                                "(`taskloom device token --study NAME`)")
            if row.expires_at <= now:
                raise AuthError("enrolment token expired; ask the study admin for a new one")
            if row.uses >= row.max_uses:
                raise AuthError("enrolment token used up; ask the study admin for a new one "
                                "(`--uses N` allows several devices)")
            upd = conn.execute(et.update().where(et.c.id == row.id, et.c.uses < et.c.max_uses)
                               .values(uses=et.c.uses + 1))
            if upd.rowcount != 1:
                raise AuthError("enrolment token used up; ask the study admin for a new one")
            device_id = str(uuid.uuid4())
            device_token = new_token(DEVICE_PREFIX)
            conn.execute(t.devices.insert().values(
                id=device_id, study_id=row.study_id, hostname=hostname,
                token_hash=hash_token(device_token), revoked=False, created_at=now, last_seen=now))
            write_audit(conn, f"enrollment-token:{row.id}", "device.enroll", "device", device_id,
                        hostname=hostname, study_id=row.study_id)
        return Enrolment(device_id=device_id, device_token=device_token, study_id=row.study_id)

    def authenticate_device(self, token: str) -> Device:
        """The device a token belongs to; AuthError when unknown or revoked."""
        d = t.devices
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(d.c.id, d.c.study_id, d.c.revoked).where(
                d.c.token_hash == hash_token(token))).first()
            conn.rollback()
        if row is None:
            raise AuthError("device token unknown; enrol the agent again "
                            "(`taskloom-agent enroll`)")
        if row.revoked:
            raise AuthError("device token revoked by the study admin; this device may not send "
                            "events — enrol again with a new enrolment token if that was a mistake")
        return Device(id=row.id, study_id=row.study_id)

    def heartbeat(self, device: Device, *, version: str | None, spool_depth: int | None,
                  dropped: int | None, last_capture: int | None, paused: bool | None = None,
                  consent: bool | None = None, capturing: bool | None = None) -> None:
        """Record what the agent says about itself (and that it was seen now)."""
        now = now_ms()
        with self._write() as conn:
            conn.execute(t.devices.update().where(t.devices.c.id == device.id).values(
                last_seen=now, hb_at=now, hb_version=version, hb_spool_depth=spool_depth,
                hb_dropped=dropped, hb_last_capture=last_capture, hb_paused=paused,
                hb_consent=consent, hb_capturing=capturing))

    def revoke_device(self, device_id: str, actor: str = "cli") -> DeviceInfo:
        """Revoke a device token: the device's next request is refused."""
        with self._write() as conn:
            res = conn.execute(t.devices.update().where(t.devices.c.id == device_id)
                               .values(revoked=True))
            if res.rowcount != 1:
                raise _no_device(device_id)
            write_audit(conn, actor, "device.revoke", "device", device_id)
        return self.get_device(device_id)

    def get_device(self, device_id: str) -> DeviceInfo:
        devices = self.list_devices(device_id=device_id)
        if not devices:
            raise _no_device(device_id)
        return devices[0]

    def list_devices(self, study_id: int | None = None,
                     device_id: str | None = None) -> list[DeviceInfo]:
        """Devices with last seen, heartbeat figures, event counts and sequence gaps."""
        d, e = t.devices, t.ui_events
        stats = (sa.select(e.c.device_id, sa.func.count().label("n"),
                           sa.func.count(sa.distinct(e.c.seq)).label("nd"),
                           sa.func.min(e.c.seq).label("lo"), sa.func.max(e.c.seq).label("hi"))
                 .group_by(e.c.device_id))
        if device_id is not None:
            stats = stats.where(e.c.device_id == device_id)
        elif study_id is not None:
            stats = stats.where(e.c.study_id == study_id)
        sub = stats.subquery()
        q = (sa.select(d, t.studies.c.name.label("study"), sub.c.n, sub.c.nd, sub.c.lo, sub.c.hi)
             .join(t.studies, t.studies.c.id == d.c.study_id)
             .outerjoin(sub, sub.c.device_id == d.c.id).order_by(d.c.created_at, d.c.id))
        if study_id is not None:
            q = q.where(d.c.study_id == study_id)
        if device_id is not None:
            q = q.where(d.c.id == device_id)
        with self._read() as conn:
            return [_device_info(r) for r in conn.execute(q).all()]

    def seq_gaps(self, device_id: str, limit: int = 100) -> list[tuple[int, int]]:
        """Ranges ``(first_missing, last_missing)`` of sequence numbers never received."""
        e = t.ui_events
        prev = sa.func.lag(e.c.seq).over(order_by=e.c.seq).label("prev")
        inner = sa.select(e.c.seq, prev).where(e.c.device_id == device_id).subquery()
        q = (sa.select(inner.c.prev, inner.c.seq).where(inner.c.seq - inner.c.prev > 1)
             .order_by(inner.c.seq).limit(limit))
        with self._read() as conn:
            return [(int(p) + 1, int(s) - 1) for p, s in conn.execute(q).all()]

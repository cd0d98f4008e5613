"""Studies: create, read, rename, delete, and the policy their devices get.

Each study has a random HMAC key for ``agent.protocol.keyed_token``: enrolled devices
and the system-log import pseudonymise identifiers with it. The key never leaves the
store except in a device's policy.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Row

from taskloom.agent.protocol import DEFAULT_POLICY
from taskloom.collector import schema as t
from taskloom.collector.store.audit import write_audit
from taskloom.collector.store.engine import StoreBase, now_ms
from taskloom.collector.store.errors import Conflict, NotFound, StoreError
from taskloom.collector.store.rows import Device, Study


def new_study_key() -> str:
    """A per-study HMAC key (hex) for agent.protocol.keyed_token."""
    return secrets.token_hex(32)


def study_row(conn: Connection, study: int | str) -> Row[Any]:
    """The studies row of a study id or name; NotFound naming the fix otherwise."""
    col = t.studies.c.id if isinstance(study, int) else t.studies.c.name
    row = conn.execute(sa.select(t.studies).where(col == study)).first()
    if row is None:
        raise NotFound(f"no study {study!r}; list them with `taskloom study list`")
    return row


def _study(row: Row[Any], devices: int | None = None) -> Study:
    return Study(id=row.id, name=row.name, description=row.description, settings=row.settings,
                 created_at=row.created_at, devices=devices)


def _deep_merge(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def _clean_name(name: str) -> str:
    name = name.strip()
    if not name:
        raise StoreError("a study needs a non-empty name")
    return name


def _refuse_taken(conn: Connection, name: str, study_id: int | None = None) -> None:
    query = sa.select(t.studies.c.id).where(t.studies.c.name == name)
    if study_id is not None:
        query = query.where(t.studies.c.id != study_id)
    if conn.execute(query).first():
        raise Conflict(f"a study named {name!r} already exists; pick another name")


class StudiesArea(StoreBase):
    """Studies and the policy a study's devices follow."""

    def create_study(self, name: str, settings: Mapping[str, Any] | None = None,
                     description: str = "", actor: str = "cli") -> Study:
        name = _clean_name(name)
        with self._write() as conn:
            _refuse_taken(conn, name)
            res = conn.execute(t.studies.insert().values(
                name=name, hmac_key=new_study_key(), settings=dict(settings or {}),
                description=description, created_at=now_ms()))
            study_id = int(res.inserted_primary_key[0])  # type: ignore[index]
            write_audit(conn, actor, "study.create", "study", study_id, name=name)
        return self.get_study(study_id)

    def get_study(self, study: int | str) -> Study:
        """A study by id or name (without its key)."""
        with self._read() as conn:
            return _study(study_row(conn, study))

    def study_key(self, study: int | str) -> str:
        with self._read() as conn:
            return str(study_row(conn, study).hmac_key)

    def list_studies(self) -> list[Study]:
        """Every study with its number of devices, oldest first."""
        with self._read() as conn:
            rows = conn.execute(sa.select(t.studies).order_by(t.studies.c.id)).all()
            counts: dict[int, int] = dict(conn.execute(
                sa.select(t.devices.c.study_id, sa.func.count()).group_by(t.devices.c.study_id)).all())
        return [_study(row, int(counts.get(row.id, 0))) for row in rows]

    def update_study(self, study_id: int, *, name: str | None = None,
                     settings: Mapping[str, Any] | None = None, description: str | None = None,
                     actor: str = "cli") -> Study:
        values: dict[str, Any] = {}
        if name is not None:
            values["name"] = _clean_name(name)
        if settings is not None:
            values["settings"] = dict(settings)
        if description is not None:
            values["description"] = description
        with self._write() as conn:
            study_row(conn, study_id)
            if "name" in values:
                _refuse_taken(conn, values["name"], study_id)
            if values:
                conn.execute(t.studies.update().where(t.studies.c.id == study_id).values(**values))
            write_audit(conn, actor, "study.update", "study", study_id, fields=sorted(values))
        return self.get_study(study_id)

    def delete_study(self, study_id: int, actor: str = "cli") -> None:
        """Delete a study and everything recorded for it."""
        with self._write() as conn:
            study_row(conn, study_id)
            # Explicit order: SQLite enforces ON DELETE CASCADE only with foreign_keys=ON
            # and PostgreSQL needs no help, but being explicit keeps both identical.
            for table in (t.ui_events, t.system_events, t.imports, t.enrollment_tokens, t.devices):
                conn.execute(table.delete().where(table.c.study_id == study_id))
            conn.execute(t.quarantine.delete().where(t.quarantine.c.study_id == study_id))
            conn.execute(t.studies.delete().where(t.studies.c.id == study_id))
            write_audit(conn, actor, "study.delete", "study", study_id)

    def policy(self, device: Device) -> dict[str, Any]:
        """DEFAULT_POLICY merged with the study's settings, with the study key."""
        with self._read() as conn:
            row = study_row(conn, device.study_id)
        policy = _deep_merge(DEFAULT_POLICY, row.settings or {})
        policy["study_key"] = row.hmac_key
        policy["study"] = row.name
        return policy

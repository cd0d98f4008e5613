"""The typed rows the store takes and returns: the shape of each answer without the SQL.

Times are epoch milliseconds (UTC), as in the tables. Rows are frozen dataclasses, so the
API serialises them as they are (FastAPI and orjson both read dataclasses).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

ADMIN_ROLE = "admin"


@dataclass(frozen=True, slots=True)
class Device:
    """An authenticated device: who the token belongs to."""

    id: str
    study_id: int


@dataclass(frozen=True, slots=True)
class Admin:
    """An authenticated admin; ``may_see_study`` is the per-object check."""

    token_id: int
    role: str

    @property
    def actor(self) -> str:
        return f"admin-token:{self.token_id}"

    def may_see_study(self, study_id: int) -> bool:
        # One role for now: an admin sees every study. A study-scoped role plugs in here.
        return self.role == ADMIN_ROLE


@dataclass(frozen=True, slots=True)
class Study:
    """A study without its key; ``devices`` is filled by ``list_studies`` only."""

    id: int
    name: str
    description: str
    settings: dict[str, Any]  # policy overrides, a free JSON map merged over DEFAULT_POLICY
    created_at: int
    devices: int | None = None


@dataclass(frozen=True, slots=True)
class NewEnrollmentToken:
    """A just-created enrolment token: the token itself is shown this once."""

    id: int
    token: str
    study_id: int
    expires_at: int
    max_uses: int


@dataclass(frozen=True, slots=True)
class EnrollmentTokenInfo:
    """A stored enrolment token (its hash is never returned)."""

    id: int
    study_id: int
    expires_at: int
    max_uses: int
    uses: int
    created_at: int


@dataclass(frozen=True, slots=True)
class AdminTokenInfo:
    """A stored admin token (its hash is never returned)."""

    id: int
    label: str
    role: str
    revoked: bool
    created_at: int


@dataclass(frozen=True, slots=True)
class Enrolment:
    """A device just enrolled: its id and its token (shown once, stored hashed)."""

    device_id: str
    device_token: str
    study_id: int


@dataclass(frozen=True, slots=True)
class DeviceInfo:
    """A device with its last heartbeat figures, event count and sequence gaps.

    ``seq_missing`` counts sequence numbers between ``seq_min`` and ``seq_max`` that never
    arrived (lost, or still in the agent's spool).
    """

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
    seq_missing: int
    paused: bool | None = None  # the capture state the last heartbeat reported
    consent: bool | None = None
    capturing: bool | None = None


@dataclass(frozen=True, slots=True)
class RejectedEvent:
    """An event of a batch that was quarantined: its index, its id when readable, and why."""

    event_id: str | None
    index: int
    reason: str


@dataclass(frozen=True, slots=True)
class IngestResult:
    """What the API answers: acknowledged ids (stored now or before) and the rejects."""

    accepted: list[str]
    rejected: list[RejectedEvent]


@dataclass(frozen=True, slots=True)
class QuarantineEntry:
    """A refused event (or a whole unusable body) with the reason."""

    id: int
    device_id: str | None
    study_id: int | None
    event_id: str | None
    reason: str
    payload: str
    received_at: int


class SystemEvent(NamedTuple):
    """One imported system-log event as stored (case id already hashed when asked)."""

    case_id: str
    activity: str
    timestamp: int
    start_timestamp: int | None
    resource: str | None
    attributes: dict[str, Any]


@dataclass(frozen=True, slots=True)
class ImportInfo:
    """One system-log import of a study: its file, column mapping and outcome."""

    id: int
    study_id: int
    file_name: str
    mapping: dict[str, Any]
    hashed_case_ids: bool
    row_count: int
    status: str  # done | failed
    error: str | None
    created_at: int


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """One recorded admin action."""

    id: int
    at: int
    actor: str
    action: str
    object_type: str
    object_id: str | None
    details: dict[str, Any]

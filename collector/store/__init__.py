"""The event store: one façade, ``Store``, over SQLite (embedded default) and PostgreSQL.

``Store.open(url)`` runs the shipped Alembic migrations (upgrade to head), so an upgrade
keeps the data. Everything the API, the services and the CLI do to the database goes
through a ``Store``; its methods live in one module per area and return the typed rows
of ``store.rows``:

- ``engine``: engine set-up, migrations, transactions (the base of every area);
- ``tokens``: admin and enrolment tokens;
- ``studies``: studies and the policy their devices get;
- ``devices``: enrolment, device authentication, heartbeats, the fleet view;
- ``events``: UI events in (group commit) and out (frames for export and task mining);
- ``quarantine``: refused input with the reason;
- ``syslogs``: imported system logs;
- ``audit``: the audit log;
- ``console``: web-console users, their granted studies and sessions;
- ``analysis``: a study's system log read wide and fast for interactive analysis;
- ``links``: the latest merge of a study (task types, task instances, case links).
"""

from __future__ import annotations

from taskloom.collector.store.analysis import AnalysisArea
from taskloom.collector.store.audit import AuditArea
from taskloom.collector.store.console import ConsoleArea, Credentials, User
from taskloom.collector.store.devices import DevicesArea
from taskloom.collector.store.engine import (
    default_db_path,
    make_engine,
    migrate,
    normalize_url,
    now_ms,
)
from taskloom.collector.store.errors import AuthError, Conflict, NotFound, StoreError
from taskloom.collector.store.events import EventsArea
from taskloom.collector.store.links import LinksArea, LinkSet
from taskloom.collector.store.quarantine import QuarantineArea
from taskloom.collector.store.rows import (
    Admin,
    AdminTokenInfo,
    AuditEntry,
    Device,
    DeviceInfo,
    EnrollmentTokenInfo,
    Enrolment,
    ImportInfo,
    IngestResult,
    NewEnrollmentToken,
    QuarantineEntry,
    RejectedEvent,
    Study,
    SystemEvent,
)
from taskloom.collector.store.studies import StudiesArea
from taskloom.collector.store.syslogs import SystemLogsArea
from taskloom.collector.store.tokens import TokensArea


class Store(TokensArea, StudiesArea, DevicesArea, EventsArea, QuarantineArea, SystemLogsArea,
            AuditArea, ConsoleArea, AnalysisArea, LinksArea):
    """The collector's database. Thread-safe; one per process."""

    @classmethod
    def open(cls, url: str | None = None, *, run_migrations: bool = True) -> Store:
        """Connect to ``url`` (None: the embedded SQLite file) and upgrade the schema."""
        engine = make_engine(url)
        if run_migrations:
            migrate(engine)
        return cls(engine)


__all__ = [
    "Admin",
    "AdminTokenInfo",
    "AuditEntry",
    "AuthError",
    "Conflict",
    "Credentials",
    "Device",
    "DeviceInfo",
    "EnrollmentTokenInfo",
    "Enrolment",
    "ImportInfo",
    "IngestResult",
    "LinkSet",
    "NewEnrollmentToken",
    "NotFound",
    "QuarantineEntry",
    "RejectedEvent",
    "Store",
    "StoreError",
    "Study",
    "SystemEvent",
    "User",
    "default_db_path",
    "make_engine",
    "migrate",
    "normalize_url",
    "now_ms",
]

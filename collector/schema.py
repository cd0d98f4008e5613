"""The event store's tables (SQLAlchemy Core), one definition for SQLite and PostgreSQL.

Times are epoch milliseconds (UTC) in BIGINT columns: the wire format's unit, cheap to
compare on both backends and free of driver time-zone surprises. The Alembic migrations
in ``collector/migrations`` create exactly these tables; a test compares the two.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()

studies = Table(
    "studies",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(200), nullable=False, unique=True),
    # Per-study random HMAC key (hex) for agent.protocol.keyed_token; sent to enrolled devices.
    Column("hmac_key", String(128), nullable=False),
    Column("settings", JSON, nullable=False),  # policy overrides merged over DEFAULT_POLICY
    Column("description", Text, nullable=False, default=""),
    Column("created_at", BigInteger, nullable=False),
)

enrollment_tokens = Table(
    "enrollment_tokens",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("study_id", Integer, ForeignKey("studies.id", ondelete="CASCADE"), nullable=False),
    Column("expires_at", BigInteger, nullable=False),
    Column("max_uses", Integer, nullable=False),
    Column("uses", Integer, nullable=False, default=0),
    Column("created_at", BigInteger, nullable=False),
)

devices = Table(
    "devices",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("study_id", Integer, ForeignKey("studies.id", ondelete="CASCADE"), nullable=False),
    Column("hostname", String(255), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("revoked", Boolean, nullable=False, default=False),
    Column("created_at", BigInteger, nullable=False),
    Column("last_seen", BigInteger),
    Column("hb_at", BigInteger),
    Column("hb_version", String(64)),
    Column("hb_spool_depth", BigInteger),
    Column("hb_dropped", BigInteger),
    Column("hb_last_capture", BigInteger),
    # What the agent's last heartbeat said of its state (None: an agent that does not say).
    Column("hb_paused", Boolean),
    Column("hb_consent", Boolean),
    Column("hb_capturing", Boolean),
)

ui_events = Table(
    "ui_events",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("event_id", String(36), nullable=False, unique=True),
    Column("device_id", String(36), ForeignKey("devices.id", ondelete="CASCADE"), nullable=False),
    Column("study_id", Integer, ForeignKey("studies.id", ondelete="CASCADE"), nullable=False),
    Column("seq", BigInteger, nullable=False),
    Column("user", String(128)),
    Column("ts", BigInteger, nullable=False),
    Column("kind", String(32), nullable=False),
    Column("app", String(256)),
    Column("title", String(1024)),
    Column("url", String(2048)),
    Column("element", String(512)),
    Column("key_class", String(64)),
    Column("button", String(32)),
    Column("x", Integer),
    Column("y", Integer),
    Column("attrs", JSON, nullable=False),
    Column("received_at", BigInteger, nullable=False),
    Index("ix_ui_events_study_ts", "study_id", "ts"),
    Index("ix_ui_events_device_seq", "device_id", "seq"),
)

imports = Table(
    "imports",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("study_id", Integer, ForeignKey("studies.id", ondelete="CASCADE"), nullable=False),
    Column("file_name", String(512), nullable=False),
    Column("mapping", JSON, nullable=False),
    Column("hashed_case_ids", Boolean, nullable=False, default=False),
    Column("row_count", BigInteger, nullable=False, default=0),
    Column("status", String(16), nullable=False),  # done | failed
    Column("error", Text),
    Column("created_at", BigInteger, nullable=False),
)

system_events = Table(
    "system_events",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("study_id", Integer, ForeignKey("studies.id", ondelete="CASCADE"), nullable=False),
    Column("import_id", Integer, ForeignKey("imports.id", ondelete="CASCADE"), nullable=False),
    Column("case_id", String(512), nullable=False),
    Column("activity", String(512), nullable=False),
    Column("timestamp", BigInteger, nullable=False),
    Column("start_timestamp", BigInteger),
    Column("resource", String(512)),
    Column("attributes", JSON, nullable=False),
    Index("ix_system_events_study_case", "study_id", "case_id"),
)

quarantine = Table(
    "quarantine",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("device_id", String(36)),
    Column("study_id", Integer),
    Column("event_id", String(200)),
    Column("reason", Text, nullable=False),
    Column("payload", Text, nullable=False),
    Column("received_at", BigInteger, nullable=False),
    Index("ix_quarantine_device", "device_id"),
)

admin_tokens = Table(
    "admin_tokens",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("role", String(32), nullable=False),
    Column("label", String(200), nullable=False, default=""),
    Column("revoked", Boolean, nullable=False, default=False),
    Column("created_at", BigInteger, nullable=False),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True),
    Column("at", BigInteger, nullable=False),
    Column("actor", String(200), nullable=False),
    Column("action", String(64), nullable=False),
    Column("object_type", String(32), nullable=False),
    Column("object_id", String(64)),
    Column("details", JSON, nullable=False),
)

# ---- admin console (server/console): people who log in, their studies, their sessions

console_users = Table(
    "console_users",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("username", String(64), nullable=False, unique=True),
    Column("password_hash", String(255), nullable=False),  # argon2id, PHC string
    Column("role", String(16), nullable=False),  # admin | analyst | viewer
    Column("disabled", Boolean, nullable=False, default=False),
    Column("created_at", BigInteger, nullable=False),
    Column("password_changed_at", BigInteger, nullable=False),
)

console_grants = Table(
    "console_grants",
    metadata,
    Column("user_id", Integer, ForeignKey("console_users.id", ondelete="CASCADE"),
           primary_key=True),
    Column("study_id", Integer, ForeignKey("studies.id", ondelete="CASCADE"), primary_key=True),
)

console_sessions = Table(
    "console_sessions",
    metadata,
    # SHA-256 of the cookie's random value: a stolen database holds no usable session.
    Column("token_hash", String(64), primary_key=True),
    Column("user_id", Integer, ForeignKey("console_users.id", ondelete="CASCADE"), nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("last_seen", BigInteger, nullable=False),
    Column("expires_at", BigInteger, nullable=False),
    Index("ix_console_sessions_user", "user_id"),
)

#: Wire-format columns of a stored UI event, in export order.
UI_EVENT_COLUMNS: tuple[str, ...] = (
    "event_id", "device_id", "seq", "user", "ts", "kind", "app", "title", "url",
    "element", "key_class", "button", "x", "y", "attrs",
)

# ---- linking (collector/linking, services/linking): the latest merge of a study, replaced as a whole

task_types = Table(
    "task_types",
    metadata,
    Column("study_id", Integer, ForeignKey("studies.id", ondelete="CASCADE"), primary_key=True),
    Column("type_id", String(128), primary_key=True),
    Column("label", String(512), nullable=False),
)

task_instances = Table(
    "task_instances",
    metadata,
    Column("study_id", Integer, ForeignKey("studies.id", ondelete="CASCADE"), primary_key=True),
    Column("instance_id", String(200), primary_key=True),
    Column("type_id", String(128), nullable=False),
    Column("user", String(128)),
    Column("device", String(64)),
    Column("start_ts", BigInteger, nullable=False),
    Column("end_ts", BigInteger, nullable=False),
    Column("active_s", Float, nullable=False),
    Column("app", String(256)),
    Column("app_switches", Integer, nullable=False),
    Column("events", Integer, nullable=False),
)

# One row per task instance: the case it serves (NULL: unattributed) and how it was linked.
task_links = Table(
    "task_links",
    metadata,
    Column("study_id", Integer, ForeignKey("studies.id", ondelete="CASCADE"), primary_key=True),
    Column("instance_id", String(200), primary_key=True),
    Column("case_id", String(512)),
    Column("system_activity", String(512)),
    Column("parent_event", String(64)),
    Column("method", String(16), nullable=False),  # id | time | propagated | none
    Column("confidence", Float, nullable=False),
    Column("secondary_case", String(512)),
)

# Which task instance each stored UI event belongs to (LINKS rows of `taskloom merge --study`).
task_events = Table(
    "task_events",
    metadata,
    Column("study_id", Integer, ForeignKey("studies.id", ondelete="CASCADE"), primary_key=True),
    Column("event_id", String(36), primary_key=True),
    Column("instance_id", String(200), nullable=False),
)

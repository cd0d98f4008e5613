"""Linking: task types, task instances, their case links and the UI events of each instance.

Revision ID: 0004_links
Revises: 0003_console_users
Create Date: 2026-12-01 06:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_links"
down_revision = "0003_console_users"
branch_labels = None
depends_on = None


def _study_fk() -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(["study_id"], ["studies.id"], ondelete="CASCADE")


def upgrade() -> None:
    op.create_table(
        "task_types",
        sa.Column("study_id", sa.Integer(), nullable=False),
        sa.Column("type_id", sa.String(length=128), nullable=False),
        sa.Column("label", sa.String(length=512), nullable=False),
        _study_fk(),
        sa.PrimaryKeyConstraint("study_id", "type_id"),
    )
    op.create_table(
        "task_instances",
        sa.Column("study_id", sa.Integer(), nullable=False),
        sa.Column("instance_id", sa.String(length=200), nullable=False),
        sa.Column("type_id", sa.String(length=128), nullable=False),
        sa.Column("user", sa.String(length=128), nullable=True),
        sa.Column("device", sa.String(length=64), nullable=True),
        sa.Column("start_ts", sa.BigInteger(), nullable=False),
        sa.Column("end_ts", sa.BigInteger(), nullable=False),
        sa.Column("active_s", sa.Float(), nullable=False),
        sa.Column("app", sa.String(length=256), nullable=True),
        sa.Column("app_switches", sa.Integer(), nullable=False),
        sa.Column("events", sa.Integer(), nullable=False),
        _study_fk(),
        sa.PrimaryKeyConstraint("study_id", "instance_id"),
    )
    op.create_table(
        "task_links",
        sa.Column("study_id", sa.Integer(), nullable=False),
        sa.Column("instance_id", sa.String(length=200), nullable=False),
        sa.Column("case_id", sa.String(length=512), nullable=True),
        sa.Column("system_activity", sa.String(length=512), nullable=True),
        sa.Column("parent_event", sa.String(length=64), nullable=True),
        sa.Column("method", sa.String(length=16), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("secondary_case", sa.String(length=512), nullable=True),
        _study_fk(),
        sa.PrimaryKeyConstraint("study_id", "instance_id"),
    )
    op.create_table(
        "task_events",
        sa.Column("study_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.String(length=36), nullable=False),
        sa.Column("instance_id", sa.String(length=200), nullable=False),
        _study_fk(),
        sa.PrimaryKeyConstraint("study_id", "event_id"),
    )


def downgrade() -> None:
    for name in ("task_events", "task_links", "task_instances", "task_types"):
        op.drop_table(name)

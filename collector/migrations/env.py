"""Alembic environment: run migrations on the connection the store hands over.

The store calls ``alembic.command.upgrade(config, "head")`` with
``config.attributes["connection"]`` set, so migrations run inside the app at start
(no alembic.ini, no separate step) on SQLite and PostgreSQL alike.
"""

from __future__ import annotations

from alembic import context

from taskloom.collector.schema import metadata

config = context.config
connection = config.attributes.get("connection")
if connection is None:  # pragma: no cover - only the store runs these migrations
    raise RuntimeError("collector migrations run through collector.store.migrate(), not the alembic CLI")

context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite ALTER needs batch mode
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()

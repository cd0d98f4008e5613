"""The FastAPI application: the collector API and the admin console.

``create_app`` takes an open store and settings; ``app_from_env`` is the uvicorn factory
for deployments that start uvicorn themselves (``uvicorn --factory server.app:app_from_env``).
"""

from __future__ import annotations

import logging

from fastapi import FastAPI

from taskloom.collector import api
from taskloom.collector.limits import Limits
from taskloom.collector.store import Store
from taskloom.server import console
from taskloom.server.cli.base import CliError
from taskloom.server.config import Settings, load_settings

log = logging.getLogger(__name__)


def limits_of(settings: Settings) -> Limits:
    """The collector's request limits from the server settings."""
    return Limits(
        max_body_bytes=settings.max_body_bytes, max_batch_events=settings.max_batch_events,
        rate_per_s=settings.rate_per_s, rate_burst=settings.rate_burst,
        body_timeout_s=settings.body_timeout_s, max_upload_bytes=settings.max_upload_bytes,
    )


def create_app(store: Store, settings: Settings | None = None) -> FastAPI:
    """The taskloom web app over ``store`` (already migrated)."""
    settings = settings or load_settings()
    app = FastAPI(
        title="taskloom collector",
        version="1",
        description="Ingest API for taskloom agents and admin API for studies, devices, "
                    "system-log imports and exports. Every endpoint needs a Bearer token: "
                    "a device token (agent endpoints) or an admin token.",
    )
    configured = settings.admin_token.get_secret_value().strip() if settings.admin_token else ""
    if configured:  # an empty value (e.g. an unset compose variable) means "none"
        if len(configured) < 24:
            raise CliError("TASKLOOM_ADMIN_TOKEN is too short to be a secret; use at least 24 "
                           "random characters (e.g. `openssl rand -hex 16`) or unset it")
        store.ensure_admin_token(configured, label="TASKLOOM_ADMIN_TOKEN")
    api.install(app, store, limits_of(settings))
    console.install(app, store, settings)
    return app


def app_from_env() -> FastAPI:
    """A uvicorn factory: settings from TASKLOOM_* variables, store opened and migrated."""
    settings = load_settings()
    return create_app(Store.open(settings.db), settings)

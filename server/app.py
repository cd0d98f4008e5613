"""The FastAPI application: the collector API and the admin console.

``create_app`` takes an open store and settings; ``app_from_env`` is the uvicorn factory
for deployments that start uvicorn themselves
(``uvicorn --factory taskloom.server.app:app_from_env``). The app never imports the CLI.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request

from taskloom.collector import api
from taskloom.collector.store import Store
from taskloom.server import console
from taskloom.server.config import Settings, load_settings

log = logging.getLogger(__name__)


def create_app(store: Store, settings: Settings | None = None) -> FastAPI:
    """The taskloom web app over ``store`` (already migrated)."""
    settings = settings or load_settings()
    app = FastAPI(
        docs_url="/docs" if settings.api_docs else None,
        redoc_url="/redoc" if settings.api_docs else None,
        title="taskloom collector",
        version="1",
        description="Ingest API for taskloom agents and admin API for studies, devices, "
                    "system-log imports and exports. Every endpoint needs a Bearer token: "
                    "a device token (agent endpoints) or an admin token.",
    )
    token = settings.configured_admin_token()
    if token:
        store.ensure_admin_token(token, label="TASKLOOM_ADMIN_TOKEN")
    api.install(app, store, settings.limits())
    console.install(app, store, settings)
    app.state.session_check = _session_check
    return app


def _session_check(request: Request) -> bool:
    """For the API's guard: does the request carry a live console session cookie?"""
    from taskloom.server.console.principal import session_user

    return session_user(request, request.app.state.store) is not None


def app_from_env() -> FastAPI:
    """A uvicorn factory: settings from TASKLOOM_* variables, store opened and migrated."""
    settings = load_settings()
    return create_app(Store.open(settings.db), settings)

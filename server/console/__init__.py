"""The admin web console, served by the collector's FastAPI app.

``install(app, store, settings)`` adds the login, the page shells, the console's JSON
endpoints (under /api/v1, usable with an admin token too), the static assets (shipped in
the wheel: no CDN, no Node), security headers, and the session hook through which the
collector's own API accepts a logged-in user with that user's role.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from fastapi import FastAPI, Request, Response
from fastapi.staticfiles import StaticFiles
from starlette.middleware.base import BaseHTTPMiddleware, RequestResponseEndpoint

from taskloom.server.console.auth import LoginLimiter
from taskloom.server.console.html import STATIC
from taskloom.server.console.jobs import Jobs
from taskloom.server.console.logcache import StudyLogs
from taskloom.server.console.taskmining import TaskResults
from taskloom.server.console.uploads import Uploads

if TYPE_CHECKING:
    from taskloom.collector.store import Store
    from taskloom.server.config import Settings

CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
       "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
       "form-action 'self'; frame-ancestors 'none'")


@dataclass
class ConsoleState:
    """Per-app console settings and shared helpers (``app.state.console``)."""

    session_idle_s: int
    session_max_s: int
    cookie_secure: str
    logs: StudyLogs
    limiter: LoginLimiter = field(default_factory=LoginLimiter)
    jobs: Jobs = field(default_factory=Jobs)
    uploads: Uploads = field(default_factory=Uploads)
    tasks: TaskResults = field(default_factory=TaskResults)


class SecurityHeaders(BaseHTTPMiddleware):
    """CSP and friends on every console response (the API's JSON gets nosniff too)."""

    async def dispatch(self, request: Request, call_next: RequestResponseEndpoint) -> Response:
        resp = await call_next(request)
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        resp.headers.setdefault("Referrer-Policy", "same-origin")
        path = request.url.path
        if not path.startswith(("/api/", "/docs", "/redoc", "/openapi.json")):
            resp.headers.setdefault("Content-Security-Policy", CSP)
            resp.headers.setdefault("X-Frame-Options", "DENY")
        if not path.startswith("/static/"):
            resp.headers.setdefault("Cache-Control", "no-store")
        return resp


def install(app: FastAPI, store: Store, settings: Settings) -> None:
    """Add the console to ``app`` (after the collector API is installed)."""
    from taskloom.server.console import (
        pages,
        routes_cases,
        routes_data,
        routes_ehr,
        routes_link,
        routes_map,
        routes_stats,
        routes_studies,
        routes_tasks,
        routes_users,
        statsview,
    )
    from taskloom.server.console.principal import api_session_auth

    app.state.console = ConsoleState(settings.session_idle_s, settings.session_max_s,
                                     settings.cookie_secure, StudyLogs(store))
    app.state.session_auth = api_session_auth
    logs = app.state.console.logs
    logs.warmers.append(lambda sid: logs.derived(sid, [], "log-info", statsview.log_info))
    app.include_router(pages.router)
    app.include_router(routes_map.router)
    app.include_router(routes_stats.router)
    for module in (routes_users, routes_studies, routes_data, routes_cases, routes_ehr,
                   routes_tasks, routes_link):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.add_middleware(SecurityHeaders)
    if settings.console_warm_studies:
        for study_id in store.recent_import_studies(settings.console_warm_studies):
            logs.warm(study_id)

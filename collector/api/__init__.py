"""The collector's HTTP API under /api/v1: agent ingest plus admin endpoints.

Routes stay thin: they parse, call the store or a service (collector.services), and
format. The pieces:

- ``guard``: the middleware that authenticates from headers and bounds every body
  before any route reads it;
- ``deps``: the store, the limits and who is calling (``DeviceAuth``, ``AdminAuth``);
- ``models``: pydantic request and response models (the OpenAPI document);
- ``body``: request bodies and uploads, bounded while they stream;
- ``errors``: every error as ``{"detail": str}`` with its status;
- ``routes/``: one router per resource (agent, events, studies, devices, imports, exports,
  ehr-metrics, model).
"""

from __future__ import annotations

from fastapi import FastAPI

from taskloom.collector.api.errors import install_error_handlers
from taskloom.collector.api.guard import Guard
from taskloom.collector.api.routes import (
    agent,
    devices,
    ehr_metrics,
    events,
    exports,
    imports,
    model,
    studies,
    tokens,
)
from taskloom.collector.limits import ByteBudget, Limits, TokenBuckets
from taskloom.collector.store import Store

ROUTERS = (agent.router, events.router, studies.router, devices.router, imports.router,
           exports.router, ehr_metrics.router, tokens.router, model.router)


def install(app: FastAPI, store: Store, limits: Limits | None = None) -> None:
    """Mount the collector API on ``app`` with its store, limits and JSON error handlers."""
    limits = limits or Limits()
    app.state.store = store
    app.state.limits = limits
    app.state.buckets = TokenBuckets(limits.rate_per_s, limits.rate_burst)
    app.state.body_budget = ByteBudget(max(limits.max_body_memory_bytes, limits.max_body_bytes))
    for router in ROUTERS:
        app.include_router(router)
    install_error_handlers(app)
    app.add_middleware(Guard, state=app.state)


__all__ = ["install"]

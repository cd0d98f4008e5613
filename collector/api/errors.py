"""Errors as the API answers them: always ``{"detail": "<what is wrong and the fix>"}``.

User errors (``taskloom.errors.UserError``: the store's refusals, bad batches, unreadable
logs, wire-format faults) map to a 4xx by their class; pydantic's validation errors are
flattened into one sentence; a value the database cannot hold is a 422, not a 500. The
OpenAPI document is rewritten to say so.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import JSONResponse
from sqlalchemy.exc import StatementError

from taskloom.collector.api.deps import UNAUTHORIZED
from taskloom.collector.api.models import ErrorOut
from taskloom.collector.store import AuthError, Conflict, NotFound, StoreError
from taskloom.collector.validate import BatchTooLarge, BodyNotJson
from taskloom.errors import UserError

#: HTTP status per kind of user error, most specific first; any other UserError is a 422.
STATUS: tuple[tuple[type[UserError], int], ...] = (
    (AuthError, 401),
    (NotFound, 404),
    (Conflict, 409),
    (StoreError, 400),
    (BatchTooLarge, 413),
    (BodyNotJson, 400),
)

_AUTH = {"model": ErrorOut, "description": "missing, unknown or revoked token"}


def status_of(exc: UserError) -> int:
    """The HTTP status a user error is answered with."""
    return next((status for cls, status in STATUS if isinstance(exc, cls)), 422)


def errors(*codes: int | tuple[int, str]) -> dict[int | str, dict[str, Any]]:
    """The ``responses`` of a route: 401 (every route authenticates) and these codes,
    each a status or (status, description)."""
    out: dict[int | str, dict[str, Any]] = {401: _AUTH}
    for code in codes:
        status, description = code if isinstance(code, tuple) else (code, None)
        out[status] = {"model": ErrorOut, **({"description": description} if description else {})}
    return out


def _validation_detail(exc: RequestValidationError) -> str:
    parts = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err.get("loc", ()) if p != "body") or "body"
        parts.append(f"{where}: {err.get('msg', 'invalid')}")
    return "; ".join(parts) + " — fix these fields and resend"


async def _on_validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
    return JSONResponse({"detail": _validation_detail(exc)}, status_code=422)


async def _on_user_error(_request: Request, exc: UserError) -> JSONResponse:
    status = status_of(exc)
    return JSONResponse({"detail": str(exc)}, status_code=status,
                        headers=UNAUTHORIZED if status == 401 else None)


async def _on_unstorable(_request: Request, exc: Exception) -> JSONResponse:
    orig = exc.orig if isinstance(exc, StatementError) else exc
    if not isinstance(orig, UnicodeError | TypeError | OverflowError | ValueError):
        raise exc
    return JSONResponse({"detail": f"a value in the request cannot be stored ({orig}); "
                                   "send valid UTF-8 text and numbers within 64 bits"},
                        status_code=422)


def install_error_handlers(app: FastAPI) -> None:
    """Answer every error as ``{"detail": str}`` and document that in the OpenAPI spec."""
    app.add_exception_handler(RequestValidationError, _on_validation)  # type: ignore[arg-type]
    app.add_exception_handler(UserError, _on_user_error)  # type: ignore[arg-type]
    app.add_exception_handler(UnicodeError, _on_unstorable)
    app.add_exception_handler(StatementError, _on_unstorable)
    _document_errors(app)


def _document_errors(app: FastAPI) -> None:
    """Make the spec say what the API does: every 422 is ``{"detail": str}`` (ErrorOut),
    not FastAPI's default list of validation errors, since our handler flattens them."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        spec = get_openapi(title=app.title, version=app.version, description=app.description,
                           routes=app.routes)
        components = spec.setdefault("components", {}).setdefault("schemas", {})
        components.setdefault("ErrorOut", ErrorOut.model_json_schema())
        ref = {"$ref": "#/components/schemas/ErrorOut"}
        for ops in spec.get("paths", {}).values():
            for op in ops.values():
                responses = op.get("responses", {})
                if "422" in responses or op.get("parameters") or op.get("requestBody"):
                    entry = responses.setdefault("422", {"description": "invalid input"})
                    entry["content"] = {"application/json": {"schema": ref}}
        components.pop("HTTPValidationError", None)
        components.pop("ValidationError", None)
        app.openapi_schema = spec
        return spec

    app.openapi = openapi  # type: ignore[method-assign]

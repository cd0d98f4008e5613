"""The gate every HTTP request passes before any route runs (a pure ASGI middleware).

FastAPI reads a request's body *before* it resolves a route's dependencies, so a token
checked in a dependency is checked too late: a client without a token could make the
server hold a 1 GiB body before the 401. The guard closes that gap:

1. the caller is authenticated from the request's headers alone (Bearer token, or the
   console's session cookie through the app's ``session_check`` hook) — a 401 is sent
   without reading a byte of the body; a client address that failed too often gets
   429 + Retry-After instead (valid tokens from it still pass, so one attacker behind a
   shared proxy address cannot lock the fleet out). Failed enrolments count too; as
   their token is in the body, an address over the limit gets 429 for any enrolment;
2. the body is bounded while it streams, per endpoint (``limit_for``): a declared
   ``Content-Length`` over the limit is a 413 at once, a chunked body is cut at the
   limit with a 413. Early answers carry ``Connection: close`` so the rest of a refused
   body is not read. A body (other than an upload) that does not arrive within
   ``body_timeout_s`` is a 408.

Every response gets ``X-Content-Type-Options: nosniff``; responses that carry a token
(enrolment, new tokens) ``Cache-Control: no-store``. The route dependencies
(``deps.device_auth``/``admin_auth``) still run; they reuse what the guard found.
"""

from __future__ import annotations

import logging
import math
import re
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import anyio.to_thread
import orjson
from fastapi import HTTPException
from starlette.requests import Request

from taskloom.agent.protocol import (
    API_PREFIX,
    ENROLL_PATH,
    EVENTS_PATH,
    HEARTBEAT_PATH,
    POLICY_PATH,
)
from taskloom.collector.limits import Limits, TokenBuckets
from taskloom.collector.store import AuthError

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

log = logging.getLogger(__name__)

#: Endpoints an agent calls with its device token.
DEVICE_PATHS = frozenset({EVENTS_PATH, POLICY_PATH, HEARTBEAT_PATH})
#: Endpoints that need no token at all (the enrolment token is in the body).
OPEN_API_PATHS = frozenset({ENROLL_PATH})
#: Endpoints whose body is a file upload (multipart), bounded by ``max_upload_bytes``.
_UPLOAD_RE = re.compile(r"/api/v1/studies/[^/]+/(imports(/preview)?|uploads)\Z")
#: Admin-only documents outside /api/v1.
DOC_PATHS = frozenset({"/openapi.json", "/docs", "/docs/oauth2-redirect", "/redoc"})
#: Responses that hand out a secret: never cached.
_TOKEN_PATH_RE = re.compile(
    r"/api/v1/(agent/enroll|studies/[^/]+/enrollment-tokens|admin-tokens)\Z")
#: Room for multipart framing and form fields around an uploaded file.
MULTIPART_SLACK = 1024 * 1024

#: Where the guard keeps who it authenticated (``request.state.taskloom_caller``).
CALLER_KEY = "taskloom_caller"

#: A session hook: True for a live console session cookie, False for none; may raise
#: HTTPException(401) for an ended one.
SessionCheck = Callable[[Request], bool]


class BodyTooLarge(HTTPException):
    """The body passed its endpoint's limit while streaming (answered 413)."""


def limit_for(path: str, limits: Limits) -> int:
    """The most bytes a request body to ``path`` may have (as sent, before gzip decoding)."""
    if path == EVENTS_PATH:
        return limits.max_body_bytes
    if _UPLOAD_RE.match(path):
        return limits.max_upload_bytes + MULTIPART_SLACK
    return limits.max_json_bytes


def auth_kind(path: str) -> str:
    """``device``, ``admin`` (token or console session) or ``open`` for ``path``."""
    if path in DEVICE_PATHS:
        return "device"
    if path in OPEN_API_PATHS:
        return "open"
    if path.startswith(API_PREFIX + "/") or path == API_PREFIX or path in DOC_PATHS:
        return "admin"
    return "open"


def _bearer(scope: Scope) -> str | None:
    for name, value in scope.get("headers", ()):
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            return token.strip() if scheme.lower() == "bearer" and token.strip() else None
    return None


def client_key(scope: Scope) -> str:
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


async def _answer(send: Send, status: int, detail: str,
                  headers: dict[str, str] | None = None) -> None:
    """An early JSON error that also closes the connection (the body stays unread)."""
    body = orjson.dumps({"detail": detail})
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
           (b"connection", b"close"), (b"x-content-type-options", b"nosniff")]
    raw += [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


class Guard:
    """The ASGI middleware (see the module docstring); ``app.state`` holds the store, the
    limits and, when the console is installed, ``session_check``."""

    def __init__(self, app: ASGIApp, state: Any) -> None:
        self.app = app
        self.state = state
        limits: Limits = state.limits
        self.failures = TokenBuckets(limits.auth_fail_per_s, limits.auth_fail_burst)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        limits: Limits = self.state.limits
        kind = auth_kind(path)
        if kind != "open":
            key = client_key(scope)
            refused = await self._authenticate(scope, kind)
            if refused is not None:
                if (wait := self.failures.wait(key)) > 0:
                    retry = max(1, math.ceil(wait))
                    await _answer(send, 429, "too many failed authentications from this "
                                             f"address; retry after {retry} s with a valid token",
                                  {"Retry-After": str(retry)})
                    return
                self.failures.take(key)
                await _answer(send, 401, refused, {"WWW-Authenticate": "Bearer"})
                return
        enrol = path == ENROLL_PATH
        if enrol and (wait := self.failures.wait(client_key(scope))) > 0:
            # the enrolment token is in the body: an address guessing them waits it out
            retry = max(1, math.ceil(wait))
            await _answer(send, 429, "too many failed enrolments from this address; retry "
                                     f"after {retry} s", {"Retry-After": str(retry)})
            return
        limit = limit_for(path, limits)
        declared = _content_length(scope)
        if declared is not None and declared > limit:
            await _answer(send, 413, f"request body of {declared} bytes is over the limit of "
                                     f"{limit} bytes for {path}; send less")
            return
        # uploads may take long on slow links (they need an admin); other bodies are small
        timeout = None if _UPLOAD_RE.match(path) else limits.body_timeout_s
        started = False
        inner_send = _with_headers(send, path)

        async def tracked(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                if enrol and message["status"] == 401:
                    self.failures.take(client_key(scope))
            await inner_send(message)

        try:
            await self.app(scope, _bounded(receive, limit, path, timeout), tracked)
        except BodyTooLarge as exc:
            if started:
                raise
            await _answer(send, 413, str(exc.detail))

    async def _authenticate(self, scope: Scope, kind: str) -> str | None:
        """None when the caller may go on (and is put in the scope's state), else why not."""
        token = _bearer(scope)
        store = self.state.store
        state = scope.setdefault("state", {})
        if token is not None:
            check = store.authenticate_device if kind == "device" else store.authenticate_admin
            try:
                state[CALLER_KEY] = await anyio.to_thread.run_sync(check, token)
            except AuthError as exc:
                return str(exc)
            return None
        if kind == "admin":
            session_check: SessionCheck | None = getattr(self.state, "session_check", None)
            if session_check is not None:
                try:
                    if await anyio.to_thread.run_sync(session_check, Request(scope)):
                        return None
                except HTTPException as exc:
                    return str(exc.detail)
            return ("no admin token; send 'Authorization: Bearer <admin_token>' (create one "
                    "with `taskloom admin token`) or log in to the console")
        return ("no device token; send 'Authorization: Bearer <device_token>' "
                "(enrol first at POST /api/v1/agent/enroll)")


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            text = value.decode("latin-1").strip()
            return int(text) if text.isdigit() else None
    return None


def _bounded(receive: Receive, limit: int, path: str, timeout_s: float | None) -> Receive:
    """``receive`` that raises BodyTooLarge (413) once more than ``limit`` bytes came, and
    408 when the whole body has not come within ``timeout_s`` of the first read (None:
    no deadline). Once the body is complete, reads pass straight through (they then only
    wait for the client to disconnect)."""
    seen = 0
    done = False
    deadline: float | None = None

    async def wrapped() -> Message:
        nonlocal seen, done, deadline
        if done or timeout_s is None:
            message = await receive()
        else:
            if deadline is None:
                deadline = anyio.current_time() + timeout_s
            try:
                with anyio.fail_after(max(0.0, deadline - anyio.current_time())):
                    message = await receive()
            except TimeoutError:
                raise HTTPException(408, f"the request body did not arrive within "
                                         f"{timeout_s:g} s; retry",
                                    headers={"Connection": "close"}) from None
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                raise BodyTooLarge(413, f"request body is over the limit of {limit} bytes "
                                        f"for {path}; send less",
                                   headers={"Connection": "close"})
            done = not message.get("more_body", False)
        return message

    return wrapped


def _with_headers(send: Send, path: str) -> Send:
    no_store = _TOKEN_PATH_RE.match(path) is not None

    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            headers = list(message.get("headers", []))
            names = {name.lower() for name, _ in headers}
            if b"x-content-type-options" not in names:
                headers.append((b"x-content-type-options", b"nosniff"))
            if no_store and b"cache-control" not in names:
                headers.append((b"cache-control", b"no-store"))
            message["headers"] = headers
        await send(message)

    return wrapped

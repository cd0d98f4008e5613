"""The one seam for the agent's network I/O.

A :class:`Transport` turns a :class:`Request` into a :class:`Response` or raises
:class:`TransportError` when no answer came back (connection refused, reset, timeout).
:class:`HttpxTransport` is the real one (TLS verification on); :class:`FunctionTransport`
takes a plain function, as ``httpx.MockTransport`` does, so tests inject faults without
a network.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class Request:
    """One HTTP request to the collector: method, path under the base URL, headers, body."""

    method: str
    path: str
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""


@dataclass(frozen=True, slots=True)
class Response:
    """The collector's answer. Header names are lower case."""

    status: int
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""

    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8")) if self.body else None


class TransportError(Exception):
    """No answer from the collector (refused, reset, timed out, TLS failure)."""


class Transport(Protocol):
    """Sends one request and returns the response; raises TransportError when none came."""

    def handle(self, request: Request) -> Response: ...

    def close(self) -> None: ...


class FunctionTransport:
    """A transport backed by a plain function (tests, fault injection, wrapping another)."""

    def __init__(self, fn: Callable[[Request], Response]) -> None:
        self._fn = fn

    def handle(self, request: Request) -> Response:
        return self._fn(request)

    def close(self) -> None:
        return None


class HttpxTransport:
    """The real transport: one pooled httpx client, TLS verification on.

    ``verify`` may be a CA bundle path for a hospital's own CA; it is never switched off.
    """

    def __init__(self, base_url: str, verify: bool | str = True, timeout_s: float = 30.0) -> None:
        import httpx  # imported here: `taskloom-agent status` never pays for it

        if verify is False:
            raise ValueError("TLS verification cannot be turned off; give a CA bundle path instead")
        self._httpx = httpx
        self._client = httpx.Client(base_url=base_url.rstrip("/"), verify=verify,
                                    timeout=httpx.Timeout(timeout_s, connect=10.0),
                                    follow_redirects=False)

    def handle(self, request: Request) -> Response:
        try:
            reply = self._client.request(request.method, request.path,
                                         headers=dict(request.headers), content=request.body)
        except self._httpx.TransportError as exc:
            raise TransportError(f"{type(exc).__name__}: {exc}") from exc
        return Response(reply.status_code, {k.lower(): v for k, v in reply.headers.items()},
                        reply.content)

    def close(self) -> None:
        self._client.close()

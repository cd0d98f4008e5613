"""The collector API as the agent uses it: enrol, policy, events, heartbeat.

Requests go through a :class:`~agent.transport.Transport`; this module adds the JSON,
gzip and Bearer-token framing and turns status codes into the exceptions the shipper
acts on (revoked, retry later, rejected batch).
"""

from __future__ import annotations

import gzip
import json
import logging
import platform
import socket
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from typing import Any

from taskloom.agent import __version__
from taskloom.agent.protocol import (
    ENROLL_PATH,
    EVENTS_PATH,
    HEARTBEAT_PATH,
    POLICY_PATH,
    PROTOCOL_VERSION,
)
from taskloom.agent.transport import Request, Response, Transport
from taskloom.errors import UserError

log = logging.getLogger(__name__)


class CollectorError(UserError):
    """The collector answered with an error the agent cannot fix by retrying at once."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class Revoked(CollectorError):
    """401: the device token is unknown or revoked; the agent stops shipping."""


class RetryLater(CollectorError):
    """429/503 (or another 5xx): try again, after ``retry_after_s`` when the collector said so."""

    def __init__(self, message: str, status: int, retry_after_s: float | None) -> None:
        super().__init__(message, status)
        self.retry_after_s = retry_after_s


@dataclass(frozen=True, slots=True)
class Ack:
    """The collector's answer to a batch: ids stored (or already stored) and ids quarantined."""

    accepted: list[str]
    rejected: list[dict[str, Any]] = field(default_factory=list)

    def acknowledged(self) -> list[str]:
        """Every id the collector has taken responsibility for (both lists)."""
        return [*self.accepted, *(str(r.get("event_id")) for r in self.rejected if r.get("event_id"))]


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """Parse a Retry-After header (delta seconds or an HTTP date) into seconds from now."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError, IndexError):
        return None
    return max(when - (time.time() if now is None else now), 0.0)


class CollectorClient:
    """Calls the collector's agent API through a transport."""

    def __init__(self, transport: Transport, device_token: str | None = None,
                 gzip_min_bytes: int = 1024) -> None:
        self.transport = transport
        self.device_token = device_token
        self.gzip_min_bytes = gzip_min_bytes

    def _request(self, method: str, path: str, payload: Any = None, auth: bool = True) -> Response:
        headers = {"Accept": "application/json", "User-Agent": f"taskloom-agent/{__version__}"}
        body = b""
        if payload is not None:
            body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
            headers["Content-Type"] = "application/json"
            if len(body) >= self.gzip_min_bytes:
                body = gzip.compress(body, compresslevel=5)
                headers["Content-Encoding"] = "gzip"
        if auth and self.device_token:
            headers["Authorization"] = f"Bearer {self.device_token}"
        response = self.transport.handle(Request(method, path, headers, body))
        _raise_for_status(response, path)
        return response

    def enroll(self, enrollment_token: str) -> tuple[str, str]:
        """Exchange a one-time enrolment token for (device_id, device_token)."""
        payload = {
            "enrollment_token": enrollment_token,
            "hostname": socket.gethostname(),
            "platform": platform.system().lower(),
            "agent_version": __version__,
            "protocol_version": PROTOCOL_VERSION,
        }
        data = self._request("POST", ENROLL_PATH, payload, auth=False).json() or {}
        device_id, device_token = data.get("device_id"), data.get("device_token")
        if not isinstance(device_id, str | int) or not isinstance(device_token, str):
            raise CollectorError("the collector's enrol answer has no device_id/device_token; "
                                 "check that the URL points at a taskloom collector")
        return str(device_id), device_token

    def policy(self) -> dict[str, Any]:
        """The device's current policy (DEFAULT_POLICY shape, with the study key)."""
        data = self._request("GET", POLICY_PATH).json()
        if not isinstance(data, dict):
            raise CollectorError("the collector's policy answer is not a JSON object")
        return data

    def send_events(self, events: Sequence[Mapping[str, Any]]) -> Ack:
        """POST one batch; returns what the collector acknowledged."""
        data = self._request("POST", EVENTS_PATH, {"events": list(events)}).json() or {}
        accepted = [str(e) for e in data.get("accepted") or []]
        rejected = [dict(r) for r in data.get("rejected") or [] if isinstance(r, Mapping)]
        return Ack(accepted, rejected)

    def heartbeat(self, info: Mapping[str, Any]) -> None:
        """Report the device's health (spool depth, dropped events, consent, pause)."""
        self._request("POST", HEARTBEAT_PATH, dict(info))


def _raise_for_status(response: Response, path: str) -> None:
    status = response.status
    if 200 <= status < 300:
        return
    detail = _detail(response)
    if status == 401:
        raise Revoked(f"the collector refused the device token (401 on {path}): the device was "
                      "revoked or never enrolled; re-enrol with `taskloom-agent enroll`"
                      + (f" ({detail})" if detail else ""), status)
    if status == 429 or status >= 500:
        raise RetryLater(f"collector busy or failing ({status} on {path})"
                         + (f": {detail}" if detail else ""), status,
                         retry_after_seconds(response.headers.get("retry-after")))
    raise CollectorError(f"the collector answered {status} on {path}"
                         + (f": {detail}" if detail else ""), status)


def _detail(response: Response) -> str:
    try:
        data = response.json()
    except (ValueError, UnicodeDecodeError):
        return ""
    if isinstance(data, Mapping):
        return str(data.get("detail") or data.get("error") or "")[:300]
    return ""

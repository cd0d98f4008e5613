"""Test-data factories for the agent tests: policies, windows, an in-memory collector."""

from __future__ import annotations

import gzip
import json
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from taskloom.agent.capture import Frame, VisibleWindow, WindowInfo
from taskloom.agent.keys import KeyStroke
from taskloom.agent.protocol import (
    DEFAULT_POLICY,
    EVENTS_PATH,
    HEARTBEAT_PATH,
    POLICY_PATH,
    parse_event,
)
from taskloom.agent.recorder import Recorder
from taskloom.agent.spool import Spool
from taskloom.agent.state import merge_policy
from taskloom.agent.transport import Request, Response

#: A fake NHS number with a valid mod-11 check digit (the NHS's own documentation example).
FAKE_NHS = "943 476 5919"
STUDY_KEY = "6b6579666f7274657374"
SECRET = "hunter2 Zebra Quokka"


def make_policy(**overrides: Any) -> dict[str, Any]:
    """DEFAULT_POLICY with a study key and notice, plus overrides (nested maps merged)."""
    base = merge_policy({**DEFAULT_POLICY, "study_key": STUDY_KEY, "notice": "Test study notice."})
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            base[key] = {**base[key], **value}
        else:
            base[key] = value
    return base


class ScriptedWindows:
    """A WindowSource whose active window the test sets."""

    def __init__(self, info: WindowInfo | None = None, visible: list[VisibleWindow] | None = None) -> None:
        self.info = info
        self.visible = visible or []

    def active_window(self) -> WindowInfo | None:
        return self.info

    def visible_windows(self) -> list[VisibleWindow]:
        return self.visible

    def close(self) -> None:
        return None


class SolidScreen:
    """A ScreenSource returning a frame filled with one colour."""

    def __init__(self, width: int = 200, height: int = 100, bgra: bytes = b"\x10\x20\xf0\xff") -> None:
        self.width, self.height, self.pixel = width, height, bgra

    def grab(self) -> Frame:
        return Frame(self.width, self.height, bytearray(self.pixel * (self.width * self.height)))

    def close(self) -> None:
        return None


class ManualClock:
    """An injectable epoch-ms clock."""

    def __init__(self, start_ms: int = 1_790_000_000_000) -> None:
        self.now = start_ms

    def __call__(self) -> int:
        return self.now

    def advance(self, ms: int) -> int:
        self.now += ms
        return self.now


def recorder_for(spool: Spool, policy: dict[str, Any] | None = None, *, windows: Any = None,
                 clock: Callable[[], int] | None = None, **kw: Any) -> Recorder:
    """A recorder with capture switched on (consent is the runner's business)."""
    rec = Recorder(spool, policy or make_policy(), device_id="dev-1", os_user="alice",
                   device_secret=b"device-secret", windows=windows,
                   clock=clock or ManualClock(), **kw)
    rec.set_capturing(True, "test")
    rec.active = True
    rec.pump(0)
    return rec


def window(title: str = f"Patient {FAKE_NHS} - Chart", app: str = "ehr", wid: int = 1) -> WindowInfo:
    return WindowInfo(app=app, title=title, pid=100 + wid, wm_class=app.capitalize(), window_id=wid)


@dataclass
class MemoryCollector:
    """An in-memory collector behind a FunctionTransport: validates events like the wire
    contract says and acknowledges by id (idempotent), counting deliveries per event id."""

    stored: dict[str, dict[str, Any]] = field(default_factory=dict)
    deliveries: Counter[str] = field(default_factory=Counter)
    requests: list[Request] = field(default_factory=list)
    heartbeats: list[dict[str, Any]] = field(default_factory=list)
    policy: dict[str, Any] = field(default_factory=make_policy)
    fault: Callable[[Request], Response | None] | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, request: Request) -> Response:
        with self.lock:
            self.requests.append(request)
            if self.fault is not None:
                injected = self.fault(request)
                if injected is not None:
                    return injected
            body = request.body
            if request.headers.get("Content-Encoding") == "gzip":
                body = gzip.decompress(body)
            if request.path == POLICY_PATH:
                return _json(200, self.policy)
            if request.path == HEARTBEAT_PATH:
                self.heartbeats.append(json.loads(body))
                return _json(200, {"ok": True})
            if request.path == EVENTS_PATH:
                accepted, rejected = [], []
                for index, raw in enumerate(json.loads(body)["events"]):
                    try:
                        event = parse_event(raw)
                    except ValueError as exc:
                        rejected.append({"event_id": raw.get("event_id"), "index": index, "reason": str(exc)})
                        continue
                    self.deliveries[event.event_id] += 1
                    self.stored.setdefault(event.event_id, raw)
                    accepted.append(event.event_id)
                return _json(200, {"accepted": accepted, "rejected": rejected})
            return _json(404, {"detail": "not found"})


def _json(status: int, payload: Any, headers: dict[str, str] | None = None) -> Response:
    return Response(status, {"content-type": "application/json", **(headers or {})},
                    json.dumps(payload).encode())


def json_response(status: int, payload: Any = None, **headers: str) -> Response:
    return _json(status, payload if payload is not None else {}, {k.replace("_", "-"): v for k, v in headers.items()})


def spooled_kinds(spool: Spool) -> list[str]:
    return [e.body["kind"] for e in spool.all_events()]


def iter_files(root: Any) -> Iterator[Any]:
    """Every regular file under a directory (for byte scans)."""
    for path in sorted(root.rglob("*")):
        if path.is_file():
            yield path


class RecordingSink:
    """An InputSink that keeps every call, keys and mouse apart (hooks may use two threads)."""

    def __init__(self) -> None:
        self.keys: list[KeyStroke] = []
        self.mouse: list[tuple[Any, ...]] = []
        self._lock = threading.Lock()

    def click(self, x: int, y: int, button: str) -> None:
        with self._lock:
            self.mouse.append(("click", x, y, button))

    def scroll(self, x: int, y: int, dx: int, dy: int) -> None:
        with self._lock:
            self.mouse.append(("scroll", x, y, dx, dy))

    def key(self, stroke: KeyStroke) -> None:
        with self._lock:
            self.keys.append(stroke)

    def snapshot(self) -> tuple[list[KeyStroke], list[tuple[Any, ...]]]:
        with self._lock:
            return list(self.keys), list(self.mouse)

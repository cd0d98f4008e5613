"""The capture-to-spool path: raw input from the hooks → policy and privacy → spool.

Hook callbacks only enqueue small tuples (a click position and button, a scroll, a
:class:`~agent.keys.KeyStroke`), and only while capture is on (consent given, not
paused, in study hours). One recorder thread drains the queue, asks the window source
which window is active, applies the app lists and redaction, builds wire events with a
UUID and a per-device sequence number, and writes them to the spool in one transaction
per pass. Titles are redacted here, before anything touches disk, and never logged.
"""

from __future__ import annotations

import logging
import queue
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from taskloom.agent.capture import ScreenSource, WindowInfo, WindowSource
from taskloom.agent.capture.screen import blackout, downscale, encrypt, to_png
from taskloom.agent.keys import (
    COPY_SHORTCUTS,
    CUT_SHORTCUTS,
    PASTE_SHORTCUTS,
    Burst,
    BurstTracker,
    KeyStroke,
)
from taskloom.agent.privacy import (
    OTHER_APP,
    Redactor,
    app_allowed,
    app_in,
    pseudonym,
    url_for_policy,
)
from taskloom.agent.protocol import EVENT_FIELDS, SHORTCUT_RE, coarse, format_ts
from taskloom.agent.spool import Spool

log = logging.getLogger(__name__)

#: Input is gathered this long after the first queued item before a pass (fewer wake-ups
#: and one spool transaction per pass instead of one per event).
COALESCE_S = 0.25
#: How often the active window is polled when nothing happens, and at most on input.
WINDOW_POLL_S = 1.0
WINDOW_POLL_ON_INPUT_S = 0.25
TYPING_GAP_MS = 2000


@dataclass(frozen=True, slots=True)
class Context:
    """The focused window after privacy rules: what events are attributed to."""

    app: str | None
    title: str | None
    url: str | None
    allowed: bool
    raw_app: str | None = None
    wm_class: str | None = None


_NO_WINDOW = Context(None, None, None, True)


def _now_ms() -> int:
    return int(time.time() * 1000)


class Recorder:
    """Turns hook input into private, spooled events (see the module docstring)."""

    def __init__(self, spool: Spool, policy: Mapping[str, Any], *, device_id: str | None,
                 os_user: str, device_secret: bytes, windows: WindowSource | None = None,
                 screens: ScreenSource | None = None, screen_key: bytes | None = None,
                 clock: Callable[[], int] = _now_ms,
                 on_written: Callable[[int], None] | None = None) -> None:
        self.spool = spool
        self.device_id = device_id
        self.windows = windows
        self.screens = screens
        self.screen_key = screen_key
        self.clock = clock
        self.on_written = on_written
        self._os_user = os_user
        self._device_secret = device_secret
        self._queue: queue.SimpleQueue[tuple[Any, ...]] = queue.SimpleQueue()
        #: Read by the hook callbacks: input is dropped in the callback while False.
        self.active = False
        self._capturing = False
        self._ctx = _NO_WINDOW
        self._win_key: tuple[Any, ...] | None = None
        self._last_poll = 0
        self._bursts = BurstTracker(TYPING_GAP_MS)
        self._last_input_ms = 0
        self._idle = False
        self._last_shot_ms = 0
        #: Epoch ms of the newest event written (reported in heartbeats).
        self.last_capture_ms: int | None = None
        self._pending: list[dict[str, Any]] = []
        self._blobs: list[tuple[str, int, bytes]] = []
        self._apply_policy(policy)

    # ---- hook side: cheap, thread-safe, no characters

    def click(self, x: int, y: int, button: str) -> None:
        if self.active:
            self._queue.put(("click", self.clock(), x, y, button))

    def scroll(self, x: int, y: int, dx: int, dy: int) -> None:
        if self.active:
            self._queue.put(("scroll", self.clock(), x, y, dx, dy))

    def key(self, stroke: KeyStroke) -> None:
        if self.active and stroke.key_class != "modifier":
            self._queue.put(("key", self.clock(), stroke))

    # ---- control side (any thread): applied in order by the recorder thread

    def set_capturing(self, on: bool, reason: str) -> None:
        """Start or stop capture (consent, pause, study hours); marks the change in the stream."""
        if on:
            self.active = True
        else:
            self.active = False
        self._queue.put(("capture", self.clock(), on, reason))

    def set_policy(self, policy: Mapping[str, Any]) -> None:
        self._queue.put(("policy", self.clock(), dict(policy)))

    # ---- recorder thread

    def pump(self, timeout_s: float = 0.5) -> int:
        """Process queued input (waiting up to ``timeout_s`` for some), then write to the spool."""
        try:
            items = [self._queue.get(timeout=timeout_s)] if timeout_s > 0 else []
        except queue.Empty:
            items = []
        if items and timeout_s > 0:
            time.sleep(min(COALESCE_S, timeout_s))
        while True:
            try:
                items.append(self._queue.get_nowait())
            except queue.Empty:
                break
        for item in items:
            self._handle(item)
        now = self.clock()
        if self._capturing:
            if now - self._last_poll >= WINDOW_POLL_S * 1000:
                self._refresh_window(now)
            self._check_idle(now)
            burst = self._bursts.due(now)
            if burst is not None:
                self._emit_burst(burst)
            self._maybe_screenshot(now)
        return self._write()

    def close(self) -> int:
        """Flush the typing burst in progress and write everything pending."""
        self.pump(0)
        burst = self._bursts.flush()
        if burst is not None:
            self._emit_burst(burst)
        return self._write()

    def _write(self) -> int:
        if not self._pending:
            return 0
        events, blobs = self._pending, self._blobs
        self._pending, self._blobs = [], []
        dropped = self.spool.append(events, blobs)
        if dropped:
            log.warning("spool full (%d bytes): dropped the %d oldest event(s)",
                        self.spool.max_bytes, dropped)
        if self.on_written:
            self.on_written(len(events))
        return len(events)

    def _handle(self, item: tuple[Any, ...]) -> None:
        kind, ts = item[0], int(item[1])
        if kind == "capture":
            self._set_capturing(bool(item[2]), str(item[3]), ts)
            return
        if kind == "policy":
            self._apply_policy(item[2])
            self._win_key = None  # re-evaluate the window under the new rules
            return
        if not self._capturing:
            return
        self._input_seen(ts)
        first_key = kind == "key" and self._bursts.current is None
        if (kind in ("click", "scroll") or first_key) and \
                ts - self._last_poll >= WINDOW_POLL_ON_INPUT_S * 1000:
            self._refresh_window(ts)
        if not self._ctx.allowed:
            return  # a denied app: its focus event says "other", nothing else is kept
        capture = self.policy["capture"]
        if kind == "click" and capture.get("clicks", True):
            _, _, x, y, button = item
            self._emit("click", ts, button=button, x=coarse(x), y=coarse(y))
        elif kind == "scroll" and capture.get("scrolls", True):
            _, _, x, y, dx, dy = item
            self._emit("scroll", ts, x=coarse(x), y=coarse(y), attrs={"dx": dx, "dy": dy})
        elif kind == "key":
            self._key(item[2], ts)

    def _key(self, stroke: KeyStroke, ts: int) -> None:
        capture = self.policy["capture"]
        if stroke.shortcut is not None:
            name = stroke.shortcut if SHORTCUT_RE.match(stroke.shortcut) else "ctrl+other"
            if name in COPY_SHORTCUTS or name in PASTE_SHORTCUTS:
                if capture.get("clipboard", True):
                    kind = "copy" if name in COPY_SHORTCUTS else "paste"
                    attrs = {"cut": True} if name in CUT_SHORTCUTS else {}
                    self._emit(kind, ts, key_class=name, attrs=attrs)
                return
            self._emit("shortcut", ts, key_class=name)
            return
        mode = capture.get("typing", "bursts")
        if mode == "per_key":
            self._emit("key", ts, key_class=stroke.key_class)
        elif mode == "bursts":
            finished = self._bursts.add(stroke.key_class, ts)
            if finished is not None:
                self._emit_burst(finished)

    def _emit_burst(self, burst: Burst) -> None:
        self._emit("typing", burst.start_ts(), attrs=burst.attrs())

    def _input_seen(self, ts: int) -> None:
        if self._idle:
            self._idle = False
            self._emit("idle_end", ts, attrs={"idle_ms": max(ts - self._last_input_ms, 0)})
        self._last_input_ms = max(self._last_input_ms, ts)

    def _check_idle(self, now: int) -> None:
        threshold_ms = int(float(self.policy.get("idle_threshold_s") or 60) * 1000)
        if not self._idle and now - self._last_input_ms >= threshold_ms:
            burst = self._bursts.flush()
            if burst is not None:
                self._emit_burst(burst)
            self._idle = True
            self._emit("idle_start", self._last_input_ms, attrs={"threshold_s": threshold_ms / 1000})

    def _set_capturing(self, on: bool, reason: str, ts: int) -> None:
        if on == self._capturing:
            return
        if on:
            self._capturing = True
            self._last_input_ms = ts
            self._idle = False
            self._win_key = None
            self._ctx = _NO_WINDOW
            self._emit("capture_start", ts, attrs={"reason": reason})
            self._refresh_window(ts)
        else:
            burst = self._bursts.flush()
            if burst is not None:
                self._emit_burst(burst)
            self._emit("capture_stop", ts, attrs={"reason": reason})
            self._capturing = False

    def _apply_policy(self, policy: Mapping[str, Any]) -> None:
        self.policy = dict(policy)
        self.policy.setdefault("capture", {})
        # The key is used exactly as the policy carries it (the hex string), as the
        # collector does when it hashes case ids with keyed_token.
        key = policy.get("study_key")
        study_key: str | None = str(key) if key else None
        self._redact = Redactor(policy, study_key)
        self.user = pseudonym(study_key or self._device_secret, self._os_user)
        self._keep_path = bool(policy.get("url_paths"))

    # ---- windows

    def _context(self, info: WindowInfo | None) -> Context:
        if info is None:
            return _NO_WINDOW
        if not app_allowed(info.app, info.wm_class, self.policy):
            return Context(OTHER_APP, None, None, False)
        url = url_for_policy(info.url, self._keep_path)
        return Context(info.app, self._redact(info.title), self._redact(url), True,
                       info.app, info.wm_class)

    def _refresh_window(self, ts: int) -> None:
        self._last_poll = self.clock()
        if self.windows is None:
            return
        try:
            info = self.windows.active_window()
        except Exception:  # a backend fault must not stop capture; the title is not logged
            log.warning("reading the active window failed", exc_info=False)
            return
        key = None if info is None else (info.window_id, info.pid, info.app, info.title, info.url)
        if key == self._win_key:
            return
        self._win_key = key
        ctx = self._context(info)
        if ctx == self._ctx:
            return
        burst = self._bursts.flush()
        if burst is not None:
            self._emit_burst(burst)
        self._ctx = ctx
        if info is not None and self.policy["capture"].get("focus", True):
            self._emit("focus", ts)

    def observe_window(self, info: WindowInfo | None, ts: int | None = None) -> None:
        """Feed a window change directly (a backend that pushes changes instead of polling)."""
        key = None if info is None else (info.window_id, info.pid, info.app, info.title, info.url)
        self._win_key = key
        ctx = self._context(info)
        if ctx != self._ctx and self._capturing:
            burst = self._bursts.flush()
            if burst is not None:
                self._emit_burst(burst)
            self._ctx = ctx
            if info is not None and self.policy["capture"].get("focus", True):
                self._emit("focus", ts if ts is not None else self.clock())

    # ---- screenshots

    def _maybe_screenshot(self, now: int) -> None:
        shots = self.policy.get("screenshots") or {}
        interval = float(shots.get("interval_s") or 0)
        if not shots.get("enabled") or interval <= 0 or self.screens is None or self.screen_key is None:
            return
        if now - self._last_shot_ms < interval * 1000:
            return
        self._last_shot_ms = now
        allow = shots.get("apps_allow") or []
        if not (self._ctx.allowed and app_in(self._ctx.raw_app, self._ctx.wm_class, allow)):
            return
        try:
            self.screenshot(now)
        except Exception as exc:  # never an unmasked image: on any fault, no screenshot
            log.warning("screenshot skipped: %s", type(exc).__name__)

    def screenshot(self, ts: int) -> str:
        """Grab, black out every window not allow-listed, downscale, encrypt, spool."""
        assert self.screens is not None and self.screen_key is not None and self.windows is not None
        shots = self.policy.get("screenshots") or {}
        allow = shots.get("apps_allow") or []
        frame = self.screens.grab()
        hidden = [w.rect for w in self.windows.visible_windows()
                  if not (app_allowed(w.app, w.wm_class, self.policy) and app_in(w.app, w.wm_class, allow))]
        blackout(frame, hidden)
        small = downscale(frame, int(shots.get("max_width") or 640))
        blob = encrypt(self.screen_key, to_png(small))
        blob_id = str(uuid.uuid4())
        event = self._emit("screenshot", ts, attrs={"blob_id": blob_id, "width": small.width,
                                                     "height": small.height, "encrypted": "fernet",
                                                     "bytes": len(blob)})
        self._blobs.append((blob_id, int(event["seq"]), blob))
        return blob_id

    # ---- events

    def _emit(self, kind: str, ts: int, **fields: Any) -> dict[str, Any]:
        ctx = self._ctx
        event: dict[str, Any] = dict.fromkeys(EVENT_FIELDS)
        event.update(event_id=str(uuid.uuid4()), device_id=self.device_id, seq=self.spool.next_seq(),
                     user=self.user, ts=format_ts(ts), kind=kind, app=ctx.app, title=ctx.title,
                     url=ctx.url, attrs={})
        event.update(fields)
        self._pending.append(event)
        self.last_capture_ms = max(self.last_capture_ms or 0, ts)
        return event


"""One simulated user at a workstation: turns actions (focus, click, type…) into UI events.

Times advance with log-normal think times; every event carries the ground truth the
actor is currently working on (task type, task instance, case).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from taskloom.collector.synth.sink import Sink

KEY_MIX = {
    "text": {"letter": 0.78, "space": 0.15, "punctuation": 0.03, "backspace": 0.03, "enter": 0.01},
    "digits": {"digit": 0.85, "punctuation": 0.05, "tab": 0.05, "backspace": 0.05},
    "short": {"letter": 0.7, "digit": 0.1, "space": 0.1, "backspace": 0.05, "enter": 0.05},
}


class ClockObserver(Protocol):
    """Told each time an actor's clock advances (pause, typing, idle) and at each input."""

    def advanced(self, actor: Actor, start: int, end: int, what: str) -> None: ...


@dataclass
class Actor:
    """A user's clock, device and current ground truth; methods emit one UI event each."""

    sink: Sink
    rng: np.random.Generator
    user: str
    device: str
    now: int  # epoch ms
    truth: tuple[str, str, str | None] = ("idle", "", None)
    app: str | None = None
    title: str | None = None
    url: str | None = None
    speed: float = 1.0  # per-user think-time multiplier
    observer: ClockObserver | None = None  # e.g. the true active time (synth.truth)

    def _advance(self, ms: int, what: str) -> None:
        start = self.now
        self.now += ms
        if self.observer is not None:
            self.observer.advanced(self, start, self.now, what)

    def think(self, median_s: float = 1.6, sigma: float = 0.8, cap_s: float = 80.0) -> None:
        """Advance the clock by a log-normal pause (a user reading, deciding)."""
        gap = min(cap_s, median_s * self.speed * float(np.exp(sigma * self.rng.standard_normal())))
        self._advance(max(80, int(gap * 1000)), "pause")

    def wait_until(self, ts: int) -> None:
        """A pause until ``ts`` (e.g. the next appointment), if it is still ahead."""
        if ts > self.now:
            self._advance(ts - self.now, "pause")

    def _emit(self, kind: str, **kw: object) -> None:
        self.sink.add(self.user, self.device, self.now, kind, self.app, self.title, self.truth,
                      url=self.url, **kw)  # type: ignore[arg-type]
        if self.observer is not None:
            self.observer.advanced(self, self.now, self.now, "input")

    def focus(self, app: str, title: str, url: str | None = None) -> None:
        """Bring a window to the front (or change screen, which changes the title)."""
        if app == self.app and title == self.title and url == self.url:
            return
        self.think(0.9, 0.5)
        self.app, self.title, self.url = app, title, url
        self._emit("focus")

    def click(self, element: str | None, median_s: float = 1.6) -> None:
        self.think(median_s)
        self._emit("click", element=element, button="left")

    def scroll(self, times: int = 1) -> None:
        for _ in range(times):
            self.think(0.7, 0.5)
            dy = int(self.rng.choice([-3, -1, 1, 3, 5]))
            self._emit("scroll", attrs={"dx": 0, "dy": dy})

    def type(self, element: str | None, keys: int, mix: str = "text") -> None:
        """A typing burst: key-class counts only, never characters (as the agent sends it)."""
        self.think(1.2)
        keys = max(1, keys)
        classes = list(KEY_MIX[mix])
        probs = np.array(list(KEY_MIX[mix].values()))
        counts = self.rng.multinomial(keys, probs / probs.sum())
        start = self.now
        self._advance(int(keys * 180 * self.speed), "typing")
        attrs = {"end_ts": self.now, "keys": keys,
                 "counts": {c: int(n) for c, n in zip(classes, counts, strict=True) if n}}
        self.sink.add(self.user, self.device, start, "typing", self.app, self.title, self.truth,
                      url=self.url, element=element, attrs=attrs)

    def shortcut(self, name: str) -> None:
        self.think(0.8, 0.5)
        self._emit("shortcut", key_class=name)

    def copy(self, element: str | None) -> None:
        self.think(1.0, 0.5)
        self._emit("copy", element=element, key_class="ctrl+c")

    def paste(self, element: str | None) -> None:
        self.think(1.0, 0.5)
        self._emit("paste", element=element, key_class="ctrl+v")

    def idle(self, seconds: float, truth: tuple[str, str, str | None]) -> None:
        """An idle period as the agent reports it: idle_start, nothing, idle_end."""
        saved = self.truth
        self.truth = truth
        self._emit("idle_start")
        self._advance(int(seconds * 1000), "idle")
        self._emit("idle_end")
        self.truth = saved

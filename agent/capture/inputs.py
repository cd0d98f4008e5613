"""Mouse and keyboard hooks with pynput (low-level hooks on Windows, a Quartz event tap
on macOS; on Linux only when the X server lacks RECORD, see :mod:`agent.capture.xrecord`).

The keyboard callback turns each key into a :class:`~agent.keys.KeyStroke` at once and
lets the pynput key object go: no character leaves the callback. pynput is imported
when the hooks start (on Linux its import needs an X display).
"""

from __future__ import annotations

import logging
import sys
import threading
from typing import Any

from taskloom.agent.capture import InputSink
from taskloom.agent.keys import KeyStroke, classify, modifier_of

log = logging.getLogger(__name__)


def stroke_of(key: Any, held: frozenset[str]) -> KeyStroke:
    """The KeyStroke for a pynput key (``Key`` member or ``KeyCode``); drops the character."""
    name = getattr(key, "name", None)
    if name is not None:
        return classify(str(name), None, None, held)
    return classify(None, getattr(key, "char", None), getattr(key, "vk", None), held)


def _modifier(key: Any) -> str | None:
    name = getattr(key, "name", None)
    return modifier_of(str(name)) if name is not None else None


def _button_listener_class(base: Any) -> Any:
    """On X11, a mouse listener that records button events only.

    pynput's X11 listener passes event *masks* where XRecord wants an event *type range*,
    so it also records pointer motion (and enter/leave): every mouse move would wake a
    Python callback. The agent needs buttons (clicks, and scrolls as buttons 4-7) only.
    """
    if not sys.platform.startswith("linux") or not hasattr(base, "_EVENTS"):
        return base
    from Xlib import X

    return type("ButtonOnlyListener", (base,), {"_EVENTS": (X.ButtonPress, X.ButtonRelease)})


class PynputInput:
    """Global mouse/keyboard listeners feeding an InputSink."""

    def __init__(self) -> None:
        self._mouse: Any = None
        self._keyboard: Any = None
        self._held: set[str] = set()
        self._lock = threading.Lock()

    def start(self, sink: InputSink) -> None:
        from pynput import keyboard, mouse

        def on_click(x: float, y: float, button: Any, pressed: bool) -> None:
            if pressed:
                sink.click(int(x), int(y), str(getattr(button, "name", "other")))

        def on_scroll(x: float, y: float, dx: float, dy: float) -> None:
            sink.scroll(int(x), int(y), int(dx), int(dy))

        def on_press(key: Any) -> None:
            if key is None:
                return
            mod = _modifier(key)
            with self._lock:
                if mod:
                    self._held.add(mod)
                held = frozenset(self._held)
            sink.key(stroke_of(key, held))

        def on_release(key: Any) -> None:
            mod = _modifier(key) if key is not None else None
            if mod:
                with self._lock:
                    self._held.discard(mod)

        self._mouse = _button_listener_class(mouse.Listener)(on_click=on_click, on_scroll=on_scroll)
        self._keyboard = keyboard.Listener(on_press=on_press, on_release=on_release)
        self._mouse.daemon = True
        self._keyboard.daemon = True
        self._mouse.start()
        self._keyboard.start()
        self._mouse.wait()
        self._keyboard.wait()
        log.info("input hooks started")

    def stop(self) -> None:
        for listener in (self._mouse, self._keyboard):
            if listener is not None:
                listener.stop()
        # On X11 a RECORD listener returns only after one more X event arrives; the
        # threads are daemons, so a stopping process does not wait for them.
        for listener in (self._mouse, self._keyboard):
            if listener is not None and listener.is_alive():
                listener.join(0.5)
        self._mouse = self._keyboard = None

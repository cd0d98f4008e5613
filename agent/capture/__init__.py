"""Capture backends behind one interface per kind of OS I/O.

- :class:`WindowSource`: the active window (app = process name, title, pid, optional URL)
  and the visible windows (for blacking out screenshots). One per OS: X11, Windows, macOS.
- :class:`InputSource`: mouse and keyboard hooks. On Linux/X11 one X RECORD context
  decoded with struct (:mod:`agent.capture.xrecord`), pynput when the server lacks RECORD;
  pynput on Windows and macOS. The key is turned into a :class:`~agent.keys.KeyStroke`
  inside the hook callback.
- :class:`ScreenSource`: screen grabs for the optional screenshots (mss).

:func:`select_backend` picks the implementations for the running platform. Every OS
call is made through these classes, so tests inject the calls and the recorder does not
know which platform it runs on.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from taskloom.agent.keys import KeyStroke
from taskloom.errors import UserError

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class WindowInfo:
    """The active window as the OS reports it (raw: redaction happens in the recorder)."""

    app: str | None
    title: str | None = None
    pid: int | None = None
    wm_class: str | None = None
    url: str | None = None
    window_id: int | None = None


@dataclass(frozen=True, slots=True)
class Rect:
    """A screen rectangle in pixels."""

    x: int
    y: int
    width: int
    height: int


@dataclass(frozen=True, slots=True)
class VisibleWindow:
    """A window on screen with its app and rectangle (for screenshot black-out)."""

    app: str | None
    wm_class: str | None
    rect: Rect


@dataclass(slots=True)
class Frame:
    """A screen grab: raw BGRA pixels, row-major."""

    width: int
    height: int
    bgra: bytearray = field(repr=False)


class WindowSource(Protocol):
    """Reports the active window; one implementation per OS."""

    def active_window(self) -> WindowInfo | None: ...

    def visible_windows(self) -> list[VisibleWindow]: ...

    def close(self) -> None: ...


class InputSink(Protocol):
    """Where input hooks deliver what they keep (no characters ever)."""

    def click(self, x: int, y: int, button: str) -> None: ...

    def scroll(self, x: int, y: int, dx: int, dy: int) -> None: ...

    def key(self, stroke: KeyStroke) -> None: ...


class InputSource(Protocol):
    """Mouse and keyboard hooks feeding an InputSink."""

    def start(self, sink: InputSink) -> None: ...

    def stop(self) -> None: ...


class ScreenSource(Protocol):
    """Grabs the screen."""

    def grab(self) -> Frame: ...

    def close(self) -> None: ...


@dataclass(slots=True)
class Backend:
    """The capture parts for one platform."""

    name: str
    windows: WindowSource | None
    inputs: InputSource | None
    screens: Callable[[], ScreenSource] | None = None


class CaptureUnavailable(UserError):
    """No capture backend can run here (e.g. no X display); the message says why."""


def select_backend(platform: str | None = None) -> Backend:
    """The capture backend for this OS (Linux X11, Windows, macOS)."""
    platform = platform or sys.platform
    if platform.startswith("linux"):
        if not os.environ.get("DISPLAY"):
            hint = (" (a native Wayland session: X11 hooks see only XWayland apps; run "
                    "the agent in an X11 session)") if os.environ.get("WAYLAND_DISPLAY") else ""
            raise CaptureUnavailable(f"no X display (DISPLAY is not set){hint}")
        from taskloom.agent.capture.x11 import X11WindowSource

        windows: WindowSource = X11WindowSource()
        inputs = _x11_inputs()
    elif platform == "win32":
        from taskloom.agent.capture.windows import Win32WindowSource

        windows = Win32WindowSource()
        inputs = None
    elif platform == "darwin":
        from taskloom.agent.capture.macos import MacWindowSource

        windows = MacWindowSource()
        inputs = None
    else:
        raise CaptureUnavailable(f"no capture backend for platform {platform!r}")
    from taskloom.agent.capture.screen import MssScreenSource

    if inputs is None:
        from taskloom.agent.capture.inputs import PynputInput

        inputs = PynputInput()
    return Backend(platform, windows, inputs, MssScreenSource)


def _x11_inputs() -> InputSource | None:
    """The X RECORD hook when the server offers RECORD; None (pynput) otherwise."""
    from taskloom.agent.capture.xkeys import KeyDecoder, RecordUnavailable
    from taskloom.agent.capture.xrecord import XRecordInput, record_available

    if not record_available():
        log.warning("the X server has no RECORD extension: falling back to pynput's hooks")
        return None
    try:
        KeyDecoder.tables()
    except (RecordUnavailable, OSError, KeyError, AttributeError) as exc:
        log.warning("the X RECORD hook cannot decode keys (%s): falling back to pynput's hooks", exc)
        return None
    return XRecordInput()

"""Active window on Linux/X11 with python-xlib (EWMH properties).

``_NET_ACTIVE_WINDOW`` on the root gives the window; ``_NET_WM_NAME`` (UTF-8) or
``WM_NAME`` its title; ``WM_CLASS`` its class; ``_NET_WM_PID`` its process, whose name
comes from ``/proc/PID/comm``. Native Wayland windows are invisible to X11: under
Wayland only XWayland apps are seen.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from taskloom.agent.capture import Rect, VisibleWindow, WindowInfo

log = logging.getLogger(__name__)


def process_name(pid: int | None, proc: Path = Path("/proc")) -> str | None:
    """The process name of ``pid`` from /proc/PID/comm (None if gone or unreadable)."""
    if not pid:
        return None
    try:
        return (proc / str(pid) / "comm").read_text(encoding="utf-8", errors="replace").strip() or None
    except OSError:
        return None


class X11WindowSource:
    """Reads the active window from the X server (one connection, used from one thread)."""

    def __init__(self, display: str | None = None) -> None:
        from Xlib import X
        from Xlib import display as xdisplay
        from Xlib import error as xerror

        self._X = X
        self._errors = (xerror.XError, xerror.BadWindow, xerror.BadMatch, xerror.BadValue)
        self._display = xdisplay.Display(display)
        self._root = self._display.screen().root
        atom = self._display.intern_atom
        self._a_active = atom("_NET_ACTIVE_WINDOW")
        self._a_name = atom("_NET_WM_NAME")
        self._a_utf8 = atom("UTF8_STRING")
        self._a_pid = atom("_NET_WM_PID")
        self._a_clients = atom("_NET_CLIENT_LIST_STACKING")
        self._a_state = atom("_NET_WM_STATE")
        self._a_hidden = atom("_NET_WM_STATE_HIDDEN")
        self._last: WindowInfo | None = None

    def _prop(self, window: Any, atom: int, kind: int) -> Any:
        try:
            prop = window.get_full_property(atom, kind)
        except self._errors:
            return None
        return None if prop is None else prop.value

    def _active_id(self) -> int | None:
        value = self._prop(self._root, self._a_active, self._X.AnyPropertyType)
        if value is None or len(value) == 0 or int(value[0]) == 0:
            return None
        return int(value[0])

    def _title(self, window: Any) -> str | None:
        raw = self._prop(window, self._a_name, self._a_utf8)
        if raw is not None:
            return raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
        name = window.get_wm_name()
        if name is None:
            return None
        return name.decode("latin-1") if isinstance(name, bytes) else str(name)

    def _describe(self, wid: int) -> WindowInfo | None:
        window = self._display.create_resource_object("window", wid)
        try:
            title = self._title(window)
        except self._errors:
            return None
        wm_class: str | None = None
        try:
            classes = window.get_wm_class()
        except self._errors:
            classes = None
        if classes:
            wm_class = classes[1] or classes[0]
        pid_value = self._prop(window, self._a_pid, self._X.AnyPropertyType)
        pid = int(pid_value[0]) if pid_value is not None and len(pid_value) else None
        app = process_name(pid) or (classes[0] if classes else None)
        return WindowInfo(app=app, title=title, pid=pid, wm_class=wm_class, window_id=wid)

    def active_window(self) -> WindowInfo | None:
        """The focused top-level window, or None when nothing has focus."""
        wid = self._active_id()
        if wid is None:
            return None
        try:
            last = self._last
            if last is not None and last.window_id == wid:
                # Same window: only its title can have changed (one round trip, not five).
                window = self._display.create_resource_object("window", wid)
                title = self._title(window)
                if title != last.title:
                    last = WindowInfo(last.app, title, last.pid, last.wm_class, last.url, wid)
                    self._last = last
                return last
            self._last = self._describe(wid)
            return self._last
        except self._errors:
            self._last = None
            return None

    def visible_windows(self) -> list[VisibleWindow]:
        """Managed windows bottom-to-top with their root-relative rectangles."""
        ids = self._prop(self._root, self._a_clients, self._X.AnyPropertyType)
        out: list[VisibleWindow] = []
        for wid in ids if ids is not None else []:
            window = self._display.create_resource_object("window", int(wid))
            try:
                geometry = window.get_geometry()
                origin = window.translate_coords(self._root, 0, 0)
                info = self._describe(int(wid))
            except self._errors:
                continue
            if info is None:
                continue
            rect = Rect(-int(origin.x), -int(origin.y), int(geometry.width), int(geometry.height))
            out.append(VisibleWindow(info.app, info.wm_class, rect))
        return out

    def close(self) -> None:
        try:
            self._display.close()
        except Exception:  # closing a dead connection is not an error worth reporting
            log.debug("X display close failed", exc_info=True)

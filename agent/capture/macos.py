"""Active window on macOS: NSWorkspace for the app, Accessibility for the title.

``NSWorkspace.sharedWorkspace().frontmostApplication()`` gives the app (name, pid,
bundle id) without any permission. The window title needs the Accessibility permission
(System Settings → Privacy & Security → Accessibility): without it the title is None
and the agent says so once in its log. pyobjc is optional; the calls sit in
:class:`MacCalls` so the logic is tested on any OS with the calls injected.
"""

from __future__ import annotations

import logging
from typing import Any, Protocol

from taskloom.agent.capture import VisibleWindow, WindowInfo

log = logging.getLogger(__name__)


class MacCalls(Protocol):
    """The macOS calls the window source needs."""

    def frontmost_app(self) -> tuple[str | None, int | None, str | None] | None: ...

    def accessibility_trusted(self) -> bool: ...

    def focused_window_title(self, pid: int) -> str | None: ...


class PyObjCMacCalls:
    """The real calls through pyobjc (AppKit + ApplicationServices)."""

    def __init__(self) -> None:
        try:
            import AppKit  # type: ignore[import-not-found,unused-ignore]
            import ApplicationServices  # type: ignore[import-not-found,unused-ignore]
        except ImportError as exc:
            raise ImportError("macOS capture needs pyobjc: pip install pyobjc-framework-Cocoa "
                              "pyobjc-framework-ApplicationServices") from exc
        self._appkit: Any = AppKit
        self._ax: Any = ApplicationServices

    def frontmost_app(self) -> tuple[str | None, int | None, str | None] | None:
        app = self._appkit.NSWorkspace.sharedWorkspace().frontmostApplication()
        if app is None:
            return None
        return (str(app.localizedName() or "") or None, int(app.processIdentifier()),
                str(app.bundleIdentifier() or "") or None)

    def accessibility_trusted(self) -> bool:
        return bool(self._ax.AXIsProcessTrusted())

    def focused_window_title(self, pid: int) -> str | None:
        ax = self._ax
        app = ax.AXUIElementCreateApplication(pid)
        err, window = ax.AXUIElementCopyAttributeValue(app, ax.kAXFocusedWindowAttribute, None)
        if err or window is None:
            return None
        err, title = ax.AXUIElementCopyAttributeValue(window, ax.kAXTitleAttribute, None)
        return None if err or title is None else str(title)


class MacWindowSource:
    """The frontmost app and, with the Accessibility permission, its window title."""

    def __init__(self, calls: MacCalls | None = None) -> None:
        self._calls = calls if calls is not None else PyObjCMacCalls()
        self._warned = False

    def active_window(self) -> WindowInfo | None:
        front = self._calls.frontmost_app()
        if front is None:
            return None
        name, pid, bundle = front
        title = None
        if pid is not None:
            if self._calls.accessibility_trusted():
                title = self._calls.focused_window_title(pid)
            elif not self._warned:
                self._warned = True
                log.warning("window titles need the Accessibility permission (System Settings → "
                            "Privacy & Security → Accessibility); recording apps only")
        return WindowInfo(app=name, title=title, pid=pid, wm_class=bundle)

    def visible_windows(self) -> list[VisibleWindow]:
        # Window rectangles need CGWindowListCopyWindowInfo and the Screen Recording
        # permission; without them screenshots are refused rather than taken unmasked.
        raise NotImplementedError("screenshot black-out is not implemented on macOS")

    def close(self) -> None:
        return None

"""Active window on Windows through ctypes (user32/kernel32), behind injectable calls.

``GetForegroundWindow`` gives the window, ``GetWindowTextW`` its title,
``GetWindowThreadProcessId`` its process, and ``QueryFullProcessImageNameW`` (with
``PROCESS_QUERY_LIMITED_INFORMATION``, which works for other users' and elevated
processes) the executable, whose base name without ``.exe`` is the app. The calls sit
in :class:`Win32Calls` so the logic is tested on any OS with the calls injected.
"""

from __future__ import annotations

import logging
import ntpath
from typing import Any, Protocol

from taskloom.agent.capture import Rect, VisibleWindow, WindowInfo

log = logging.getLogger(__name__)

PROCESS_QUERY_LIMITED_INFORMATION = 0x1000


class Win32Calls(Protocol):
    """The four Win32 calls the window source needs."""

    def foreground_window(self) -> int: ...

    def window_text(self, hwnd: int) -> str: ...

    def window_pid(self, hwnd: int) -> int: ...

    def process_image(self, pid: int) -> str | None: ...

    def visible_windows(self) -> list[tuple[int, Rect]]: ...


class CtypesWin32Calls:
    """The real calls through ctypes (Windows only)."""

    def __init__(self) -> None:
        import ctypes
        from ctypes import wintypes

        self._ctypes = ctypes
        self._wintypes = wintypes
        windll: Any = ctypes.windll  # type: ignore[attr-defined,unused-ignore]
        self._user32 = windll.user32
        self._kernel32 = windll.kernel32
        self._user32.GetForegroundWindow.restype = wintypes.HWND
        self._user32.GetWindowTextLengthW.argtypes = [wintypes.HWND]
        self._user32.GetWindowTextW.argtypes = [wintypes.HWND, wintypes.LPWSTR, ctypes.c_int]
        self._user32.GetWindowThreadProcessId.argtypes = [wintypes.HWND, ctypes.POINTER(wintypes.DWORD)]
        self._kernel32.OpenProcess.restype = wintypes.HANDLE
        self._kernel32.OpenProcess.argtypes = [wintypes.DWORD, wintypes.BOOL, wintypes.DWORD]
        self._kernel32.QueryFullProcessImageNameW.argtypes = [
            wintypes.HANDLE, wintypes.DWORD, wintypes.LPWSTR, ctypes.POINTER(wintypes.DWORD)]
        self._kernel32.CloseHandle.argtypes = [wintypes.HANDLE]

    def foreground_window(self) -> int:
        return int(self._user32.GetForegroundWindow() or 0)

    def window_text(self, hwnd: int) -> str:
        length = int(self._user32.GetWindowTextLengthW(hwnd))
        buffer = self._ctypes.create_unicode_buffer(length + 1)
        self._user32.GetWindowTextW(hwnd, buffer, length + 1)
        return str(buffer.value)

    def window_pid(self, hwnd: int) -> int:
        pid = self._wintypes.DWORD(0)
        self._user32.GetWindowThreadProcessId(hwnd, self._ctypes.byref(pid))
        return int(pid.value)

    def process_image(self, pid: int) -> str | None:
        handle = self._kernel32.OpenProcess(PROCESS_QUERY_LIMITED_INFORMATION, False, pid)
        if not handle:
            return None
        try:
            size = self._wintypes.DWORD(1024)
            buffer = self._ctypes.create_unicode_buffer(size.value)
            if not self._kernel32.QueryFullProcessImageNameW(handle, 0, buffer, self._ctypes.byref(size)):
                return None
            return str(buffer.value)
        finally:
            self._kernel32.CloseHandle(handle)

    def visible_windows(self) -> list[tuple[int, Rect]]:
        ctypes, wintypes = self._ctypes, self._wintypes
        found: list[tuple[int, Rect]] = []
        proto = ctypes.WINFUNCTYPE(wintypes.BOOL, wintypes.HWND, wintypes.LPARAM)  # type: ignore[attr-defined,unused-ignore]

        def visit(hwnd: int, _lparam: int) -> bool:
            if self._user32.IsWindowVisible(hwnd) and not self._user32.IsIconic(hwnd):
                rect = wintypes.RECT()
                if self._user32.GetWindowRect(hwnd, ctypes.byref(rect)):
                    found.append((int(hwnd), Rect(rect.left, rect.top, rect.right - rect.left,
                                                  rect.bottom - rect.top)))
            return True

        self._user32.EnumWindows(proto(visit), 0)
        found.reverse()  # EnumWindows is top-to-bottom; callers expect bottom-to-top
        return found


def app_from_image(path: str | None) -> str | None:
    """``C:\\Program Files\\App\\app.exe`` → ``app``."""
    if not path:
        return None
    name = ntpath.basename(path)
    return name[:-4] if name.lower().endswith(".exe") else name


class Win32WindowSource:
    """The foreground window on Windows (title, pid, process name)."""

    def __init__(self, calls: Win32Calls | None = None) -> None:
        self._calls = calls if calls is not None else CtypesWin32Calls()

    def _describe(self, hwnd: int) -> WindowInfo:
        pid = self._calls.window_pid(hwnd) or None
        app = app_from_image(self._calls.process_image(pid)) if pid else None
        title = self._calls.window_text(hwnd) or None
        return WindowInfo(app=app, title=title, pid=pid, window_id=hwnd)

    def active_window(self) -> WindowInfo | None:
        hwnd = self._calls.foreground_window()
        if not hwnd:
            return None  # the desktop, a lock screen or a UAC prompt
        try:
            return self._describe(hwnd)
        except OSError:
            log.debug("foreground window vanished while being read")
            return None

    def visible_windows(self) -> list[VisibleWindow]:
        out = []
        for hwnd, rect in self._calls.visible_windows():
            info = self._describe(hwnd)
            out.append(VisibleWindow(info.app, None, rect))
        return out

    def close(self) -> None:
        return None

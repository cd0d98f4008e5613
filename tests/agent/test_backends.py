"""Window sources per OS behind the one interface, with the OS calls injected."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from taskloom.agent.capture import CaptureUnavailable, Rect, select_backend
from taskloom.agent.capture.macos import MacWindowSource
from taskloom.agent.capture.windows import Win32WindowSource, app_from_image
from taskloom.agent.capture.x11 import process_name


class FakeWin32:
    """Win32 calls as a Windows desktop would answer them."""

    def __init__(self) -> None:
        self.fg = 0x1234
        self.titles = {0x1234: "Patient 943 476 5919 - EPR", 0x99: "Task Manager"}
        self.pids = {0x1234: 4242, 0x99: 500}
        self.images: dict[int, str | None] = {4242: r"C:\Program Files\Cerner\Millennium.EXE", 500: None}

    def foreground_window(self) -> int:
        return self.fg

    def window_text(self, hwnd: int) -> str:
        return self.titles[hwnd]

    def window_pid(self, hwnd: int) -> int:
        return self.pids[hwnd]

    def process_image(self, pid: int) -> str | None:
        return self.images[pid]

    def visible_windows(self) -> list[tuple[int, Rect]]:
        return [(0x99, Rect(0, 0, 10, 10)), (0x1234, Rect(5, 5, 100, 50))]


def test_windows_foreground_window_title_and_process_name() -> None:
    calls = FakeWin32()
    source = Win32WindowSource(calls)
    info = source.active_window()
    assert info is not None
    assert (info.app, info.title, info.pid, info.window_id) == ("Millennium", "Patient 943 476 5919 - EPR", 4242, 0x1234)
    calls.fg = 0x99  # an elevated process: OpenProcess is refused, the title still comes
    info = source.active_window()
    assert info is not None and info.app is None and info.title == "Task Manager"
    calls.fg = 0  # the secure desktop / lock screen
    assert source.active_window() is None
    assert [w.app for w in source.visible_windows()] == [None, "Millennium"]
    assert app_from_image(r"C:\x\notepad.exe") == "notepad"


class FakeMac:
    def __init__(self, trusted: bool) -> None:
        self.trusted = trusted

    def frontmost_app(self) -> tuple[str | None, int | None, str | None] | None:
        return ("Epic Hyperspace", 777, "com.epic.hyperspace")

    def accessibility_trusted(self) -> bool:
        return self.trusted

    def focused_window_title(self, pid: int) -> str | None:
        assert pid == 777
        return "In Basket"


def test_macos_title_needs_accessibility(caplog: pytest.LogCaptureFixture) -> None:
    info = MacWindowSource(FakeMac(trusted=True)).active_window()
    assert info is not None and (info.app, info.title, info.wm_class) == ("Epic Hyperspace", "In Basket", "com.epic.hyperspace")
    source = MacWindowSource(FakeMac(trusted=False))
    with caplog.at_level(logging.WARNING):
        first = source.active_window()
        source.active_window()
    assert first is not None and first.app == "Epic Hyperspace" and first.title is None
    assert sum("Accessibility" in r.message for r in caplog.records) == 1  # said once


def test_linux_without_display_says_why(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.setenv("WAYLAND_DISPLAY", "wayland-0")
    with pytest.raises(CaptureUnavailable, match="Wayland"):
        select_backend("linux")
    with pytest.raises(CaptureUnavailable, match="no capture backend"):
        select_backend("sunos5")


def test_process_name_from_proc(tmp_path: Path) -> None:
    (tmp_path / "42").mkdir()
    (tmp_path / "42" / "comm").write_text("firefox-esr\n")
    assert process_name(42, tmp_path) == "firefox-esr"
    assert process_name(43, tmp_path) is None
    assert process_name(None, tmp_path) is None

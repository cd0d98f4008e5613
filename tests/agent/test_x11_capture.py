"""Real X11 hooks and window properties under Xvfb, in-process, with the function-backed
collector (the end-to-end test with `taskloom serve` is test_e2e_x11.py)."""

from __future__ import annotations

import importlib.util
import threading
from pathlib import Path

import pytest

from taskloom.agent import state
from taskloom.agent.capture import select_backend
from taskloom.agent.capture.x11 import X11WindowSource
from taskloom.agent.config import AgentConfig
from taskloom.agent.protocol import keyed_token
from taskloom.agent.runner import Agent
from taskloom.agent.transport import FunctionTransport
from tests.agent.factories import FAKE_NHS, SECRET, STUDY_KEY, MemoryCollector, iter_files
from tests.agent.harness import open_tk_window
from tests.support.ports import wait_for
from tests.support.xserver import XServer

NO_TK = importlib.util.find_spec("tkinter") is None
TK_REASON = "tkinter is missing: install the Debian package python3-tk (the test window is a Tk window)"
pytestmark = pytest.mark.xvfb


@pytest.mark.skipif(NO_TK, reason=TK_REASON)
def test_x11_window_source_reads_the_active_window(xserver: XServer) -> None:
    window = open_tk_window(xserver.env, "Chart of someone", wm_class="charter")
    try:
        wid = xserver.xdotool("search", "--onlyvisible", "--classname", "charter").split()[0]
        xserver.xdotool("windowactivate", "--sync", wid)
        source = X11WindowSource(xserver.display)
        info = source.active_window()
        assert info is not None
        assert (info.title, info.app, info.wm_class, info.window_id) == (
            "Chart of someone", "charter", "Charter", int(wid))
        visible = source.visible_windows()
        assert [w.app for w in visible] == ["charter"] and visible[0].rect.width == 500
        source.close()
    finally:
        window.terminate()
        window.wait(10)


@pytest.mark.skipif(NO_TK, reason=TK_REASON)
def test_real_hooks_capture_clicks_typing_and_shortcuts(
        xserver: XServer, agent_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISPLAY", xserver.display)
    window = open_tk_window(xserver.env, f"Patient {FAKE_NHS} - Chart")
    collector = MemoryCollector()
    config = AgentConfig("http://collector.invalid", "dev-x", "tok")
    config.save()
    agent = Agent(config, transport=FunctionTransport(collector), backend=select_backend())
    agent.shipper.batch_wait_s = 0.3
    state.record_consent(agent.spool, collector.policy, "scripted")
    thread = threading.Thread(target=agent.run, daemon=True)
    thread.start()
    try:
        wid = xserver.xdotool("search", "--onlyvisible", "--classname", "ehrdemo").split()[0]
        xserver.xdotool("windowactivate", "--sync", wid)
        wait_for(lambda: any(e["kind"] == "focus" for e in collector.stored.values()), 30, "focus")
        xserver.xdotool("mousemove", "--window", wid, "100", "40", "click", "3")
        xserver.xdotool("type", "--delay", "30", SECRET)
        xserver.xdotool("key", "ctrl+v", "alt+Tab")
        wait_for(lambda: any(e["kind"] == "typing" for e in collector.stored.values()), 30, "typing")
    finally:
        agent.stop.set()
        thread.join(30)
        # The pynput fallback's listener threads notice a stop only on the next X event.
        xserver.xdotool("key", "shift")
        xserver.xdotool("click", "1")
        window.terminate()
        window.wait(10)
    events = list(collector.stored.values())
    kinds = [e["kind"] for e in events]
    assert {"capture_start", "focus", "click", "typing", "paste", "shortcut", "capture_stop"} <= set(kinds)
    token = keyed_token(STUDY_KEY, FAKE_NHS, prefix="NHS")
    assert {e["title"] for e in events if e["kind"] == "focus"} == {f"Patient {token} - Chart"}
    assert [e["button"] for e in events if e["kind"] == "click"] == ["right"]
    assert [e["key_class"] for e in events if e["kind"] == "shortcut"] == ["alt+tab"]
    for path in iter_files(agent_home):
        assert SECRET.encode() not in path.read_bytes() and b"Quokka" not in path.read_bytes()
    assert b"Quokka" not in b"".join(r.body for r in collector.requests)


def test_mss_grabs_the_x_screen(xserver: XServer, monkeypatch: pytest.MonkeyPatch) -> None:
    from taskloom.agent.capture.screen import MssScreenSource, downscale, to_png

    monkeypatch.setenv("DISPLAY", xserver.display)
    screen = MssScreenSource()
    frame = screen.grab()
    screen.close()
    assert (frame.width, frame.height) == (1024, 768) and len(frame.bgra) == 1024 * 768 * 4
    small = downscale(frame, 320)
    assert (small.width, small.height) == (320, 240)
    assert to_png(small).startswith(b"\x89PNG")

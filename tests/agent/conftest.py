"""Fixtures for the agent tests: a private HOME, an X server with a window manager, a real
collector."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from taskloom.agent.spool import Spool
from tests.agent import harness
from tests.support.collector import TASKLOOM, LiveCollector, home_env
from tests.support.xserver import XServer, missing_tools


@pytest.fixture
def agent_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh HOME (and XDG dirs) for this test's agent."""
    home = tmp_path / "home"
    home.mkdir()
    for key, value in home_env(home).items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("TASKLOOM_AGENT_SPOOL_MAX_BYTES", raising=False)
    return home


@pytest.fixture
def spool(tmp_path: Path) -> Iterator[Spool]:
    sp = Spool(tmp_path / "spool.sqlite3")
    yield sp
    sp.close()


@pytest.fixture
def xserver(tmp_path: Path) -> Iterator[XServer]:
    """Xvfb on a free display (-displayfd) with openbox as the window manager."""
    reason = missing_tools("Xvfb", "xdotool", "openbox", "xprop")
    if reason:
        pytest.skip(reason)
    try:
        server = XServer.start(tmp_path)
    except RuntimeError as exc:
        pytest.fail(str(exc))
    try:
        yield server
    finally:
        server.stop()


def _serve_available() -> str | None:
    """None when `taskloom serve` exists, else why not (the collector area provides it)."""
    out = subprocess.run([TASKLOOM, "serve", "--help"], capture_output=True, text=True)
    if out.returncode != 0:
        return "the collector's `taskloom serve` is not available in this tree yet"
    return None


@pytest.fixture
def collector(tmp_path: Path) -> Iterator[LiveCollector]:
    """A real collector (`taskloom serve` on loopback, SQLite) with one study."""
    reason = _serve_available()
    if reason:
        pytest.skip(reason)
    real = LiveCollector(None, tmp_path / "collector")
    real.setup_study()
    real.start()
    try:
        yield real
    finally:
        real.stop()


@pytest.fixture
def agent_proc(tmp_path: Path) -> Iterator[harness.AgentProcess]:
    """A taskloom-agent in its own HOME; stopped (SIGKILL) if a test leaves it running."""
    proc = harness.AgentProcess(tmp_path / "agent-home")
    try:
        yield proc
    finally:
        if proc.running():
            proc.kill9()

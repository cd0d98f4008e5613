"""Fixtures for the agent tests: a private HOME, an X server with a window manager."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from taskloom.agent.spool import Spool
from tests.agent import harness
from tests.agent.harness import home_env


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


class XServer:
    """A running Xvfb with openbox; `env` carries its DISPLAY."""

    def __init__(self, display: str, procs: list[subprocess.Popen[bytes]]) -> None:
        self.display = display
        self.procs = procs
        self.env = {**os.environ, "DISPLAY": display}

    def xdotool(self, *args: str) -> str:
        return subprocess.run(["xdotool", *args], env=self.env, check=True, capture_output=True,
                              text=True, timeout=30).stdout


@pytest.fixture
def xserver(tmp_path: Path) -> Iterator[XServer]:
    """Xvfb on a free display (-displayfd) with openbox as the window manager."""
    for tool in ("Xvfb", "xdotool", "openbox"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is not installed (Debian packages xvfb, xdotool, openbox)")
    read_fd, write_fd = os.pipe()
    xvfb = subprocess.Popen(["Xvfb", "-displayfd", str(write_fd), "-screen", "0", "1024x768x24",
                             "-nolisten", "tcp"], pass_fds=(write_fd,),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write_fd)
    with os.fdopen(read_fd) as fh:
        number = fh.readline().strip()
    if not number:
        xvfb.kill()
        pytest.fail("Xvfb did not report a display number")
    display = f":{number}"
    wm_log = tmp_path / "openbox.log"
    with wm_log.open("wb") as log:
        wm = subprocess.Popen(["openbox", "--sm-disable"], env={**os.environ, "DISPLAY": display},
                              stdout=log, stderr=subprocess.STDOUT)
    server = XServer(display, [wm, xvfb])
    deadline = time.monotonic() + 30
    while True:  # openbox sets _NET_SUPPORTING_WM_CHECK when it manages the screen
        probe = subprocess.run(["xprop", "-root", "_NET_SUPPORTING_WM_CHECK"], env=server.env,
                               capture_output=True, text=True)
        if "window id" in probe.stdout:
            break
        if time.monotonic() > deadline or wm.poll() is not None:
            for proc in server.procs:
                proc.kill()
            pytest.fail(f"openbox did not start on {display}: {wm_log.read_text()[-1000:]}")
        time.sleep(0.1)
    try:
        yield server
    finally:
        for proc in server.procs:
            proc.terminate()
        for proc in server.procs:
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()


def _serve_available() -> str | None:
    """None when `taskloom serve` exists, else why not (the collector area provides it)."""
    out = subprocess.run([harness.TASKLOOM, "serve", "--help"], capture_output=True, text=True)
    if out.returncode != 0:
        return "the collector's `taskloom serve` is not available in this tree yet"
    return None


@pytest.fixture
def collector(tmp_path: Path) -> Iterator[harness.RealCollector]:
    """A real collector (`taskloom serve` on loopback, SQLite) with one study."""
    reason = _serve_available()
    if reason:
        pytest.skip(reason)
    real = harness.RealCollector(tmp_path / "collector")
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

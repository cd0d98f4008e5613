"""An X server for real input under test: Xvfb on a free display, with openbox managing it."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

SCREEN = ("-screen", "0", "1024x768x24")


def missing_tools(*tools: str) -> str | None:
    """None when every tool is on PATH, else a reason naming the Debian packages."""
    absent = [tool for tool in tools if shutil.which(tool) is None]
    if absent:
        return f"{', '.join(absent)} not installed (Debian packages xvfb, xdotool, openbox, x11-utils)"
    return None


def start_xvfb(*args: str) -> tuple[str, subprocess.Popen[bytes]]:
    """Xvfb on a display it picks itself (-displayfd), local connections only; its DISPLAY."""
    read_fd, write_fd = os.pipe()
    xvfb = subprocess.Popen(["Xvfb", "-displayfd", str(write_fd), *args, "-nolisten", "tcp"],
                            pass_fds=(write_fd,), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    os.close(write_fd)
    with os.fdopen(read_fd) as fh:
        number = fh.readline().strip()
    if not number:
        xvfb.kill()
        xvfb.wait(10)
        raise RuntimeError("Xvfb did not report a display number")
    return f":{number}", xvfb


def stop(procs: list[subprocess.Popen[bytes]]) -> None:
    """Terminate processes (killing the ones that do not go within 5 s)."""
    for proc in procs:
        proc.terminate()
    for proc in procs:
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


class XServer:
    """A running Xvfb with openbox; ``env`` carries its DISPLAY."""

    def __init__(self, display: str, procs: list[subprocess.Popen[bytes]]) -> None:
        self.display = display
        self.procs = procs
        self.env = {**os.environ, "DISPLAY": display}

    @classmethod
    def start(cls, log_dir: Path, timeout: float = 30, attempts: int = 3) -> XServer:
        """Xvfb plus openbox, returned once openbox manages the screen.

        Another Xvfb starting at the same moment (tests of other checkouts on this machine)
        can take the display our Xvfb reported; openbox then cannot open it, and we start
        again on a fresh display.
        """
        for attempt in range(attempts):
            try:
                return cls._start_once(log_dir, timeout)
            except RuntimeError:
                if attempt == attempts - 1:
                    raise
        raise AssertionError("unreachable")

    @classmethod
    def _start_once(cls, log_dir: Path, timeout: float) -> XServer:
        display, xvfb = start_xvfb(*SCREEN)
        wm_log = log_dir / "openbox.log"
        with wm_log.open("wb") as log:
            wm = subprocess.Popen(["openbox", "--sm-disable"], env={**os.environ, "DISPLAY": display},
                                  stdout=log, stderr=subprocess.STDOUT)
        server = cls(display, [wm, xvfb])
        deadline = time.monotonic() + timeout
        while True:  # openbox sets _NET_SUPPORTING_WM_CHECK when it manages the screen
            probe = subprocess.run(["xprop", "-root", "_NET_SUPPORTING_WM_CHECK"], env=server.env,
                                   capture_output=True, text=True)
            if "window id" in probe.stdout:
                return server
            if time.monotonic() > deadline or wm.poll() is not None:
                server.stop()
                raise RuntimeError(f"openbox did not start on {display}: {wm_log.read_text()[-1000:]}")
            time.sleep(0.1)

    def xdotool(self, *args: str) -> str:
        return subprocess.run(["xdotool", *args], env=self.env, check=True, capture_output=True,
                              text=True, timeout=30).stdout

    def stop(self) -> None:
        stop(self.procs)

"""Real parts for the agent's end-to-end tests and benchmark: `taskloom-agent` processes in
their own HOME and a Tk window to type into. The collector, ports and the X server come
from tests/support."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.support.collector import ROOT, TASKLOOM_AGENT, LiveCollector, home_env
from tests.support.ports import wait_for


class AgentProcess:
    """A `taskloom-agent` in its own HOME (a separate agent), with its output in a log file."""

    def __init__(self, home: Path, display: str | None = None, extra_env: dict[str, str] | None = None) -> None:
        home.mkdir(parents=True, exist_ok=True)
        self.home = home
        self.env = {**os.environ, **home_env(home), **(extra_env or {})}
        self.env.pop("DISPLAY", None)
        if display:
            self.env["DISPLAY"] = display
        self.output = home / "agent-output.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def cli(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        out = subprocess.run([TASKLOOM_AGENT, *args], env=self.env, cwd=ROOT, capture_output=True,
                             text=True, timeout=120)
        with self.output.open("a") as fh:
            fh.write(out.stdout + out.stderr)
        if check and out.returncode != 0:
            raise AssertionError(f"taskloom-agent {' '.join(args)} failed ({out.returncode}): {out.stderr}")
        return out

    def status(self) -> dict[str, Any]:
        return dict(json.loads(self.cli("status", "--json").stdout))

    def enroll(self, collector: LiveCollector, consent: bool = True) -> None:
        self.cli("enroll", "--collector", collector.url, "--token", collector.enrollment_token())
        if consent:
            self.cli("consent", "--accept")

    def start(self, *args: str) -> None:
        with self.output.open("ab") as log:
            self.proc = subprocess.Popen([TASKLOOM_AGENT, "run", *args], env=self.env, cwd=ROOT,
                                         stdout=log, stderr=subprocess.STDOUT)

    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def terminate(self, timeout: float = 60) -> int:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)
        code = self.proc.wait(timeout)
        self.proc = None
        return code

    def kill9(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)
        self.proc = None

    def spool_path(self) -> Path:
        return self.home / ".local" / "share" / "taskloom-agent" / "spool.sqlite3"

    def spool_depth(self) -> int:
        """Events waiting in the spool (read directly: cheaper than `status` for polling)."""
        with sqlite3.connect(f"file:{self.spool_path()}?mode=ro", uri=True, timeout=30) as conn:
            return int(conn.execute("SELECT COUNT(*) FROM events").fetchone()[0])

    def last_error(self) -> str:
        with sqlite3.connect(f"file:{self.spool_path()}?mode=ro", uri=True, timeout=30) as conn:
            row = conn.execute("SELECT value FROM meta WHERE key = 'last_error'").fetchone()
        return "" if row is None else str(row[0])

    def spool_ids(self) -> set[str]:
        with sqlite3.connect(f"file:{self.spool_path()}?mode=ro", uri=True, timeout=30) as conn:
            return {str(r[0]) for r in conn.execute("SELECT event_id FROM events")}

    def feed(self, count: int, kinds: tuple[str, ...] = ("click",)) -> list[str]:
        """Capture ``count`` synthetic clicks through the recorder (the hooks' path) into
        this agent's spool; returns the ids of every event captured (with the
        capture_start/stop markers), oldest first, including any the spool bound dropped."""
        code = f"""
import json, sys
from taskloom.agent import state
from taskloom.agent.cli import _spool
from taskloom.agent.config import AgentConfig, device_key
from taskloom.agent.keys import classify
from taskloom.agent.recorder import Recorder
spool = _spool()
policy = state.cached_policy(spool)
rec = Recorder(spool, policy, device_id=AgentConfig.load().device_id, os_user="feeder",
               device_secret=device_key())
captured = []
append = spool.append
def recording_append(events, blobs=()):
    captured.extend(e["event_id"] for e in events)
    return append(events, blobs)
spool.append = recording_append
rec.set_capturing(True, "feed")
rec.pump(0)
for i in range({count}):
    rec.click(10 * (i % 50), 10, "left")
    if i % 200 == 199:
        rec.pump(0)
rec.set_capturing(False, "feed done")
rec.close()
print(json.dumps(captured))
"""
        out = subprocess.run([sys.executable, "-c", code], env=self.env, cwd=ROOT, capture_output=True,
                             text=True, timeout=300, check=True)
        return list(json.loads(out.stdout.strip().splitlines()[-1]))


TK_WINDOW = """
import sys, tkinter as tk
root = tk.Tk(className=sys.argv[2])
root.title(sys.argv[1])
root.geometry("500x300+40+40")
entry = tk.Entry(root, width=60)
entry.pack(padx=20, pady=20)
entry.focus_set()
root.after(200, lambda: (root.focus_force(), entry.focus_set()))
root.mainloop()
"""


def open_tk_window(env: dict[str, str], title: str, wm_class: str = "ehrdemo") -> subprocess.Popen[bytes]:
    """A small Tk window with a text entry; returns once it is mapped (xdotool sees it)."""
    proc = subprocess.Popen([sys.executable, "-c", TK_WINDOW, title, wm_class], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def mapped() -> bool:
        out = subprocess.run(["xdotool", "search", "--onlyvisible", "--classname", wm_class],
                             env=env, capture_output=True, text=True)
        return bool(out.stdout.strip())

    wait_for(mapped, 20, "the Tk window to map")
    return proc

"""Real parts for the agent's end-to-end tests and benchmark: a real collector
(`taskloom serve` on loopback with its SQLite file), an X server with a window manager
and a Tk window, and `taskloom-agent` processes in their own HOME."""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
TASKLOOM = str(BIN / "taskloom")
TASKLOOM_AGENT = str(BIN / "taskloom-agent")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_for(cond: Callable[[], bool], timeout: float = 30.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what}")


def home_env(home: Path) -> dict[str, str]:
    """Environment variables that make `home` a separate agent (platformdirs follows them)."""
    return {
        "HOME": str(home),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "XDG_STATE_HOME": str(home / ".local" / "state"),
    }


class RealCollector:
    """`taskloom serve` on a loopback port over a SQLite file in ``workdir``."""

    def __init__(self, workdir: Path, study: str = "agent-study",
                 settings: dict[str, Any] | None = None) -> None:
        workdir.mkdir(parents=True, exist_ok=True)
        self.workdir = workdir
        self.db_path = workdir / "collector.sqlite3"
        self.db_url = f"sqlite:///{self.db_path}"
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.study = study
        self.settings = settings
        self.log_path = workdir / "collector.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self.env = {**os.environ, "TASKLOOM_DB": self.db_url, **home_env(workdir / "home")}

    def admin(self, *args: str) -> str:
        """Run a `taskloom` admin command against this collector's database."""
        out = subprocess.run([TASKLOOM, *args], env=self.env, cwd=ROOT, capture_output=True,
                             text=True, timeout=120)
        if out.returncode != 0:
            raise AssertionError(f"taskloom {' '.join(args)} failed ({out.returncode}): {out.stderr}")
        return out.stdout

    def setup_study(self) -> None:
        args = ["study", "create", self.study]
        if self.settings is not None:
            args += ["--settings", json.dumps(self.settings)]
        self.admin(*args)

    def enrollment_token(self) -> str:
        return self.admin("device", "token", "--study", self.study).strip().splitlines()[-1].strip()

    def start(self) -> None:
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(
                [TASKLOOM, "serve", "--db", self.db_url, "--host", "127.0.0.1", "--port", str(self.port)],
                env=self.env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
        wait_for(self.up, 60, "the collector to listen")

    def up(self) -> bool:
        if self.proc is not None and self.proc.poll() is not None:
            raise AssertionError(f"taskloom serve exited: {self.log_path.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(self.url + "/api/v1/agent/policy", timeout=2):
                return True
        except urllib.error.HTTPError:
            return True  # it answers (401 without a token): it is up
        except OSError:
            return False

    def kill(self) -> None:
        """SIGKILL: the collector dies mid-whatever it was doing."""
        if self.proc is not None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)
            self.proc = None

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
            self.proc = None

    def delivered(self) -> Counter[str]:
        """How many stored rows each event id has in the collector's database."""
        with sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True, timeout=30) as conn:
            rows = conn.execute("SELECT event_id, COUNT(*) FROM ui_events GROUP BY event_id").fetchall()
        return Counter({str(eid): int(n) for eid, n in rows})

    def rows(self) -> list[dict[str, Any]]:
        with sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True, timeout=30) as conn:
            conn.row_factory = sqlite3.Row
            return [dict(r) for r in conn.execute("SELECT * FROM ui_events ORDER BY seq")]

    def devices(self) -> list[dict[str, Any]]:
        with sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True, timeout=30) as conn:
            conn.row_factory = sqlite3.Row
            return [dict(r) for r in conn.execute("SELECT * FROM devices ORDER BY created_at")]


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

    def enroll(self, collector: RealCollector, consent: bool = True) -> None:
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

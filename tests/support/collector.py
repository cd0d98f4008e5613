"""A real collector: `taskloom serve` as a subprocess on a free loopback port, and the
`taskloom` admin commands against its database, run as a user would."""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx

from tests.support.ports import free_port

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
TASKLOOM = str(BIN / "taskloom")
TASKLOOM_AGENT = str(BIN / "taskloom-agent")


def home_env(home: Path) -> dict[str, str]:
    """Environment variables that make ``home`` a separate user (platformdirs follows them)."""
    return {
        "HOME": str(home),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        "XDG_STATE_HOME": str(home / ".local" / "state"),
    }


def run_cli(db: str, *args: str, check: bool = True, env: dict[str, str] | None = None,
            ) -> subprocess.CompletedProcess[str]:
    """Run `taskloom ARGS --db DB` as a user would."""
    out = subprocess.run([TASKLOOM, *args, "--db", db], capture_output=True, text=True,
                         cwd=ROOT, timeout=120, env={**os.environ, **(env or {})})
    if check and out.returncode != 0:
        raise AssertionError(f"taskloom {' '.join(args)} failed ({out.returncode}): {out.stderr}")
    return out


class LiveCollector:
    """`taskloom serve` over ``db`` (default: a SQLite file in ``workdir``) on a free
    loopback port, in its own HOME; ``env`` adds TASKLOOM_* settings.

    ``study`` (with ``settings``) is the study ``setup_study`` creates and
    ``enrollment_token`` hands out tokens for.
    """

    def __init__(self, db: str | None, workdir: Path, env: dict[str, str] | None = None, *,
                 study: str = "agent-study", settings: dict[str, Any] | None = None) -> None:
        workdir.mkdir(parents=True, exist_ok=True)
        self.workdir = workdir
        self.db_path = workdir / "collector.sqlite3"
        self.db = db or f"sqlite:///{self.db_path}"
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.study = study
        self.settings = settings
        self.env = {**os.environ, **home_env(workdir / "home"), "TASKLOOM_DB": self.db, **(env or {})}
        self.log_path = workdir / f"serve-{self.port}.log"
        self.proc: subprocess.Popen[bytes] | None = None

    # ---- the process

    def start(self, timeout: float = 60) -> LiveCollector:
        """Start serving; return once it says it listens (AssertionError with its log if not)."""
        seen = self.log_path.read_text(errors="replace").count("listening on http://") \
            if self.log_path.exists() else 0
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(
                [TASKLOOM, "serve", "--db", self.db, "--host", "127.0.0.1", "--port", str(self.port)],
                stdout=log, stderr=subprocess.STDOUT, cwd=ROOT, env=self.env)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"taskloom serve exited: {self._log_tail()}")
            text = self.log_path.read_text(errors="replace")
            if len(re.findall(r"listening on http://", text)) > seen:
                return self
            time.sleep(0.1)
        raise AssertionError(f"taskloom serve did not start: {self._log_tail()}")

    def _log_tail(self) -> str:
        return self.log_path.read_text(errors="replace")[-3000:]

    def kill(self) -> None:
        """SIGKILL: the server dies wherever it is."""
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

    # ---- as an admin and as an agent

    def admin(self, *args: str) -> str:
        """Run a `taskloom` admin command against this collector's database; its stdout."""
        return run_cli(self.db, *args, env=self.env).stdout

    def setup_study(self) -> None:
        args = ["study", "create", self.study]
        if self.settings is not None:
            args += ["--settings", json.dumps(self.settings)]
        self.admin(*args)

    def enrollment_token(self, study: str | None = None) -> str:
        out = self.admin("device", "token", "--study", study or self.study)
        return out.strip().splitlines()[-1].strip()

    def client(self, token: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=60)

    def enroll(self, study: str, hostname: str = "ws-1") -> dict[str, Any]:
        """A freshly enrolled device of ``study`` (through the API, as an agent does)."""
        token = self.enrollment_token(study)
        with self.client() as c:
            r = c.post("/api/v1/agent/enroll", json={"enrollment_token": token, "hostname": hostname})
        assert r.status_code == 200, r.text
        return dict(r.json())

    # ---- what is stored (read-only, straight from the SQLite file)

    def _read(self, sql: str) -> list[sqlite3.Row]:
        assert self.db == f"sqlite:///{self.db_path}", "direct reads need the default SQLite file"
        with sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True, timeout=30) as conn:
            conn.row_factory = sqlite3.Row
            return list(conn.execute(sql))

    def delivered(self) -> Counter[str]:
        """How many stored rows each event id has in the collector's database."""
        rows = self._read("SELECT event_id, COUNT(*) AS n FROM ui_events GROUP BY event_id")
        return Counter({str(r["event_id"]): int(r["n"]) for r in rows})

    def rows(self) -> list[dict[str, Any]]:
        return [dict(r) for r in self._read("SELECT * FROM ui_events ORDER BY seq")]

    def devices(self) -> list[dict[str, Any]]:
        return [dict(r) for r in self._read("SELECT * FROM devices ORDER BY created_at")]

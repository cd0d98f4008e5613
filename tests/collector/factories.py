"""Test data and a real collector process for the collector tests (one place, reused)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import httpx

from taskloom.agent.protocol import format_ts
from tests.conftest import ROOT, free_port

TASKLOOM = str(Path(sys.executable).parent / "taskloom")
BASE_TS = 1_767_261_600_000  # 2026-01-01T10:00:00Z


def wire_event(seq: int, **fields: Any) -> dict[str, Any]:
    """One valid wire event (a click) with a fresh event id."""
    event: dict[str, Any] = {
        "event_id": str(uuid.uuid4()), "seq": seq, "ts": format_ts(BASE_TS + 1000 * seq),
        "kind": "click", "user": "u#1a2b3c4d", "app": "ehr-client", "title": "Chart — NHS#0f0f0f0f",
        "element": "button:Save", "button": "left", "x": 105, "y": 47, "attrs": {"n": seq},
    }
    event.update(fields)
    return event


def wire_batch(n: int, start_seq: int = 0, **fields: Any) -> list[dict[str, Any]]:
    """``n`` valid events with consecutive sequence numbers."""
    return [wire_event(start_seq + i, **fields) for i in range(n)]


def run_cli(db: str, *args: str, check: bool = True, env: dict[str, str] | None = None,
            ) -> subprocess.CompletedProcess[str]:
    """Run `taskloom ARGS --db DB` as a user would."""
    out = subprocess.run([TASKLOOM, *args, "--db", db], capture_output=True, text=True,
                         cwd=ROOT, timeout=120, env={**os.environ, **(env or {})})
    if check and out.returncode != 0:
        raise AssertionError(f"taskloom {' '.join(args)} failed ({out.returncode}): {out.stderr}")
    return out


class LiveCollector:
    """`taskloom serve` as a subprocess on a free loopback port."""

    def __init__(self, db: str, workdir: Path, env: dict[str, str] | None = None) -> None:
        self.db = db
        self.workdir = workdir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, **(env or {})}
        self.log_path = workdir / f"serve-{self.port}.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 60) -> LiveCollector:
        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen(
                [TASKLOOM, "serve", "--db", self.db, "--host", "127.0.0.1", "--port", str(self.port)],
                stdout=log, stderr=subprocess.STDOUT, cwd=ROOT, env=self.env)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"taskloom serve exited: {self.log_path.read_text()[-3000:]}")
            if re.search(r"listening on http://", self.log_path.read_text(errors="replace")):
                return self
            time.sleep(0.1)
        raise AssertionError(f"taskloom serve did not start: {self.log_path.read_text()[-3000:]}")

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

    def client(self, token: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=60)

    def enroll(self, study: str, hostname: str = "ws-1") -> dict[str, Any]:
        """A freshly enrolled device of ``study`` (through the API, as an agent does)."""
        token = run_cli(self.db, "device", "token", "--study", study).stdout.strip().splitlines()[-1]
        with self.client() as c:
            r = c.post("/api/v1/agent/enroll", json={"enrollment_token": token, "hostname": hostname})
        assert r.status_code == 200, r.text
        return dict(r.json())

"""Smoke test: the task-mining benchmark runs small and prints its ratio lines."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_bench_tasks_quick_prints_ratios() -> None:
    proc = subprocess.run([sys.executable, str(ROOT / "tests/bench/bench_tasks.py"), "--quick"],
                          capture_output=True, text=True, timeout=300, cwd=ROOT)
    assert proc.returncode == 0, proc.stderr
    assert "ratio time peer/taskloom:" in proc.stdout
    assert "ratio ARI taskloom/peer:" in proc.stdout
    assert "peak RSS" in proc.stdout

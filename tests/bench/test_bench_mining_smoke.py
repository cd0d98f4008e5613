"""Smoke test: the mining benchmark runs with --quick and prints its ratio lines."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).with_name("bench_mining.py")


def test_bench_mining_quick_prints_ratios(shared_data: Path) -> None:
    pytest.importorskip("pm4py")
    proc = subprocess.run([sys.executable, str(SCRIPT), "--quick"], capture_output=True,
                          text=True, timeout=600, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    lines = proc.stdout.splitlines()
    for label in ("dfg+perf dfg+stats+variants:", "read+analyse, fresh process:",
                  "whole process `taskloom dfg --json`:"):
        hits = [line for line in lines if label in line]
        assert len(hits) == 3, (label, proc.stdout)
        assert all(" ratio " in line and line.rstrip().endswith("x") for line in hits)
    assert any("memory" in line for line in lines)

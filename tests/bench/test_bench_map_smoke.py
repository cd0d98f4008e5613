"""Smoke test: the map re-render benchmark runs with --quick and prints its ratio lines."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.bench.bench_map import SLIDERS

SCRIPT = Path(__file__).with_name("bench_map.py")


def test_bench_map_quick_prints_ratios(shared_data: Path) -> None:
    pytest.importorskip("pm4py")
    proc = subprocess.run([sys.executable, str(SCRIPT), "--quick"], capture_output=True,
                          text=True, timeout=600, check=False)
    assert proc.returncode == 0, proc.stderr[-2000:]
    lines = proc.stdout.splitlines()
    assert sum("taskloom" in line and "% arcs" in line for line in lines) == len(SLIDERS)
    summary = [line for line in lines if line.strip().startswith("slider change,")]
    assert len(summary) == 1 and summary[0].rstrip().endswith("x")
    assert any(line.strip().startswith("goal < 50 ms per slider change:") for line in lines)
    assert "DFG discovery (once)" in proc.stdout

"""Smoke test: the map re-render benchmark runs with --quick and prints its ratio lines."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.bench.bench_map import SLIDERS
from tests.bench.quick import run_quick


def test_bench_map_quick_prints_ratios(shared_data: Path) -> None:
    pytest.importorskip("pm4py")
    lines = run_quick("bench_map.py")
    assert sum("taskloom" in line and "% arcs" in line for line in lines) == len(SLIDERS)
    summary = [line for line in lines if line.strip().startswith("slider change,")]
    assert len(summary) == 1 and summary[0].rstrip().endswith("x")
    assert any(line.strip().startswith("goal < 50 ms per slider change:") for line in lines)
    assert any("DFG discovery (once)" in line for line in lines)

"""Smoke test: the two-level benchmark runs with --quick and prints its figures and ratios."""

from __future__ import annotations

import pytest

from tests.bench.quick import run_quick


def test_bench_twolevel_quick_prints_ratios() -> None:
    pytest.importorskip("pm4py")
    lines = run_quick("bench_twolevel.py")
    assert lines[0].startswith("[merged log]") and "task rows" in lines[0]
    assert any(line.strip() == "case-level DFG equals pm4py's: True" for line in lines)
    ratios = [line for line in lines if line.strip().startswith("ratio pm4py")]
    assert len(ratios) == 2 and all(line.rstrip().endswith("x") for line in ratios)
    assert any("model + SVG" in line and "peak" in line for line in lines)

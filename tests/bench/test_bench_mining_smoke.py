"""Smoke test: the mining benchmark runs with --quick and prints its ratio lines."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.bench.quick import run_quick


def test_bench_mining_quick_prints_ratios(shared_data: Path) -> None:
    pytest.importorskip("pm4py")
    lines = run_quick("bench_mining.py")
    for label in ("dfg+perf dfg+stats+variants:", "read+analyse, fresh process:",
                  "whole process `taskloom dfg --json`:"):
        hits = [line for line in lines if label in line]
        assert len(hits) == 3, (label, lines)
        assert all(" ratio " in line and line.rstrip().endswith("x") for line in hits)
    assert any("memory" in line for line in lines)

"""Smoke tests: the discovery, conformance and prediction benchmarks run with --quick."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.bench.quick import run_quick


def test_bench_discovery_quick_prints_ratios(shared_data: Path) -> None:
    pytest.importorskip("pm4py")
    lines = run_quick("bench_discovery.py")
    for label in ("IM:", "IMf 0.2:", "IMd:"):
        hits = [line for line in lines if line.strip().startswith(label)]
        assert len(hits) == 2 and all(" ratio " in h and h.endswith("same tree yes") for h in hits)
    assert sum("fitness taskloom" in line and "precision taskloom" in line for line in lines) == 2


def test_bench_conformance_quick_prints_ratios(shared_data: Path) -> None:
    pytest.importorskip("pm4py")
    lines = run_quick("bench_conformance.py")
    assert sum(" token replay: " in line and line.endswith("identical") for line in lines) == 2
    assert sum(" precision: " in line and line.endswith("identical") for line in lines) == 2
    aligned = [line for line in lines if " alignments (" in line]
    assert len(aligned) == 2 and all(" ratio " in a and "differ in 0 of" in a for a in aligned)


def test_bench_prediction_quick_prints_baselines(shared_data: Path) -> None:
    lines = run_quick("bench_prediction.py")
    assert len(lines) == 2
    assert all("most frequent" in line or "mean per state" in line for line in lines)
    assert all("beats both baselines:" in line for line in lines)

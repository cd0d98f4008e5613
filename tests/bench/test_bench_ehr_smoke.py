"""Smoke test: the EHR-metrics benchmark runs small, agrees with its peer and prints its ratios."""

from __future__ import annotations

from tests.bench.quick import run_quick


def test_bench_ehr_quick_prints_ratios() -> None:
    out = "\n".join(run_quick("bench_ehr.py", timeout=300))
    assert "ratio time peer/taskloom (per event, wall):" in out
    assert "ratio peak RSS peer/taskloom:" in out
    assert "EHR hours per clinician-week agree" in out

"""Smoke test: the linking benchmark runs small and prints its ratio lines."""

from __future__ import annotations

from tests.bench.quick import run_quick


def test_bench_link_quick_prints_ratios() -> None:
    out = "\n".join(run_quick("bench_link.py", timeout=300))
    assert "ratio time peer/taskloom:" in out
    assert "ratio precision taskloom/peer:" in out
    assert "peak RSS" in out

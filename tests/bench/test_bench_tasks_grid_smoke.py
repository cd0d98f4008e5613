"""Smoke test: the task-recognition grid benchmark runs small and prints its summary lines."""

from __future__ import annotations

from tests.bench.quick import run_quick


def test_bench_tasks_grid_quick_prints_means_and_ratios() -> None:
    out = "\n".join(run_quick("bench_tasks_grid.py", timeout=600))
    assert "taskloom: mean type ARI" in out
    assert "ratio mean ARI taskloom/baseline:" in out
    assert "ratio mean ARI taskloom/previous:" in out

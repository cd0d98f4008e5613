"""The ingest benchmark still runs (its --quick mode) and prints its ratio lines."""

from __future__ import annotations

import pytest

from tests.bench.quick import run_quick


@pytest.mark.slow
def test_bench_ingest_quick_prints_ratios() -> None:
    lines = run_quick("bench_ingest.py", timeout=300)
    assert any(line.startswith("sqlite") and "ratio direct/taskloom" in line for line in lines), lines
    assert any(line.startswith("sqlite") and "events/s" in line and "p99" in line for line in lines)

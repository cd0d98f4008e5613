"""The XES import benchmark runs in --quick mode and prints its ratio lines."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.bench.quick import run_quick


@pytest.mark.slow
def test_bench_xes_import_quick(shared_data: Path) -> None:
    pytest.importorskip("pm4py")
    out = "\n".join(run_quick("bench_xes_import.py", timeout=300))
    assert "taskloom" in out and "pm4py-rustxes" in out and "pm4py-iterparse" in out
    assert "ratio pm4py-rustxes/taskloom: time" in out
    assert "ratio pm4py-iterparse/taskloom: time" in out
    assert "events 42" in out

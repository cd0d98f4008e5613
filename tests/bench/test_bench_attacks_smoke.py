"""The attack benchmark still runs (its --quick mode) and prints its figures."""

from __future__ import annotations

import pytest

from tests.bench.quick import run_quick


@pytest.mark.slow
def test_bench_attacks_quick_prints_peaks() -> None:
    lines = run_quick("bench_attacks.py", timeout=600)
    unauth = [line for line in lines if line.startswith("1 no token")]
    assert len(unauth) == 9 and all("peak" in line for line in unauth), lines
    assert any(line.startswith("2 ratio peak growth uncapped/capped") for line in lines), lines
    assert any(line.startswith("3 gzip bomb") for line in lines), lines
    rounds = [line for line in lines if line.startswith("4 round")]
    assert len(rounds) == 2 and all("valid request during it: 200" in line for line in rounds), lines

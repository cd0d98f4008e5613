"""Smoke test: the console browser benchmark runs with --quick and prints its lines."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.bench.quick import run_quick


@pytest.mark.browser
def test_bench_console_quick_prints_goals_and_peers(shared_data: Path) -> None:
    if not Path("/usr/bin/chromium").exists():
        pytest.skip("no chromium; .ci/run installs Debian's chromium")
    lines = run_quick("bench_console.py")
    assert sum(line.startswith("[08_receipt") for line in lines) == 2
    assert sum("map page ready after navigation: cold" in line for line in lines) == 2
    assert sum("redraw in the browser: p50" in line for line in lines) == 2
    assert sum(line.strip().startswith("peer 1,") and line.rstrip().endswith("x") for line in lines) == 2
    assert sum(line.strip().startswith("peer 2,") and line.rstrip().endswith("x") for line in lines) == 2
    assert sum("BPMN view (IMf, noise 0.2): switch" in line for line in lines) == 2

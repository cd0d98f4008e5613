"""The ingest benchmark still runs (its --quick mode) and prints its ratio lines."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).with_name("bench_ingest.py")


@pytest.mark.slow
def test_bench_ingest_quick_prints_ratios() -> None:
    out = subprocess.run([sys.executable, str(BENCH), "--quick"], capture_output=True, text=True,
                         timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    lines = out.stdout.splitlines()
    assert any(line.startswith("sqlite") and "ratio direct/taskloom" in line for line in lines), out.stdout
    assert any(line.startswith("sqlite") and "events/s" in line and "p99" in line for line in lines)

"""The XES import benchmark runs in --quick mode and prints its ratio lines."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).with_name("bench_xes_import.py")


@pytest.mark.slow
def test_bench_xes_import_quick(shared_data):
    pytest.importorskip("pm4py")
    out = subprocess.run([sys.executable, str(SCRIPT), "--quick"], capture_output=True,
                         text=True, check=True, timeout=300).stdout
    assert "taskloom" in out and "pm4py-rustxes" in out and "pm4py-iterparse" in out
    assert "ratio pm4py-rustxes/taskloom: time" in out
    assert "ratio pm4py-iterparse/taskloom: time" in out
    assert "events 42" in out

"""The agent benchmark runs in --quick mode and prints its ratio and goal lines."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.bench.quick import run_quick

pytestmark = [pytest.mark.xvfb, pytest.mark.slow]


def test_bench_agent_quick() -> None:
    for tool in ("Xvfb", "xdotool", "openbox"):
        if shutil.which(tool) is None:
            pytest.skip(f"{tool} is not installed")
    serve = subprocess.run([str(Path(sys.executable).parent / "taskloom"), "serve", "--help"],
                           capture_output=True, text=True)
    if serve.returncode != 0:
        pytest.skip("the collector's `taskloom serve` is not available in this tree yet")
    lines = run_quick("bench_agent.py", timeout=300)
    for rate in (2, 50):
        assert any(line.startswith(f"ratio peer/taskloom at {rate} ev/s: cpu ") for line in lines)
        assert any(line.startswith(f"ratio pynput-agent/taskloom at {rate} ev/s: cpu ") for line in lines)
        assert any(line.startswith(f"goal at {rate} ev/s: CPU ") for line in lines)

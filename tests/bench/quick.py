"""Run a benchmark script in its --quick mode, as the smoke tests do."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parents[1]


def run_quick(script: str, timeout: float = 600) -> list[str]:
    """Run ``tests/bench/SCRIPT --quick`` from the repository root; its stdout lines.

    Fails with the end of stderr when the script does not exit 0.
    """
    proc = subprocess.run([sys.executable, str(BENCH_DIR / script), "--quick"], cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return proc.stdout.splitlines()

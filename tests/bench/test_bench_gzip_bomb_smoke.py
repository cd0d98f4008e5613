"""The gzip-bomb benchmark runs in --quick mode and prints its figures and ratios."""

from __future__ import annotations

from tests.bench.quick import run_quick


def test_bench_gzip_bomb_quick() -> None:
    out = "\n".join(run_quick("bench_gzip_bomb.py", timeout=600))
    assert "bomb: comment padding" in out and "bomb: spaces padding" in out
    assert "ratio inflate-whole/taskloom: peak RSS" in out
    assert "taskloom         peak RSS" in out

"""Benchmark: the two-level model and its SVG on a large merged log.

    .venv/bin/python tests/bench/bench_twolevel.py [--quick]

A merged log (tests/mining/merged_factory.py, the contract's columns) with ~100k system
events and ~1M task rows: ``two_level_model`` (case-level DFG, desk work per activity, the
unattributed group, one expanded activity's task map) plus ``render_two_level_svg``, and
the per-case / per-activity summaries. Time is CPU time of one run after a warm-up on a
small log; memory is the peak of Python allocations (tracemalloc, which numpy and pandas
report to) during a second, traced run.

Peer in the same run: pm4py's ``discover_dfg`` on the case level of the same log (the
system events only), i.e. only the first of the things taskloom does here. Ratios are
pm4py / taskloom: above 1 means taskloom is faster. --quick uses ~5k system events.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import resource
import sys
import time
import tracemalloc
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
T = TypeVar("T")


def wall(fn: Callable[[], T]) -> tuple[T, float]:
    """(result, CPU seconds of this process): the machine is shared, CPU time is what each
    library actually spends."""
    t = time.process_time()
    out = fn()
    return out, time.process_time() - t


def peak_mb(fn: Callable[[], Any]) -> float:
    """Peak traced allocation (MB) while ``fn`` runs."""
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1] / 1e6
    finally:
        tracemalloc.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="~5k system events, ~50k task rows")
    args = parser.parse_args()
    os.environ.setdefault("PM4PY_SHOW_PROGRESS_BAR", "False")
    warnings.simplefilter("ignore")
    with contextlib.redirect_stdout(io.StringIO()):
        import pm4py  # prints a banner on import

    from taskloom.mining.dfg import discover_dfg
    from taskloom.mining.render.nested import render_two_level_svg
    from taskloom.mining.twolevel import activity_summary, case_summary, two_level_model
    from tests.mining.merged_factory import merged_log

    n_cases = 1_100 if args.quick else 22_200   # ~4.5 system events per case
    merged, t_make = wall(lambda: merged_log(n_cases=n_cases, seed=1, tasks_per_event=13.3,
                                             unattributed=n_cases * 2, case_only=n_cases // 2))
    system = merged[merged["level"] == "case"]
    n_sys, n_task = len(system), len(merged) - len(system)
    print(f"[merged log] {n_sys:,} system events, {n_task:,} task rows, {len(merged):,} rows "
          f"(generated in {t_make:.1f} s)")

    def ours() -> str:
        model = two_level_model(merged, expand=["Triage"])
        return render_two_level_svg(model)

    def ours_model() -> Any:
        return two_level_model(merged, expand=["Triage"])

    small = merged_log(n_cases=50, seed=2)
    render_two_level_svg(two_level_model(small, expand=["Triage"]))   # warm imports and caches
    case_frame = system[["case:concept:name", "concept:name", "time:timestamp"]].copy()
    pm4py.discover_dfg(case_frame.head(1000))

    model, t_model = wall(ours_model)
    svg, t_svg = wall(lambda: render_two_level_svg(model))
    _, t_summary = wall(lambda: (case_summary(merged), activity_summary(merged)))
    (p_dfg, _, _), t_peer = wall(lambda: pm4py.discover_dfg(case_frame))
    _, t_case_dfg = wall(lambda: discover_dfg(case_frame))
    m_ours = peak_mb(ours)
    m_summary = peak_mb(lambda: (case_summary(merged), activity_summary(merged)))
    m_peer = peak_mb(lambda: pm4py.discover_dfg(case_frame))

    same = {(s, t): int(f) for s, t, f in zip(model.full.edges["source"], model.full.edges["target"],
                                               model.full.edges["frequency"], strict=True)} == \
        {(str(a), str(b)): int(v) for (a, b), v in p_dfg.items()}
    total = t_model + t_svg
    print(f"  case-level DFG equals pm4py's: {same}")
    print(f"  two-level model (DFG, desk work, unattributed, 1 expanded): {t_model:.2f} s  "
          f"SVG: {t_svg * 1000:.0f} ms ({len(svg) / 1024:.0f} KiB)  model + SVG {total:.2f} s  "
          f"peak {m_ours:.0f} MB")
    print(f"  case + activity summaries: {t_summary:.2f} s  peak {m_summary:.0f} MB")
    print(f"  pm4py discover_dfg on the case level only: {t_peer:.2f} s  peak {m_peer:.0f} MB")
    print(f"  taskloom discover_dfg on the case level only: {t_case_dfg:.2f} s  "
          f"ratio pm4py / taskloom {t_peer / max(t_case_dfg, 1e-9):.2f}x")
    print(f"  ratio pm4py case-level DFG / taskloom model + SVG (time): {t_peer / total:.2f}x")
    print(f"  ratio pm4py case-level DFG / taskloom model + SVG (peak memory): {m_peer / max(m_ours, 1e-9):.2f}x")
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"  process max RSS (log in memory, generator, pm4py and both runs): {rss:.0f} MB")


if __name__ == "__main__":
    main()

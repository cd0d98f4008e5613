"""Benchmark: re-rendering the process map for a slider change, DFG already computed.

    .venv/bin/python tests/bench/bench_map.py [--quick]

On a ~1M-event log (bpic2012 with every case replicated 4 times, new ids, shifted
times; the same file bench_xes_import.py builds) the DFG is discovered once; then each
nodes/arcs slider setting is applied to that DFG and the map drawn to SVG
(``abstract_dfg`` + ``render_svg``, the layout cache emptied first so every change pays
for a fresh Sugiyama layout). Goal: under 50 ms per change.

Peer in the same run: pm4py's own DFG sliders (``filter_dfg_on_activities_percentage``
+ ``filter_dfg_on_paths_percentage``) and its DFG visualizer building the Graphviz
document (``dfg_visualizer.apply(...).source``). pm4py needs the Graphviz ``dot``
binary to lay the graph out and draw SVG; it is not installed here, so the peer's time
excludes layout and drawing, i.e. it does LESS work than taskloom. Ratios are
pm4py / taskloom. --quick uses 08_receipt x4 and takes seconds.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import statistics
import sys
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT.parent / "shared" / "data"
sys.path.insert(0, str(ROOT))

SLIDERS = [(nodes, arcs) for nodes in (100.0, 80.0, 60.0, 40.0) for arcs in (100.0, 50.0, 25.0, 10.0)]


def ours_change(dfg: Any, nodes: float, arcs: float) -> str:
    """One slider change in taskloom: abstraction + fresh layout + SVG."""
    from taskloom.mining.abstraction import abstract_dfg
    from taskloom.mining.render import layout as layout_module
    from taskloom.mining.render import render_svg

    layout_module._CACHE.clear()  # a new slider position: no cached layout to reuse
    return render_svg(abstract_dfg(dfg, nodes, arcs), overlay="frequency")


def pm4py_change(dfg: dict[tuple[str, str], int], start: dict[str, int], end: dict[str, int],
                 acts: dict[str, int], nodes: float, arcs: float) -> str:
    """The same slider change with pm4py: its DFG filters, then the Graphviz source."""
    from pm4py.algo.filtering.dfg import dfg_filtering
    from pm4py.visualization.dfg import visualizer as dfg_visualizer

    d, s, e, a = dfg_filtering.filter_dfg_on_activities_percentage(dfg, start, end, acts, nodes / 100)
    d, s, e, a = dfg_filtering.filter_dfg_on_paths_percentage(d, s, e, a, arcs / 100)
    gviz = dfg_visualizer.apply(d, activities_count=a, parameters={"start_activities": s, "end_activities": e,
                                                                   "format": "svg"})
    return str(gviz.source)


def timed(fn: Callable[[], object]) -> float:
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


def big_log(quick: bool, tmp: Path) -> Path:
    """The ~1M-event log (cached like bench_xes_import's), or 08_receipt x4 with --quick."""
    from tests.bench.bench_xes_import import build_big, cached_big

    if quick:
        path = tmp / "receipt_x4.xes.gz"
        build_big(DATA / "08_receipt.xes.gz", 4, path)
        return path
    return cached_big()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="08_receipt x4, a few seconds")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    with contextlib.redirect_stdout(io.StringIO()):
        import pm4py  # prints a banner on import

    from taskloom.mining.dfg import discover_dfg
    from taskloom.mining.io import read_log

    with tempfile.TemporaryDirectory(prefix="bench_map_") as tmp:
        path = big_log(args.quick, Path(tmp))
        log = read_log(path)
        t0 = time.perf_counter()
        dfg = discover_dfg(log)
        t_dfg = time.perf_counter() - t0
        with contextlib.redirect_stderr(io.StringIO()):
            df = pm4py.read_xes(str(path))
        t0 = time.perf_counter()
        p_dfg, p_start, p_end = pm4py.discover_dfg(df)
        p_acts = {str(k): int(v) for k, v in df["concept:name"].value_counts().items()}
        t_pdfg = time.perf_counter() - t0
    print(f"[{path.name}] {len(log):,} events, {len(dfg.nodes)} nodes, {len(dfg.edges)} arcs")
    print(f"  DFG discovery (once): taskloom {t_dfg * 1000:.0f} ms  pm4py {t_pdfg * 1000:.0f} ms  "
          f"ratio {t_pdfg / t_dfg:.1f}x")
    ours_change(dfg, 100.0, 100.0)  # warm imports on both sides
    pm4py_change(p_dfg, p_start, p_end, p_acts, 100.0, 100.0)
    ours_ms, peer_ms = [], []
    for nodes, arcs in SLIDERS:
        ours_ms.append(1000 * timed(lambda n=nodes, a=arcs: ours_change(dfg, n, a)))  # type: ignore[misc]
        peer_ms.append(1000 * timed(lambda n=nodes, a=arcs:  # type: ignore[misc]
                                    pm4py_change(p_dfg, p_start, p_end, p_acts, n, a)))
    for (nodes, arcs), o, p in zip(SLIDERS, ours_ms, peer_ms, strict=True):
        print(f"  nodes {nodes:5.1f}% arcs {arcs:5.1f}%: taskloom {o:7.1f} ms  pm4py (no layout) {p:7.1f} ms")
    med_o, med_p = statistics.median(ours_ms), statistics.median(peer_ms)
    print(f"  slider change, abstraction + layout + SVG: taskloom median {med_o:.1f} ms max {max(ours_ms):.1f} ms  "
          f"pm4py filters + Graphviz source (no layout) median {med_p:.1f} ms  ratio {med_p / med_o:.2f}x")
    verdict = "met" if max(ours_ms) < 50 else "MISSED"
    print(f"  goal < 50 ms per slider change: {verdict} (worst {max(ours_ms):.1f} ms over {len(SLIDERS)} changes)")


if __name__ == "__main__":
    main()

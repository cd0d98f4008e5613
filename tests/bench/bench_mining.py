"""Benchmark: taskloom's process-mining core vs pm4py, in the same run.

    .venv/bin/python tests/bench/bench_mining.py [--quick]

For bpic2012 (262k events) and a ~1M-event log built from it (cases replicated with
new ids and shifted times): DFG + performance DFG + statistics + variants in process;
peak memory of each side in a fresh subprocess (VmHWM, else ru_maxrss: read + analyse); and the
whole `taskloom dfg BIG.xes.gz --json` process vs the same work scripted with pm4py.
Prints seconds and ratios (pm4py / taskloom). --quick uses running-example and
08_receipt (a few seconds). pm4py is AGPL: used here as a peer only.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
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

# The work of `taskloom dfg LOG --json` scripted with pm4py: read (pm4py's default reader,
# which is rustxes when installed, as here), DFG with start/end, performance DFG (mean and
# median per arc), events and cases per activity, one JSON document on stdout.
PM4PY_SCRIPT = """
import json, sys, warnings
warnings.simplefilter('ignore')
import pm4py
df = pm4py.read_xes(sys.argv[1])
freq, start, end = pm4py.discover_dfg(df)
perf, _, _ = pm4py.discover_performance_dfg(df)
acts = df.groupby('concept:name')['case:concept:name'].agg(['size', 'nunique'])
doc = {'nodes': [{'name': a, 'frequency': int(r['size']), 'cases': int(r['nunique'])} for a, r in acts.iterrows()],
       'edges': [{'source': s, 'target': t, 'frequency': int(f), 'mean_s': float(perf[(s, t)]['mean']),
                  'median_s': float(perf[(s, t)]['median'])} for (s, t), f in freq.items()],
       'start': {k: int(v) for k, v in start.items()}, 'end': {k: int(v) for k, v in end.items()}}
sys.stdout.write(json.dumps(doc) + '\\n')
"""


def ours_all(log: Any) -> None:
    """taskloom: DFG (with durations), statistics, variants."""
    from taskloom.mining.dfg import discover_dfg
    from taskloom.mining.stats import log_stats
    from taskloom.mining.variants import variants_table

    discover_dfg(log)
    log_stats(log)
    variants_table(log)


def pm4py_all(df: Any) -> None:
    """pm4py: DFG, performance DFG, statistics (cases, events, activities, durations), variants."""
    import pm4py

    pm4py.discover_dfg(df)
    pm4py.discover_performance_dfg(df)
    df["case:concept:name"].nunique()
    df["concept:name"].nunique()
    pm4py.get_all_case_durations(df)
    pm4py.get_variants(df)


def best_of(fn: Callable[[], None], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def child(side: str, path: str) -> None:
    """Fresh process: read + analyse, print seconds and peak RSS as JSON."""
    warnings.simplefilter("ignore")
    t = time.perf_counter()
    if side == "taskloom":
        from taskloom.mining.io import read_log

        ours_all(read_log(path))
    else:
        import pm4py

        pm4py_all(pm4py.read_xes(path))
    print(json.dumps({"seconds": time.perf_counter() - t, "maxrss_mb": peak_rss_mb()}))


def peak_rss_mb() -> float:
    """This process's peak RSS: VmHWM (ru_maxrss on Linux keeps the forking parent's peak)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def run_child(side: str, path: Path) -> dict[str, float]:
    out = subprocess.run([sys.executable, __file__, "--child", side, str(path)],
                         capture_output=True, text=True, check=True, cwd=ROOT)
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def whole_process(cmd: list[str]) -> float:
    t = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True, cwd=ROOT)
    return time.perf_counter() - t


def bench_log(label: str, path: Path, repeat: int) -> None:
    import pm4py

    from taskloom.mining.io import read_log

    warnings.simplefilter("ignore")
    ours_log = read_log(path)
    their_log = pm4py.read_xes(str(path))
    t_ours = best_of(lambda: ours_all(ours_log), repeat)
    t_pm = best_of(lambda: pm4py_all(their_log), repeat)
    print(f"[{label}] {len(ours_log):,} events, {ours_log['case:concept:name'].nunique():,} cases")
    print(f"  dfg+perf dfg+stats+variants: taskloom {t_ours:.3f}s  pm4py {t_pm:.3f}s  "
          f"ratio {t_pm / t_ours:.1f}x")
    mo, mp = run_child("taskloom", path), run_child("pm4py", path)
    print(f"  read+analyse, fresh process: taskloom {mo['seconds']:.2f}s {mo['maxrss_mb']:.0f} MB  "
          f"pm4py {mp['seconds']:.2f}s {mp['maxrss_mb']:.0f} MB  "
          f"ratio time {mp['seconds'] / mo['seconds']:.1f}x memory {mp['maxrss_mb'] / mo['maxrss_mb']:.2f}x")
    ours_cmd = [sys.executable, "-m", "taskloom.server.cli", "dfg", str(path), "--json"]
    pm_cmd = [sys.executable, "-c", PM4PY_SCRIPT, str(path)]
    w_ours, w_pm = whole_process(ours_cmd), whole_process(pm_cmd)
    print(f"  whole process `taskloom dfg --json`: taskloom {w_ours:.2f}s  pm4py script {w_pm:.2f}s  "
          f"ratio {w_pm / w_ours:.1f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small logs, a few seconds")
    parser.add_argument("--child", nargs=2, metavar=("SIDE", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    warnings.simplefilter("ignore")
    if args.quick:
        base, copies, repeat = DATA / "08_receipt.xes.gz", 4, 3
        bench_log("running-example", DATA / "running-example.xes", repeat)
    else:
        base, copies, repeat = DATA / "bpic2012.xes.gz", 4, 2
    bench_log(base.name, base, repeat)
    from tests.bench.bench_xes_import import build_big, cached_big

    with tempfile.TemporaryDirectory(prefix="bench_mining_") as tmp:
        if args.quick:
            big = Path(tmp) / "BIG.xes.gz"
            build_big(base, copies, big)
        else:
            big = cached_big()  # the same ~1M-event file the XES import benchmark uses
        bench_log(f"{base.name} x{copies}", big, 1 if not args.quick else repeat)


if __name__ == "__main__":
    main()

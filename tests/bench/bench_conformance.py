"""Benchmark: token replay, precision and alignments of taskloom vs pm4py, per shared log, same run.

    .venv/bin/python tests/bench/bench_conformance.py [--quick] [--logs NAME ...]
        [--pm4py-align-limit SECONDS] [--budget SECONDS]

On each log's IMf 0.2 net (and, for bpic2012, its IM net as well): CPU seconds and
ratio (pm4py / taskloom) of token-replay fitness, ETConformance precision and optimal
alignments; whether fitness and precision are identical; for alignments, the cases
whose optimal cost differs where pm4py finished (must be 0) and the share of cases each
side completed (pm4py within --pm4py-align-limit seconds in all, taskloom within
--budget seconds per variant). --quick: running-example and 08_receipt (alignments on
its first 150 cases), seconds. pm4py is AGPL: used here as a peer only.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.bench.pm4py_peer import logs, timed, to_pm4py

ALL = ("running-example.xes", "08_receipt.xes.gz", "helpdesk.xes.gz", "interval_event_log.xes",
       "sepsis.csv", "hospital_log_high.xes.gz", "ui/log1.xes", "ui/log5.xes", "bpic2012.xes.gz")
QUICK = ("running-example.xes", "08_receipt.xes.gz")


def pm4py_alignments(theirs: Any, pn: Any, im: Any, fm: Any, limit: float) -> list[Any]:
    from pm4py.algo.conformance.alignments.petri_net import algorithm as ali

    params = {ali.Parameters.PARAM_MAX_ALIGN_TIME: limit, "show_progress_bar": False}
    return list(ali.apply(theirs, pn, im, fm, parameters=params))


def bench_net(label: str, ours: Any, theirs: Any, net: Any, args: argparse.Namespace,
              align_cases: int | None) -> None:
    import pm4py

    from taskloom.mining.columns import CASE
    from taskloom.mining.conformance.alignments import alignments
    from taskloom.mining.conformance.precision import precision
    from taskloom.mining.conformance.token_replay import token_replay
    from taskloom.mining.conformance.traces import log_variants

    pn, im, fm = to_pm4py(net)
    r, t_ours = timed(lambda: token_replay(ours, net))
    f, t_pm = timed(lambda: pm4py.fitness_token_based_replay(theirs, pn, im, fm))
    same = abs(r.log_fitness - f["log_fitness"]) < 1e-12
    print(f"  {label} token replay: taskloom {t_ours:.2f}s  pm4py {t_pm:.2f}s  ratio {t_pm / t_ours:.1f}x  "
          f"fitness {r.log_fitness:.4f} {'identical' if same else 'DIFFERS ' + str(f['log_fitness'])}",
          flush=True)
    if not args.skip_precision:
        p, t_ours = timed(lambda: precision(log_variants(ours), net))
        q, t_pm = timed(lambda: pm4py.precision_token_based_replay(theirs, pn, im, fm))
        print(f"  {label} precision: taskloom {t_ours:.2f}s  pm4py {t_pm:.2f}s  ratio {t_pm / t_ours:.1f}x  "
              f"precision {p:.4f} {'identical' if abs(p - q) < 1e-12 else 'DIFFERS ' + str(q)}", flush=True)
    if align_cases is not None:
        keep = set(map(str, ours[CASE].unique()[:align_cases]))
        ours = ours[ours[CASE].astype(str).isin(keep)]
        theirs = theirs[theirs[CASE].astype(str).isin(keep)]
    a, t_ours = timed(lambda: alignments(ours, net, budget_s=args.budget))
    b, t_pm = timed(lambda: pm4py_alignments(theirs, pn, im, fm, args.pm4py_align_limit))
    cases = sorted(theirs[CASE].unique())
    theirs_cost = {str(c): x["cost"] for c, x in zip(cases, b, strict=True) if x is not None}
    ours_cost = {str(c): int(k) for c, k, done in zip(a.cases["case"], a.cases["cost"],
                                                     a.cases["completed"], strict=True) if done}
    both = set(theirs_cost) & set(ours_cost)
    differ = sum(theirs_cost[c] != ours_cost[c] for c in both)
    n = len(cases)
    print(f"  {label} alignments ({n} cases): taskloom {t_ours:.2f}s  pm4py {t_pm:.2f}s  "
          f"ratio {t_pm / t_ours:.1f}x  completed taskloom {100 * len(ours_cost) / n:.1f}% "
          f"pm4py {100 * len(theirs_cost) / n:.1f}%  optimal costs differ in {differ} of {len(both)}",
          flush=True)


def bench(name: str, args: argparse.Namespace) -> None:
    from taskloom.mining.discovery import discover_net

    ours, theirs = logs(name)
    print(f"[{name}] {len(ours):,} events, {ours['case:concept:name'].nunique():,} cases", flush=True)
    sample = 150 if args.quick and name != "running-example.xes" else None
    bench_net("IMf 0.2 net", ours, theirs, discover_net(ours, 0.2), args, sample)
    if name == "bpic2012.xes.gz":
        bench_net("IM net", ours, theirs, discover_net(ours, 0.0), args, None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="two small logs, seconds")
    parser.add_argument("--logs", nargs="+", metavar="NAME", help="shared logs to run")
    parser.add_argument("--budget", type=float, default=10.0, help="taskloom: seconds per variant")
    parser.add_argument("--pm4py-align-limit", type=float, default=1800.0,
                        help="pm4py: seconds for a log's alignments")
    parser.add_argument("--skip-precision", action="store_true", help="leave precision out")
    args = parser.parse_args()
    for name in args.logs or (QUICK if args.quick else ALL):
        bench(name, args)


if __name__ == "__main__":
    main()

"""Benchmark: Inductive Miner (IM, IMf 0.2, IMd) of taskloom vs pm4py, per shared log, same run.

    .venv/bin/python tests/bench/bench_discovery.py [--quick] [--logs NAME ...]

Prints CPU seconds (best of 3 below 100k events) and ratio (pm4py / taskloom) per variant, whether the trees are equal,
and the fitness (token replay) and precision (ETConformance) of both libraries' IM nets,
each computed with taskloom's evaluators (identical to pm4py's, see the tests). --quick:
running-example and 08_receipt, seconds. pm4py is AGPL: used here as a peer only.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.bench.pm4py_peer import from_pm4py, logs, timed

ALL = ("running-example.xes", "08_receipt.xes.gz", "bpic2012.xes.gz", "helpdesk.xes.gz",
       "interval_event_log.xes", "sepsis.csv", "hospital_log_high.xes.gz", "ui/log1.xes",
       "ui/log5.xes")
QUICK = ("running-example.xes", "08_receipt.xes.gz")


def bench(name: str) -> None:
    import pm4py
    from pm4py.algo.discovery.inductive import algorithm as im

    from taskloom.mining.conformance.precision import precision
    from taskloom.mining.conformance.token_replay import token_replay
    from taskloom.mining.conformance.traces import log_variants
    from taskloom.mining.discovery.inductive import inductive_miner
    from taskloom.mining.discovery.tree_to_net import tree_to_net

    ours, theirs = logs(name)
    print(f"[{name}] {len(ours):,} events, {ours['case:concept:name'].nunique():,} cases", flush=True)
    runs = [("IM", lambda: inductive_miner(ours, 0.0),
             lambda: pm4py.discover_process_tree_inductive(theirs, noise_threshold=0.0)),
            ("IMf 0.2", lambda: inductive_miner(ours, 0.2),
             lambda: pm4py.discover_process_tree_inductive(theirs, noise_threshold=0.2)),
            ("IMd", lambda: inductive_miner(ours, variant="imd"),
             lambda: im.apply(theirs, variant=im.Variants.IMd))]
    lv = log_variants(ours)
    for label, ours_fn, pm_fn in runs:
        repeat = 3 if len(ours) < 100_000 else 1
        tree, t_ours = timed(ours_fn, repeat)
        their_tree, t_pm = timed(pm_fn, repeat)
        same = str(tree) == str(their_tree)
        print(f"  {label}: taskloom {t_ours:.3f}s  pm4py {t_pm:.3f}s  ratio {t_pm / t_ours:.1f}x  "
              f"same tree {'yes' if same else 'NO'}", flush=True)
        if label != "IM":
            continue
        net = tree_to_net(tree)
        pm_net = from_pm4py(*pm4py.convert_to_petri_net(their_tree))
        f_ours, f_pm = token_replay(ours, net).log_fitness, token_replay(ours, pm_net).log_fitness
        p_ours, p_pm = precision(lv, net), precision(lv, pm_net)
        print(f"  IM model: fitness taskloom {f_ours:.4f} pm4py {f_pm:.4f} (diff {abs(f_ours - f_pm):.4f})  "
              f"precision taskloom {p_ours:.4f} pm4py {p_pm:.4f} (diff {abs(p_ours - p_pm):.4f})",
              flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="two small logs, seconds")
    parser.add_argument("--logs", nargs="+", metavar="NAME", help="shared logs to run")
    args = parser.parse_args()
    for name in args.logs or (QUICK if args.quick else ALL):
        bench(name)


if __name__ == "__main__":
    main()

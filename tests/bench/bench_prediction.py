"""Benchmark: prediction against its named baselines on bpic2012 and sepsis (temporal split).

    .venv/bin/python tests/bench/bench_prediction.py [--quick] [--encodings E ...]

For next activity (accuracy, macro-F1; baselines: most frequent next activity overall and
after the current activity) and remaining time (MAE in hours; baselines: mean remaining
time overall and per current activity), per prefix encoding: the model's test score,
each baseline's, and whether the model beats both. Training cases ended before, test cases started after
the time when 70% of the complete cases had ended. --quick: sepsis, aggregation, a
sample of 3,000 training prefixes (seconds).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.bench.pm4py_peer import DATA, timed

LOGS = ("bpic2012.xes.gz", "sepsis.csv")
TARGETS = ("next-activity", "remaining-time")


def beats(kind: str, scores: dict[str, dict[str, float]]) -> bool:
    model = scores["model"]
    others = [v for k, v in scores.items() if k != "model"]
    if kind == "classification":
        return all(model["accuracy"] > o["accuracy"] and model["macro_f1"] > o["macro_f1"]
                   for o in others)
    return all(model["mae_hours"] < o["mae_hours"] for o in others)


def main() -> None:
    from taskloom.mining.prediction.predictor import MAX_PREFIXES, train
    from tests.mining.factories import read_ours

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="sepsis only, small sample")
    parser.add_argument("--encodings", nargs="+", default=["aggregation", "last", "index"])
    args = parser.parse_args()
    logs = ("sepsis.csv",) if args.quick else LOGS
    encodings = ("aggregation",) if args.quick else tuple(args.encodings)
    limit = 3000 if args.quick else MAX_PREFIXES
    for name in logs:
        log = read_ours(DATA, name)
        for target in TARGETS:
            for enc in encodings:
                (_, ev), secs = timed(lambda lg=log, t=target, e=enc:
                                      train(lg, t, e, max_prefixes=limit))
                parts = "; ".join(f"{k}: " + ", ".join(f"{m} {v:.3f}" for m, v in s.items())
                                  for k, s in ev.scores.items())
                print(f"[{name}] {target} {enc} ({secs:.1f}s CPU, {ev.train_prefixes} train / "
                      f"{ev.test_prefixes} test prefixes): {parts}; beats both baselines: "
                      f"{'yes' if beats(ev.kind, ev.scores) else 'NO'}", flush=True)


if __name__ == "__main__":
    main()

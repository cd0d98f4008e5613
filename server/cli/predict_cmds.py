"""`taskloom predict train LOG --target T -o model.joblib` and `taskloom predict apply LOG model.joblib`.

Training prints the temporal-split evaluation (model against the baselines) and writes
the model file; applying writes one prediction per running case (CSV, to -o or stdout).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from taskloom.server.cli.base import CliError, write_atomically
from taskloom.server.cli.logopts import add_log_arguments, load_log


def cmd_train(args: argparse.Namespace) -> int:
    import pandas as pd

    from taskloom.mining.prediction.model_file import model_to_bytes
    from taskloom.mining.prediction.predictor import train

    out = Path(args.output)
    if out.is_dir():
        raise CliError(f"-o {out}: is a directory; give a file name such as {out / 'model.joblib'}")
    cutoff = None
    if args.cutoff:
        try:
            cutoff = pd.Timestamp(args.cutoff)
        except ValueError:
            raise CliError(f"--cutoff {args.cutoff}: not a date; use ISO 8601 such as 2012-01-15") from None
    log = load_log(args)
    model, ev = train(log, args.target, args.encoding, tuple(args.end_activity or ()), cutoff)
    write_atomically(out, model_to_bytes(model))
    if args.json:
        sys.stdout.write(json.dumps({"target": ev.target, "kind": ev.kind, "cutoff": ev.cutoff,
                                     "train_cases": ev.train_cases, "test_cases": ev.test_cases,
                                     "train_prefixes": ev.train_prefixes,
                                     "test_prefixes": ev.test_prefixes, "scores": ev.scores,
                                     "model_file": str(out)}) + "\n")
        return 0
    lines = [f"target {ev.target} ({ev.kind}, {args.encoding} encoding); cut-off {ev.cutoff}",
             f"trained on {ev.train_cases} cases ({ev.train_prefixes} prefixes) ended before it, "
             f"tested on {ev.test_cases} cases ({ev.test_prefixes} prefixes) started after"]
    for name, metrics in ev.scores.items():
        vals = ", ".join(f"{k} {v:.3f}" for k, v in metrics.items())
        lines.append(f"  {name:<26} {vals}")
    lines.append(f"wrote {out}")
    sys.stdout.write("\n".join(lines) + "\n")
    return 0


def cmd_apply(args: argparse.Namespace) -> int:
    from taskloom.mining.io.csv_io import to_safe_csv
    from taskloom.mining.prediction.model_file import model_from_bytes
    from taskloom.mining.prediction.predictor import predict

    path = Path(args.model)
    if not path.is_file():
        raise CliError(f"{path}: no such model file")
    model = model_from_bytes(path.read_bytes())
    log = load_log(args)
    table = predict(model, log)
    text = to_safe_csv(table) or ""
    if args.output:
        write_atomically(Path(args.output), text)
        sys.stdout.write(f"wrote {args.output} ({len(table)} running cases, target {model.target})\n")
    else:
        sys.stdout.write(text)
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `taskloom predict train|apply`."""
    p = subparsers.add_parser("predict", help="predict next activity, remaining time or outcome",
                              description="Predictive monitoring of running cases.")
    sub = p.add_subparsers(dest="predict_command", metavar="ACTION", required=True)
    t = sub.add_parser("train", help="train on finished cases and report against baselines",
                       description="Temporal split: train on complete cases ended before the "
                                   "cut-off, test on those started after it; baselines: most frequent "
                                   "value (mean) overall and per last activity.")
    add_log_arguments(t)
    t.add_argument("--target", required=True, metavar="TARGET",
                   help="next-activity, remaining-time, or a case attribute (the outcome), "
                        "e.g. case:diagnosis")
    t.add_argument("-o", "--output", required=True, metavar="MODEL.joblib", help="model file to write")
    t.add_argument("--encoding", choices=("aggregation", "last", "index"), default="aggregation",
                   help="prefix encoding (default: %(default)s)")
    t.add_argument("--end-activity", action="append", metavar="ACTIVITY",
                   help="an activity that ends a case (repeatable; default: those ending ≥ 1%% of cases)")
    t.add_argument("--cutoff", metavar="DATE", help="temporal split date (default: when 70%% of the "
                   "complete cases had ended)")
    t.add_argument("--json", action="store_true", help="print the evaluation as JSON")
    t.set_defaults(func=cmd_train)
    a = sub.add_parser("apply", help="predict for the running cases of a log")
    add_log_arguments(a)
    a.add_argument("model", metavar="MODEL.joblib", help="a model file from `predict train`")
    a.add_argument("-o", "--output", metavar="PREDICTIONS.csv", help="CSV file (default: stdout)")
    a.set_defaults(func=cmd_apply)

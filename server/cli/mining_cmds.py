"""`taskloom stats|dfg|variants|convert|quality`: process mining on an event log file.

Heavy imports (pandas, numpy, mining) stay inside the handlers so `taskloom --help`
and each command start fast.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any

from taskloom.server.cli.logopts import add_log_arguments, load_log

if TYPE_CHECKING:
    import pandas as pd


def _add_filter(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--filter", metavar="SPEC.json", default=None,
                        help="apply a JSON filter spec (see README: Filter spec) before the analysis")


def _load(args: argparse.Namespace) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """(log after --filter, the whole log or None when unfiltered)."""
    log = load_log(args)
    if getattr(args, "filter", None):
        from taskloom.mining.filter_spec import apply_spec, load_spec

        spec = load_spec(args.filter)
        return apply_spec(log, spec), log
    return log, None


def _dump(doc: object) -> None:
    sys.stdout.write(json.dumps(doc, ensure_ascii=False, allow_nan=False) + "\n")


def cmd_stats(args: argparse.Namespace) -> int:
    from taskloom.mining.stats import compare_lines, log_stats

    log, whole = _load(args)
    stats = log_stats(log)
    if args.json:
        _dump(stats.to_json())
        return 0
    total = log_stats(whole) if whole is not None else None
    sys.stdout.write("\n".join(compare_lines(stats, total)) + "\n")
    return 0


def cmd_dfg(args: argparse.Namespace) -> int:
    from taskloom.mining.dfg import dfg_to_json, discover_dfg

    log, _ = _load(args)
    dfg = discover_dfg(log, args.perspective)
    if args.json:
        _dump(dfg_to_json(dfg))
        return 0
    from taskloom.mining.stats import human_duration

    out = [f"{len(dfg.nodes)} nodes, {len(dfg.edges)} arcs ({args.perspective})",
           f"{'frequency':>9} {'cases':>7} {'mean':>9} {'median':>9}  arc"]
    for e in dfg.edges.sort_values("frequency", ascending=False, kind="stable").itertuples(index=False):
        out.append(f"{e.frequency:>9} {e.cases:>7} {human_duration(e.mean_s):>9} "
                   f"{human_duration(e.median_s):>9}  {e.source} -> {e.target}")
    out.append("start: " + ", ".join(f"{k} ({v})" for k, v in dfg.start.items()))
    out.append("end:   " + ", ".join(f"{k} ({v})" for k, v in dfg.end.items()))
    sys.stdout.write("\n".join(out) + "\n")
    return 0


def cmd_variants(args: argparse.Namespace) -> int:
    from taskloom.mining.stats import human_duration
    from taskloom.mining.variants import variants_table

    log, _ = _load(args)
    table = variants_table(log, args.perspective, top=args.top)
    if args.json:
        _dump([{"variant": list(r.variant), "cases": int(r.cases), "share": float(r.share),
                "mean_duration_s": float(r.mean_duration_s)}
               for r in table.itertuples(index=False)])
        return 0
    out = [f"{'#':>4} {'cases':>7} {'share':>7} {'mean dur':>9}  sequence"]
    for i, r in enumerate(table.itertuples(index=False), 1):
        seq = " > ".join(r.variant)
        out.append(f"{i:>4} {r.cases:>7} {100 * r.share:>6.1f}% {human_duration(r.mean_duration_s):>9}  {seq}")
    sys.stdout.write("\n".join(out) + "\n")
    return 0


def cmd_convert(args: argparse.Namespace) -> int:
    from taskloom.mining.errors import LogInputError
    from taskloom.mining.io import write_log

    log = load_log(args, positional="input")
    try:
        write_log(log, args.output)
    except OSError as exc:
        raise LogInputError(f"{args.output}: cannot write ({exc.strerror}); "
                            "check the folder exists and is writable") from exc
    sys.stderr.write(f"wrote {len(log):,} events of {log['case:concept:name'].nunique():,} cases "
                     f"to {args.output}\n")
    return 0


def cmd_quality(args: argparse.Namespace) -> int:
    from taskloom.mining.quality import quality_report

    log, _ = _load(args)
    report = quality_report(log, recorded_at=args.recorded_at, late_after_s=args.late_after)
    if args.json:
        _dump(report.to_json())
        return 0
    out = [f"{report.events:,} events, {report.cases:,} cases"]
    checks: list[tuple[str, Any]] = [
        ("future timestamps", report.future_timestamps),
        ("outside 1990..now", report.outside_timeframe),
        ("duplicates", report.duplicates),
        ("single-event cases", report.single_event_cases),
        ("out-of-order events", report.out_of_order),
        ("late registration", report.late_registration),
    ]
    for label, check in checks:
        if check is None:
            out.append(f"{label:<22} n/a (no recorded-at column; name one with --recorded-at)")
            continue
        ex = f"  e.g. cases {', '.join(check.examples)}" if check.examples else ""
        out.append(f"{label:<22} {check.count:>7} {check.unit}{ex}")
    sys.stdout.write("\n".join(out) + "\n")
    return 0


def _log_command(subparsers: argparse._SubParsersAction, name: str, func: Any, help: str,
                 json_help: str = "print one JSON object", **kw: Any) -> argparse.ArgumentParser:
    """A command over one LOG with --filter and --json."""
    p: argparse.ArgumentParser = subparsers.add_parser(name, help=help, **kw)
    add_log_arguments(p)
    _add_filter(p)
    p.add_argument("--json", action="store_true", help=json_help)
    p.set_defaults(func=func)
    return p


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add the process-mining commands."""
    _log_command(subparsers, "stats", cmd_stats, "log statistics (cases, variants, events, durations)",
                 description="Statistics as Apromore shows them; with --filter, "
                             "each as filtered/total with a percentage.")
    p = _log_command(subparsers, "dfg", cmd_dfg, "directly-follows graph (frequencies and durations)")
    p.add_argument("--perspective", default="concept:name", metavar="COLUMN",
                   help="column whose values are the nodes (default: %(default)s)")
    p = _log_command(subparsers, "variants", cmd_variants,
                     "case variants with count, share, mean duration", json_help="print a JSON list")
    p.add_argument("--perspective", default="concept:name", metavar="COLUMN",
                   help="column the sequences are made of (default: %(default)s)")
    p.add_argument("--top", type=int, default=None, metavar="N", help="only the N most frequent")

    p = subparsers.add_parser("convert", help="convert a log between XES, CSV and Parquet",
                              description="The output format follows OUT's suffix: "
                                          ".xes, .xes.gz, .csv, .csv.gz or .parquet.")
    add_log_arguments(p, positional="input")
    p.add_argument("output", metavar="OUT", help="output file (.xes, .xes.gz, .csv, .csv.gz, .parquet)")
    p.set_defaults(func=cmd_convert)

    p = _log_command(subparsers, "quality", cmd_quality, "data-quality report")
    p.add_argument("--recorded-at", default=None, metavar="COLUMN",
                   help="column with the time each event was recorded (enables late registration)")
    p.add_argument("--late-after", type=float, default=86400.0, metavar="SECONDS",
                   help="recorded this long after it happened counts as late (default: %(default)s)")

"""`taskloom merge` (link task instances to system-log cases, write the merged log) and
`taskloom link evaluate` (precision and recall of the links against ground truth)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from taskloom.server.cli.base import CliError, add_db_option, open_store
from taskloom.server.cli.logopts import add_log_arguments, csv_mapping

if TYPE_CHECKING:
    import pandas as pd

FLAT = (".csv", ".csv.gz", ".xes", ".xes.gz", ".parquet")
OCEL = (".jsonocel", ".sqlite", ".xmlocel")
TIERS = ("id", "time", "propagation")


def _suffix(path: Path) -> str:
    name = path.name.lower()
    return next((s for s in (*FLAT, *OCEL) if name.endswith(s)), path.suffix.lower())


def _tiers(text: str) -> tuple[str, ...]:
    tiers = tuple(t.strip() for t in text.split(",") if t.strip())
    bad = [t for t in tiers if t not in TIERS]
    if bad or not tiers:
        raise argparse.ArgumentTypeError(f"{text!r}: give a comma list of {', '.join(TIERS)}")
    return tiers


def register(sub: Any) -> None:
    m = sub.add_parser(
        "merge", help="link task instances to system-log cases and write the two-level merged log",
        description="Links each task instance to a case of the system log (identifier, resource and time, "
                    "propagation; the rest stays unattributed) and writes the merged log: .csv, .xes, "
                    ".parquet or OCEL 2.0 (.jsonocel, .sqlite, .xmlocel) by MERGED's extension.")
    m.add_argument("ui_events", nargs="?", metavar="UI_EVENTS",
                   help="UI events as `taskloom export` writes them (CSV or Parquet); tasks are discovered "
                        "when the rows carry no task_type/task_instance")
    add_log_arguments(m, positional="system_log")
    for action in m._actions:
        if action.dest == "system_log":  # optional with --study
            action.nargs, action.required, action.metavar = "?", False, "SYSTEM_LOG"
    m.add_argument("-o", "--output", type=Path, default=None, metavar="MERGED",
                   help="merged log: .csv, .xes, .parquet, .jsonocel, .sqlite or .xmlocel")
    m.add_argument("--links", type=Path, default=None, metavar="LINKS.csv",
                   help="also write one row per UI event: " + ",".join(
                       ("event_id", "task_type", "task_instance", "case_id", "system_activity", "method",
                        "confidence")))
    m.add_argument("--summary", type=Path, default=None, metavar="OUT.csv",
                   help="also write per case: touch time, elapsed time, flow efficiency, staff, task instances, "
                        "app switches (OUT.csv); per system activity: desk time, rework, top task types "
                        "(OUT.activities.csv)")
    m.add_argument("--case-pattern", default=None, metavar="REGEX",
                   help="regex with one group around the case id in titles, URLs and element names "
                        "(default: keyed patient tokens NHS#xxxxxxxx and valid NHS numbers)")
    m.add_argument("--user-map", type=Path, default=None, metavar="MAP.csv",
                   help="CSV with columns user,resource: desktop user → system-log resource")
    m.add_argument("--max-skew", default="120s", metavar="DURATION",
                   help="clock skew tolerated between workstations and the system, e.g. 90s, 2m or 120 "
                        "(seconds; default: %(default)s)")
    m.add_argument("--tiers", type=_tiers, default=TIERS, metavar="LIST",
                   help="linking tiers to run, comma separated (default: id,time,propagation)")
    m.add_argument("--study", default=None, metavar="NAME",
                   help="instead of files: the study's stored UI events and imported system log; "
                        "task types, instances and links are stored (a re-run replaces them)")
    add_db_option(m)
    m.set_defaults(func=cmd_merge)

    link = sub.add_parser("link", help="linking: evaluate links against ground truth")
    lsub = link.add_subparsers(dest="link_command", metavar="SUBCOMMAND")
    e = lsub.add_parser("evaluate", help="precision, recall and F1 of case links per event and per task instance")
    e.add_argument("links", type=Path, metavar="LINKS.csv", help="links written by `taskloom merge --links`")
    e.add_argument("--truth", type=Path, required=True, metavar="FILE",
                   help="CSV/Parquet with the true case per UI event (matched on event_id, else by row)")
    e.add_argument("--truth-case", required=True, metavar="COLUMN", help="the true case column in FILE")
    e.set_defaults(func=cmd_evaluate)
    link.set_defaults(func=lambda _a: (link.print_help(sys.stderr), 2)[1])


def _read_rows(path: Path) -> pd.DataFrame:
    import pandas as pd

    if not path.exists():
        raise CliError(f"{path}: no such file; check the path")
    if path.is_dir():
        raise CliError(f"{path}: is a directory, not a file")
    if path.name.lower().endswith((".xes", ".xes.gz")):
        raise CliError(f"{path}: this file must be CSV or Parquet, not XES; export UI events with "
                       "`taskloom export --study NAME -o FILE.csv` (or .parquet)")
    if path.name.lower().endswith(".parquet"):
        try:
            return pd.read_parquet(path)
        except (OSError, ValueError) as exc:  # pyarrow's ArrowInvalid is a ValueError
            raise CliError(f"{path}: not a readable Parquet file ({exc}); give the file "
                           "`taskloom export` or `taskloom merge` wrote") from None
    try:
        return pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    except pd.errors.EmptyDataError:
        raise CliError(f"{path}: the file is empty (not even a header row); give the file with "
                       "its header (UI events as `taskloom export` writes them)") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        raise CliError(f"{path}: cannot parse as CSV ({str(exc).strip()}); give a CSV or Parquet "
                       "file as `taskloom export` writes it") from None


def _options(args: argparse.Namespace) -> Any:
    from taskloom.collector.linking.ids import compile_pattern
    from taskloom.collector.linking.link import LinkOptions
    from taskloom.collector.services.linking import user_map_from_frame

    compile_pattern(args.case_pattern)  # a bad pattern fails before any file is read
    from taskloom.durations import DurationError, parse_duration

    try:
        max_skew = parse_duration(args.max_skew)
    except DurationError as exc:
        raise CliError(f"--max-skew: {exc}") from None
    user_map = None
    if args.user_map is not None:
        user_map = user_map_from_frame(_read_rows(args.user_map), str(args.user_map))
    return LinkOptions(case_pattern=args.case_pattern, user_map=user_map, max_skew_s=float(max_skew),
                       tiers=args.tiers)


def write_merged(merged: pd.DataFrame, path: Path) -> None:
    """The merged log to ``path``, its format by extension."""
    from taskloom.collector.linking.ocel import build_ocel, write_ocel
    from taskloom.mining.io import write_log

    suffix = _suffix(path)
    if suffix in OCEL:
        write_ocel(build_ocel(merged), path)
    elif suffix in FLAT:
        write_log(merged, path)
    else:
        raise CliError(f"-o {path}: unknown extension; use one of {', '.join((*FLAT, *OCEL))}")


def _check_output(path: Path | None) -> None:
    if path is None:
        return
    if path.is_dir():
        raise CliError(f"{path}: is a directory; give a file name such as {path / 'merged.csv'}")
    if _suffix(path) not in (*FLAT, *OCEL):
        raise CliError(f"-o {path}: unknown extension; use one of {', '.join((*FLAT, *OCEL))}")
    if not path.parent.exists():
        raise CliError(f"{path}: folder {path.parent} does not exist; create it or choose another path")


def cmd_merge(args: argparse.Namespace) -> int:
    _check_output(args.output)
    if args.links is not None:  # before a long merge, not after
        links_path = Path(args.links)
        if links_path.is_dir():
            raise CliError(f"--links {links_path}: is a directory; give a file name such as "
                           f"{links_path / 'links.csv'}")
        if not links_path.parent.exists():
            raise CliError(f"--links {links_path}: folder {links_path.parent} does not exist; "
                           "create it or choose another path")
    if args.summary is not None:
        from taskloom.collector.services.summary import check_summary_path

        check_summary_path(args.summary)  # before a long merge, not after
    options = _options(args)
    if args.study is not None:
        if args.ui_events or args.system_log:
            raise CliError("give either UI_EVENTS SYSTEM_LOG or --study NAME, not both")
        from taskloom.collector.services.linking import run_merge

        with open_store(args.db) as store:
            result = run_merge(store, args.study, options)
    else:
        if not args.ui_events or not args.system_log:
            raise CliError("give UI_EVENTS and SYSTEM_LOG files (or --study NAME)")
        if args.output is None:
            raise CliError("give -o MERGED (.csv, .xes, .parquet, .jsonocel, .sqlite or .xmlocel)")
        from taskloom.collector.services.linking import link_and_merge
        from taskloom.mining.io import read_log

        rows = _read_rows(Path(args.ui_events))
        if rows.empty:
            raise CliError(f"{args.ui_events}: no UI events (a header and no rows); give the file "
                           "`taskloom export --study NAME -o FILE` writes")
        system_path = Path(args.system_log)
        if not system_path.exists():
            raise CliError(f"{system_path}: no such file; check the path")
        system = read_log(system_path, csv_mapping(args))
        if "level" in system.columns and (system["level"] == "task").any():
            raise CliError(f"{system_path}: already a merged log (it has task rows); give the system "
                           "log it was made from (e.g. system_log.csv)")
        result = link_and_merge(rows, system, options)
    if args.output is not None:
        write_merged(result.merged, args.output)
    if args.links is not None:
        result.links.to_csv(args.links, index=False)
    task = result.merged[result.merged["level"] == "task"]
    counts = task["link_method"].value_counts()
    parts = ", ".join(f"{m} {int(counts.get(m, 0))}" for m in ("id", "time", "propagated", "none"))
    sys.stdout.write(f"{len(task)} task instances{' (discovered)' if result.discovered else ''}, "
                     f"{int((result.merged['level'] == 'case').sum())} system events; links: {parts}\n")
    written = [p for p in (args.output, args.links) if p is not None]
    if args.summary is not None:
        from taskloom.collector.services.summary import write_summary

        written += write_summary(result.merged, args.summary)
    for path in written:
        sys.stdout.write(f"wrote {path}\n")
    return 0


def cmd_evaluate(args: argparse.Namespace) -> int:
    from taskloom.collector.linking.evaluate import evaluate_links, format_table

    links = _read_rows(args.links)
    missing = [c for c in ("task_instance", "case_id", "method") if c not in links.columns]
    if missing:
        raise CliError(f"{args.links}: no {', '.join(missing)} column; give a file written by "
                       "`taskloom merge --links`")
    truth = _read_rows(args.truth)
    if args.truth_case not in truth.columns:
        raise CliError(f"--truth-case {args.truth_case}: no such column in {args.truth}; columns are: "
                       f"{', '.join(map(str, truth.columns))}")
    if "event_id" in links.columns and "event_id" in truth.columns:
        true_case = truth.drop_duplicates("event_id").set_index("event_id")[args.truth_case] \
            .reindex(links["event_id"].to_numpy()).reset_index(drop=True)
    elif len(truth) == len(links):
        true_case = truth[args.truth_case].reset_index(drop=True)
    else:
        raise CliError(f"{args.truth} has no event_id column and {len(truth)} rows for {len(links)} links; "
                       "give the UI events file the links were made from")
    sys.stdout.write(format_table(evaluate_links(links.reset_index(drop=True), true_case)) + "\n")
    return 0

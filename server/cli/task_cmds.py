"""`taskloom generate` and `taskloom tasks discover|evaluate|report`.

Heavy imports (pandas, scikit-learn) stay inside the handlers.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from taskloom.server.cli.base import CliError, open_store

FORMATS = ("taskloom", "actionlogger", "xes")


def register(sub: Any) -> None:
    g = sub.add_parser("generate", help="generate the synthetic EHR documentation study (with truth)")
    g.add_argument("--clinicians", type=int, default=4, help="number of clinicians (users)")
    g.add_argument("--days", type=int, default=5, help="days simulated (weekends are quiet)")
    g.add_argument("--seed", type=int, default=0, help="random seed: same seed, same files")
    g.add_argument("--format", choices=("csv", "parquet"), default="csv", help="UI events file format")
    g.add_argument("--study-key", default="taskloom-demo-study-key",
                   help="study key used to pseudonymise patients and users (as the agent does)")
    g.add_argument("--max-events", type=int, default=None, help="stop after the day reaching N events")
    g.add_argument("--style", choices=("ehr", "routines"), default="ehr",
                   help="ehr: the EHR study; routines: a research-style Action Logger log of "
                        "interleaved routines (Excel-to-web copying, web forms)")
    g.add_argument("--shared-opening", type=float, default=0.35,
                   help="routines style: share of instances that open on a page two routines share")
    g.add_argument("--hard", action="store_true",
                   help="ehr style: the hard linking settings (screens without patient ids, EHR user ids "
                        "with user_map.csv, workstation clock skew up to ±90 s, two charts open)")
    g.add_argument("-o", "--out", required=True, type=Path, help="output directory")
    g.set_defaults(func=cmd_generate)

    t = sub.add_parser("tasks", help="task mining: discover, evaluate, report")
    tsub = t.add_subparsers(dest="tasks_command", metavar="SUBCOMMAND")
    d = tsub.add_parser("discover", help="segment UI events into task instances and cluster them into types")
    d.add_argument("file", type=Path, nargs="*",
                   help="UI events: taskloom CSV/Parquet, Action Logger CSV or XES; several files are "
                        "read as one stream and an input_file column says where each row came from")
    d.add_argument("--study", default=None,
                   help="instead of files: the UI events of this study in the collector's store")
    d.add_argument("--db", default=None, metavar="URL",
                   help="store for --study (default: $TASKLOOM_DB, else the embedded SQLite file)")
    d.add_argument("--format", choices=FORMATS, default="taskloom", help="input format")
    d.add_argument("-o", "--out", required=True, type=Path, help="output CSV (input rows + task_type, task_instance)")
    d.add_argument("--model", type=Path, default=None,
                   help="task-type model file (JSON): keeps type ids stable across runs")
    d.add_argument("--labels", type=Path, default=None,
                   help="labels file (JSON, type id → label): edit it to rename types")
    d.add_argument("--idle-gap", type=float, default=300.0, help="pause (s) that always ends a task")
    d.add_argument("--context", choices=("auto", "on", "off"), default="auto",
                   help="cut on identifier/app changes (auto: when window titles carry record "
                        "identifiers, decided from the data whatever the format)")
    d.add_argument("--seed", type=int, default=0, help="clustering seed")
    d.set_defaults(func=cmd_discover)

    e = tsub.add_parser("evaluate", help="score a discover output against ground-truth columns")
    e.add_argument("file", type=Path, help="CSV written by `taskloom tasks discover`")
    e.add_argument("--truth-type", nargs="+", default=None,
                   help="column(s) with the true task type (several: their combination)")
    e.add_argument("--truth-instance", nargs="+", required=True,
                   help="column(s) with the true task instance (several: their combination, e.g. input_file idx)")
    e.add_argument("--user-col", default=None, help="user column (default: user/userID/org:resource if present)")
    e.add_argument("--ts-col", default=None, help="time column (default: ts/timeStamp/time:timestamp)")
    e.set_defaults(func=cmd_evaluate)

    r = tsub.add_parser("report", help="per task type table and automation candidates")
    r.add_argument("file", type=Path, help="CSV written by `taskloom tasks discover` from taskloom or Action Logger input")
    r.add_argument("--format", choices=("taskloom", "actionlogger"), default="taskloom")
    r.add_argument("--labels", type=Path, default=None, help="labels file written by discover")
    r.add_argument("--top", type=int, default=10, help="automation candidates shown")
    r.set_defaults(func=cmd_report)
    t.set_defaults(func=lambda _a: (t.print_help(sys.stderr), 2)[1])


def _need(path: Path) -> None:
    if not path.exists():
        raise CliError(f"{path}: no such file; check the path")


def cmd_generate(args: argparse.Namespace) -> int:
    if args.clinicians < 1 or args.days < 1:
        raise CliError("--clinicians and --days must be at least 1")
    if args.style == "routines" and args.hard:
        raise CliError("--hard applies to the EHR study only; leave out --style routines or --hard")
    if args.style == "routines":
        from taskloom.collector.synth.routines import RoutineStudy, write_routine_log

        if not 0.0 <= args.shared_opening <= 1.0:
            raise CliError("--shared-opening must be between 0 and 1")
        path = write_routine_log(RoutineStudy(instances=args.days * 100 * args.clinicians,
                                              users=args.clinicians, seed=args.seed,
                                              shared_opening=args.shared_opening), args.out)
        sys.stdout.write(f"wrote {path}\n")
        return 0
    from taskloom.collector.synth import HardSettings, Study, generate_study

    res = generate_study(Study(clinicians=args.clinicians, days=args.days, seed=args.seed,
                               study_key=args.study_key, hard=HardSettings() if args.hard else None),
                         args.out, args.format, args.max_events)
    sys.stdout.write(f"wrote {res.events} UI events to {res.ui_events}\n"
                     f"wrote {res.cases} cases to {res.system_csv} and {res.system_xes}\n"
                     "ground truth: columns truth_task_type, truth_task_instance, truth_case"
                     + (", truth_hard, truth_skew_ms" if args.hard else "") + "\n")
    if res.user_map is not None:
        sys.stdout.write(f"wrote the desktop user → EHR user map to {res.user_map}\n")
    return 0


def _load(path: Path, fmt: str) -> tuple[Any, Any]:
    """(rows to write back, task-mining event frame) for an input file."""
    import pandas as pd

    from taskloom.collector.tasks.events import WIRE_READ, from_wire

    _need(path)
    if fmt == "actionlogger":
        from taskloom.collector.uilogs import read_actionlogger

        return read_actionlogger(path)
    if fmt == "xes":
        from taskloom.collector.uilogs import read_ui_xes

        return read_ui_xes(path)
    if path.name.lower().endswith((".xes", ".xes.gz")):
        raise CliError(f"{path}: UI events are read from CSV or Parquet (`taskloom export -o FILE.csv`); "
                       "for a research XES UI log pass --format xes")
    if path.suffix == ".parquet":
        try:
            rows = pd.read_parquet(path)
        except (OSError, ValueError) as exc:  # pyarrow's ArrowInvalid is a ValueError
            raise CliError(f"{path}: not a readable Parquet file ({exc}); give the file "
                           "`taskloom export` wrote") from None
    else:
        try:
            rows = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
        except pd.errors.EmptyDataError:
            raise CliError(f"{path}: the file is empty; give UI events as `taskloom export` "
                           "writes them") from None
        except (pd.errors.ParserError, UnicodeDecodeError) as exc:
            raise CliError(f"{path}: cannot parse as CSV ({str(exc).strip()}); give UI events as "
                           "`taskloom export` writes them, or pass --format for a research log") from None
    missing = [c for c in ("ts", "kind") if c not in rows.columns]
    if missing:
        raise CliError(f"{path}: missing wire columns {missing}; is this a taskloom UI events file? "
                       "use --format actionlogger or xes for research logs")
    # Only wire fields are read: ground-truth columns never reach the algorithm.
    return rows, from_wire(rows[[c for c in WIRE_READ if c in rows.columns]])


def _load_many(paths: list[Path], fmt: str) -> tuple[Any, Any]:
    """One stream from several files: rows concatenated (with ``input_file``), frames too."""
    import pandas as pd

    if len(paths) == 1:
        return _load(paths[0], fmt)
    loaded = [_load(p, fmt) for p in paths]
    rows = pd.concat([r.assign(input_file=p.name) for (r, _), p in zip(loaded, paths, strict=True)],
                     ignore_index=True)
    ev = pd.concat([e for _, e in loaded], ignore_index=True)
    return rows, ev


def _load_study(name: str, db: str | None) -> tuple[Any, Any]:
    """The study's stored UI events as exported rows and their task-mining event frame."""
    from taskloom.collector.services.tasks import study_events

    with open_store(db) as store:
        return study_events(store, name)


def cmd_discover(args: argparse.Namespace) -> int:
    from taskloom.collector.services.tasks import discover_with_files
    from taskloom.collector.tasks.cluster import ClusterParams
    from taskloom.collector.tasks.segment import SegmentParams
    from taskloom.mining.io.csv_io import to_safe_csv
    from taskloom.server.cli.progress import ProgressBar

    if not args.out.name.lower().endswith((".csv", ".csv.gz")):
        raise CliError(f"-o {args.out}: tasks discover writes CSV; give a file name ending in .csv")
    for flag, given in (("--model", args.model), ("--labels", args.labels)):
        if given is not None and not Path(given).parent.exists():  # before discovery, not after
            raise CliError(f"{flag} {given}: folder {Path(given).parent} does not exist; create it "
                           "or choose another path")
    if args.study is not None:
        if args.file:
            raise CliError("give either files or --study, not both")
    elif not args.file:
        raise CliError("no input: give UI event files, or --study NAME for a study in the store")
    # The same phases the console's "discover tasks" job shows on the Tasks page.
    bar = ProgressBar("tasks discover")
    try:
        bar.stage("reading the UI events")
        if args.study is not None:
            rows, ev = _load_study(args.study, args.db)
            args.format = "taskloom"
        else:
            rows, ev = _load_many(args.file, args.format)
        if len(ev) == 0:
            raise CliError("no UI events to discover tasks in (the input has no rows); give a file "
                           "`taskloom export --study NAME -o FILE` writes, or a study with events")
        bar.stage(f"segmenting and clustering {len(ev):,} UI events")
        context = None if args.context == "auto" else args.context == "on"
        res = discover_with_files(ev, args.model, args.labels,
                                  seg_params=SegmentParams(idle_gap_s=args.idle_gap, use_context=context),
                                  cluster_params=ClusterParams(seed=args.seed))
        bar.stage(f"writing {args.out}")
        out = rows.copy()
        out["task_type"] = res.task_type
        out["task_instance"] = res.task_instance
        args.out.parent.mkdir(parents=True, exist_ok=True)
        to_safe_csv(out, args.out)
    finally:
        bar.close()
    n_types = len(set(res.task_type.tolist()) - {"idle"})
    sys.stdout.write(f"{len(out)} events → {res.segments.shape[0]} task instances, {n_types} task types; "
                     f"wrote {args.out}\n")
    return 0


def _pick(columns: Any, given: str | None, options: tuple[str, ...]) -> str | None:
    if given:
        if given not in columns:
            raise CliError(f"column {given!r} not in the file; columns are {', '.join(columns)}")
        return given
    return next((c for c in options if c in columns), None)


def cmd_evaluate(args: argparse.Namespace) -> int:
    import pandas as pd

    from taskloom.collector.tasks.evaluate import evaluate

    _need(args.file)
    try:
        df = pd.read_csv(args.file, dtype=str, keep_default_na=False, na_values=[""])
    except pd.errors.EmptyDataError:
        raise CliError(f"{args.file}: the file is empty; give the CSV `taskloom tasks discover -o` "
                       "wrote") from None
    for col in [*args.truth_instance, *(args.truth_type or []), "task_type", "task_instance"]:
        if col not in df.columns:
            raise CliError(f"{args.file}: column {col!r} not found; columns are {', '.join(df.columns)}")

    def combined(cols: list[str]) -> str:
        if len(cols) == 1:
            return cols[0]
        name = "+".join(cols)
        df[name] = df[cols].fillna("").astype(str).agg("\x1f".join, axis=1)
        return name

    truth_instance = combined(args.truth_instance)
    truth_type = combined(args.truth_type) if args.truth_type else None
    user = _pick(df.columns, args.user_col, ("user", "userID", "org:resource"))
    ts = _pick(df.columns, args.ts_col, ("ts", "timeStamp", "time:timestamp"))
    s = evaluate(df, truth_instance, truth_type, user, ts)
    lines = [f"events              {s.events}"]
    if s.ari is not None:
        lines += [f"type ARI            {s.ari:.4f}", f"type NMI            {s.nmi:.4f}",
                  f"type weighted F1    {s.weighted_f1:.4f}  (Hungarian-matched types)"]
    lines += [f"instance ARI        {s.instance_ari:.4f}",
              f"boundary precision  {s.boundary_precision:.4f}",
              f"boundary recall     {s.boundary_recall:.4f}",
              f"boundary F1         {s.boundary_f1:.4f}"]
    sys.stdout.write("\n".join(lines) + "\n")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    import numpy as np
    import pandas as pd

    from taskloom.collector.services.tasks import read_labels
    from taskloom.collector.tasks.features import segment_table
    from taskloom.collector.tasks.stats import automation_candidates, type_table

    rows, ev = _load(args.file, args.format)
    if "task_type" not in rows.columns or "task_instance" not in rows.columns:
        raise CliError(f"{args.file}: no task_type/task_instance columns; run `taskloom tasks discover` first")
    seg, _ = pd.factorize(rows["task_instance"].astype(str))
    st = segment_table(ev, np.asarray(seg, dtype=np.int64))
    table = st.table
    first_type = rows.groupby(seg, sort=True)["task_type"].first()
    table["task_type"] = first_type.reindex(table.index).astype(str).to_numpy()
    labels = read_labels(args.labels)
    types = type_table(table, labels)
    days = max((int(ev["ts"].max()) - int(ev["ts"].min())) / 86_400_000, 1 / 24) if len(ev) else 1.0
    cand = automation_candidates(types, days)
    pd.set_option("display.width", 200)
    show = types.copy()
    for c in ("median_active_s", "mean_active_s", "clicks_per_instance", "keys_per_instance",
              "copy_paste_per_instance", "cv_active"):
        show[c] = show[c].round(1)
    sys.stdout.write("Task types\n" + show.to_string(index=False) + "\n\n")
    c = cand.head(args.top)[["task_type", "label", "instances", "median_active_s", "repetitiveness",
                             "automatable_share", "hours_saved_per_month"]].round(2)
    sys.stdout.write("Automation candidates (estimated hours saved per month)\n"
                     + c.to_string(index=False) + "\n")
    return 0

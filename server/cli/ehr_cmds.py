"""`taskloom ehr metrics`: EHR documentation-time metrics of a study, as CSV, JSON or HTML."""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from taskloom.server.cli.base import CliError, add_db_option

if TYPE_CHECKING:
    from taskloom.collector.services.ehr_metrics import TextFile

FORMATS = (".csv", ".json", ".html")
_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|sec|m|min|h)?\s*$", re.IGNORECASE)
_UNIT_S = {"ms": 0.001, "s": 1.0, "sec": 1.0, "m": 60.0, "min": 60.0, "h": 3600.0}


def seconds(text: str) -> float:
    """'5s', '30 s', '1m', '5min', '300' (seconds) → seconds."""
    m = _DURATION.match(text)
    if not m or float(m[1]) <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive duration; write e.g. 5s, 30s, 1min")
    return float(m[1]) * _UNIT_S[(m[2] or "s").lower()]


def register(sub: Any) -> None:
    p = sub.add_parser("ehr", help="EHR documentation-time studies: the standard physician EHR-use metrics")
    esub = p.add_subparsers(dest="ehr_command", metavar="SUBCOMMAND")
    m = esub.add_parser(
        "metrics", help="EHR-Time8, WOW8, Note-Time8 … per clinician-week, with the cohort's medians",
        description="Active EHR time by category from a study's UI events, normalised per 8 h of "
                    "scheduled patient time (Sinsky et al. 2020) when a schedule is given, after-hours "
                    "time (Overhage & McCallie 2020), a sensitivity table, and unmapped screens.")
    m.add_argument("--study", required=True, help="study name")
    add_db_option(m)
    m.add_argument("--schedule", type=Path, default=None, metavar="CSV",
                   help="schedule: user,date,start,end,kind (kind clinic|admin|other), study time zone")
    m.add_argument("--visits", type=Path, default=None, metavar="CSV", help="visit list: user,start,end,case")
    m.add_argument("--categories", type=Path, default=None, metavar="MAP",
                   help="category map (YAML or JSON); default: the demo EHR's map")
    m.add_argument("--threshold", type=seconds, default=5.0, metavar="DURATION",
                   help="inactivity threshold of active time (default 5s)")
    m.add_argument("--min-group", type=int, default=5, metavar="N",
                   help="suppress cohort figures of fewer than N clinicians (default 5)")
    m.add_argument("--tz", default=None, metavar="ZONE",
                   help="study time zone (IANA, e.g. Europe/London); default: the study's 'timezone' "
                        "setting, else UTC")
    m.add_argument("--per-clinician", action="store_true",
                   help="admin output: add a row per clinician-week (pseudonyms only)")
    m.add_argument("-o", "--out", required=True, type=Path, help="report file: .csv, .json or .html")
    m.set_defaults(func=cmd_metrics)
    p.set_defaults(func=lambda _a: (p.print_help(sys.stderr), 2)[1])


def _read(path: Path | None, what: str) -> TextFile | None:
    from taskloom.collector.services.ehr_metrics import TextFile

    if path is None:
        return None
    try:
        return TextFile(str(path), path.read_text(encoding="utf-8-sig"))
    except FileNotFoundError:
        raise CliError(f"{path}: no such {what} file; check the path") from None
    except UnicodeDecodeError:
        raise CliError(f"{path}: not UTF-8 text; save the {what} as UTF-8 CSV/YAML/JSON") from None


def cmd_metrics(args: argparse.Namespace) -> int:
    from taskloom.collector.metrics.html import render_html
    from taskloom.collector.metrics.report import csv_rows
    from taskloom.collector.services.ehr_metrics import EhrOptions, ehr_metrics
    from taskloom.server.cli.base import open_store, write_atomically

    suffix = args.out.suffix.lower()
    if suffix not in FORMATS:
        raise CliError(f"-o {args.out}: unknown report format {suffix or '(none)'}; use .csv, .json or .html")
    options = EhrOptions(threshold_s=args.threshold, min_group=args.min_group, zone=args.tz,
                         schedule=_read(args.schedule, "schedule"), visits=_read(args.visits, "visit list"),
                         categories=_read(args.categories, "category map"), per_clinician=args.per_clinician)
    with open_store(args.db) as store:
        report = ehr_metrics(store, args.study, options)
    if suffix == ".html":
        text = render_html(report)
    elif suffix == ".json":
        text = json.dumps(report.to_dict(), indent=2, allow_nan=False) + "\n"
    else:
        import pandas as pd

        from taskloom.mining.io.csv_io import to_safe_csv

        text = to_safe_csv(pd.DataFrame(csv_rows(report))) or ""
    write_atomically(args.out, text)
    shown = {c.key: c for c in report.cohort}
    summary = ", ".join(f"{shown[k].name} {_median(shown[k].median)}" for k in ("ehr_time8", "wow8", "after_hours_h"))
    sys.stdout.write(f"wrote {args.out}: {report.events} events, {report.clinicians} clinicians, "
                     f"{report.clinician_weeks} clinician-weeks; cohort medians: {summary}\n")
    return 0


def _median(v: float | None) -> str:
    return "–" if v is None else f"{v:.2f} h"

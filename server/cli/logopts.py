"""The options every log-reading command shares: LOG plus the CSV column mapping."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from taskloom.server.cli.base import CliError

if TYPE_CHECKING:
    import pandas as pd

    from taskloom.mining.io import CsvMapping


def add_log_arguments(parser: argparse.ArgumentParser, *, positional: str = "log") -> None:
    """Add LOG (.xes, .xes.gz, .csv, .csv.gz, .parquet) and the CSV mapping options."""
    parser.add_argument(positional, metavar="LOG",
                        help="event log: .xes, .xes.gz, .csv, .csv.gz or .parquet")
    group = parser.add_argument_group("CSV columns (for .csv logs)")
    group.add_argument("--case", default="case:concept:name", metavar="COLUMN",
                       help="case id column (default: %(default)s)")
    group.add_argument("--activity", default="concept:name", metavar="COLUMN",
                       help="activity column (default: %(default)s)")
    group.add_argument("--timestamp", default="time:timestamp", metavar="COLUMN",
                       help="(completion) timestamp column (default: %(default)s)")
    group.add_argument("--start-timestamp", default=None, metavar="COLUMN",
                       help="start timestamp column, if any")
    group.add_argument("--resource", default=None, metavar="COLUMN",
                       help="resource column, if any (renamed org:resource)")
    group.add_argument("--timestamp-format", default=None, metavar="FORMAT",
                       help="strftime format such as '%%d-%%m-%%Y %%H:%%M:%%S' "
                            "(default: ISO 8601 and common forms)")
    group.add_argument("--timezone", default="UTC", metavar="ZONE",
                       help="zone of timestamps without an offset, e.g. Europe/London "
                            "(default: %(default)s)")
    group.add_argument("--sep", default=None, metavar="CHAR",
                       help="CSV separator (default: sniffed among , ; TAB |)")


def csv_mapping(args: argparse.Namespace) -> CsvMapping:
    """The CsvMapping the options describe."""
    from taskloom.mining.io import CsvMapping

    sep = args.sep
    if sep in ("\\t", "tab", "TAB"):
        sep = "\t"
    return CsvMapping(
        case=args.case, activity=args.activity, timestamp=args.timestamp,
        start_timestamp=args.start_timestamp, resource=args.resource,
        timestamp_format=args.timestamp_format, timezone=args.timezone, sep=sep,
    )


def load_log(args: argparse.Namespace, *, positional: str = "log") -> pd.DataFrame:
    """Read the log named on the command line (user-facing errors for bad files)."""
    from taskloom.mining.io import read_log

    path = Path(getattr(args, positional))
    if not path.exists():
        raise CliError(f"{path}: no such file")
    if path.is_dir():
        raise CliError(f"{path}: is a directory, not a log file")
    return read_log(path, csv_mapping(args))

"""Event-log readers and writers: XES (.xes, .xes.gz), CSV (.csv, .csv.gz) and Parquet.

Every reader returns a DataFrame with the standard columns of ``mining.columns``
(case id and activity as text, UTC timestamps), rows in file order.
"""

from __future__ import annotations

import os

import pandas as pd

from taskloom.mining.errors import LogInputError
from taskloom.mining.io._files import check_exists, kind_of
from taskloom.mining.io.csv_io import CsvMapping, read_csv, write_csv
from taskloom.mining.io.parquet_io import read_parquet, write_parquet
from taskloom.mining.io.xes_read import read_xes
from taskloom.mining.io.xes_write import write_xes


def read_log(path: str | os.PathLike[str], csv: CsvMapping | None = None) -> pd.DataFrame:
    """Read a log by its suffix; `csv` maps CSV columns (ignored for XES and Parquet)."""
    kind = kind_of(path)
    check_exists(path)
    if kind in (".xes", ".xes.gz"):
        return read_xes(path)
    if kind in (".csv", ".csv.gz"):
        return read_csv(path, csv)
    return read_parquet(path)


def write_log(log: pd.DataFrame, path: str | os.PathLike[str]) -> None:
    """Write a log by its suffix: .xes, .xes.gz, .csv, .csv.gz or .parquet."""
    kind = kind_of(path)
    if kind in (".xes", ".xes.gz"):
        write_xes(log, path)
    elif kind in (".csv", ".csv.gz"):
        write_csv(log, path)
    else:
        write_parquet(log, path)


__all__ = [
    "CsvMapping",
    "LogInputError",
    "read_csv",
    "read_log",
    "read_parquet",
    "read_xes",
    "write_csv",
    "write_log",
    "write_parquet",
    "write_xes",
]

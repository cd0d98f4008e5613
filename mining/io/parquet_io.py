"""Parquet event logs through pyarrow: types and time zones are stored in the file."""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd

from taskloom.mining.columns import CASE
from taskloom.mining.errors import LogInputError
from taskloom.mining.io._columns import DATETIME_DTYPE


def read_parquet(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read a Parquet log; datetime columns come back as UTC."""
    p = Path(path)
    if not p.is_file():
        raise LogInputError(f"{p}: no such file")
    try:
        frame = pd.read_parquet(p, engine="pyarrow")
    except Exception as exc:  # pyarrow raises ArrowInvalid/OSError variants for bad files
        raise LogInputError(f"{p.name}: not a readable Parquet file ({exc})") from exc
    for name in frame.columns:
        col = frame[name]
        if pd.api.types.is_datetime64_any_dtype(col.dtype):
            col = col.dt.tz_localize("UTC") if col.dt.tz is None else col.dt.tz_convert("UTC")
            frame[name] = col.astype(DATETIME_DTYPE)
    if CASE not in frame.columns:
        raise LogInputError(f"{p.name}: no column {CASE!r}; columns are {', '.join(map(str, frame.columns))}")
    return frame.reset_index(drop=True)


def write_parquet(log: pd.DataFrame, path: str | os.PathLike[str]) -> None:
    """Write the log as Parquet (zstd), keeping dtypes and row order."""
    log.reset_index(drop=True).to_parquet(Path(path), engine="pyarrow", index=False,
                                          compression="zstd")

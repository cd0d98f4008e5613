"""The two-level summary of a merged log as CSV files (``taskloom merge ... --summary OUT.csv``).

Two tables, because they have different rows: per case (touch time, elapsed time, flow
efficiency, staff, task instances, app switches) in ``OUT.csv``, and per system activity
(desk time median and mean, rework, top task types) in ``OUT.activities.csv`` beside it.
The figures are ``mining.twolevel.case_summary`` / ``activity_summary``; this only writes.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from taskloom.errors import UserError

if TYPE_CHECKING:
    import pandas as pd


class SummaryPathError(UserError):
    """A summary file name that cannot be written."""


def activities_path(path: str | os.PathLike[str]) -> Path:
    """Where the per-activity table goes: ``OUT.csv`` → ``OUT.activities.csv``."""
    p = Path(path)
    return p.with_name(f"{p.stem}.activities.csv")


def _write_csv(frame: pd.DataFrame, path: Path) -> None:
    """Write through a temporary file in the same folder and a rename: never half a file."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            frame.to_csv(fh, index=False, float_format="%.3f")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def check_summary_path(path: str | os.PathLike[str]) -> Path:
    """The summary path if it can be written (a .csv name in an existing folder), else a
    SummaryPathError naming the fix; callers check it before a long merge."""
    out = Path(path)
    if out.suffix.lower() != ".csv":
        raise SummaryPathError(f"--summary {out}: the summary is CSV; give a name ending in .csv")
    if out.is_dir() or not out.parent.is_dir():
        raise SummaryPathError(f"--summary {out}: {'is a directory' if out.is_dir() else 'no such folder'}; "
                               "give a file name such as summary.csv in an existing folder")
    return out


def write_summary(merged: pd.DataFrame, path: str | os.PathLike[str]) -> tuple[Path, Path]:
    """Write the per-case summary to ``path`` (.csv) and the per-activity one beside it
    (see ``activities_path``); returns both paths. Seconds are plain numbers (``_s``)."""
    from taskloom.mining.twolevel import activity_summary, case_summary

    out = check_summary_path(path)
    cases = case_summary(merged)
    acts = activity_summary(merged)
    second = activities_path(out)
    _write_csv(cases, out)
    _write_csv(acts, second)
    return out, second

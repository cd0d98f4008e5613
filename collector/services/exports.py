"""Export: a study's UI events to CSV, XES or Parquet (one row per stored event).

CSV and Parquet keep the wire-format columns (``ts`` as ISO 8601 UTC in CSV, ``attrs``
as JSON text). CSV is safe to open in a spreadsheet: cells that would run as formulas
get a leading ``'`` and cells holding CR or LF are quoted (``mining.io.csv_io``);
Parquet keeps every value raw. XES needs a case and an activity: the trace is the user (or the device
when the user is unknown), the activity the event kind, the resource the user; every
wire field stays an event attribute, so nothing is lost.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import orjson

from taskloom.collector.store import Store
from taskloom.errors import UserError

if TYPE_CHECKING:
    import pandas as pd

EMPTY_XES = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<log xes.version="1849-2016" xes.features="nested-attributes" '
    'xmlns="http://www.xes-standard.org/">\n</log>\n'
)

FORMATS = {".csv": "csv", ".xes": "xes", ".parquet": "parquet"}


class ExportFormatError(UserError):
    """An output file name whose suffix names no export format."""


def format_of(path: str | os.PathLike[str]) -> str:
    """The export format named by a file suffix, or ExportFormatError listing the choices."""
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        raise ExportFormatError(f"{path}: cannot tell the format from {suffix or 'no suffix'!r}; "
                         "name the file .csv, .xes or .parquet")
    return FORMATS[suffix]


def flat_frame(events: pd.DataFrame) -> pd.DataFrame:
    """Wire-format columns with ``attrs`` as JSON text (for CSV and Parquet)."""
    out = events.copy()
    out["attrs"] = [orjson.dumps(a).decode() if isinstance(a, dict) else "{}"
                    for a in out["attrs"]]
    return out


def csv_frame(events: pd.DataFrame) -> pd.DataFrame:
    """Wire-format columns as text: ``attrs`` JSON, ``ts`` ISO 8601 UTC with milliseconds."""
    flat = flat_frame(events)
    flat["ts"] = flat["ts"].dt.strftime("%Y-%m-%dT%H:%M:%S.%f").str[:-3] + "Z"
    return flat


def xes_frame(events: pd.DataFrame) -> pd.DataFrame:
    """The UI events as an event log with the XES/pm4py column names."""
    from taskloom.mining import columns as mc

    out = flat_frame(events)
    case = out["user"].where(out["user"].notna(), out["device_id"])
    out.insert(0, mc.CASE, case.astype(str))
    out.insert(1, mc.ACTIVITY, out["kind"].astype(str))
    out.insert(2, mc.TIMESTAMP, out["ts"])
    out[mc.RESOURCE] = out["user"]
    return out.drop(columns=["ts"])


def write_ui_events(events: pd.DataFrame, path: str | os.PathLike[str]) -> int:
    """Write ``events`` (from Store.ui_events_frame) to ``path`` by its suffix; rows written.

    Written to a temporary name first and renamed, so a failed export leaves no half file.
    """
    fmt = format_of(path)
    target = Path(path)
    # A short temporary name in the target's folder (a name built from the target's could
    # pass the file system's 255-byte limit); removed in the finally whatever happens.
    fd, tmp_name = tempfile.mkstemp(prefix=".taskloom-export-", suffix=".part",
                                    dir=target.parent if str(target.parent) else ".")
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        if fmt == "csv":
            from taskloom.mining.io.csv_io import to_safe_csv

            to_safe_csv(csv_frame(events), tmp)
        elif fmt == "parquet":
            flat_frame(events).to_parquet(tmp, index=False)
        elif events.empty:
            # mining.io.write_xes cannot write an empty log (yet); an empty study still
            # exports as a valid XES document with no traces.
            tmp.write_text(EMPTY_XES, encoding="utf-8")
        else:
            from taskloom.mining.io import write_log

            write_log(xes_frame(events), tmp.with_suffix(".xes"))
            tmp.with_suffix(".xes").replace(tmp)
        tmp.replace(target)
    finally:
        tmp.unlink(missing_ok=True)
        tmp.with_suffix(".xes").unlink(missing_ok=True)
    return len(events)


def export_study(store: Store, study: int | str, path: str | os.PathLike[str],
                 actor: str = "cli") -> int:
    """Write a study's UI events to ``path`` (format by suffix) and audit it; rows written."""
    fmt = format_of(path)  # refuse a bad name before reading anything
    study_id = store.get_study(study).id
    rows = write_ui_events(store.ui_events_frame(study_id), path)
    store.audit(actor, "study.export", "study", study_id, format=fmt, file=Path(path).name,
                rows=rows)
    return rows

"""System-log uploads for the Data page: staged once, inspected, previewed, then imported.

The browser sends the file as the raw request body (streamed to disk with the upload limit
checked as it arrives, after authentication). Inspection reads only the head of a CSV:
columns, sample rows, a type per column and a suggested mapping; a preview reads the
first rows with the chosen mapping through the importer itself, so a bad mapping fails
there with the importer's own message.
"""

from __future__ import annotations

import csv
import io
import re
import secrets
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SUFFIXES = (".csv", ".csv.gz", ".xes", ".xes.gz", ".parquet")
HEAD_BYTES = 256 * 1024
SAMPLE_ROWS = 20
PREVIEW_LINES = 2000
TTL_S = 6 * 3600

_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$")
_DATE = re.compile(r"^\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}([ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?)?$")
_INT = re.compile(r"^[+-]?\d+$")
_NUM = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
_BOOL = frozenset({"true", "false", "yes", "no"})
_HINTS = {
    "case": ("case id", "caseid", "case", "case_id", "case:concept:name", "id", "ticket", "patient"),
    "activity": ("activity", "concept:name", "event", "action", "task", "step", "status"),
    "timestamp": ("complete timestamp", "time:timestamp", "end", "timestamp", "time", "date",
                  "completed", "end time", "datetime"),
    "start_timestamp": ("start timestamp", "start", "start time", "started", "start_timestamp"),
    "resource": ("resource", "org:resource", "user", "staff", "employee", "performer", "agent"),
}


@dataclass(frozen=True)
class Upload:
    id: str
    study_id: int
    path: Path
    name: str
    size: int
    created: float

    @property
    def kind(self) -> str:
        lower = self.name.lower()
        return "csv" if ".csv" in lower else "xes" if ".xes" in lower else "parquet"


def check_name(name: str) -> str:
    """A plain file name with a known suffix; ValueError naming the fix otherwise."""
    from taskloom.collector.services.files import safe_file_name

    base = safe_file_name(name, "upload") if name.strip() else ""
    if not base or not base.lower().endswith(SUFFIXES):
        raise ValueError(f"{base or 'the file'}: upload a .csv, .csv.gz, .xes, .xes.gz or "
                         ".parquet file")
    return base


class Uploads:
    """Staged files of this process, removed after ``TTL_S`` or when imported."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="taskloom-uploads-"))
        self._items: dict[str, Upload] = {}
        self._lock = threading.Lock()

    def new_path(self, name: str) -> tuple[str, Path]:
        upload_id = secrets.token_urlsafe(12)
        folder = self.root / upload_id
        folder.mkdir()
        return upload_id, folder / name

    def add(self, upload: Upload) -> None:
        with self._lock:
            self._items[upload.id] = upload
            expired = [u for u in self._items.values() if time.time() - u.created > TTL_S]
        for old in expired:
            self.remove(old.id)

    def get(self, upload_id: str, study_id: int) -> Upload | None:
        with self._lock:
            found = self._items.get(upload_id)
        return found if found is not None and found.study_id == study_id else None

    def remove(self, upload_id: str) -> None:
        with self._lock:
            found = self._items.pop(upload_id, None)
        if found is not None:
            shutil.rmtree(found.path.parent, ignore_errors=True)

    def close(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


def _head_text(path: Path) -> str:
    import gzip

    opener: Any = gzip.open if path.name.lower().endswith(".gz") else open
    with opener(path, "rb") as fh:
        data: bytes = fh.read(HEAD_BYTES)
    text = data.decode("utf-8-sig", errors="replace")
    return text.rsplit("\n", 1)[0] if len(data) == HEAD_BYTES else text


def column_type(values: list[str]) -> str:
    """datetime, integer, number, boolean or text, from sample values (blanks ignored)."""
    vals = [v.strip() for v in values if v and v.strip()]
    if not vals:
        return "empty"
    for name, test in (("integer", _INT.match), ("number", _NUM.match),
                       ("datetime", lambda v: _ISO.match(v) or _DATE.match(v)),
                       ("boolean", lambda v: v.lower() in _BOOL)):
        if all(test(v) for v in vals):
            return name
    return "text"


def _suggest(columns: list[str], types: dict[str, str]) -> dict[str, str | None]:
    taken: set[str] = set()
    out: dict[str, str | None] = {}
    for role in ("case", "start_timestamp", "timestamp", "activity", "resource"):
        found = None
        for hint in _HINTS[role]:
            for col in columns:
                if col in taken or col.strip().lower() != hint:
                    continue
                if role.endswith("timestamp") and types[col] != "datetime":
                    continue
                found = col
                break
            if found:
                break
        if found is None and role == "timestamp":
            found = next((c for c in columns if types[c] == "datetime" and c not in taken), None)
        out[role] = found
        if found:
            taken.add(found)
    return out


def inspect(upload: Upload) -> dict[str, Any]:
    """Columns, sample rows, types and a suggested mapping (CSV); XES/Parquet need none."""
    base = {"upload_id": upload.id, "file_name": upload.name, "size": upload.size,
            "kind": upload.kind}
    if upload.kind != "csv":
        return {**base, "columns": [], "rows": [], "types": {}, "suggested": {}, "sep": None}
    text = _head_text(upload.path)
    try:
        dialect = csv.Sniffer().sniff(text[:16384], delimiters=",;\t|")
        sep = dialect.delimiter
    except csv.Error:
        sep = ","
    reader = csv.reader(io.StringIO(text), delimiter=sep)
    header = next(reader, [])
    rows = [r for _, r in zip(range(200), reader, strict=False)]
    columns = [h.strip() or f"column {i + 1}" for i, h in enumerate(header)]
    types = {c: column_type([r[i] if i < len(r) else "" for r in rows]) for i, c in enumerate(columns)}
    sample = [{c: (r[i] if i < len(r) else "") for i, c in enumerate(columns)} for r in rows[:SAMPLE_ROWS]]
    return {**base, "columns": columns, "rows": sample, "types": types,
            "suggested": _suggest(columns, types), "sep": sep}


def preview_file(upload: Upload, folder: Path) -> Path:
    """The file to preview: the head of a CSV (``PREVIEW_LINES`` lines), else the file."""
    if upload.kind != "csv":
        return upload.path
    import gzip

    out = folder / Path(upload.name.removesuffix(".gz")).name
    opener: Any = gzip.open if upload.name.lower().endswith(".gz") else open
    with opener(upload.path, "rt", encoding="utf-8-sig", errors="replace", newline="") as src, \
            out.open("w", encoding="utf-8", newline="") as dst:
        for _, line in zip(range(PREVIEW_LINES + 1), src, strict=False):
            dst.write(line)
    return out

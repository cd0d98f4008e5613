"""System-log import: read a CSV/XES/Parquet log with a column mapping and store it in a
study, case ids hashed with the study key when asked (as the agent does on identifiers).

Uploads to the server pass ``max_inflated_bytes`` (the upload limit): the limit then
applies to the uncompressed log, counted while streaming before any parsing, so a small
gzip that inflates to gigabytes (a "bomb") is refused with a clear error.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from taskloom.collector import sysimport
from taskloom.collector.store import ImportInfo, Store
from taskloom.errors import UserError

if TYPE_CHECKING:
    import pandas as pd

#: Column-mapping options by name (``sysimport.MAPPING_FIELDS``); None or "" = not given.
Options = Mapping[str, str | None]
#: ``progress(done, total)``: rows stored so far of all (for progress bars).
Progress = Callable[[int, int], None]


class LogFileError(UserError):
    """A system log that cannot be read with the given mapping."""


@dataclass(frozen=True, slots=True)
class Preview:
    """The first rows of a log read with a mapping (nothing stored)."""

    columns: list[str]
    rows: list[dict[str, Any]]
    total_rows: int


def check_inflated_size(path: str | os.PathLike[str], limit: int) -> None:
    """LogFileError unless the log's uncompressed content fits in ``limit`` bytes (gzip
    counted while streaming; Parquet by its decoded size, at least 8 bytes per cell)."""
    from taskloom.mining.io._files import inflated_size

    p = Path(path)
    if p.name.lower().endswith(".parquet"):
        import pyarrow.parquet as pq

        try:
            meta = pq.ParquetFile(p).metadata
        except Exception as exc:  # pyarrow raises several types for a file that is not Parquet
            raise LogFileError(f"{p.name}: not a readable Parquet file ({exc})") from None
        decoded = sum(meta.row_group(i).total_byte_size for i in range(meta.num_row_groups))
        if max(decoded, meta.num_rows * meta.num_columns * 8) > limit:
            raise LogFileError(f"{p.name} decodes to more than {limit} bytes, the limit for "
                               "uploaded logs; import it with `taskloom import` on the server")
        return
    inflated_size(p, limit)


def read_system_log(path: str | os.PathLike[str], options: Options,
                    max_inflated_bytes: int | None = None) -> pd.DataFrame:
    """Read a system log; any reading problem is a user error naming the file. With
    ``max_inflated_bytes`` a log whose uncompressed content is larger is refused first."""
    from taskloom.mining.io import read_log

    try:
        if max_inflated_bytes is not None:
            check_inflated_size(path, max_inflated_bytes)
        return read_log(path, sysimport.csv_mapping(options))
    except UserError:
        raise
    except (ValueError, KeyError) as exc:
        raise LogFileError(f"{Path(path).name}: {exc}") from None


def preview_system_log(path: str | os.PathLike[str], options: Options, rows: int = 20,
                       max_inflated_bytes: int | None = None) -> Preview:
    """Read the log with the mapping and return its first ``rows`` rows as JSON-safe dicts."""
    frame = read_system_log(path, options, max_inflated_bytes)
    return Preview(columns=[str(c) for c in frame.columns],
                   rows=sysimport.preview_rows(frame, rows), total_rows=len(frame))


def _require_cases(frame: pd.DataFrame, file_name: str) -> None:
    """LogFileError naming the first row without a case id (the store needs one per event)."""
    from taskloom.mining import columns as mc

    missing = frame[mc.CASE].isna().to_numpy() if mc.CASE in frame.columns else None
    if missing is not None and missing.any():
        first = int(missing.argmax()) + 1
        raise LogFileError(f"{file_name}: {int(missing.sum())} events have no case id (the first is data row "
                           f"{first}); every system event needs one: fill them in or drop those rows (a merged "
                           "log with unattributed tasks goes in with `taskloom merge --study`)")


def import_frame(store: Store, study_id: int, file_name: str, options: Options,
                 frame: pd.DataFrame, *, hash_case_ids: bool = False, case_prefix: str = "",
                 actor: str = "cli", progress: Progress | None = None) -> ImportInfo:
    """Map a read system log to store rows and store it as one import of the study
    (``progress(rows stored, rows)`` while storing)."""
    if len(frame) == 0:
        raise LogFileError(f"{file_name}: the log has no events (a header without rows, or no traces); "
                           "give a log with events")
    _require_cases(frame, file_name)
    key = store.study_key(study_id) if hash_case_ids else None
    rows = sysimport.to_rows(frame, key, case_prefix)
    mapping: dict[str, Any] = sysimport.given_options(options)
    if hash_case_ids:
        mapping["case_prefix"] = case_prefix
    return store.create_import(study_id, file_name, mapping, hash_case_ids, rows, actor=actor,
                               progress=progress)


def import_system_log(store: Store, study_id: int, path: str | os.PathLike[str],
                      options: Options, *, hash_case_ids: bool = False, case_prefix: str = "",
                      actor: str = "cli", progress: Progress | None = None,
                      max_inflated_bytes: int | None = None) -> ImportInfo:
    """Read and import a log file; a file that cannot be read is recorded as a failed import."""
    name = Path(path).name
    store.get_study(study_id)  # NotFound before any reading
    try:
        frame = read_system_log(path, options, max_inflated_bytes)
    except UserError as exc:
        store.record_failed_import(study_id, name, sysimport.given_options(options), str(exc),
                                   actor)
        raise
    return import_frame(store, study_id, name, options, frame, hash_case_ids=hash_case_ids,
                        case_prefix=case_prefix, actor=actor, progress=progress)

"""Opening log files: suffix detection and whole-file reads with user-facing errors."""

from __future__ import annotations

import gzip
import os
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from taskloom.mining.errors import LogInputError

SUFFIXES = (".xes.gz", ".csv.gz", ".xes", ".csv", ".parquet")
T = TypeVar("T")


def kind_of(path: str | os.PathLike[str]) -> str:
    """The format of a log file from its name: one of SUFFIXES."""
    name = Path(path).name.lower()
    for suffix in SUFFIXES:
        if name.endswith(suffix):
            return suffix
    raise LogInputError(
        f"{Path(path).name}: unknown log format; use one of {', '.join(SUFFIXES)}"
    )


def check_exists(path: str | os.PathLike[str]) -> Path:
    p = Path(path)
    if not p.is_file():
        raise LogInputError(f"{p}: no such file")
    return p


def read_bytes(path: str | os.PathLike[str]) -> bytes:
    """The file's content, gunzipped when its name ends in .gz (truncation is an error)."""
    p = check_exists(path)
    data = p.read_bytes()
    if p.name.lower().endswith(".gz"):
        try:
            return gzip.decompress(data)
        except (EOFError, OSError, zlib.error) as exc:
            raise LogInputError(
                f"{p.name}: the gzip data is truncated or corrupt ({exc}); "
                "re-download or re-compress the file"
            ) from exc
    return data


def parse_file(path: str | os.PathLike[str], parse: Callable[[bytes, str], T]) -> T:
    """parse(content, file stem) for a model file; errors name the file."""
    p = check_exists(path)
    try:
        return parse(p.read_bytes(), p.stem)
    except LogInputError as exc:
        raise LogInputError(f"{p}: {exc}") from None

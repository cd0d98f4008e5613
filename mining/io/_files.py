"""Opening log files: suffix detection, streamed reads with user-facing errors, and a
bound on the inflated size of a compressed file (a gzip bomb is refused before parsing).

Nothing here inflates a whole file in memory: gzip is read through a decompressor with
bounded output per step.
"""

from __future__ import annotations

import contextlib
import gzip
import os
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, TypeVar, cast

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


def _corrupt(p: Path, exc: BaseException) -> LogInputError:
    return LogInputError(
        f"{p.name}: the gzip data is truncated or corrupt ({exc}); "
        "re-download or re-compress the file"
    )


@contextlib.contextmanager
def open_log(path: str | os.PathLike[str]) -> Iterator[IO[bytes]]:
    """The file as a binary stream, gunzipped on the fly when its name ends in .gz; a
    truncated or corrupt gzip is a LogInputError naming the file."""
    p = check_exists(path)
    gz = p.name.lower().endswith(".gz")
    try:
        with gzip.open(p, "rb") if gz else p.open("rb") as fh:
            yield cast(IO[bytes], fh)
    except (EOFError, zlib.error, gzip.BadGzipFile) as exc:
        raise _corrupt(p, exc) from exc


def read_bytes(path: str | os.PathLike[str], limit: int | None = None) -> bytes:
    """The file's content, gunzipped when its name ends in .gz (truncation is an error);
    with ``limit``, a LogInputError once the content passes ``limit`` bytes."""
    with open_log(path) as fh:
        data = fh.read() if limit is None else fh.read(limit + 1)
    if limit is not None and len(data) > limit:
        raise too_large(Path(path), limit)
    return data


def too_large(p: Path, limit: int) -> LogInputError:
    return LogInputError(
        f"{p.name} inflates to more than {limit} bytes, the limit for uncompressed logs; "
        "split the log or import it with `taskloom import` on the server"
    )


def inflated_size(path: str | os.PathLike[str], limit: int) -> int:
    """The uncompressed size of a log file, counted while streaming (never held); a
    LogInputError as soon as it passes ``limit`` (a gzip bomb is refused unparsed)."""
    p = check_exists(path)
    if not p.name.lower().endswith(".gz"):
        size = p.stat().st_size
        if size > limit:
            raise too_large(p, limit)
        return size
    total = 0
    step = 1 << 20
    with p.open("rb") as fh:
        inflater = zlib.decompressobj(wbits=31)
        try:
            while piece := fh.read(step):
                while piece:
                    total += len(inflater.decompress(piece, step))
                    if total > limit:
                        raise too_large(p, limit)
                    if inflater.eof:  # another gzip member may follow
                        piece = inflater.unused_data
                        inflater = zlib.decompressobj(wbits=31)
                    else:
                        piece = inflater.unconsumed_tail
        except zlib.error as exc:
            raise _corrupt(p, exc) from exc
    return total


def parse_file(path: str | os.PathLike[str], parse: Callable[[bytes, str], T]) -> T:
    """parse(content, file stem) for a model file; errors name the file."""
    p = check_exists(path)
    try:
        return parse(p.read_bytes(), p.stem)
    except LogInputError as exc:
        raise LogInputError(f"{p}: {exc}") from None

"""Reading an XES file's bytes in pieces: plain or gzip (several members allowed, each
piece at most BLOCK bytes however well the data compresses), decompressed in a thread a few pieces ahead of the scan (``prefetch.prefetched``); a truncated
or corrupt gzip is a LogInputError naming the file."""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from pathlib import Path

from taskloom.mining.errors import LogInputError

BLOCK = 16 << 20  # bytes per piece of a plain file (the scan works block by block)
READ = 1 << 20    # compressed bytes read at a time


def plain_stream(path: Path) -> Iterator[bytes]:
    with open(path, "rb") as fh:
        while piece := fh.read(BLOCK):
            yield piece


def read_pieces(path: Path) -> Iterator[bytes]:
    """The decompressed content in pieces; a truncated or corrupt gzip is a LogInputError."""
    try:
        if path.name.lower().endswith(".gz"):
            yield from gunzip_stream(path)
        else:
            yield from plain_stream(path)
    except zlib.error as exc:
        raise LogInputError(
            f"{path.name}: the gzip data is corrupt ({exc}); re-download or re-compress the file"
        ) from exc


def gunzip_stream(path: Path) -> Iterator[bytes]:
    with open(path, "rb") as fh:
        inflater = zlib.decompressobj(wbits=31)
        started = False  # the current member received input
        while piece := fh.read(READ):
            while piece:
                started = True
                # Bounded output per call: 1 MB of a gzip bomb would otherwise inflate to
                # 1 GB in one piece.
                out = inflater.decompress(piece, BLOCK)
                if out:
                    yield out
                if inflater.eof:
                    piece = inflater.unused_data
                    inflater = zlib.decompressobj(wbits=31)
                    started = False
                else:
                    piece = inflater.unconsumed_tail
        if started and not inflater.eof:
            raise LogInputError(
                f"{path.name}: the gzip data is truncated (the stream ends early); "
                "re-download or re-compress the file"
            )

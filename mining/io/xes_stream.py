"""Reading an XES file's bytes in pieces: plain or gzip (several members allowed),
decompressed in a thread a few pieces ahead of the scan; a truncated or corrupt gzip is a
LogInputError naming the file."""

from __future__ import annotations

import contextlib
import queue
import threading
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


def prefetched(source: Iterator[bytes], depth: int = 2) -> Iterator[bytes]:
    """Run `source` in a thread, `depth` pieces ahead: zlib and file reads release the GIL,
    so decompression overlaps the regex scan of the previous piece."""
    pieces: queue.Queue[tuple[bytes | None, BaseException | None]] = queue.Queue(depth)
    stop = threading.Event()

    def produce() -> None:
        try:
            for piece in source:
                if stop.is_set():
                    return
                pieces.put((piece, None))
            pieces.put((None, None))
        except BaseException as exc:  # handed to the consumer, re-raised there
            pieces.put((None, exc))

    worker = threading.Thread(target=produce, name="xes-inflate", daemon=True)
    worker.start()
    try:
        while True:
            piece, error = pieces.get()
            if error is not None:
                raise error
            if piece is None:
                return
            yield piece
    finally:
        stop.set()
        while worker.is_alive():
            with contextlib.suppress(queue.Empty):
                pieces.get(timeout=0.05)
        worker.join()


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
                out = inflater.decompress(piece)
                if out:
                    yield out
                if inflater.eof:
                    piece = inflater.unused_data
                    inflater = zlib.decompressobj(wbits=31)
                    started = False
                else:
                    piece = b""
        if started and not inflater.eof:
            raise LogInputError(
                f"{path.name}: the gzip data is truncated (the stream ends early); "
                "re-download or re-compress the file"
            )

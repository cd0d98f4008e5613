"""Read ahead in a thread: the next items of an iterator are produced while this one is used.

Helps where producing releases the GIL (zlib, file reads, a database driver fetching
rows), so production overlaps the consumer's work.
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Iterator
from typing import TypeVar

T = TypeVar("T")
_END = object()


def prefetched(source: Iterator[T], depth: int = 2, name: str = "prefetch") -> Iterator[T]:
    """Items of ``source``, produced up to ``depth`` ahead in a thread; its errors re-raised here."""
    items: queue.Queue[tuple[object, BaseException | None]] = queue.Queue(depth)
    stop = threading.Event()

    def produce() -> None:
        try:
            for item in source:
                if stop.is_set():
                    return
                items.put((item, None))
            items.put((_END, None))
        except BaseException as exc:  # handed to the consumer, re-raised there
            items.put((_END, exc))

    worker = threading.Thread(target=produce, name=name, daemon=True)
    worker.start()
    try:
        while True:
            item, error = items.get()
            if error is not None:
                raise error
            if item is _END:
                return
            yield item  # type: ignore[misc]
    finally:
        stop.set()
        while worker.is_alive():
            with contextlib.suppress(queue.Empty):
                items.get(timeout=0.05)
        worker.join()

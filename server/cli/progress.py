"""A progress bar on stderr for long CLI jobs (the console shows the same jobs on its pages).

Drawn only on a terminal (scripts and logs get no carriage-return noise); redraws at most
ten times a second. Callers pass it where a job takes ``progress(done, total)``.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

WIDTH = 30


class ProgressBar:
    """``bar(done, total)`` draws ``label [#####     ]  45%  120,000/262,200``."""

    def __init__(self, label: str, stream: TextIO | None = None, enabled: bool | None = None,
                 unit: str = "") -> None:
        self.label = label
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self.unit = f" {unit}" if unit else ""
        self._last = 0.0
        self._drawn = False

    def line(self, done: int, total: int) -> str:
        frac = min(1.0, done / total) if total > 0 else 1.0
        full = round(frac * WIDTH)
        return (f"{self.label} [{'#' * full}{' ' * (WIDTH - full)}] {frac * 100:3.0f}%  "
                f"{done:,}/{total:,}{self.unit}")

    def __call__(self, done: int, total: int) -> None:
        if not self.enabled:
            return
        now = time.monotonic()
        if done < total and now - self._last < 0.1:
            return
        self._last = now
        self.stream.write("\r" + self.line(done, total))
        self.stream.flush()
        self._drawn = True

    def stage(self, text: str) -> None:
        """A phase without a count (e.g. reading the file)."""
        if self.enabled:
            self.stream.write(f"\r{self.label}: {text}\033[K")
            self.stream.flush()
            self._drawn = True

    def close(self) -> None:
        if self._drawn:
            self.stream.write("\n")
            self.stream.flush()
            self._drawn = False

"""Fixtures for the log reader tests: pm4py as the oracle, quiet."""

from __future__ import annotations

import contextlib
import io
import warnings
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest


@pytest.fixture(scope="session")
def pm4py_read_xes() -> Callable[[Path, str], pd.DataFrame]:
    """pm4py.read_xes(path, variant=...) without its banner and progress bars."""
    with contextlib.redirect_stdout(io.StringIO()):  # pm4py prints a banner on import
        pm4py = pytest.importorskip("pm4py")

    def read(path: Path, variant: str) -> pd.DataFrame:
        with warnings.catch_warnings(), contextlib.redirect_stderr(io.StringIO()), \
                contextlib.redirect_stdout(io.StringIO()):
            warnings.simplefilter("ignore")
            return pm4py.read_xes(str(path), variant=variant)

    return read

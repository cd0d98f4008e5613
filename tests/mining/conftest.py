"""Fixtures of the mining tests: the shared real logs, read once per session."""

from __future__ import annotations

import warnings
from pathlib import Path

import pandas as pd
import pytest

from tests.mining import factories

LOGS = factories.SHARED_LOGS


@pytest.fixture(scope="session")
def read_shared(shared_data: Path):  # type: ignore[no-untyped-def]
    """Function name → (taskloom DataFrame, pm4py DataFrame), cached for the session."""
    cache: dict[str, tuple[pd.DataFrame, pd.DataFrame]] = {}

    def read(name: str) -> tuple[pd.DataFrame, pd.DataFrame]:
        if name not in cache:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                cache[name] = factories.read_both(shared_data, name)
        return cache[name]

    return read

"""Fixtures of the conformance tests: pm4py quiet (no warnings, no progress bars)."""

from __future__ import annotations

import warnings

import pytest


@pytest.fixture(autouse=True)
def _quiet(monkeypatch: pytest.MonkeyPatch) -> None:
    warnings.simplefilter("ignore")
    monkeypatch.setattr("pm4py.util.constants.SHOW_PROGRESS_BAR", False, raising=False)

"""Linking on a study (minimal placeholder from the linkmodel branch).

The linking helper (linkcore) owns this module: it stores task instances and their links
per study and returns the merged two-level log here. Until that lands, a study has no
stored merged log, and callers fall back to the study's imported system log.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from taskloom.collector.store import Store

if TYPE_CHECKING:
    import pandas as pd


def load_merged_log(store: Store, study: int | str) -> pd.DataFrame | None:
    """The stored merged log of ``study``; None when the study has no links yet (always,
    until stored links exist)."""
    del store, study
    return None

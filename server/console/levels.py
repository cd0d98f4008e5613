"""The two levels of a study's log: system (case) events and the task instances beneath them.

A merged two-level log (DESIGN.md, "The merged log") marks each row with ``level``; task
rows carry ``task_type`` and ``parent`` (the system activity the task served). Such a log
reaches the console as an imported system log (e.g. written by ``taskloom merge``); the
system map, filters, statistics and variants work on the system rows, and a system
activity expands into the map of the task rows under it. When linked tasks are stored
per study, ``task_rows`` is the one place that reads them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import pandas as pd

LEVEL, PARENT, TASK_TYPE, TASK_INSTANCE = "level", "parent", "task_type", "task_instance"
TASK_LEVELS = frozenset({"task", "tasks", "task-level", "task_level"})


def _task_mask(log: pd.DataFrame) -> pd.Series:
    return log[LEVEL].astype(str).str.strip().str.lower().isin(TASK_LEVELS)


def system_rows(log: pd.DataFrame) -> pd.DataFrame:
    """The case-level events (the whole log when it has one level)."""
    if LEVEL not in log.columns:
        return log
    return log[~_task_mask(log).to_numpy()].dropna(axis=1, how="all")


def task_rows(log: pd.DataFrame) -> pd.DataFrame | None:
    """The task-level events with a parent activity, or None for a one-level log."""
    if LEVEL not in log.columns or PARENT not in log.columns or TASK_TYPE not in log.columns:
        return None
    rows = log[_task_mask(log).to_numpy()]
    rows = rows[rows[PARENT].notna().to_numpy()]
    return rows if len(rows) else None


def relabel(log: pd.DataFrame, labels: dict[str, str]) -> pd.DataFrame:
    """Task rows named by the analyst's labels (type id → label; the Tasks page stores them)."""
    if not labels or LEVEL not in log.columns or TASK_TYPE not in log.columns:
        return log
    from taskloom.mining.columns import ACTIVITY

    named = log[TASK_TYPE].astype(str).map(labels)
    mask = (_task_mask(log) & named.notna()).to_numpy()
    if not mask.any():
        return log
    out = log.copy()
    out.loc[mask, ACTIVITY] = named[mask].to_numpy()
    return out

"""Task discovery on a study: its stored UI events as the rows `taskloom export` writes and
the task-mining event frame, so discovering on a study gives what discovering on its
exported file gives."""

from __future__ import annotations

from typing import TYPE_CHECKING

from taskloom.collector.services.exports import csv_frame
from taskloom.collector.store import Store, StoreError

if TYPE_CHECKING:
    import pandas as pd


def study_events(store: Store, study: int | str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(wire-format rows as exported, task-mining event frame) of a study's UI events.

    The device of each row is the one its token named. StoreError when the study has no
    UI events yet (nothing to discover).
    """
    from taskloom.collector.tasks.events import WIRE_READ, from_wire

    found = store.get_study(study)
    rows = csv_frame(store.ui_events_frame(found.id))
    if rows.empty:
        raise StoreError(f"study {found.name!r} has no UI events yet; enrol agents or run "
                         "`taskloom demo`")
    return rows, from_wire(rows[[c for c in WIRE_READ if c in rows.columns]])

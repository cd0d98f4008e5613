"""Task discovery for the commands: a study's stored UI events as the rows `taskloom export`
writes and the task-mining event frame (so discovering on a study gives what discovering
on its exported file gives), and the model and labels files around the pure ``discover``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from taskloom.collector.services.exports import csv_frame
from taskloom.collector.store import Store, StoreError
from taskloom.errors import UserError

if TYPE_CHECKING:
    import pandas as pd

    from taskloom.collector.tasks.cluster import TypeModel
    from taskloom.collector.tasks.discover import Discovery


class TaskFileError(UserError, ValueError):
    """A model or labels file that cannot be read; the message names the file and the fix."""


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


def read_type_model(path: Path | None) -> TypeModel:
    """The saved type model (``--model`` file), or an empty one when there is no file yet."""
    from taskloom.collector.tasks.cluster import TypeModel

    if path is None or not path.exists():
        return TypeModel({}, 1)
    try:
        return TypeModel.from_json(path.read_text())
    except (ValueError, KeyError) as exc:
        raise TaskFileError(f"{path}: not a task-type model file ({exc}); delete it or give "
                            "another --model path") from exc


def read_labels(path: Path | None) -> dict[str, str]:
    """The analyst's labels (``--labels`` file), or none when there is no file yet."""
    from taskloom.collector.tasks.labels import parse_labels

    if path is None or not path.exists():
        return {}
    try:
        return parse_labels(path.read_text())
    except (ValueError, AttributeError) as exc:
        raise TaskFileError(f"{path}: not a labels file (JSON object type id → label: {exc}); "
                            "fix it or give another --labels path") from exc


def discover_with_files(ev: pd.DataFrame, model_path: Path | None = None,
                        labels_path: Path | None = None, **params: Any) -> Discovery:
    """Read the model and labels files, run the pure ``discover``, write both files back."""
    from taskloom.collector.tasks.discover import discover
    from taskloom.collector.tasks.labels import labels_json

    res = discover(ev, model=read_type_model(model_path), saved_labels=read_labels(labels_path),
                   **params)
    if model_path is not None:
        model_path.write_text(res.model.to_json())
    if labels_path is not None:
        labels_path.write_text(labels_json(res.labels))
    return res

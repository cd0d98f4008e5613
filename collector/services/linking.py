"""Linking as the CLI and the API both run it: tasks (discovered when missing), links, merged log.

``link_and_merge`` works on frames (a UI-event file's rows and a system log); ``run_merge``
runs it on a study's stored UI events and imported system log and stores task types,
task instances and links, replacing an earlier run atomically; ``load_merged_log`` gives
the stored merged log back (the two-level model reads it).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd

from taskloom.collector.linking.link import LinkOptions, link_tasks
from taskloom.collector.linking.merged import build_merged_log
from taskloom.collector.linking.tasks import link_events
from taskloom.errors import UserError

if TYPE_CHECKING:
    from taskloom.collector.store import Store

log = logging.getLogger(__name__)

LINKS_COLUMNS = ("event_id", "task_type", "task_instance", "case_id", "system_activity", "method", "confidence")


class UserMapError(UserError, ValueError):
    """A user map without the user and resource columns."""


@dataclass
class Merge:
    """The outcome of one merge: the merged log, per-event links, per-task links, type labels."""

    merged: pd.DataFrame
    links: pd.DataFrame
    tasks: pd.DataFrame
    labels: dict[str, str]
    discovered: bool
    skew_s: dict[str, float]


def user_map_from_frame(frame: pd.DataFrame, source: str = "the user map") -> dict[str, str]:
    """``user,resource`` rows → a dict (a UserMapError names the missing columns)."""
    missing = [c for c in ("user", "resource") if c not in frame.columns]
    if missing:
        raise UserMapError(f"{source} has no {' and '.join(missing)} column; it needs the columns user,resource "
                           f"(found: {', '.join(map(str, frame.columns)) or 'none'})")
    rows = frame.dropna(subset=["user", "resource"])
    return dict(zip(rows["user"].astype(str), rows["resource"].astype(str), strict=True))


def with_tasks(rows: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, str], bool]:
    """UI-event rows with ``task_type``/``task_instance`` (discovered when the rows carry none)."""
    if {"task_type", "task_instance"} <= set(rows.columns) and rows["task_instance"].notna().any():
        return rows, {}, False
    from taskloom.collector.tasks.discover import discover
    from taskloom.collector.tasks.events import WIRE_READ, from_wire

    missing = [c for c in ("ts", "kind") if c not in rows.columns]
    if missing:
        raise UserError(f"the UI events have no {', '.join(missing)} column; give a file as `taskloom export` "
                        "writes it (wire-format columns)")
    found = discover(from_wire(rows[[c for c in WIRE_READ if c in rows.columns]]))
    out = rows.copy()
    out["task_type"] = found.task_type
    out["task_instance"] = found.task_instance
    log.info("discovered %d task instances of %d types", len(found.segments), len(found.labels))
    return out, found.labels, True


def link_and_merge(rows: pd.DataFrame, system_log: pd.DataFrame, options: LinkOptions | None = None) -> Merge:
    """Tasks (discovered when missing), their links to ``system_log`` cases, the merged log."""
    missing = [c for c in ("ts", "user") if c not in rows.columns]
    if missing:
        raise UserError(f"the UI events have no {' and '.join(missing)} column; give a file as `taskloom export` "
                        "writes it (wire-format columns)")
    rows, labels, discovered = with_tasks(rows)
    events = link_events(rows)
    if labels and "task_label" not in events.columns:
        events["task_label"] = events["task_type"].map(labels).fillna(events["task_type"])
    result = link_tasks(events, system_log, options)
    merged = build_merged_log(system_log, result.tasks, result.tasks)
    links = result.events[list(LINKS_COLUMNS)]
    return Merge(merged, links, result.tasks, labels, discovered, result.skew_s)


def study_system_log(store: Store, study: int | str) -> pd.DataFrame:
    """A study's imported system log as an event log, stored attributes as columns."""
    frame = store.system_events_frame(study)
    attrs = frame.pop("attributes")
    frame = frame.drop(columns=["import_id"])
    if len(frame) and attrs.map(bool).any():
        extra = pd.DataFrame(list(attrs.map(lambda a: a or {})), index=frame.index)
        frame = pd.concat([frame, extra[[c for c in extra.columns if c not in frame.columns]]], axis=1)
    return frame


def run_merge(store: Store, study: int | str, options: LinkOptions | None = None,
              discovered: tuple[pd.DataFrame, dict[str, str]] | None = None) -> Merge:
    """Merge a study's stored UI events with its imported system log and store the result.

    Task types, task instances, links and event membership replace the previous merge in one
    transaction. ``discovered``: the study's exported rows with task columns and the type
    labels, when tasks were just discovered on them (else they are discovered here).
    UserError when the study has no UI events or no system log yet.
    """
    from taskloom.collector.services.tasks import study_events

    found = store.get_study(study)
    system = study_system_log(store, found.id)
    if system.empty:
        raise UserError(f"study {found.name!r} has no system log yet; import one with "
                        f"`taskloom import --study {found.name} LOG`")
    if discovered is not None:
        rows, known = discovered
        rows = rows.assign(task_label=rows["task_type"].map(known).fillna(rows["task_type"]))
    else:
        rows, _ = study_events(store, found.id)
    result = link_and_merge(rows, system, options)
    if discovered is not None:
        result.labels = {**discovered[1], **result.labels}
    tasks = result.tasks
    labels = dict(result.labels)
    label_col = tasks["task_label"] if "task_label" in tasks.columns else tasks["task_type"]
    for type_id, label in zip(tasks["task_type"].astype(str), label_col.astype(str), strict=True):
        labels.setdefault(type_id, label)
    instances = pd.DataFrame({
        "instance_id": tasks.index.astype(str), "type_id": tasks["task_type"].astype(str).to_numpy(),
        "user": tasks["user"].to_numpy(), "device": tasks["device"].to_numpy(),
        "start_ts": tasks["start"].to_numpy(), "end_ts": tasks["end"].to_numpy(),
        "active_s": tasks["active_time"].to_numpy(), "app": tasks["app"].to_numpy(),
        "app_switches": tasks["app_switches"].to_numpy(), "events": tasks["events"].to_numpy(),
    })
    links = pd.DataFrame({"instance_id": tasks.index.astype(str), **{
        c: tasks[c].to_numpy() for c in ("case_id", "system_activity", "parent_event", "method", "confidence",
                                         "secondary_case")}})
    members = result.links[["event_id", "task_instance"]].dropna().rename(columns={"task_instance": "instance_id"})
    saved = store.replace_links(found.id, labels, instances, links, members)
    log.info("stored %d task instances (%d linked) of study %s", saved.task_instances, saved.linked, found.name)
    return result


def load_merged_log(store: Store, study: int | str) -> pd.DataFrame | None:
    """The stored merged log of a study (``build_merged_log`` of its stored merge); None before a merge."""
    frames = store.links_frames(study)
    if frames is None:
        return None
    instances, links, labels = frames
    tasks = instances.rename(columns={"instance_id": "task_instance", "type_id": "task_type", "start_ts": "start",
                                      "end_ts": "end", "active_s": "active_time"}).set_index("task_instance")
    tasks["task_label"] = tasks["task_type"].map(labels).fillna(tasks["task_type"])
    per_task = links.rename(columns={"instance_id": "task_instance"}).set_index("task_instance")
    return build_merged_log(study_system_log(store, study), tasks, per_task)


def stored_links(store: Store, study: int | str) -> pd.DataFrame | None:
    """LINKS rows (one per stored UI event in a task) of the study's stored merge; None before a merge."""
    frames = store.links_frames(study)
    if frames is None:
        return None
    instances, links, _ = frames
    members = store.task_events_frame(study)
    per_task = links.set_index("instance_id")
    kinds = instances.set_index("instance_id")["type_id"]
    inst = members["instance_id"].to_numpy()
    out = pd.DataFrame({
        "event_id": members["event_id"].to_numpy(), "task_type": kinds.reindex(inst).to_numpy(),
        "task_instance": inst, "case_id": per_task["case_id"].reindex(inst).to_numpy(),
        "system_activity": per_task["system_activity"].reindex(inst).to_numpy(),
        "method": per_task["method"].reindex(inst).to_numpy(),
        "confidence": per_task["confidence"].reindex(inst).to_numpy(),
    })
    return out

"""Merged two-level logs per /work/notes/CONTRACT-merged-log.md, made without the linker.

One row per system event (level "case") and one per task instance (level "task"); task
rows reference the system event they serve through ``parent_event``. Vectorised so the
benchmark can ask for a million task rows. Deterministic for a given seed.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

VARIANTS = (
    ("Referral", "Triage", "Appointment", "Discharge"),
    ("Referral", "Triage", "Review results", "Appointment", "Discharge"),
    ("Referral", "Triage", "Review results", "Review results", "Appointment", "Discharge"),
    ("Referral", "Triage", "Discharge"),
)
# Task types (id, label) each system activity draws its desk work from.
TASK_TYPES = {
    "Referral": (("T1", "Open chart"), ("T2", "Read referral letter")),
    "Triage": (("T1", "Open chart"), ("T3", "Write triage note"), ("T4", "Order tests")),
    "Review results": (("T5", "Review results"), ("T6", "Write note")),
    "Appointment": (("T7", "Book appointment"),),
    "Discharge": (("T6", "Write note"), ("T8", "Write discharge letter"), ("T1", "Open chart")),
}
UNATTRIBUTED_TYPES = (("T9", "Inbox"), ("T10", "Rota"), ("T6", "Write note"))
APPS = ("ehr.exe", "outlook.exe", "chrome.exe")
T0 = pd.Timestamp("2026-03-02 08:00", tz="UTC")


def merged_log(n_cases: int = 40, seed: int = 7, tasks_per_event: float = 1.6,
               unattributed: int = 12, case_only: int = 3, extra_task_factor: int = 1) -> pd.DataFrame:
    """A merged log with ``n_cases`` cases; about ``tasks_per_event`` tasks per system event
    (some events get none), ``unattributed`` tasks with no case and ``case_only`` tasks with a
    case but no system event. Times are in UTC; rows sorted as the contract says."""
    rng = np.random.default_rng(seed)
    # ---- system events
    variant = rng.integers(0, len(VARIANTS), n_cases)
    lengths = np.array([len(v) for v in VARIANTS])[variant]
    case_of = np.repeat(np.arange(n_cases), lengths)
    pos = np.arange(len(case_of)) - np.repeat(np.cumsum(lengths) - lengths, lengths)
    flat = [act for v in variant.tolist() for act in VARIANTS[v]]
    n_ev = len(flat)
    gaps = rng.integers(600, 3 * 3600, n_ev).astype(np.int64)
    gaps[pos == 0] = 0
    case_start = rng.integers(0, max(n_cases, 1) * 900, n_cases).astype(np.int64)
    total = np.cumsum(gaps)
    ev_s = case_start[case_of] + total - np.repeat(total[np.cumsum(lengths) - lengths], lengths)
    ev_ts = T0 + pd.to_timedelta(ev_s, unit="s")
    ev_ids = np.array([f"s{i}" for i in range(n_ev)], dtype=object)
    cases = pd.DataFrame({
        "event_id": ev_ids,
        "case:concept:name": np.array([f"C{c:05d}" for c in case_of], dtype=object),
        "concept:name": np.array(flat, dtype=object),
        "time:timestamp": ev_ts,
        "start_timestamp": ev_ts,
        "org:resource": np.array([f"ehr{r}" for r in rng.integers(1, 6, n_ev)], dtype=object),
        "level": "case",
    })
    # ---- tasks linked to system events
    n_tasks_ev = rng.poisson(tasks_per_event * extra_task_factor, n_ev)
    n_tasks_ev[rng.random(n_ev) < 0.25] = 0  # some steps have no linked desk work
    parent_idx = np.repeat(np.arange(n_ev), n_tasks_ev)
    n_t = len(parent_idx)
    within = np.arange(n_t) - np.repeat(np.cumsum(n_tasks_ev) - n_tasks_ev, n_tasks_ev)
    from_end = np.repeat(n_tasks_ev, n_tasks_ev) - 1 - within
    acts = np.array(flat, dtype=object)[parent_idx]
    pick = rng.random(n_t)
    tt_id = np.empty(n_t, dtype=object)
    tt_label = np.empty(n_t, dtype=object)
    for act, types in TASK_TYPES.items():
        m = acts == act
        k = np.minimum((pick[m] * len(types)).astype(int), len(types) - 1)
        tt_id[m] = np.array([t[0] for t in types], dtype=object)[k]
        tt_label[m] = np.array([t[1] for t in types], dtype=object)[k]
    active = np.round(rng.gamma(2.0, 45.0, n_t), 1)
    end_s = ev_s[parent_idx] - 30 - from_end * 400 - rng.integers(0, 60, n_t)
    start_s = end_s - active - rng.integers(0, 120, n_t)
    linked = pd.DataFrame({
        "event_id": np.array([f"t{i}" for i in range(n_t)], dtype=object),
        "case:concept:name": cases["case:concept:name"].to_numpy()[parent_idx],
        "concept:name": tt_label,
        "time:timestamp": T0 + pd.to_timedelta(end_s, unit="s"),
        "start_timestamp": T0 + pd.to_timedelta(start_s, unit="s"),
        "org:resource": np.array([f"u{r}" for r in rng.integers(1, 9, n_t)], dtype=object),
        "level": "task",
        "task_type": tt_id,
        "parent": acts,
        "parent_event": ev_ids[parent_idx],
        "link_method": np.array(["id", "time", "propagated"], dtype=object)[rng.integers(0, 3, n_t)],
        "link_confidence": np.round(rng.uniform(0.6, 1.0, n_t), 2),
        "active_time": active,
        "app": np.array(APPS, dtype=object)[rng.integers(0, len(APPS), n_t)],
        "device": np.array([f"ws{r}" for r in rng.integers(1, 6, n_t)], dtype=object),
        "app_switches": rng.integers(0, 6, n_t),
    })
    # ---- unattributed (no case) and case-only (a case, no system event) tasks
    n_u = unattributed + case_only
    span = int(ev_s.max()) if n_ev else 3600
    u_end = rng.integers(0, max(span, 1), n_u)
    u_active = np.round(rng.gamma(2.0, 30.0, n_u), 1)
    k = rng.integers(0, len(UNATTRIBUTED_TYPES), n_u)
    u_case = np.array([None] * unattributed
                      + [f"C{c:05d}" for c in rng.integers(0, max(n_cases, 1), case_only)], dtype=object)
    other = pd.DataFrame({
        "event_id": np.array([f"t{n_t + i}" for i in range(n_u)], dtype=object),
        "case:concept:name": u_case,
        "concept:name": np.array([t[1] for t in UNATTRIBUTED_TYPES], dtype=object)[k],
        "time:timestamp": T0 + pd.to_timedelta(u_end, unit="s"),
        "start_timestamp": T0 + pd.to_timedelta(u_end - u_active - 5, unit="s"),
        "org:resource": np.array([f"u{r}" for r in rng.integers(1, 9, n_u)], dtype=object),
        "level": "task",
        "task_type": np.array([t[0] for t in UNATTRIBUTED_TYPES], dtype=object)[k],
        "parent": None,
        "parent_event": None,
        "link_method": np.array(["none"] * unattributed + ["propagated"] * case_only, dtype=object),
        "link_confidence": np.array([0.0] * unattributed + [0.5] * case_only),
        "active_time": u_active,
        "app": np.array(APPS, dtype=object)[rng.integers(0, len(APPS), n_u)],
        "device": np.array([f"ws{r}" for r in rng.integers(1, 6, n_u)], dtype=object),
        "app_switches": rng.integers(0, 6, n_u),
    })
    tasks = pd.concat([linked, other], ignore_index=True)
    tasks["task_instance"] = tasks["event_id"]
    out = pd.concat([cases, tasks], ignore_index=True)
    for col in ("case:concept:name", "task_type", "task_instance", "parent", "parent_event",
                "link_method", "app", "device"):
        out[col] = out[col].astype("string")
    out["link_confidence"] = out["link_confidence"].astype("Float64")
    out["active_time"] = out["active_time"].astype("Float64")
    out["app_switches"] = out["app_switches"].astype("Int64")
    level_rank = (out["level"] == "task").astype(int)
    order = np.lexsort((np.arange(len(out)), level_rank.to_numpy(), out["time:timestamp"].to_numpy()))
    return out.iloc[order].reset_index(drop=True)


def write_merged(frame: pd.DataFrame, path: Path) -> Path:
    """The merged log as a file (CSV or Parquet by suffix), through the mining writers."""
    from taskloom.mining.io import write_log

    write_log(frame, path)
    return path


def rows_of(log: pd.DataFrame) -> list[dict[str, Any]]:
    """The rows as plain dicts, missing values as None (for oracles written by hand)."""
    return [{k: (None if v is pd.NA or (isinstance(v, float) and v != v) else v) for k, v in r.items()}
            for r in log.to_dict("records")]


def expected_desk(merged: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """Per activity, from the rows: occurrences, work per occurrence, cases, types."""
    rows = rows_of(merged)
    events = {r["event_id"]: r for r in rows if r["level"] == "case"}
    work: dict[str, float] = defaultdict(float)
    types: dict[str, Counter[str]] = defaultdict(Counter)
    for r in rows:
        if r["level"] == "task" and r["parent_event"] is not None:
            ev = events[r["parent_event"]]
            work[ev["event_id"]] += r["active_time"]
            types[ev["concept:name"]][r["concept:name"]] += 1
    out: dict[str, dict[str, Any]] = {}
    for ev in events.values():
        d = out.setdefault(ev["concept:name"], {"occ": 0, "work": [], "cases": set(), "wcases": set()})
        d["occ"] += 1
        d["cases"].add(ev["case:concept:name"])
        if ev["event_id"] in work:
            d["work"].append(work[ev["event_id"]])
            d["wcases"].add(ev["case:concept:name"])
    for act, d in out.items():
        d["types"] = types[act]
    return out

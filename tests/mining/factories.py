"""Test data for the mining tests: the shared logs (ours and pm4py's reading) and small logs."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pandas as pd

from taskloom.mining.columns import ACTIVITY, CASE, TIMESTAMP
from taskloom.mining.io import CsvMapping, read_log

SHARED_LOGS = (
    "running-example.xes", "08_receipt.xes.gz", "bpic2012.xes.gz", "helpdesk.xes.gz",
    "interval_event_log.xes", "sepsis.csv", "hospital_log_high.xes.gz", "ui/log1.xes",
    "ui/log5.xes",
)
SEPSIS = CsvMapping(case="Case ID", activity="Activity", timestamp="Complete Timestamp", sep=";")
# The same mapping as `taskloom` options.
SEPSIS_OPTIONS = ("--case", "Case ID", "--activity", "Activity", "--timestamp", "Complete Timestamp",
                  "--sep", ";")


def reach(roots: set[str], arcs: Iterable[tuple[str, str]]) -> set[str]:
    """The nodes reachable from ``roots`` along ``arcs`` (roots included)."""
    arcs = list(arcs)
    seen = set(roots)
    changed = True
    while changed:
        changed = False
        for a, b in arcs:
            if a in seen and b not in seen:
                seen.add(b)
                changed = True
    return seen


def read_ours(data: Path, name: str) -> pd.DataFrame:
    """The log as taskloom reads it."""
    return read_log(data / name, SEPSIS if name.endswith(".csv") else None)


def read_pm4py(data: Path, name: str) -> pd.DataFrame:
    """pm4py's reading of a shared log (call with warnings silenced).

    pm4py has no reader for this CSV's layout, so for sepsis.csv its input is pandas'
    reading formatted with ``pm4py.format_dataframe``.
    """
    import pm4py

    if name.endswith(".csv"):
        # Sepsis has a patient whose case id is the text "NA": not a missing value.
        raw = pd.read_csv(data / name, sep=";", keep_default_na=False, na_values=[""])
        raw["Complete Timestamp"] = pd.to_datetime(raw["Complete Timestamp"], utc=True)
        theirs = pm4py.format_dataframe(raw, case_id="Case ID", activity_key="Activity",
                                        timestamp_key="Complete Timestamp")
        theirs = theirs.drop(columns=["@@index", "@@case_index"], errors="ignore")
        # format_dataframe makes Arrow-backed text, on which pm4py's variant filter fails.
        for col in (CASE, ACTIVITY):
            theirs[col] = theirs[col].astype(object)
        return theirs
    return pm4py.read_xes(str(data / name))


def read_both(data: Path, name: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(taskloom's reading, pm4py's reading) of a shared log."""
    return read_ours(data, name), read_pm4py(data, name)


def small_log(cases: dict[str, list[tuple[str, str]]], **case_attrs: dict[str, object]) -> pd.DataFrame:
    """A log from {case: [(activity, ISO time), ...]}; case_attrs: name → {case: value}."""
    rows = []
    for case, events in cases.items():
        for act, when in events:
            row: dict[str, object] = {CASE: case, ACTIVITY: act, TIMESTAMP: when}
            for attr, values in case_attrs.items():
                row[f"case:{attr}"] = values.get(case)
            rows.append(row)
    df = pd.DataFrame(rows)
    df[TIMESTAMP] = pd.to_datetime(df[TIMESTAMP], utc=True)
    return df


def clinic_log(n_cases: int = 400, seed: int = 7) -> pd.DataFrame:
    """A small hospital-like log (made here, with a known structure) for prediction tests.

    Referral, then Triage; urgent cases (case:urgent) go to Scan then Treat, others to
    Consult then, for half of them, Treat; every case ends with Discharge. Cases start
    hours apart, so a temporal split has cases on both sides.
    """
    import numpy as np

    rng = np.random.default_rng(seed)
    rows: list[dict[str, object]] = []
    t0 = pd.Timestamp("2024-01-01T08:00:00Z")
    for i in range(n_cases):
        urgent = bool(rng.random() < 0.3)
        steps = ["Referral", "Triage"]
        steps += ["Scan", "Treat"] if urgent else (["Consult", "Treat"] if rng.random() < 0.5
                                                   else ["Consult"])
        steps.append("Discharge")
        when = t0 + pd.Timedelta(hours=3 * i)
        for act in steps:
            gap = 1.0 if urgent else 10.0
            when = when + pd.Timedelta(hours=float(rng.exponential(gap)) + 0.1)
            rows.append({CASE: f"c{i:04d}", ACTIVITY: act, TIMESTAMP: when, "case:urgent": urgent,
                         "org:resource": "nurse" if act == "Triage" else "doctor"})
    return pd.DataFrame(rows)

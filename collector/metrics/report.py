"""The typed report: cohort medians and IQRs (suppressed for small groups), the sensitivity
table, unmapped screens, and per clinician-week rows for admin output only.

Clinicians appear only as the agent's pseudonyms (``U#…``), and only when the caller
asks for per-clinician output (the CLI's ``--per-clinician``, an admin API token).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from taskloom.collector.metrics.aggregate import Totals
from taskloom.collector.metrics.measures import (
    METRICS,
    SENSITIVITY_KEYS,
    MetricDef,
    clinician_weeks,
)

DEFAULT_MIN_GROUP = 5


@dataclass(frozen=True)
class CohortRow:
    """One measure over the cohort's clinician-weeks (None values when suppressed or unavailable)."""

    key: str
    name: str
    unit: str
    clinicians: int
    weeks: int
    median: float | None
    q1: float | None
    q3: float | None
    p10: float | None
    p90: float | None
    status: str  # "ok", "suppressed" (fewer than min_group clinicians), "not available"


@dataclass(frozen=True)
class SensitivityRow:
    """Cohort medians of the main time measures at one inactivity threshold."""

    threshold_s: float
    medians: dict[str, float | None]


@dataclass(frozen=True)
class UnmappedScreen:
    screen: str  # app | title with identifiers masked
    active_s: float
    events: int


@dataclass(frozen=True)
class ClinicianWeek:
    user: str
    week: str
    values: dict[str, float | None]


@dataclass
class EhrReport:
    """Everything the CSV, JSON and HTML reports (and the API) show."""

    study: str
    zone: str
    zone_source: str
    threshold_s: float
    min_group: int
    events: int
    clinicians: int
    clinician_weeks: int
    category_map: str
    schedule: bool
    visits: bool
    cohort: list[CohortRow]
    sensitivity: list[SensitivityRow]
    unmapped: list[UnmappedScreen]
    notes: list[str]
    definitions: list[MetricDef] = field(default_factory=lambda: list(METRICS))
    per_clinician: list[ClinicianWeek] | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _num(x: Any) -> float | None:
    return None if x is None or (isinstance(x, float) and not math.isfinite(x)) or pd.isna(x) else float(x)


def _status(metric: str, totals: Totals, teamwork_available: bool) -> str | None:
    """Why a measure cannot be computed at all, or None when it can."""
    if metric.endswith("8") and not totals.has_schedule:
        return "not available"
    if metric in ("undivided_attention", "ehr_min_per_encounter") and not totals.has_visits:
        return "not available"
    if metric == "teamwork_orders" and not teamwork_available:
        return "not available"
    return None


def cohort_rows(weeks: pd.DataFrame, totals: Totals, min_group: int, teamwork_available: bool) -> list[CohortRow]:
    rows = []
    for m in METRICS:
        vals = weeks[["user", m.key]].dropna() if m.key in weeks else weeks[["user"]].iloc[:0]
        n_clin = int(vals["user"].nunique())
        status = _status(m.key, totals, teamwork_available) or ("ok" if n_clin >= min_group and n_clin
                                                                 else "suppressed")
        if status != "ok":
            rows.append(CohortRow(m.key, m.name, m.unit, n_clin, len(vals), None, None, None, None, None, status))
            continue
        q = np.percentile(vals[m.key].to_numpy(dtype=float), [10, 25, 50, 75, 90])
        rows.append(CohortRow(m.key, m.name, m.unit, n_clin, len(vals), float(q[2]), float(q[1]), float(q[3]),
                              float(q[0]), float(q[4]), "ok"))
    return rows


def sensitivity_rows(totals: Totals, min_group: int, teamwork: pd.DataFrame | None) -> list[SensitivityRow]:
    out = []
    for t in totals.options.thresholds:
        weeks = clinician_weeks(totals, t, teamwork)
        cohort = {r.key: r.median for r in cohort_rows(weeks, totals, min_group, teamwork is not None)}
        out.append(SensitivityRow(t, {k: cohort[k] for k in SENSITIVITY_KEYS}))
    return out


def build_report(totals: Totals, *, study: str, zone_source: str, min_group: int = DEFAULT_MIN_GROUP,
                 teamwork: pd.DataFrame | None = None, per_clinician: bool = False,
                 category_map: str = "") -> EhrReport:
    """The report at the chosen threshold, with the sensitivity table over all thresholds."""
    weeks = clinician_weeks(totals, totals.options.threshold_s, teamwork)
    notes = []
    if not totals.has_schedule:
        notes.append("No schedule: the per-8-hour measures (Sinsky et al.) need scheduled patient time; "
                     "after-hours time is reported instead (Overhage & McCallie).")
    if not totals.has_visits:
        notes.append("No visit list: Undivided-attention and EHR time per encounter are not available.")
    if teamwork is None:
        notes.append("Teamwork-for-orders: not available (the system log has no orders with an "
                     "entered_by author).")
    if len(totals.unmapped):
        notes.append(f"{len(totals.unmapped)} EHR screen(s) match no rule of the category map and are "
                     "counted as 'other EHR'; add rules for them.")
    per = None
    if per_clinician:
        keys = ["scheduled_patient_h", "visits", "notes", "orders", *[m.key for m in METRICS]]
        per = [ClinicianWeek(r["user"], r["week"], {k: _num(r.get(k)) for k in keys})
               for r in weeks.to_dict("records")]
    return EhrReport(
        study=study, zone=totals.options.zone, zone_source=zone_source, threshold_s=totals.options.threshold_s,
        min_group=min_group, events=totals.events, clinicians=int(weeks["user"].nunique()) if len(weeks) else 0,
        clinician_weeks=len(weeks), category_map=category_map, schedule=totals.has_schedule,
        visits=totals.has_visits, cohort=cohort_rows(weeks, totals, min_group, teamwork is not None),
        sensitivity=sensitivity_rows(totals, min_group, teamwork),
        unmapped=[UnmappedScreen(str(s), float(a), int(e)) for s, a, e in totals.unmapped.itertuples(index=False)],
        notes=notes, per_clinician=per)


def csv_rows(report: EhrReport) -> list[dict[str, Any]]:
    """The report as long rows: section, metric, threshold, user, week, value (+ cohort columns)."""
    rows: list[dict[str, Any]] = []
    for c in report.cohort:
        rows.append({"section": "cohort", "metric": c.key, "name": c.name, "unit": c.unit, "status": c.status,
                     "clinicians": c.clinicians, "weeks": c.weeks, "median": c.median, "q1": c.q1, "q3": c.q3,
                     "threshold_s": report.threshold_s})
    for s in report.sensitivity:
        for k, v in s.medians.items():
            rows.append({"section": "sensitivity", "metric": k, "threshold_s": s.threshold_s, "median": v})
    for u in report.unmapped:
        rows.append({"section": "unmapped", "metric": u.screen, "value": u.active_s, "weeks": u.events})
    for w in report.per_clinician or []:
        for k, v in w.values.items():
            rows.append({"section": "clinician_week", "metric": k, "user": w.user, "week": w.week, "value": v,
                         "threshold_s": report.threshold_s})
    return rows

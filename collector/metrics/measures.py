"""The measures per clinician-week, the cohort's medians and IQRs, and the sensitivity table.

Sinsky et al. (JAMIA 2020) normalise each time measure per 8 hours of scheduled patient
time: X8 = hours of X / scheduled patient hours × 8. A clinician-week without scheduled
patient time has no X8 (it is not divided by zero, it is left out of the cohort).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from taskloom.collector.metrics.aggregate import Totals, tkey
from taskloom.collector.metrics.calendar import Days
from taskloom.collector.metrics.categories import CATEGORIES, CATEGORY_CODE, NON_EHR_CODE

H = 3_600_000.0
SINSKY = "Sinsky et al., JAMIA 2020"
OVERHAGE = "Overhage & McCallie, Ann Intern Med 2020"


@dataclass(frozen=True)
class MetricDef:
    """One reported measure: column key, display name, unit and its definition."""

    key: str
    name: str
    unit: str
    definition: str
    source: str


# key | name | unit | source | definition (one measure a line; sources below)
_TABLE = """
ehr_time8 | EHR-Time8 | h per 8 h | S | active time in EHR screens (all EHR categories, in any application) per 8 h of scheduled patient time
wow8 | WOW8 | h per 8 h | S | EHR active time outside scheduled patient time (clinic blocks of the schedule) per 8 h of scheduled patient time
note_time8 | Note-Time8 | h per 8 h | S | active time in note documentation per 8 h of scheduled patient time
prescription_time8 | Prescription-Time8 | h per 8 h | S | active time in prescriptions per 8 h of scheduled patient time
ib_time8 | IB-Time8 | h per 8 h | S | active time in the inbox per 8 h of scheduled patient time
teamwork_orders | Teamwork-for-orders | share | S | share of the clinician's signed orders entered by someone else (system log: orders with signed_by and entered_by)
undivided_attention | Undivided-attention | share | S | share of visit time (visit list) with no active EHR time
after_hours_h | After-hours EHR time | h per week | O | EHR active time on weekdays 18:00–06:00 and at weekends (study time zone)
ehr_min_per_encounter | EHR time per encounter | min | O | EHR active time / visits in the visit list
ehr_h | EHR time | h per week | T | EHR active time (not normalised)
note_min_per_note | Documentation time per note | min | T | note documentation active time / notes (a note: a distinct local day and note-screen title with typing)
clicks_per_note | Clicks per note | count | T | clicks in note screens / notes
bursts_per_note | Keystroke bursts per note | count | T | typing bursts in note screens / notes
switches_per_h | App switches per hour | per h | T | events whose application differs from the clinician's previous event, per active hour (all applications)
outside_vendor_share | EHR time outside the EHR application | share | T | share of EHR active time spent in other applications (letters in Word, drug references in the browser): the part only a desktop agent sees
"""
_SOURCES = {"S": SINSKY, "O": OVERHAGE, "T": "taskloom"}


def _parse_table(text: str) -> tuple[MetricDef, ...]:
    rows = [[part.strip() for part in line.split("|", 4)] for line in text.strip().splitlines()]
    return tuple(MetricDef(key, name, unit, definition, _SOURCES[src]) for key, name, unit, src, definition in rows)


METRICS: tuple[MetricDef, ...] = _parse_table(_TABLE)
METRIC = {m.key: m for m in METRICS}
SENSITIVITY_KEYS = ("ehr_time8", "wow8", "note_time8", "prescription_time8", "ib_time8", "after_hours_h")
_COLS = {"note": "note documentation", "rx": "prescriptions", "inbox": "inbox", "orders": "orders",
         "chart": "chart review", "results": "results", "other_ehr": "other EHR", "non_ehr": "non-EHR"}


def _by_cat(table: pd.DataFrame, col: str) -> pd.DataFrame:
    """(user, week) × category sums of one column; missing categories are 0."""
    if table.empty:
        return pd.DataFrame(columns=list(range(len(CATEGORIES))))
    wide = table[col].unstack("cat", fill_value=0)
    return wide.reindex(columns=range(len(CATEGORIES)), fill_value=0)


def _when(values: pd.Series, available: bool) -> pd.Series:
    return values if available else pd.Series(np.nan, index=values.index)


def _div(a: pd.Series, b: pd.Series, scale: float = 1.0) -> pd.Series:
    return (a / b.where(b > 0)) * scale


def clinician_weeks(totals: Totals, threshold_s: float,
                    teamwork: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per (clinician, week) with the hours behind each measure and the measures."""
    k = tkey(threshold_s)
    d = _by_cat(totals.table, f"d{k}")
    ehr_cats = [c for c in range(len(CATEGORIES)) if c != NON_EHR_CODE]
    ehr = d[ehr_cats].sum(axis=1) if len(d) else pd.Series(dtype=float)
    out = pd.DataFrame(index=d.index.union(totals.weeks.index) if len(totals.weeks) else d.index)
    out["ehr_h"] = ehr.reindex(out.index, fill_value=0) / H
    for short, cat in _COLS.items():
        out[f"{short}_h"] = d.get(CATEGORY_CODE[cat], pd.Series(dtype=float)).reindex(out.index, fill_value=0) / H
    def ehr_part(col: str) -> pd.Series:
        p = _by_cat(totals.table, col)
        return (p[ehr_cats].sum(axis=1) if len(p) else pd.Series(dtype=float)).reindex(out.index, fill_value=0)
    weeks = totals.weeks.reindex(out.index, fill_value=0)
    out["scheduled_patient_h"] = weeks["clinic_ms"].astype(float) / H
    sched = _when(out["scheduled_patient_h"], totals.has_schedule)
    out["wow_h"] = out["ehr_h"] - ehr_part(f"c{k}") / H
    out["ehr_time8"] = _div(out["ehr_h"], sched, 8)
    out["wow8"] = _div(out["wow_h"], sched, 8)
    out["note_time8"] = _div(out["note_h"], sched, 8)
    out["prescription_time8"] = _div(out["rx_h"], sched, 8)
    out["ib_time8"] = _div(out["inbox_h"], sched, 8)
    out["after_hours_h"] = ehr_part(f"a{k}") / H
    visits = _when(weeks["visits"].astype(float), totals.has_visits)
    visit_ms = _when(weeks["visit_ms"].astype(float), totals.has_visits)
    out["visits"] = visits
    out["undivided_attention"] = 1.0 - _div(ehr_part(f"v{k}"), visit_ms)
    out["ehr_min_per_encounter"] = _div(out["ehr_h"] * 60, visits)
    sums = totals.table.groupby(level=[0, 1]).sum() if len(totals.table) else pd.DataFrame()
    table = totals.table
    note = (table[table.index.get_level_values("cat") == CATEGORY_CODE["note documentation"]].droplevel("cat")
            if len(table) else sums)
    notes = totals.notes.reindex(out.index, fill_value=0).astype(float)
    out["notes"] = notes
    out["note_min_per_note"] = _div(out["note_h"] * 60, notes)
    out["clicks_per_note"] = _div(note.get("clicks", pd.Series(dtype=float)).reindex(out.index, fill_value=0), notes)
    out["bursts_per_note"] = _div(note.get("bursts", pd.Series(dtype=float)).reindex(out.index, fill_value=0), notes)
    active_h = sums.get(f"d{k}", pd.Series(dtype=float)).reindex(out.index, fill_value=0) / H
    out["switches_per_h"] = _div(sums.get("switches", pd.Series(dtype=float)).reindex(out.index, fill_value=0),
                                 active_h)
    vendor = ehr_part("vendor") / H
    out["outside_vendor_share"] = 1.0 - _div(vendor, out["ehr_h"])
    tw = _by_code(teamwork, totals.users, out.index)
    out["orders"] = np.nan if tw is None else tw["orders"]
    out["teamwork_orders"] = np.nan if tw is None else _div(tw["team_orders"], tw["orders"])
    return _labelled(out, totals)


def _by_code(teamwork: pd.DataFrame | None, users: list[str], index: pd.Index) -> pd.DataFrame | None:
    """Teamwork counts (indexed by pseudonym) re-indexed by the user codes of ``index``."""
    if teamwork is None:
        return None
    codes = {u: i for i, u in enumerate(users)}
    tw = teamwork.reset_index()
    tw = tw[tw["user"].isin(codes)].assign(user=lambda f: f["user"].map(codes))
    return tw.set_index(["user", "week"]).reindex(index)


def _labelled(out: pd.DataFrame, totals: Totals) -> pd.DataFrame:
    out = out.reset_index()
    out["user"] = [totals.users[int(u)] for u in out["user"]]
    out["week"] = pd.to_datetime(out["week"].astype(np.int64), unit="D").dt.strftime("%Y-%m-%d")
    return out.sort_values(["user", "week"]).reset_index(drop=True)


_ORDER = re.compile(r"(?i)\border")


def teamwork(system: pd.DataFrame, zone: str) -> pd.DataFrame | None:
    """Orders and team-contributed orders per (signer, week); None when the log has no authors.

    ``system`` has mining column names and an ``attributes`` dict per row (as the store
    gives it). An order is an event whose activity mentions "order"; its signer is the
    ``signed_by`` attribute (else the resource), its author ``entered_by``.
    """
    if system is None or system.empty:
        return None
    orders = system[system["concept:name"].astype(str).str.contains(_ORDER)]
    attrs = orders["attributes"] if "attributes" in orders else pd.Series([{}] * len(orders), index=orders.index)
    author = attrs.map(lambda a: (a or {}).get("entered_by"))
    if orders.empty or author.isna().all():
        return None
    signer = attrs.map(lambda a: (a or {}).get("signed_by"))
    signer = signer.where(signer.notna(), orders["org:resource"]).astype(str)
    ts = pd.to_datetime(orders["time:timestamp"], utc=True).dt.as_unit("ms").astype("int64").to_numpy()
    days = Days.around(zone, int(ts.min()), int(ts.max()))
    starts, ords = days.week_starts()
    week = ords[np.searchsorted(starts, ts, side="right") - 1]
    frame = pd.DataFrame({"user": signer.to_numpy(), "week": week,
                          "orders": 1, "team_orders": (author.notna() & (author.astype(str) != signer)).astype(int)})
    return frame.groupby(["user", "week"]).sum()

"""Normalisation per 8 h of scheduled patient time, visits, teamwork and small-group suppression."""

from __future__ import annotations

import pandas as pd
import pytest

from taskloom.collector.metrics.measures import clinician_weeks, teamwork
from taskloom.collector.metrics.report import build_report
from taskloom.collector.metrics.timetables import parse_schedule, parse_visits
from tests.collector.metrics.factories import EPR, NOTE, events, ms, run

USERS = [f"U#0000000{i}" for i in range(1, 6)]


def day(user: str) -> pd.DataFrame:
    """Three 30-min typing bursts: in clinic, across the clinic's end, in the evening."""
    rows = []
    for start in ("2026-03-02T09:00Z", "2026-03-02T12:50Z", "2026-03-02T19:00Z"):
        t = ms(start)
        rows += [(t, "typing", EPR, NOTE, t + 1_800_000), (t + 1_800_000, "idle_start", EPR, NOTE)]
    return events(*rows, user=user)


def timetables(users: list[str]) -> tuple:
    sched = parse_schedule("user,date,start,end,kind\n" + "".join(
        f"{u},2026-03-02,09:00,13:00,clinic\n{u},2026-03-02,14:00,17:00,admin\n" for u in users), "s.csv", "UTC")
    visits = parse_visits("user,start,end,case\n" + "".join(
        f"{u},2026-03-02T09:00,2026-03-02T09:40,NHS#1\n" for u in users), "v.csv", "UTC")
    return sched, visits


def test_per_8_hours_of_scheduled_patient_time() -> None:
    sched, visits = timetables(USERS[:1])
    weeks = clinician_weeks(run([day(USERS[0])], schedule=sched, visits=visits), 5.0)
    w = weeks.iloc[0]
    assert w["scheduled_patient_h"] == 4.0  # admin blocks are not patient time
    assert w["ehr_h"] == pytest.approx(1.5)
    assert w["ehr_time8"] == pytest.approx(1.5 / 4 * 8)
    assert w["wow8"] == pytest.approx((1200 + 1800) / 3600 / 4 * 8)
    assert w["note_time8"] == pytest.approx(3.0)
    assert w["ib_time8"] == 0.0
    assert w["after_hours_h"] == pytest.approx(0.5)
    assert w["undivided_attention"] == pytest.approx(1 - 1800 / 2400)
    assert w["ehr_min_per_encounter"] == pytest.approx(90.0)
    assert w["notes"] == 1 and w["note_min_per_note"] == pytest.approx(90.0)


def test_without_a_schedule_the_per_8_hour_measures_are_not_available() -> None:
    report = build_report(run([day(u) for u in USERS]), study="s", zone_source="test", min_group=5)
    cohort = {c.key: c for c in report.cohort}
    assert cohort["ehr_time8"].status == "not available"
    assert cohort["after_hours_h"].status == "ok" and cohort["after_hours_h"].median == pytest.approx(0.5)
    assert any("No schedule" in n for n in report.notes)


def test_cohort_figures_are_suppressed_below_min_group() -> None:
    sched, visits = timetables(USERS[:4])
    totals = run([pd.concat([day(u) for u in USERS[:4]]).sort_values("ts")], schedule=sched, visits=visits)
    small = build_report(totals, study="s", zone_source="test", min_group=5)
    assert {c.status for c in small.cohort} == {"suppressed", "not available"}
    assert all(c.median is None for c in small.cohort)
    assert small.per_clinician is None
    ok = build_report(totals, study="s", zone_source="test", min_group=4, per_clinician=True)
    cohort = {c.key: c for c in ok.cohort}
    assert cohort["ehr_time8"].median == pytest.approx(3.0) and cohort["ehr_time8"].clinicians == 4
    assert ok.per_clinician is not None and {w.user for w in ok.per_clinician} == set(USERS[:4])
    sens = {s.threshold_s: s.medians["ehr_time8"] for s in ok.sensitivity}
    assert sens[5.0] == pytest.approx(3.0) and sens[300.0] == pytest.approx(3.0)  # bursts end in idle


def test_teamwork_for_orders_needs_order_authors() -> None:
    def log(entered: list[str | None]) -> pd.DataFrame:
        return pd.DataFrame({
            "concept:name": ["Orders placed"] * len(entered) + ["Triage"],
            "org:resource": [USERS[0]] * (len(entered) + 1),
            "time:timestamp": pd.to_datetime(["2026-03-03T10:00Z"] * (len(entered) + 1)),
            "attributes": [{"entered_by": e} if e else {} for e in entered] + [{"entered_by": "U#nurse001"}]})

    tw = teamwork(log([USERS[0], "U#nurse001", None]), "UTC")
    assert tw is not None
    assert tw.loc[(USERS[0], 20514)].tolist() == [3, 1]  # week of Monday 2026-03-02
    assert teamwork(log([None, None]), "UTC") is None


def test_a_clinician_with_no_ehr_work_gets_zeros_not_an_error() -> None:
    t = ms("2026-03-02T10:00Z")
    weeks = clinician_weeks(run([events((t, "click", "EXCEL.EXE", "Rota.xlsx"), (t + 3000, "idle_start", "EXCEL.EXE",
                                                                                   "Rota.xlsx"))]), 5.0)
    w = weeks.iloc[0]
    assert w["ehr_h"] == 0 and w["non_ehr_h"] == pytest.approx(3 / 3600) and w["notes"] == 0
    assert pd.isna(w["note_min_per_note"]) and pd.isna(w["outside_vendor_share"])

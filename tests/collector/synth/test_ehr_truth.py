"""The metrics against the generator's own truth: every time measure within 2% per clinician-week.

The truth comes from the simulation's clock (what each clinician was doing on which
screen, ``synth.truth``), the generator's own screen table and its schedule; the metrics
see only the wire-format UI events, the schedule and visit CSVs and the system log.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from taskloom.collector.metrics.active import wire_chunk
from taskloom.collector.metrics.aggregate import Accumulator, Options
from taskloom.collector.metrics.categories import default_map
from taskloom.collector.metrics.measures import clinician_weeks, teamwork
from taskloom.collector.metrics.timetables import parse_schedule, parse_visits
from taskloom.collector.synth import Study, generate_study
from taskloom.collector.synth.schedule import ZONE
from taskloom.mining.io import read_log

CATS = {"note documentation": "note_h", "inbox": "inbox_h", "orders": "orders_h", "prescriptions": "rx_h",
        "chart review": "chart_h", "results": "results_h", "other EHR": "other_ehr_h"}


@pytest.fixture(scope="module")
def study(tmp_path_factory: pytest.TempPathFactory) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(metrics at 5 s, metrics at 30 s, truth) per clinician-week for a 6-clinician week."""
    out: Path = tmp_path_factory.mktemp("truth")
    gen = generate_study(Study(clinicians=6, days=5, seed=3), out)
    assert gen.schedule and gen.visits and gen.truth and gen.truth_weeks
    sched = parse_schedule(gen.schedule.read_text(), "schedule.csv", ZONE)
    visits = parse_visits(gen.visits.read_text(), "visits.csv", ZONE)
    acc = Accumulator(default_map(), Options(threshold_s=5.0, zone=ZONE), sched, visits)
    for chunk in pd.read_csv(gen.ui_events, dtype=str, keep_default_na=False, chunksize=9_000):
        acc.add(wire_chunk(chunk))
    system = read_log(gen.system_csv)
    system["attributes"] = [{"entered_by": e} if isinstance(e, str) else {} for e in system["entered_by"]]
    totals, tw = acc.totals(), teamwork(system, ZONE)
    m5, m30 = (clinician_weeks(totals, t, tw).set_index(["user", "week"]) for t in (5.0, 30.0))
    return m5, m30, _truth(gen.truth, gen.truth_weeks)


def _truth(path: Path, weeks_path: Path) -> pd.DataFrame:
    cats = pd.read_csv(path)
    ehr = cats[cats["category"] != "non-EHR"].groupby(["user", "week"])[
        ["active_s", "clinic_s", "after_hours_s", "visit_s"]].sum().add_prefix("ehr_")
    per = cats.pivot_table(index=["user", "week"], columns="category", values="active_s", aggfunc="sum",
                           fill_value=0.0).add_prefix("cat_")
    t = pd.read_csv(weeks_path).set_index(["user", "week"]).join(ehr).join(per)
    h8 = t["scheduled_patient_s"] / 8
    out = pd.DataFrame({
        "ehr_time8": t["ehr_active_s"] / h8, "wow8": (t["ehr_active_s"] - t["ehr_clinic_s"]) / h8,
        "note_time8": t["cat_note documentation"] / h8, "prescription_time8": t["cat_prescriptions"] / h8,
        "ib_time8": t["cat_inbox"] / h8, "after_hours_h": t["ehr_after_hours_s"] / 3600,
        "undivided_attention": 1 - t["ehr_visit_s"] / t["visit_s"],
        "ehr_min_per_encounter": t["ehr_active_s"] / 60 / t["visits"],
        "teamwork_orders": t["team_orders"] / t["orders"]}, index=t.index)
    for cat, col in CATS.items():
        out[col] = t[f"cat_{cat}"] / 3600
    return out


@pytest.mark.parametrize("measure", ["ehr_time8", "wow8", "note_time8", "prescription_time8", "ib_time8",
                                     "after_hours_h", "undivided_attention", "ehr_min_per_encounter",
                                     "teamwork_orders", *CATS.values()])
def test_measure_within_two_percent_of_truth_per_clinician(
        study: tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame], measure: str) -> None:
    metrics, _, truth = study
    assert len(truth) == 6 and set(truth.index) == set(metrics.index)
    got, want = metrics.loc[truth.index, measure], truth[measure]
    pos = want > 0
    assert pos.sum() >= 3, f"{measure}: the generator must exercise it for most clinicians"
    assert (got[~pos].abs() < 1e-3).all(), f"{measure}: no truth, yet the metric found some"
    rel = ((got - want)[pos].abs() / want[pos]).max()
    assert rel <= 0.02, f"{measure}: worst clinician off by {rel:.2%}\n{pd.DataFrame({'got': got, 'truth': want})}"


def test_another_threshold_misses_the_truth(study: tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]) -> None:
    """The comparison can fail: at 30 s the metric is far from the generator's 5 s truth."""
    _, m30, truth = study
    rel = (m30.loc[truth.index, "ehr_time8"] - truth["ehr_time8"]) / truth["ehr_time8"]
    assert (rel > 0.05).all()

"""Time between activities, attribute distributions and the data-quality report."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import pandas as pd
import pytest

from taskloom.mining.attributes import case_distribution
from taskloom.mining.columns import ACTIVITY, CASE, TIMESTAMP
from taskloom.mining.quality import quality_report
from taskloom.mining.timing import summarise_seconds, time_between
from tests.mining.factories import small_log

Reader = Callable[[str], tuple[pd.DataFrame, pd.DataFrame]]


def naive_time_between(log: pd.DataFrame, a: str, b: str) -> dict[str, float]:
    """Per case, walked event by event: first a, then the next b after it."""
    out = {}
    ordered = log.sort_values([CASE, TIMESTAMP], kind="stable")
    for case, events in ordered.groupby(CASE, sort=False):
        acts = events[ACTIVITY].tolist()
        times = events[TIMESTAMP].tolist()
        if a not in acts:
            continue
        i = acts.index(a)
        j = next((k for k in range(i + 1, len(acts)) if acts[k] == b), None)
        if j is not None:
            out[str(case)] = (times[j] - times[i]).total_seconds()
    return out


def test_time_between_matches_a_case_by_case_walk(read_shared: Reader) -> None:
    log = read_shared("sepsis.csv")[0]
    got = time_between(log, "ER Registration", "IV Antibiotics")
    assert dict(zip(got["case"].astype(str), got["seconds"], strict=True)) == \
        naive_time_between(log, "ER Registration", "IV Antibiotics")
    summary = summarise_seconds(got["seconds"])
    assert summary["count"] == len(got) > 0
    assert summary["min"] <= summary["median"] <= summary["max"]


def test_time_between_missing_activity_gives_no_rows(read_shared: Reader) -> None:
    log = read_shared("sepsis.csv")[0]
    assert time_between(log, "no such activity", "IV Antibiotics").empty
    assert summarise_seconds(pd.Series([], dtype=float))["count"] == 0


def test_case_attribute_distribution_counts_each_case_once(read_shared: Reader) -> None:
    log = read_shared("hospital_log_high.xes.gz")[0]
    col = next(c for c in log.columns if c.startswith("case:") and c != CASE and log[c].nunique() > 1)
    got = case_distribution(log, col)
    want = log.groupby(CASE)[col].first().value_counts()
    assert dict(zip(got["value"], got["cases"], strict=True)) == want.to_dict()
    assert got["share"].sum() == pytest.approx(1.0)


def test_event_attribute_distribution_counts_cases_with_the_value() -> None:
    log = small_log({"1": [("A", "2024-01-01"), ("A", "2024-01-02")], "2": [("A", "2024-01-01"), ("B", "2024-01-03")]})
    got = case_distribution(log, ACTIVITY)
    assert dict(zip(got["value"], got["cases"], strict=True)) == {"A": 2, "B": 1}
    assert dict(zip(got["value"], got["share"], strict=True)) == {"A": 1.0, "B": 0.5}


def test_quality_report_finds_each_injected_fault() -> None:
    log = small_log({
        "ok": [("A", "2024-01-01T00:00"), ("B", "2024-01-01T01:00")],
        "dup": [("A", "2024-01-02T00:00"), ("A", "2024-01-02T00:00"), ("B", "2024-01-02T01:00")],
        "single": [("A", "2024-01-03T00:00")],
        "future": [("A", "2024-01-04T00:00"), ("B", "2031-01-01T00:00")],
        "ancient": [("A", "1970-01-01T00:00"), ("B", "2024-01-05T00:00")],
        "swapped": [("A", "2024-01-06T05:00"), ("B", "2024-01-06T01:00")],
    })
    log["recorded_at"] = log[TIMESTAMP]
    log.loc[log[CASE] == "ok", "recorded_at"] += pd.Timedelta(days=3)
    report = quality_report(log, now=datetime(2025, 1, 1, tzinfo=UTC))
    assert (report.future_timestamps.count, report.future_timestamps.examples) == (1, ["future"])
    assert report.outside_timeframe.examples == ["future", "ancient"]
    assert (report.duplicates.count, report.duplicates.examples) == (1, ["dup"])
    assert (report.single_event_cases.count, report.single_event_cases.examples) == (1, ["single"])
    assert (report.out_of_order.count, report.out_of_order.examples) == (1, ["swapped"])
    assert report.late_registration is not None
    assert (report.late_registration.count, report.late_registration.examples) == (2, ["ok"])


def test_quality_report_on_a_clean_real_log_has_no_late_registration(read_shared: Reader) -> None:
    log = read_shared("running-example.xes")[0]
    report = quality_report(log)
    assert report.late_registration is None
    assert report.events == len(log) and report.cases == log[CASE].nunique()
    assert report.future_timestamps.count == 0

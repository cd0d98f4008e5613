"""Filters against their pm4py equivalents on real logs, and on small logs where pm4py has none."""

from __future__ import annotations

import warnings
from collections.abc import Callable

import pandas as pd
import pytest

from taskloom.mining import filters
from taskloom.mining.columns import ACTIVITY, CASE
from taskloom.mining.filter_spec import apply_spec
from tests.mining.factories import small_log

pm4py = pytest.importorskip("pm4py")

Reader = Callable[[str], tuple[pd.DataFrame, pd.DataFrame]]
LOGS = ("running-example.xes", "08_receipt.xes.gz", "helpdesk.xes.gz", "sepsis.csv")


@pytest.fixture(autouse=True)
def _quiet() -> None:
    warnings.simplefilter("ignore")


def cases(df: pd.DataFrame) -> set[str]:
    return set(df[CASE].astype(str))


def events(df: pd.DataFrame) -> list[tuple[str, str, str]]:
    """Events as sortable tuples (case, activity, timestamp) for comparing event filters."""
    return sorted(zip(df[CASE].astype(str), df[ACTIVITY].astype(str),
                      df["time:timestamp"].astype(str), strict=True))


def top_activities(df: pd.DataFrame) -> list[str]:
    return [str(a) for a in df[ACTIVITY].value_counts().index[:3]]


@pytest.mark.parametrize("name", LOGS)
def test_activity_filter_matches_pm4py(read_shared: Reader, name: str) -> None:
    ours, theirs = read_shared(name)
    act = top_activities(ours)[-1]
    for retain in (True, False):
        got = filters.cases_with_activity(ours, [act], retain=retain)
        want = pm4py.filter_event_attribute_values(theirs, ACTIVITY, [act], level="case", retain=retain)
        assert cases(got) == cases(want)
        assert len(got) == len(want)


@pytest.mark.parametrize("name", LOGS)
def test_event_attribute_filter_matches_pm4py(read_shared: Reader, name: str) -> None:
    ours, theirs = read_shared(name)
    acts = top_activities(ours)[:2]
    for retain in (True, False):
        got = filters.event_attribute(ours, ACTIVITY, acts, retain=retain)
        want = pm4py.filter_event_attribute_values(theirs, ACTIVITY, acts, level="event", retain=retain)
        assert events(got) == events(want)


@pytest.mark.parametrize("name", LOGS)
def test_start_activity_filter_matches_pm4py(read_shared: Reader, name: str) -> None:
    ours, theirs = read_shared(name)
    start = pm4py.get_start_activities(theirs)
    act = max(start, key=start.get)
    assert cases(filters.start_activities(ours, [act])) == cases(pm4py.filter_start_activities(theirs, [act]))
    end = pm4py.get_end_activities(theirs)
    act = max(end, key=end.get)
    assert cases(filters.end_activities(ours, [act])) == cases(pm4py.filter_end_activities(theirs, [act]))


@pytest.mark.parametrize("name", LOGS)
def test_variants_top_k_matches_pm4py(read_shared: Reader, name: str) -> None:
    ours, theirs = read_shared(name)
    counts = sorted(pm4py.get_variants(theirs).values(), reverse=True)
    # pick k where the k-th and (k+1)-th variants differ in count, so ties cannot matter
    k = next((i for i in range(1, len(counts)) if counts[i - 1] != counts[i]), len(counts))
    assert cases(filters.variants_top_k(ours, k)) == cases(pm4py.filter_variants_top_k(theirs, k))


@pytest.mark.parametrize("name", LOGS)
def test_time_range_filter_matches_pm4py(read_shared: Reader, name: str) -> None:
    ours, theirs = read_shared(name)
    ts = ours["time:timestamp"]
    # pm4py takes "%Y-%m-%d %H:%M:%S" (UTC); ours takes the same text
    lo = ts.quantile(0.3).floor("s").strftime("%Y-%m-%d %H:%M:%S")
    hi = ts.quantile(0.6).floor("s").strftime("%Y-%m-%d %H:%M:%S")
    for mode, theirs_mode in (("contained", "traces_contained"), ("intersecting", "traces_intersecting")):
        got = filters.time_range(ours, lo, hi, mode=mode)
        want = pm4py.filter_time_range(theirs, lo, hi, mode=theirs_mode)
        assert cases(got) == cases(want), mode
    got = filters.time_range(ours, lo, hi, mode="events")
    assert events(got) == events(pm4py.filter_time_range(theirs, lo, hi, mode="events"))


@pytest.mark.parametrize("name", LOGS)
def test_case_duration_filter_matches_pm4py(read_shared: Reader, name: str) -> None:
    ours, theirs = read_shared(name)
    durations = sorted(pm4py.get_all_case_durations(theirs))
    lo, hi = durations[len(durations) // 4], durations[len(durations) // 2]
    got = filters.case_duration(ours, lo, hi)
    assert cases(got) == cases(pm4py.filter_case_performance(theirs, lo, hi))


@pytest.mark.parametrize("name", LOGS)
def test_directly_and_eventually_follows_match_pm4py(read_shared: Reader, name: str) -> None:
    ours, theirs = read_shared(name)
    freq, _, _ = pm4py.discover_dfg(theirs)
    a, b = max(freq, key=freq.get)
    for retain in (True, False):
        got = filters.directly_follows(ours, a, b, retain=retain)
        want = pm4py.filter_directly_follows_relation(theirs, [(a, b)], retain=retain)
        assert cases(got) == cases(want)
        got = filters.eventually_follows(ours, b, a, retain=retain)
        want = pm4py.filter_eventually_follows_relation(theirs, [(b, a)], retain=retain)
        assert cases(got) == cases(want)


def test_case_attribute_filter_matches_pm4py(read_shared: Reader) -> None:
    ours, theirs = read_shared("hospital_log_high.xes.gz")
    col = next(c for c in ours.columns if c.startswith("case:") and c != CASE and ours[c].nunique() > 1)
    value = ours[col].value_counts().index[0]
    got = filters.case_attribute(ours, col, [value])
    want = pm4py.filter_trace_attribute_values(theirs, col, [value])
    assert cases(got) == cases(want)
    assert cases(filters.case_attribute(ours, col, [value], retain=False)) == cases(theirs) - cases(want)


def test_between_keeps_first_a_to_next_b() -> None:
    log = small_log({
        "1": [("x", "2024-01-01T00:00"), ("A", "2024-01-01T01:00"), ("y", "2024-01-01T02:00"),
              ("B", "2024-01-01T03:00"), ("z", "2024-01-01T04:00"), ("B", "2024-01-01T05:00")],
        "2": [("A", "2024-01-02T00:00"), ("y", "2024-01-02T01:00")],
        "3": [("y", "2024-01-03T00:00"), ("B", "2024-01-03T01:00")],
    })
    got = filters.between(log, "A", "B")
    assert got.groupby(CASE)[ACTIVITY].apply(list).to_dict() == {"1": ["A", "y", "B"], "2": ["A", "y"]}
    got = filters.between(log, "A", "B", include_first=False, include_last=False)
    assert got.groupby(CASE)[ACTIVITY].apply(list).to_dict() == {"1": ["y"], "2": ["y"]}
    got = filters.between(log, "A")
    assert got.groupby(CASE)[ACTIVITY].apply(list).to_dict() == {"1": ["A", "y", "B", "z", "B"], "2": ["A", "y"]}


def test_eventually_follows_time_bound() -> None:
    log = small_log({
        "fast": [("A", "2024-01-01T00:00"), ("x", "2024-01-01T00:30"), ("B", "2024-01-01T01:00")],
        "slow": [("A", "2024-01-01T00:00"), ("B", "2024-01-03T00:00")],
        "reversed": [("B", "2024-01-01T00:00"), ("A", "2024-01-01T00:10")],
    })
    assert cases(filters.eventually_follows(log, "A", "B")) == {"fast", "slow"}
    assert cases(filters.eventually_follows(log, "A", "B", max_s=3600)) == {"fast"}
    assert cases(filters.eventually_follows(log, "A", "B", min_s=86400)) == {"slow"}


def test_variants_min_cases_and_spec_chain() -> None:
    log = small_log(
        {str(i): [("A", "2024-01-01T00:00"), ("B" if i < 3 else "C", "2024-01-01T01:00")] for i in range(5)},
        dept={str(i): "x" if i % 2 else "y" for i in range(5)},
    )
    assert cases(filters.variants_min_cases(log, 3)) == {"0", "1", "2"}
    spec = [{"type": "variants_min_cases", "min_cases": 3},
            {"type": "case_attribute", "attribute": "dept", "values": ["y"]}]
    assert cases(apply_spec(log, spec)) == {"0", "2"}


def test_variant_keeps_exactly_the_cases_of_one_sequence() -> None:
    log = small_log({
        "ab": [("A", "2024-01-01T00:00"), ("B", "2024-01-01T01:00")],
        "ab2": [("A", "2024-01-02T00:00"), ("B", "2024-01-02T01:00")],
        "abc": [("A", "2024-01-03T00:00"), ("B", "2024-01-03T01:00"), ("C", "2024-01-03T02:00")],
        "ba": [("B", "2024-01-04T00:00"), ("A", "2024-01-04T01:00")],
    })
    assert cases(filters.variant(log, ["A", "B"])) == {"ab", "ab2"}
    assert cases(filters.variant(log, ["A", "B"], retain=False)) == {"abc", "ba"}
    assert cases(filters.variant(log, ["A"])) == set()
    assert cases(apply_spec(log, [{"type": "variant", "activities": ["B", "A"]}])) == {"ba"}

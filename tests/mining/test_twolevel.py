"""The two-level model's numbers, checked against the merged log computed here by hand
(plain Python over the rows, not the library's groupbys)."""

from __future__ import annotations

import itertools
import statistics
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from taskloom.mining.dfg import discover_dfg
from taskloom.mining.twolevel import (
    MergedLogError,
    activity_summary,
    case_summary,
    split_levels,
    two_level_model,
)
from tests.mining.merged_factory import expected_desk, merged_log, rows_of, write_merged


@pytest.fixture(scope="module")
def merged() -> pd.DataFrame:
    return merged_log(n_cases=60, seed=11)


def test_desk_work_per_activity_matches_therows_of(merged: pd.DataFrame) -> None:
    model = two_level_model(merged)
    want = expected_desk(merged)
    assert set(model.desk) == set(want)
    for act, d in want.items():
        got = model.desk[act]
        assert got.occurrences == d["occ"]
        assert got.with_work == len(d["work"])
        assert got.median_s == pytest.approx(statistics.median(d["work"]))
        assert got.mean_s == pytest.approx(statistics.fmean(d["work"]))
        assert got.case_share == pytest.approx(len(d["wcases"]) / len(d["cases"]))
        assert got.tasks == sum(d["types"].values())
        best = max(d["types"].values())
        assert got.top_types[0].instances == best
        assert d["types"][got.top_types[0].name] == best
        assert [t.instances for t in got.top_types] == sorted(d["types"].values(), reverse=True)[:3]


def test_case_level_map_is_the_dfg_of_the_system_events_only(merged: pd.DataFrame) -> None:
    model = two_level_model(merged)
    system = merged[merged["level"] == "case"]
    direct = discover_dfg(system)
    assert model.dfg.nodes.to_dict() == direct.nodes.to_dict()
    assert model.dfg.start == direct.start and model.dfg.end == direct.end
    # Task rows never count on the case level (a task type may share an activity's name).
    assert int(model.dfg.nodes["frequency"].sum()) == len(system) < len(merged)


def test_unattributed_group_counts_every_task_without_a_system_event(merged: pd.DataFrame) -> None:
    model = two_level_model(merged)
    rows = [r for r in rows_of(merged) if r["level"] == "task" and r["parent_event"] is None]
    u = model.unattributed
    assert u.tasks == len(rows) > 0
    assert u.no_case == sum(r["case:concept:name"] is None for r in rows)
    assert u.case_only == u.tasks - u.no_case > 0
    assert u.total_s == pytest.approx(sum(r["active_time"] for r in rows))
    # Nothing dropped: linked + unattributed = every task row.
    assert sum(d.tasks for d in model.desk.values()) + u.tasks == int((merged["level"] == "task").sum())


def test_expand_gives_the_task_map_per_occurrence_in_time_order(merged: pd.DataFrame) -> None:
    model = two_level_model(merged, expand=["Discharge"])
    (sub,) = model.submaps
    assert sub.activity == "Discharge"
    rows = rows_of(merged)
    ids = {r["event_id"] for r in rows if r["level"] == "case" and r["concept:name"] == "Discharge"}
    traces: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        if r["level"] == "task" and r["parent_event"] in ids:
            traces[r["parent_event"]].append(r)
    arcs: Counter[tuple[str, str]] = Counter()
    for trace in traces.values():
        trace.sort(key=lambda r: (r["start_timestamp"], r["time:timestamp"]))
        for a, b in itertools.pairwise(trace):
            arcs[(a["concept:name"], b["concept:name"])] += 1
    got = {(s, t): f for s, t, f in zip(sub.dfg.edges["source"], sub.dfg.edges["target"],
                                        sub.dfg.edges["frequency"], strict=True)}
    assert got == dict(arcs)
    assert sub.dfg.total_cases == len(traces)
    counts = Counter(r["concept:name"] for t in traces.values() for r in t)
    assert sub.dfg.nodes["frequency"].to_dict() == dict(counts)
    actives = [r["active_time"] for t in traces.values() for r in t if r["concept:name"] == "Write note"]
    assert sub.dfg.nodes.at["Write note", "active_median_s"] == pytest.approx(statistics.median(actives))


def test_unknown_expand_activity_is_a_user_error(merged: pd.DataFrame) -> None:
    with pytest.raises(MergedLogError, match=r"'Write note': not a system activity.*activities are: Appointment"):
        two_level_model(merged, expand=["Write note"])


def test_filters_act_on_cases_and_tasks_follow(merged: pd.DataFrame) -> None:
    spec = [{"type": "activity", "activities": ["Review results"]}]
    model = two_level_model(merged, spec=spec)
    rows = rows_of(merged)
    keep = {r["case:concept:name"] for r in rows if r["level"] == "case" and r["concept:name"] == "Review results"}
    assert model.full.total_cases == len(keep)
    tri = [r for r in rows if r["level"] == "case" and r["concept:name"] == "Triage" and r["case:concept:name"] in keep]
    assert model.desk["Triage"].occurrences == len(tri)
    linked = sum(1 for r in rows if r["level"] == "task" and r["parent"] == "Triage"
                 and r["case:concept:name"] in keep and r["parent_event"] is not None)
    assert model.desk["Triage"].tasks == linked
    # Tasks with no case are kept (they belong to no case); case-only ones follow their case.
    no_case = sum(1 for r in rows if r["level"] == "task" and r["case:concept:name"] is None)
    case_only = sum(1 for r in rows if r["level"] == "task" and r["parent_event"] is None
                    and r["case:concept:name"] in keep)
    assert model.unattributed.no_case == no_case
    assert model.unattributed.case_only == case_only


def test_sliders_shrink_the_case_map_but_not_the_desk_figures(merged: pd.DataFrame) -> None:
    small = two_level_model(merged, nodes=40, arcs=30)
    full = two_level_model(merged)
    assert len(small.dfg.nodes) < len(full.dfg.nodes)
    doc = small.to_json()
    assert {n["name"] for n in doc["nodes"]} == set(small.dfg.nodes.index)
    for n in doc["nodes"]:
        assert n["desk"]["median_s"] == pytest.approx(full.desk[n["name"]].median_s)
    assert doc["node_count"] == len(full.dfg.nodes)


def test_to_json_has_the_dfg_json_overlays(merged: pd.DataFrame) -> None:
    doc = two_level_model(merged, expand=["Triage"]).to_json()
    edge = doc["edges"][0]
    assert {"frequency", "cases", "case_pct", "mean_s", "median_s", "total_s"} <= set(edge)
    assert doc["submaps"][0]["activity"] == "Triage"
    assert {"active_median_s", "duration_mean_s"} <= set(doc["submaps"][0]["nodes"][0])
    assert doc["linked"] is True and doc["unattributed"]["tasks"] > 0


def test_a_system_log_alone_gives_the_case_map_without_desk_work(merged: pd.DataFrame) -> None:
    system = merged[merged["level"] == "case"].drop(columns=["level"])
    model = two_level_model(system)
    assert not model.linked
    assert all(d.with_work == 0 and d.tasks == 0 for d in model.desk.values())
    assert model.unattributed.tasks == 0


def test_bad_level_value_names_the_row() -> None:
    log = merged_log(n_cases=3)
    log.loc[2, "level"] = "activity"
    with pytest.raises(MergedLogError, match="level 'activity' in row 3"):
        split_levels(log, "m.csv")


def test_task_rows_without_contract_columns_are_refused() -> None:
    log = merged_log(n_cases=3).drop(columns=["parent_event"])
    with pytest.raises(MergedLogError, match="no column 'parent_event'"):
        two_level_model(log, source="m.csv")


def test_case_summary_matches_therows_of(merged: pd.DataFrame) -> None:
    got = case_summary(merged).set_index("case:concept:name")
    rows = rows_of(merged)
    by_case: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        if r["case:concept:name"] is not None:
            by_case[r["case:concept:name"]].append(r)
    assert set(got.index) == set(by_case)
    for case, rs in by_case.items():
        tasks = [r for r in rs if r["level"] == "task"]
        touch = sum(r["active_time"] for r in tasks)
        elapsed = (max(r["time:timestamp"] for r in rs) - min(r["start_timestamp"] for r in rs)).total_seconds()
        row = got.loc[case]
        assert row["touch_time_s"] == pytest.approx(touch)
        assert row["elapsed_s"] == pytest.approx(elapsed)
        assert row["flow_efficiency"] == pytest.approx(touch / elapsed)
        assert row["staff"] == len({r["org:resource"] for r in tasks})
        assert row["task_instances"] == len(tasks)
        assert row["app_switches"] == sum(r["app_switches"] for r in tasks)
        assert row["system_events"] == sum(r["level"] == "case" for r in rs)


def test_activity_summary_rework_and_top_types(merged: pd.DataFrame) -> None:
    got = activity_summary(merged).set_index("concept:name")
    rows = rows_of(merged)
    events = {r["event_id"]: r for r in rows if r["level"] == "case"}
    per: dict[str, Counter[tuple[str, str]]] = defaultdict(Counter)
    for r in rows:
        if r["level"] == "task" and r["parent_event"] is not None:
            ev = events[r["parent_event"]]
            per[ev["concept:name"]][(ev["case:concept:name"], r["concept:name"])] += 1
    want = expected_desk(merged)
    for act, pairs in per.items():
        assert got.at[act, "rework_instances"] == sum(n - 1 for n in pairs.values() if n > 1)
        assert got.at[act, "rework_cases"] == len({c for (c, _), n in pairs.items() if n > 1})
        assert got.at[act, "desk_median_s"] == pytest.approx(statistics.median(want[act]["work"]))
        first = got.at[act, "top_task_types"].split("; ")[0]
        name, n = first.rsplit(" (", 1)
        assert want[act]["types"][name] == int(n.rstrip(")")) == max(want[act]["types"].values())


def test_expand_of_an_activity_the_filters_leave_out_is_no_error(merged: pd.DataFrame) -> None:
    spec = [{"type": "activity", "activities": ["Review results"], "retain": False}]
    model = two_level_model(merged, spec=spec, expand=["Review results", "Triage"])
    assert "Review results" not in model.dfg.nodes.index
    assert [s.activity for s in model.submaps] == ["Triage"]


def test_filter_bound_outside_the_timestamp_range_is_a_user_error(merged: pd.DataFrame) -> None:
    from taskloom.mining.filter_spec import FilterSpecError

    with pytest.raises(FilterSpecError, match="between 1677 and 2262"):
        two_level_model(merged, spec=[{"type": "time_range", "start": "9999-01-01", "end": "0001-01-01"}])


def test_a_merged_xes_file_gives_the_same_model_as_parquet(merged: pd.DataFrame, tmp_path: Path) -> None:
    """XES has no event outside a trace: the unattributed tasks come back in a nameless trace
    that the reader names by position; link method "none" still marks them as caseless."""
    from taskloom.mining.io import read_log

    xes = read_log(write_merged(merged, tmp_path / "m.xes"))
    parquet = read_log(write_merged(merged, tmp_path / "m.parquet"))
    a, b = two_level_model(xes), two_level_model(parquet)
    ua, ub = a.unattributed, b.unattributed
    assert (ua.tasks, ua.no_case, ua.case_only) == (ub.tasks, ub.no_case, ub.case_only)
    assert ua.no_case == sum(r["case:concept:name"] is None for r in rows_of(merged)) > 0
    assert ua.total_s == pytest.approx(ub.total_s)
    assert set(a.desk) == set(b.desk)
    for act, d in a.desk.items():
        e = b.desk[act]
        assert (d.occurrences, d.with_work, d.cases_with_work, d.tasks) == (e.occurrences, e.with_work,
                                                                           e.cases_with_work, e.tasks)
        assert d.median_s == pytest.approx(e.median_s)
    pd.testing.assert_frame_equal(case_summary(xes), case_summary(parquet), check_exact=False,
                                  check_dtype=False)

"""Statistics, DFG, performance DFG, start/end and variants against pm4py on every shared log.

pm4py is the oracle: both sides are computed here, in the test, and compared.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest

from taskloom.mining.columns import ACTIVITY
from taskloom.mining.dfg import discover_dfg
from taskloom.mining.stats import log_stats
from taskloom.mining.variants import variant_counts
from tests.mining.factories import SHARED_LOGS

pm4py = pytest.importorskip("pm4py")

Reader = Callable[[str], tuple[pd.DataFrame, pd.DataFrame]]


@pytest.fixture(autouse=True)
def _quiet() -> None:
    warnings.simplefilter("ignore")


@pytest.mark.parametrize("name", SHARED_LOGS)
def test_statistics_match_pm4py(read_shared: Reader, name: str) -> None:
    ours, theirs = read_shared(name)
    s = log_stats(ours)
    assert s.events == len(theirs)
    assert s.cases == theirs["case:concept:name"].nunique()
    assert s.activities == theirs[ACTIVITY].nunique()
    assert s.variants == len(pm4py.get_variants(theirs))
    durations = np.asarray(pm4py.get_all_case_durations(theirs), dtype=float)
    assert s.duration_min_s == pytest.approx(durations.min(), abs=1e-6)
    assert s.duration_max_s == pytest.approx(durations.max(), abs=1e-6)
    assert s.duration_mean_s == pytest.approx(durations.mean(), abs=1e-6)
    assert s.duration_median_s == pytest.approx(float(np.median(durations)), abs=1e-6)


@pytest.mark.parametrize("name", SHARED_LOGS)
def test_dfg_frequencies_and_start_end_match_pm4py(read_shared: Reader, name: str) -> None:
    ours, theirs = read_shared(name)
    dfg = discover_dfg(ours)
    freq, start, end = pm4py.discover_dfg(theirs)
    got = {(s, t): int(f) for s, t, f in dfg.edges[["source", "target", "frequency"]].itertuples(index=False)}
    assert got == {k: int(v) for k, v in freq.items()}
    assert dfg.start == {k: int(v) for k, v in start.items()}
    assert dfg.end == {k: int(v) for k, v in end.items()}
    assert dict(dfg.nodes["frequency"]) == dict(theirs[ACTIVITY].value_counts())


@pytest.mark.parametrize("name", SHARED_LOGS)
def test_dfg_arc_durations_match_pm4py_performance_dfg(read_shared: Reader, name: str) -> None:
    ours, theirs = read_shared(name)
    dfg = discover_dfg(ours)
    perf, _, _ = pm4py.discover_performance_dfg(theirs)
    assert len(perf) == len(dfg.edges)
    for row in dfg.edges.itertuples(index=False):
        want = perf[(row.source, row.target)]
        for ours_v, key in ((row.mean_s, "mean"), (row.median_s, "median"),
                            (row.min_s, "min"), (row.max_s, "max"), (row.total_s, "sum")):
            assert math.isclose(ours_v, float(want[key]), abs_tol=1e-6, rel_tol=1e-12), (
                row.source, row.target, key, ours_v, want[key])


@pytest.mark.parametrize("name", SHARED_LOGS)
def test_variants_match_pm4py(read_shared: Reader, name: str) -> None:
    ours, theirs = read_shared(name)
    want = {tuple(k): int(v) for k, v in pm4py.get_variants(theirs).items()}
    assert variant_counts(ours) == want


@pytest.mark.parametrize("name", ["helpdesk.xes.gz", "interval_event_log.xes", "sepsis.csv"])
def test_shuffled_rows_give_pm4py_results(read_shared: Reader, name: str) -> None:
    """Rows out of case and time order take the sorting path (in-order files skip it).

    pm4py takes start/end activities from the frame's row order, so it gets the shuffled
    rows put back in order by pandas' stable sort (ties keep their shuffled order).
    """
    ours = read_shared(name)[0]
    perm = np.random.default_rng(7).permutation(len(ours))
    ours = ours.iloc[perm].reset_index(drop=True)
    keys = [k for k in ("case:concept:name", "start_timestamp", "time:timestamp") if k in ours.columns]
    theirs = ours.sort_values(keys, kind="stable").astype({"case:concept:name": object, ACTIVITY: object})
    dfg = discover_dfg(ours)
    freq, start, end = pm4py.discover_dfg(theirs)
    perf, _, _ = pm4py.discover_performance_dfg(theirs)
    assert {(s, t): int(f) for s, t, f in dfg.edges[["source", "target", "frequency"]].itertuples(index=False)} \
        == {k: int(v) for k, v in freq.items()}
    for row in dfg.edges.itertuples(index=False):
        assert math.isclose(row.median_s, float(perf[(row.source, row.target)]["median"]), abs_tol=1e-6)
    assert dfg.start == {k: int(v) for k, v in start.items()}
    assert dfg.end == {k: int(v) for k, v in end.items()}
    assert variant_counts(ours) == {tuple(k): int(v) for k, v in pm4py.get_variants(theirs).items()}
    assert log_stats(ours).variants == len(pm4py.get_variants(theirs))

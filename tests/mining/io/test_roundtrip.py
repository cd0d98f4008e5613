"""Read → write → read gives the same log, for every shared log and every format."""

from __future__ import annotations

import pandas as pd
import pytest

from taskloom.mining.columns import ACTIVITY, CASE, TIMESTAMP
from taskloom.mining.io import read_log, write_log
from tests.mining.io.factories import LARGE_LOGS, SEPSIS_MAPPING, XES_LOGS

FORMATS = (".xes", ".xes.gz", ".csv", ".csv.gz", ".parquet")


def _params():
    for name in (*XES_LOGS, "sepsis.csv"):
        marks = [pytest.mark.slow] if name in LARGE_LOGS else []
        yield pytest.param(name, marks=marks, id=name)


@pytest.mark.parametrize("name", list(_params()))
def test_round_trip_every_format(shared_data, tmp_path, name):
    """Values, dtypes and UTC time zones survive XES, CSV and Parquet."""
    path = shared_data / name
    log = read_log(path, SEPSIS_MAPPING if name.endswith(".csv") else None)
    for suffix in FORMATS:
        out = tmp_path / f"copy{suffix}"
        write_log(log, out)
        back = read_log(out)
        # XES stores attributes per event, so a CSV log's columns may come back in another
        # order (an attribute absent from the first event is seen later); rows and values not.
        check_like = name.endswith(".csv") and suffix.startswith(".xes")
        pd.testing.assert_frame_equal(back, log, check_like=check_like, obj=f"{name} via {suffix}")


def test_xes_we_write_is_read_by_pm4py(shared_data, tmp_path, pm4py_read_xes):
    """pm4py's XML reader reads our XES back to the same events, times and attributes."""
    log = read_log(shared_data / "running-example.xes")
    log["Costs_num"] = pd.array([1.5] * len(log), dtype="float64")
    log["n"] = pd.array(range(len(log)), dtype="Int64")
    log["flag"] = pd.array([True, False] * (len(log) // 2), dtype="boolean")
    out = tmp_path / "ours.xes"
    write_log(log, out)
    ref = pm4py_read_xes(out, "iterparse")
    assert list(ref[CASE]) == list(log[CASE])
    assert list(ref[ACTIVITY]) == list(log[ACTIVITY])
    assert (pd.to_datetime(ref[TIMESTAMP], utc=True) == log[TIMESTAMP]).all()
    assert list(ref["n"]) == list(range(len(log)))
    assert list(ref["flag"]) == [True, False] * (len(log) // 2)
    assert list(ref["Costs_num"]) == [1.5] * len(log)
    assert list(ref["Costs"]) == list(log["Costs"])  # text "50" stays text


def test_events_of_a_case_apart_in_the_frame_become_one_trace(tmp_path):
    """The XES writer groups events per case in order of first appearance."""
    ts = pd.to_datetime(["2024-01-01T00:00Z", "2024-01-01T00:01Z", "2024-01-01T00:02Z"], utc=True)
    log = pd.DataFrame({CASE: ["a", "b", "a"], ACTIVITY: ["x", "y", "z"],
                        TIMESTAMP: ts.astype("datetime64[us, UTC]")})
    out = tmp_path / "grouped.xes"
    write_log(log, out)
    back = read_log(out)
    assert list(back[CASE]) == ["a", "a", "b"]
    assert list(back[ACTIVITY]) == ["x", "z", "y"]
    assert out.read_text().count("<trace>") == 2


def test_empty_log_writes_and_reads_back_in_every_format(shared_data, tmp_path):
    """A filter that keeps no case still exports: an empty log, not a crash (found by the API fuzz)."""
    empty = read_log(shared_data / "running-example.xes").iloc[0:0]
    for suffix in FORMATS:
        out = tmp_path / f"empty{suffix}"
        write_log(empty, out)
        assert len(read_log(out)) == 0, suffix

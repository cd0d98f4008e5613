"""read_log against pm4py's readers on every shared log: same events, cases, values."""

from __future__ import annotations

import pandas as pd
import pytest

from taskloom.mining.columns import ACTIVITY, CASE, LIFECYCLE, RESOURCE, TIMESTAMP
from taskloom.mining.io import read_log
from tests.mining.io.factories import LARGE_LOGS, SEPSIS_MAPPING, XES_LOGS


def _same(ours: pd.Series, ref: pd.Series) -> pd.Series:
    """Per-row equality after bringing both to comparable forms (datetimes to UTC ms)."""
    if pd.api.types.is_datetime64_any_dtype(ours.dtype):
        a = ours.dt.floor("ms")
        b = pd.to_datetime(ref, utc=True).dt.floor("ms")
        return (a == b) | (a.isna() & b.isna())
    a = ours.astype(object).where(ours.notna(), None).map(str)
    b = ref.astype(object).where(ref.notna(), None).map(str)
    return a == b


def _assert_matches(ours: pd.DataFrame, ref: pd.DataFrame, columns: list[str]) -> None:
    assert len(ours) == len(ref)
    for col in columns:
        assert col in ours.columns, f"{col} missing"
        same = _same(ours[col].reset_index(drop=True), ref[col].reset_index(drop=True))
        if not same.all():
            row = int((~same).to_numpy().nonzero()[0][0])
            pytest.fail(f"{col}: row {row}: ours {ours[col].iloc[row]!r}, pm4py {ref[col].iloc[row]!r}")


@pytest.mark.parametrize(
    "name", [pytest.param(n, marks=pytest.mark.slow) if n in LARGE_LOGS else n for n in XES_LOGS]
)
def test_xes_matches_pm4py(shared_data, pm4py_read_xes, name):
    """Every event attribute pm4py reads, we read the same, event for event in file order.

    The oracle is pm4py's XML reader (iterparse); on the two largest logs its Rust reader,
    which agrees with iterparse there (it differs elsewhere only by filling absent
    attributes from <global> defaults, which iterparse and taskloom do not).
    """
    path = shared_data / name
    ours = read_log(path)
    ref = pm4py_read_xes(path, "rustxes" if name in LARGE_LOGS else "iterparse")
    pm4py_columns = list(ref.columns)
    assert set(pm4py_columns) == set(ours.columns)
    first = [c for c in (CASE, ACTIVITY, TIMESTAMP, RESOURCE, LIFECYCLE) if c in ref.columns]
    _assert_matches(ours, ref, first + [c for c in pm4py_columns if c not in first])
    assert str(ours[TIMESTAMP].dtype) == "datetime64[us, UTC]"
    assert ours[CASE].dtype == "str" and ours[ACTIVITY].dtype == "str"


def test_sepsis_csv_matches_pandas_and_pm4py_formatting(shared_data):
    """sepsis.csv with its mapping: the events pm4py.format_dataframe makes of the same file."""
    pm4py = pytest.importorskip("pm4py")
    path = shared_data / "sepsis.csv"
    ours = read_log(path, SEPSIS_MAPPING)
    # keep_default_na=False: "NA" is a real Sepsis case id, not a missing value
    raw = pd.read_csv(path, sep=";", dtype=str, keep_default_na=False)
    raw["file_row"] = range(len(raw))  # pm4py sorts by case and time; put file order back
    ref = pm4py.format_dataframe(raw, case_id="Case ID", activity_key="Activity",
                                 timestamp_key="Complete Timestamp",
                                 timest_format="%Y/%m/%d %H:%M:%S.%f")
    ref = ref.sort_values("file_row", kind="stable")
    _assert_matches(ours, ref, [CASE, ACTIVITY, TIMESTAMP])
    assert ours[CASE].nunique() == 1050 and len(ours) == 15214  # shared/data/README.md
    assert "NA" in set(ours[CASE])
    assert "Case ID" not in ours.columns and "Age" in ours.columns
    assert str(ours["Age"].dtype) == "Int64" and ours["CRP"].dtype == "float64"
    assert str(ours["InfectionSuspected"].dtype) == "boolean"

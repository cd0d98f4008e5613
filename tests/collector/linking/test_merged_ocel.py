"""The merged two-level log (contract columns, formats) and its OCEL 2.0 files read back by pm4py."""

from __future__ import annotations

import contextlib
import io
import sqlite3
import xml.etree.ElementTree as ET
from pathlib import Path

import pandas as pd
import pytest

from taskloom.collector.linking.merged import MERGED_COLUMNS, build_merged_log
from taskloom.collector.linking.ocel import build_ocel, write_ocel
from taskloom.mining.io import read_log, write_log
from tests.collector.linking.conftest import Linked


@pytest.fixture(scope="module")
def merged(hard_study: Linked) -> pd.DataFrame:
    return build_merged_log(hard_study.system, hard_study.result.tasks, hard_study.result.tasks)


def test_merged_log_follows_the_contract(hard_study: Linked, merged: pd.DataFrame) -> None:
    assert list(merged.columns[: len(MERGED_COLUMNS)]) == list(MERGED_COLUMNS)
    assert {"lifecycle:transition", "signed_by"} <= set(merged.columns)  # system attributes kept
    case, task = merged[merged["level"] == "case"], merged[merged["level"] == "task"]
    assert len(case) == len(hard_study.system)
    work = hard_study.result.tasks[hard_study.result.tasks["task_type"] != "idle"]
    assert len(task) == len(work), "one row per task instance; unattributed ones kept"
    assert set(task["link_method"]) <= {"id", "time", "propagated", "none"}
    none = task[task["link_method"] == "none"]
    assert len(none) and none["case:concept:name"].isna().all() and (none["link_confidence"] == 0).all()
    assert case["task_type"].isna().all() and case["link_method"].isna().all()
    assert str(merged["time:timestamp"].dt.tz) == "UTC"
    ts = merged["time:timestamp"].astype("int64").to_numpy()
    assert (ts[1:] >= ts[:-1]).all()
    # Each task's parent event is a system event of its own case with the parent activity.
    ev = case.set_index("event_id")
    with_parent = task[task["parent_event"].notna()]
    assert len(with_parent)
    assert (ev.loc[with_parent["parent_event"], "case:concept:name"].to_numpy()
            == with_parent["case:concept:name"].to_numpy()).all()
    assert (ev.loc[with_parent["parent_event"], "concept:name"].to_numpy() == with_parent["parent"].to_numpy()).all()


@pytest.mark.parametrize("suffix", [".csv", ".xes", ".parquet"])
def test_merged_log_round_trips_through_flat_formats(merged: pd.DataFrame, tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"merged{suffix}"
    write_log(merged, path)
    back = read_log(path)
    assert len(back) == len(merged)
    assert back["level"].value_counts().to_dict() == merged["level"].value_counts().to_dict()
    assert back["link_method"].dropna().value_counts().to_dict() == merged["link_method"].dropna() \
        .value_counts().to_dict()


def _pm4py():  # type: ignore[no-untyped-def]
    with contextlib.redirect_stdout(io.StringIO()):
        import pm4py
    return pm4py


def test_ocel_files_open_in_pm4py_with_equal_counts(merged: pd.DataFrame, tmp_path: Path) -> None:
    pm4py = _pm4py()
    ocel = build_ocel(merged)
    assert set(ocel.objects["type"]) == {"case", "task instance", "user", "device", "app"}
    assert len(ocel.events) == len(merged)
    linked = merged[(merged["level"] == "task") & merged["case:concept:name"].notna()]
    assert len(ocel.o2o) == linked["task_instance"].nunique()
    readers = {".jsonocel": pm4py.read_ocel2_json, ".sqlite": pm4py.read_ocel2_sqlite,
               ".xmlocel": pm4py.read_ocel2_xml}
    for suffix, read in readers.items():
        path = tmp_path / f"merged{suffix}"
        write_ocel(ocel, path)
        with contextlib.redirect_stdout(io.StringIO()):
            back = read(str(path))
        assert (len(back.events), len(back.objects), len(back.relations), len(back.o2o)) == \
            (len(ocel.events), len(ocel.objects), len(ocel.e2o), len(ocel.o2o)), suffix
        quals = set(back.relations["ocel:qualifier"])
        assert {"case", "task", "user", "device", "app", "resource"} <= quals


def test_ocel_sqlite_passes_pm4py_relational_validator(merged: pd.DataFrame, tmp_path: Path) -> None:
    _pm4py()
    from pm4py.objects.ocel.validation import ocel20_rel_validation

    path = tmp_path / "merged.sqlite"
    write_ocel(build_ocel(merged), path)
    satisfied, unsatisfied = ocel20_rel_validation.apply(str(path))
    assert list(unsatisfied) == [] and len(satisfied) == 24
    with sqlite3.connect(path) as con:
        assert con.execute("SELECT count(*) FROM object_object WHERE ocel_qualifier = 'serves'").fetchone()[0] > 0


def test_ocel_xml_drops_characters_xml_forbids(merged: pd.DataFrame, tmp_path: Path) -> None:
    nasty = merged.copy()
    task = nasty.index[nasty["level"] == "task"][0]
    nasty["concept:name"] = nasty["concept:name"].astype(object)
    nasty.loc[task, "concept:name"] = "Note \x01<b>&\"draft\"\x1f\ufffe"
    path = tmp_path / "nasty.xmlocel"
    write_ocel(build_ocel(nasty), path)
    root = ET.parse(path).getroot()  # a parse error here is the bug
    types = {e.get("name") for e in root.iter("event-type")}
    assert 'Note <b>&"draft"' in types

"""The collector's `taskloom` commands, run as a user runs them (subprocess)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from taskloom.collector.store import Store
from tests.collector.factories import TASKLOOM, LiveCollector, run_cli, wire_batch
from tests.conftest import ROOT


@pytest.fixture
def db(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'cli.db'}"


def _error_line(out: subprocess.CompletedProcess[str]) -> str:
    assert out.returncode == 2, (out.stdout, out.stderr)
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in out.stderr, out.stderr
    assert lines[0].startswith("taskloom: error: ")
    return lines[0]


def test_study_create_and_list(db: str) -> None:
    run_cli(db, "study", "create", "ward-a")
    out = run_cli(db, "study", "list").stdout
    assert "ward-a" in out
    line = _error_line(run_cli(db, "study", "create", "ward-a", check=False))
    assert "already exists" in line


def test_device_token_alone_on_last_line_and_enrols(db: str, tmp_path: Path) -> None:
    run_cli(db, "study", "create", "ward-a")
    out = run_cli(db, "device", "token", "--study", "ward-a", "--uses", "2", "--expires", "12h")
    token = out.stdout.strip().splitlines()[-1]
    assert token.startswith("tle_") and " " not in token
    store = Store.open(db)
    try:
        device = store.enroll(token, "ws-9")
        store.enroll(token, "ws-10")
    finally:
        store.close()
    listed = run_cli(db, "device", "list").stdout
    assert device.device_id in listed and "ws-9" in listed and "active" in listed
    run_cli(db, "device", "revoke", device.device_id)
    assert "revoked" in run_cli(db, "device", "list").stdout
    assert "no device" in _error_line(run_cli(db, "device", "revoke", "nope", check=False))
    assert "duration" in _error_line(
        run_cli(db, "device", "token", "--study", "ward-a", "--expires", "soon", check=False))
    assert "no study" in _error_line(run_cli(db, "device", "token", "--study", "nope", check=False))


def test_taskloom_db_environment_variable(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'env.db'}"
    env = {**os.environ, "TASKLOOM_DB": db}
    subprocess.run([TASKLOOM, "study", "create", "from-env"], env=env, check=True,
                   capture_output=True, cwd=ROOT)
    assert "from-env" in run_cli(db, "study", "list").stdout


def test_unreachable_database_is_one_line_error() -> None:
    out = run_cli("postgresql://nobody@127.0.0.1:1/none", "study", "list", check=False)
    assert "cannot open the database" in _error_line(out)


def test_import_sepsis_csv_with_column_options(db: str, shared_data: Path) -> None:
    run_cli(db, "study", "create", "sepsis")
    out = run_cli(db, "import", str(shared_data / "sepsis.csv"), "--study", "sepsis",
                  "--case", "Case ID", "--activity", "Activity", "--timestamp", "Complete Timestamp",
                  "--hash-case-ids")
    from taskloom.mining.io import CsvMapping, read_log

    expected = read_log(shared_data / "sepsis.csv", csv=CsvMapping(
        case="Case ID", activity="Activity", timestamp="Complete Timestamp"))
    assert f"imported {len(expected)} events" in out.stdout
    store = Store.open(db)
    try:
        stored = store.system_events_frame("sepsis")
        [imp] = store.list_imports(store.get_study("sepsis").id)
    finally:
        store.close()
    assert len(stored) == len(expected) and imp.hashed_case_ids
    assert stored["case:concept:name"].nunique() == expected["case:concept:name"].nunique()
    assert not set(stored["case:concept:name"]) & set(expected["case:concept:name"].astype(str))


def test_import_with_bad_mapping_names_the_column(db: str, shared_data: Path) -> None:
    run_cli(db, "study", "create", "sepsis")
    out = run_cli(db, "import", str(shared_data / "sepsis.csv"), "--study", "sepsis",
                  "--case", "Patient", check=False)
    line = _error_line(out)
    assert "Patient" in line and "Case ID" in line


def test_import_of_events_without_a_case_id_is_one_line_error(db: str, tmp_path: Path) -> None:
    run_cli(db, "study", "create", "no-case")
    path = tmp_path / "log.csv"
    path.write_text("case:concept:name,concept:name,time:timestamp\n"
                    "c1,A,2026-03-02T08:00:00Z\n,B,2026-03-02T08:05:00Z\nc1,C,2026-03-02T08:09:00Z\n")
    line = _error_line(run_cli(db, "import", str(path), "--study", "no-case", check=False))
    assert "log.csv: 1 events have no case id (the first is data row 2)" in line
    store = Store.open(db)
    try:
        assert store.system_events_frame("no-case").empty  # nothing half-stored
    finally:
        store.close()


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".xes"])
def test_export_one_row_per_event(db: str, tmp_path: Path, suffix: str) -> None:
    run_cli(db, "study", "create", "ward-a")
    store = Store.open(db)
    try:
        from taskloom.collector.store import now_ms
        from taskloom.collector.validate import validate_batch

        dev = store.authenticate_device(store.enroll(
            store.create_enrollment_token("ward-a").token, "h").device_token)
        events = wire_batch(30)
        store.ingest(dev, validate_batch(events, dev.id, dev.study_id, now_ms()))
    finally:
        store.close()
    target = tmp_path / f"out{suffix}"
    out = run_cli(db, "export", "--study", "ward-a", "-o", str(target))
    assert "wrote 30 UI events" in out.stdout
    if suffix == ".csv":
        frame = pd.read_csv(target)
        ids = frame["event_id"]
    elif suffix == ".parquet":
        frame = pd.read_parquet(target)
        ids = frame["event_id"]
    else:
        from taskloom.mining.io import read_log

        frame = read_log(target)
        ids = frame["event_id"]
    assert sorted(ids) == sorted(e["event_id"] for e in events)
    assert "format" in _error_line(run_cli(db, "export", "--study", "ward-a", "-o",
                                           str(tmp_path / "out.txt"), check=False))


def test_serve_prints_address_and_admin_token_hint(db: str, tmp_path: Path) -> None:
    server = LiveCollector(db, tmp_path).start()
    try:
        log = server.log_path.read_text()
    finally:
        server.stop()
    assert f"listening on http://127.0.0.1:{server.port}" in log
    assert "taskloom admin token" in log


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".xes"])
def test_export_of_an_empty_study_is_a_valid_empty_file(db: str, tmp_path: Path, suffix: str) -> None:
    run_cli(db, "study", "create", "empty")
    target = tmp_path / f"empty{suffix}"
    assert "wrote 0 UI events" in run_cli(db, "export", "--study", "empty", "-o", str(target)).stdout
    if suffix == ".xes":
        import pm4py

        assert len(pm4py.read_xes(str(target))) == 0
    elif suffix == ".csv":
        assert list(pd.read_csv(target).columns[:3]) == ["event_id", "device_id", "seq"]
    else:
        assert len(pd.read_parquet(target)) == 0

"""`taskloom merge` and `taskloom link evaluate` through the real CLI: files, the demo study, errors."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import pandas as pd
import pytest

from taskloom.collector.linking.merged import MERGED_COLUMNS
from taskloom.server.cli import main


def _run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()


def _figures(table: str, level: str = "event", method: str = "all") -> tuple[float, float]:
    for line in table.splitlines():
        parts = line.split()
        if parts[:3] == [level, "with_case", method]:
            return float(parts[6]), float(parts[7])
    raise AssertionError(f"no {level}/{method} row in:\n{table}")


@pytest.fixture(scope="module")
def hard(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("hard")
    code, _, err = _run("generate", "--hard", "--clinicians", "2", "--days", "1", "--seed", "3", "-o", str(out))
    assert code == 0, err
    return out


def test_merge_files_then_evaluate_links(hard: Path, tmp_path: Path) -> None:
    merged, links = tmp_path / "merged.parquet", tmp_path / "links.csv"
    code, out, err = _run("merge", str(hard / "ui_events.csv"), str(hard / "system_log.csv"),
                          "--user-map", str(hard / "user_map.csv"), "-o", str(merged), "--links", str(links))
    assert code == 0, err
    assert "(discovered)" in out and f"wrote {merged}" in out
    rows = pd.read_csv(hard / "ui_events.csv", usecols=["event_id"])
    lk = pd.read_csv(links, dtype=str)
    assert list(lk.columns) == ["event_id", "task_type", "task_instance", "case_id", "system_activity", "method",
                                "confidence"]
    assert lk["event_id"].tolist() == rows["event_id"].tolist(), "one row per UI event, in file order"
    assert set(lk["method"]) <= {"id", "time", "propagated", "none"}
    assert lk.loc[lk["method"] == "none", "case_id"].isna().all()
    log = pd.read_parquet(merged)
    assert list(log.columns[: len(MERGED_COLUMNS)]) == list(MERGED_COLUMNS)
    code, out, err = _run("link", "evaluate", str(links), "--truth", str(hard / "ui_events.csv"),
                          "--truth-case", "truth_case")
    assert code == 0, err
    precision, recall = _figures(out)
    assert precision >= 0.9 and recall >= 0.8
    # Identifiers only: fewer links, and the hidden screens stay unattributed.
    code, out, _ = _run("merge", str(hard / "ui_events.csv"), str(hard / "system_log.csv"), "--tiers", "id",
                        "-o", str(tmp_path / "id.csv"), "--links", str(tmp_path / "id_links.csv"))
    assert code == 0
    _, table, _ = _run("link", "evaluate", str(tmp_path / "id_links.csv"), "--truth", str(hard / "ui_events.csv"),
                       "--truth-case", "truth_case")
    assert _figures(table)[1] < recall


def test_merge_writes_ocel(hard: Path, tmp_path: Path) -> None:
    out = tmp_path / "merged.jsonocel"
    code, _, err = _run("merge", str(hard / "ui_events.csv"), str(hard / "system_log.csv"),
                        "--user-map", str(hard / "user_map.csv"), "-o", str(out))
    assert code == 0, err
    import json

    doc = json.loads(out.read_text())
    assert {t["name"] for t in doc["objectTypes"]} == {"case", "task instance", "user", "device", "app"}


def _one_line_error(code: int, err: str, *needles: str) -> None:
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    for needle in needles:
        assert needle in lines[0]


def test_case_pattern_without_a_group_is_refused(hard: Path, tmp_path: Path) -> None:
    code, _, err = _run("merge", str(hard / "ui_events.csv"), str(hard / "system_log.csv"),
                        "--case-pattern", r"MRN\d+", "-o", str(tmp_path / "m.csv"))
    _one_line_error(code, err, "--case-pattern", "one group")
    assert not (tmp_path / "m.csv").exists()


def test_max_skew_follows_the_duration_grammar(hard: Path, tmp_path: Path) -> None:
    code, _, err = _run("merge", str(hard / "ui_events.csv"), str(hard / "system_log.csv"),
                        "--max-skew", "2 minutes", "-o", str(tmp_path / "m.csv"))
    _one_line_error(code, err, "--max-skew", "90s")


def test_user_map_without_its_columns_is_refused(hard: Path, tmp_path: Path) -> None:
    bad = tmp_path / "map.csv"
    bad.write_text("login,ehr_id\nU#1,EHR-1\n")
    code, _, err = _run("merge", str(hard / "ui_events.csv"), str(hard / "system_log.csv"),
                        "--user-map", str(bad), "-o", str(tmp_path / "m.csv"))
    _one_line_error(code, err, "user", "resource")


def test_system_log_without_resources_is_refused_for_tier_two(hard: Path, tmp_path: Path) -> None:
    system = pd.read_csv(hard / "system_log.csv").drop(columns=["org:resource"])
    path = tmp_path / "no_resource.csv"
    system.to_csv(path, index=False)
    code, _, err = _run("merge", str(hard / "ui_events.csv"), str(path), "-o", str(tmp_path / "m.csv"))
    _one_line_error(code, err, "resource")
    code, _, err = _run("merge", str(hard / "ui_events.csv"), str(path), "--tiers", "id",
                        "-o", str(tmp_path / "m.csv"))
    assert code == 0, err


@pytest.mark.slow
def test_demo_study_export_merge_evaluate_and_study_equals_file(tmp_path: Path) -> None:
    db, files = f"sqlite:///{tmp_path / 'demo.db'}", tmp_path / "demo"
    code, out, err = _run("demo", "--db", db, "--dir", str(files), "--clinicians", "2", "--days", "1",
                          "--no-serve")
    assert code == 0, err
    assert "links against the generator's truth: precision" in out
    svg = (files / "two_level_map.svg").read_text()
    assert svg.startswith("<svg") or svg.startswith("<?xml")
    code, _, err = _run("export", "--study", "ehr-demo", "-o", str(tmp_path / "ui.csv"), "--db", db)
    assert code == 0, err
    code, _, err = _run("merge", str(tmp_path / "ui.csv"), str(files / "system_log.csv"),
                        "-o", str(tmp_path / "file.csv"), "--links", str(tmp_path / "links.csv"))
    assert code == 0, err
    code, _, err = _run("merge", "--study", "ehr-demo", "-o", str(tmp_path / "study.csv"), "--db", db)
    assert code == 0, err
    a = pd.read_csv(tmp_path / "file.csv", dtype=str)[list(MERGED_COLUMNS)]
    b = pd.read_csv(tmp_path / "study.csv", dtype=str)[list(MERGED_COLUMNS)]
    pd.testing.assert_frame_equal(a, b)
    code, table, err = _run("link", "evaluate", str(tmp_path / "links.csv"), "--truth", str(files / "ui_events.csv"),
                            "--truth-case", "truth_case")
    assert code == 0, err
    precision, recall = _figures(table)
    assert precision >= 0.97 and recall >= 0.93
    # OCEL 2.0 of the study, read back by pm4py: one event per merged row, tasks serve cases.
    code, _, err = _run("merge", "--study", "ehr-demo", "-o", str(tmp_path / "study.sqlite"), "--db", db)
    assert code == 0, err
    with contextlib.redirect_stdout(io.StringIO()):
        import pm4py

        ocel = pm4py.read_ocel2_sqlite(str(tmp_path / "study.sqlite"))
    assert len(ocel.events) == len(b)
    linked = b[(b["level"] == "task") & b["case:concept:name"].notna()]
    assert len(ocel.o2o) == len(linked)
    # A second run of the study merge is the same file (stored links replaced, not added).
    code, _, err = _run("merge", "--study", "ehr-demo", "-o", str(tmp_path / "again.csv"), "--db", db)
    assert code == 0, err
    assert (tmp_path / "again.csv").read_bytes() == (tmp_path / "study.csv").read_bytes()

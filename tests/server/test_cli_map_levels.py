"""`taskloom map MERGED --levels 2` end to end: the real CLI reads a merged log file (CSV and
Parquet) and writes the two-level map; its figures are checked against the file's rows."""

from __future__ import annotations

import statistics
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pandas as pd
import pytest

from taskloom.mining.io import read_log
from taskloom.mining.render.style import human_count, human_duration, human_pct
from tests.mining.merged_factory import expected_desk, merged_log, rows_of, write_merged
from tests.mining.render.maps import SVG, groups, texts


def taskloom(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "taskloom.server.cli", *map(str, args)],
                          capture_output=True, text=True, timeout=300, check=False)


@pytest.fixture(scope="module")
def merged_files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("merged")
    frame = merged_log(n_cases=45, seed=3)
    return {suf: write_merged(frame, folder / f"merged.{suf}") for suf in ("csv", "parquet")}


@pytest.mark.parametrize("suffix", ["csv", "parquet"])
def test_two_level_map_from_a_merged_file(merged_files: dict[str, Path], tmp_path: Path, suffix: str) -> None:
    out = tmp_path / "map.svg"
    proc = taskloom("map", merged_files[suffix], "--levels", "2", "-o", out, "--expand", "Triage")
    assert proc.returncode == 0, proc.stderr
    log = read_log(merged_files[suffix])  # the oracle reads the same file, independently
    rows = rows_of(log)
    tasks = [r for r in rows if r["level"] == "task"]
    unattributed = [r for r in tasks if r["parent_event"] is None]
    assert proc.stdout == (f"wrote {out} (5 of 5 system activities, 7 of 7 arcs, "
                           f"{len(tasks) - len(unattributed)} linked and {len(unattributed)} "
                           "unattributed task instances, 1 expanded)\n")
    svg = out.read_text(encoding="utf-8")
    ET.fromstring(svg)
    nodes = {g.get("data-name"): g for g in groups(svg, "activity")}
    for act, d in expected_desk(log).items():
        desk = texts(nodes[act].find(f"{SVG}g[@class='desk']"))  # type: ignore[arg-type]
        assert desk[0] == (f"desk {human_duration(statistics.median(d['work']))} · "
                           f"{human_pct(len(d['wcases']), len(d['cases']))} of cases")
    triage_types = {g.get("data-name") for g in nodes["Triage"].iter(f"{SVG}g")
                    if "task" in (g.get("class") or "").split()}
    ids = {r["event_id"] for r in rows if r["level"] == "case" and r["concept:name"] == "Triage"}
    assert triage_types == {r["concept:name"] for r in tasks if r["parent_event"] in ids}
    (group,) = groups(svg, "unattributed")[:1]
    assert texts(group)[1].startswith(f"{human_count(len(unattributed))} tasks")


def test_two_level_map_is_byte_identical_on_a_rerun(merged_files: dict[str, Path], tmp_path: Path) -> None:
    outs = []
    for name in ("a.svg", "b.svg"):
        proc = taskloom("map", merged_files["csv"], "--levels", "2", "-o", tmp_path / name,
                        "--expand", "Discharge", "--expand", "Review results", "--overlay", "duration-mean")
        assert proc.returncode == 0, proc.stderr
        outs.append((tmp_path / name).read_bytes())
    assert outs[0] == outs[1]


def test_levels_1_stays_the_one_level_map(merged_files: dict[str, Path], tmp_path: Path) -> None:
    plain = taskloom("map", merged_files["csv"], "-o", tmp_path / "a.svg")
    one = taskloom("map", merged_files["csv"], "--levels", "1", "-o", tmp_path / "b.svg")
    assert plain.returncode == one.returncode == 0, plain.stderr + one.stderr
    assert (tmp_path / "a.svg").read_bytes() == (tmp_path / "b.svg").read_bytes()
    assert "two-level" not in (tmp_path / "a.svg").read_text(encoding="utf-8")


def _one_line_error(proc: subprocess.CompletedProcess[str]) -> str:
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("taskloom: error: "), proc.stderr
    return lines[0]


def test_unknown_expand_activity(merged_files: dict[str, Path], tmp_path: Path) -> None:
    line = _one_line_error(taskloom("map", merged_files["csv"], "--levels", "2", "-o", tmp_path / "m.svg",
                                    "--expand", "Write note"))
    assert "--expand 'Write note': not a system activity" in line
    assert "Appointment, Discharge, Referral, Review results, Triage" in line
    assert not (tmp_path / "m.svg").exists()


def test_a_file_that_is_not_a_merged_log(shared_data: Path, tmp_path: Path) -> None:
    line = _one_line_error(taskloom("map", shared_data / "running-example.xes", "--levels", "2",
                                    "-o", tmp_path / "m.svg"))
    assert "not a merged two-level log (no 'level' column)" in line and "taskloom merge" in line


def test_merged_log_missing_a_contract_column(tmp_path: Path) -> None:
    frame = merged_log(n_cases=5).drop(columns=["active_time"])
    path = write_merged(frame, tmp_path / "m.csv")
    line = _one_line_error(taskloom("map", path, "--levels", "2", "-o", tmp_path / "m.svg"))
    assert "no column 'active_time'" in line


def test_expand_without_levels_2(merged_files: dict[str, Path], tmp_path: Path) -> None:
    line = _one_line_error(taskloom("map", merged_files["csv"], "-o", tmp_path / "m.svg", "--expand", "Triage"))
    assert "--expand needs --levels 2" in line


def test_summary_writer_writes_both_tables(merged_files: dict[str, Path], tmp_path: Path) -> None:
    from taskloom.collector.services.summary import SummaryPathError, write_summary
    from taskloom.mining.twolevel import activity_summary, case_summary

    log = read_log(merged_files["parquet"])
    cases_path, acts_path = write_summary(log, tmp_path / "summary.csv")
    assert acts_path == tmp_path / "summary.activities.csv"
    cases = pd.read_csv(cases_path)
    acts = pd.read_csv(acts_path)
    want = case_summary(log)
    assert list(cases.columns) == list(want.columns)
    assert cases["touch_time_s"].to_numpy() == pytest.approx(want["touch_time_s"].to_numpy(), abs=1e-3)
    assert cases["task_instances"].sum() == sum(1 for r in rows_of(log)
                                                if r["level"] == "task" and r["case:concept:name"] is not None)
    assert list(acts["concept:name"]) == list(activity_summary(log)["concept:name"])
    with pytest.raises(SummaryPathError, match=r"ending in \.csv"):
        write_summary(log, tmp_path / "summary.xlsx")
    with pytest.raises(SummaryPathError, match="no such folder"):
        write_summary(log, tmp_path / "nope" / "summary.csv")


def test_expanded_activity_hidden_by_the_nodes_slider_is_named(merged_files: dict[str, Path], tmp_path: Path) -> None:
    log = read_log(merged_files["csv"])
    counts = log.loc[log["level"] == "case", "concept:name"].value_counts()
    rarest = str(counts.sort_values(kind="stable").index[0])
    proc = taskloom("map", merged_files["csv"], "--levels", "2", "-o", tmp_path / "m.svg", "--nodes", "20",
                    "--expand", rarest)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.rstrip().endswith(f"0 expanded; not drawn, hidden by the filters or --nodes: {rarest})")
    svg = (tmp_path / "m.svg").read_text(encoding="utf-8")
    assert rarest not in {g.get("data-name") for g in groups(svg, "activity")}

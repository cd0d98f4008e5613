"""`taskloom merge ... --summary OUT.csv` end to end on a generated study: the per-case and
per-activity tables, checked against the merged log the same run wrote (by hand, row by row)."""

from __future__ import annotations

import statistics
import subprocess
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from taskloom.mining.io import read_log
from tests.mining.merged_factory import expected_desk, rows_of


def taskloom(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "taskloom.server.cli", *map(str, args)],
                          capture_output=True, text=True, timeout=600, check=False)


@pytest.fixture(scope="module")
def study(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("summary")
    proc = taskloom("generate", "--clinicians", "1", "--days", "1", "--seed", "3", "-o", folder)
    assert proc.returncode == 0, proc.stderr
    return folder


def test_merge_writes_both_summary_tables(study: Path, tmp_path: Path) -> None:
    out = tmp_path / "summary.csv"
    proc = taskloom("merge", study / "ui_events.csv", study / "system_log.csv", "-o", tmp_path / "m.parquet",
                    "--summary", out)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.splitlines()[-2:] == [f"wrote {out}", f"wrote {tmp_path / 'summary.activities.csv'}"]
    rows = rows_of(read_log(tmp_path / "m.parquet"))
    by_case: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        if r["case:concept:name"] is not None:
            by_case[r["case:concept:name"]].append(r)
    cases = pd.read_csv(out).set_index("case:concept:name")
    assert set(cases.index) == set(by_case)
    for case, rs in by_case.items():
        tasks = [r for r in rs if r["level"] == "task"]
        assert cases.at[case, "touch_time_s"] == pytest.approx(sum(r["active_time"] for r in tasks), abs=1e-3)
        assert cases.at[case, "task_instances"] == len(tasks)
        assert cases.at[case, "staff"] == len({r["org:resource"] for r in tasks})
        span = (max(r["time:timestamp"] for r in rs) - min(r["start_timestamp"] for r in rs)).total_seconds()
        assert cases.at[case, "elapsed_s"] == pytest.approx(span, abs=1e-3)
    acts = pd.read_csv(tmp_path / "summary.activities.csv").set_index("concept:name")
    for act, d in expected_desk(read_log(tmp_path / "m.parquet")).items():
        assert acts.at[act, "occurrences"] == d["occ"]
        if d["work"]:
            assert acts.at[act, "desk_median_s"] == pytest.approx(statistics.median(d["work"]), abs=1e-3)


def test_a_summary_name_that_is_not_csv_fails_before_the_merge(study: Path, tmp_path: Path) -> None:
    proc = taskloom("merge", study / "ui_events.csv", study / "system_log.csv", "-o", tmp_path / "m.parquet",
                    "--summary", tmp_path / "summary.xlsx")
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        f"taskloom: error: --summary {tmp_path / 'summary.xlsx'}: the summary is CSV; give a name ending in .csv"]
    assert not (tmp_path / "m.parquet").exists()

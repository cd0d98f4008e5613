"""The process-mining commands through the real `taskloom` CLI (subprocess), pm4py as oracle."""

from __future__ import annotations

import json
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

from tests.mining import factories

pm4py = pytest.importorskip("pm4py")

SEPSIS_OPTS = ["--case", "Case ID", "--activity", "Activity", "--timestamp", "Complete Timestamp"]


def log_args(data: Path, name: str) -> list[str | Path]:
    """The CLI arguments naming a shared log (sepsis.csv with its column options)."""
    return [data / name, *(factories.SEPSIS_OPTIONS if name.endswith(".csv") else ())]


def taskloom(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "taskloom.server.cli", *map(str, args)],
                          capture_output=True, text=True, timeout=300, check=False)


def ok(*args: str | Path) -> str:
    proc = taskloom(*args)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def read_pm4py(path: Path):  # type: ignore[no-untyped-def]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return pm4py.read_xes(str(path))


def test_stats_json_has_exactly_the_documented_fields(shared_data: Path) -> None:
    path = shared_data / "running-example.xes"
    doc = json.loads(ok("stats", path, "--json"))
    assert list(doc) == ["cases", "variants", "events", "activities", "case_duration_s", "start", "end"]
    assert list(doc["case_duration_s"]) == ["min", "median", "mean", "max"]
    df = read_pm4py(path)
    assert doc["events"] == len(df)
    assert doc["cases"] == df["case:concept:name"].nunique()
    assert doc["variants"] == len(pm4py.get_variants(df))
    assert doc["case_duration_s"]["max"] == pytest.approx(max(pm4py.get_all_case_durations(df)))
    assert doc["start"] == df["time:timestamp"].min().isoformat().replace("+00:00", "Z")
    assert doc["end"] == df["time:timestamp"].max().isoformat().replace("+00:00", "Z")


def test_stats_with_filter_shows_filtered_over_total(shared_data: Path, tmp_path: Path) -> None:
    path = shared_data / "running-example.xes"
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps([{"type": "activity", "activities": ["reject request"]}]))
    out = ok("stats", path, "--filter", spec)
    df = read_pm4py(path)
    kept = pm4py.filter_event_attribute_values(df, "concept:name", ["reject request"], level="case")
    n, total = kept["case:concept:name"].nunique(), df["case:concept:name"].nunique()
    assert f"Cases                {100 * n / total:.1f}% ({n} / {total})" in out
    doc = json.loads(ok("stats", path, "--filter", spec, "--json"))
    assert doc["cases"] == n and doc["events"] == len(kept)


@pytest.mark.parametrize("name", factories.SHARED_LOGS)
def test_stats_json_matches_pm4py_on_every_shared_log(shared_data: Path, name: str) -> None:
    doc = json.loads(ok("stats", *log_args(shared_data, name), "--json"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        df = factories.read_pm4py(shared_data, name)
        durations = np.asarray(pm4py.get_all_case_durations(df), dtype=float)
        n_variants = len(pm4py.get_variants(df))
    assert doc["events"] == len(df)
    assert doc["cases"] == df["case:concept:name"].nunique()
    assert doc["activities"] == df["concept:name"].nunique()
    assert doc["variants"] == n_variants
    for key, value in (("min", durations.min()), ("median", np.median(durations)),
                       ("mean", durations.mean()), ("max", durations.max())):
        assert doc["case_duration_s"][key] == pytest.approx(float(value), abs=1e-6), key
    assert doc["end"] == df["time:timestamp"].max().isoformat().replace("+00:00", "Z")
    first = df["time:timestamp"].min()
    if "start_timestamp" in df.columns:
        first = min(first, df["start_timestamp"].min())
    assert doc["start"] == first.isoformat().replace("+00:00", "Z")


@pytest.mark.parametrize("name", factories.SHARED_LOGS)
def test_dfg_json_matches_pm4py_on_every_shared_log(shared_data: Path, name: str) -> None:
    doc = json.loads(ok("dfg", *log_args(shared_data, name), "--json"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        df = factories.read_pm4py(shared_data, name)
        freq, start, end = pm4py.discover_dfg(df)
        perf, _, _ = pm4py.discover_performance_dfg(df)
    assert {(e["source"], e["target"]): e["frequency"] for e in doc["edges"]} == {k: int(v) for k, v in freq.items()}
    for e in doc["edges"]:
        want = perf[(e["source"], e["target"])]
        assert e["mean_s"] == pytest.approx(float(want["mean"]), abs=1e-6)
        assert e["median_s"] == pytest.approx(float(want["median"]), abs=1e-6)
    assert doc["start"] == {k: int(v) for k, v in start.items()}
    assert doc["end"] == {k: int(v) for k, v in end.items()}
    per_activity = df.groupby("concept:name")["case:concept:name"].agg(["size", "nunique"])
    assert {n["name"]: (n["frequency"], n["cases"]) for n in doc["nodes"]} == {
        str(a): (int(r["size"]), int(r["nunique"])) for a, r in per_activity.iterrows()}


def test_dfg_json_matches_pm4py(shared_data: Path) -> None:
    path = shared_data / "08_receipt.xes.gz"
    doc = json.loads(ok("dfg", path, "--json"))
    assert list(doc) == ["nodes", "edges", "start", "end"]
    assert all(list(n) == ["name", "frequency", "cases"] for n in doc["nodes"])
    assert all(list(e) == ["source", "target", "frequency", "cases", "mean_s", "median_s"] for e in doc["edges"])
    df = read_pm4py(path)
    freq, start, end = pm4py.discover_dfg(df)
    perf, _, _ = pm4py.discover_performance_dfg(df)
    assert {(e["source"], e["target"]): e["frequency"] for e in doc["edges"]} == {k: int(v) for k, v in freq.items()}
    for e in doc["edges"]:
        assert e["mean_s"] == pytest.approx(perf[(e["source"], e["target"])]["mean"], abs=1e-6)
        assert e["median_s"] == pytest.approx(perf[(e["source"], e["target"])]["median"], abs=1e-6)
    assert doc["start"] == start and doc["end"] == end


def test_dfg_over_another_perspective(shared_data: Path) -> None:
    path = shared_data / "running-example.xes"
    doc = json.loads(ok("dfg", path, "--perspective", "org:resource", "--json"))
    freq, _, _ = pm4py.discover_dfg(read_pm4py(path), activity_key="org:resource")
    assert {(e["source"], e["target"]): e["frequency"] for e in doc["edges"]} == {k: int(v) for k, v in freq.items()}


def test_variants_top_n_on_a_csv_log(shared_data: Path) -> None:
    doc = json.loads(ok("variants", shared_data / "sepsis.csv", *SEPSIS_OPTS, "--sep", ";", "--top", "3", "--json"))
    assert len(doc) == 3
    assert doc[0]["cases"] >= doc[1]["cases"] >= doc[2]["cases"]
    assert doc[0]["share"] == pytest.approx(doc[0]["cases"] / 1050)
    human = ok("variants", shared_data / "sepsis.csv", *SEPSIS_OPTS, "--top", "2")
    assert " > ".join(doc[0]["variant"]) in human


def test_convert_xes_to_csv_and_parquet_keeps_the_statistics(shared_data: Path, tmp_path: Path) -> None:
    src = shared_data / "running-example.xes"
    before = json.loads(ok("stats", src, "--json"))
    for out in (tmp_path / "re.csv", tmp_path / "re.parquet"):
        ok("convert", src, out)
        assert json.loads(ok("stats", out, "--json")) == before


def test_quality_json_and_text(shared_data: Path) -> None:
    path = shared_data / "helpdesk.xes.gz"
    doc = json.loads(ok("quality", path, "--json"))
    df = read_pm4py(path)
    assert doc["events"] == len(df)
    dups = int(df.duplicated(subset=["case:concept:name", "concept:name", "time:timestamp"]).sum())
    assert doc["duplicates"]["count"] == dups
    assert doc["late_registration"] is None
    assert f"duplicates             {dups:>7} events" in ok("quality", path)


def _one_line_error(proc: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("taskloom: error: "), proc.stderr
    for needle in needles:
        assert needle in lines[0]


def test_missing_log_file(tmp_path: Path) -> None:
    _one_line_error(taskloom("stats", tmp_path / "nope.xes"), "nope.xes")


def test_malformed_xes(tmp_path: Path) -> None:
    bad = tmp_path / "bad.xes"
    bad.write_text("<log><trace><event><string key='concept:name' value='A'/></event>\n<trace>")
    _one_line_error(taskloom("dfg", bad, "--json"), "bad.xes")


def test_csv_without_the_named_column(shared_data: Path) -> None:
    _one_line_error(taskloom("stats", shared_data / "sepsis.csv", "--case", "No Such Column"), "No Such Column")


def test_csv_unparseable_timestamp(tmp_path: Path) -> None:
    log = tmp_path / "events.csv"
    log.write_text("case,activity,time\n1,a,2024-01-01 10:00\n1,b,2024-01-01 11:00\n2,a,soon\n")
    proc = taskloom("stats", log, "--case", "case", "--activity", "activity", "--timestamp", "time")
    _one_line_error(proc, "events.csv", "'soon'", "line 4", "--timestamp-format")


def test_xes_with_unparseable_date(tmp_path: Path) -> None:
    log = tmp_path / "dates.xes"
    log.write_text('<log xes.version="1.0"><trace><string key="concept:name" value="c1"/>'
                   '<event><string key="concept:name" value="a"/>'
                   '<date key="time:timestamp" value="last tuesday"/></event></trace></log>')
    _one_line_error(taskloom("dfg", log, "--json"), "dates.xes", "time:timestamp")


def test_unknown_log_suffix(tmp_path: Path) -> None:
    log = tmp_path / "events.json"
    log.write_text("{}")
    _one_line_error(taskloom("variants", log), "events.json", ".xes")


def test_convert_to_a_missing_folder(shared_data: Path, tmp_path: Path) -> None:
    out = tmp_path / "nowhere" / "re.csv"
    _one_line_error(taskloom("convert", shared_data / "running-example.xes", out), str(out))


def test_unknown_perspective_column(shared_data: Path) -> None:
    _one_line_error(taskloom("dfg", shared_data / "running-example.xes", "--perspective", "app"), "'app'")


def test_filter_spec_invalid_json(shared_data: Path, tmp_path: Path) -> None:
    spec = tmp_path / "spec.json"
    spec.write_text('[{"type": "activity",]')
    _one_line_error(taskloom("stats", shared_data / "running-example.xes", "--filter", spec), "spec.json", "line 1")


def test_filter_spec_missing_field(shared_data: Path, tmp_path: Path) -> None:
    spec = tmp_path / "spec.json"
    spec.write_text('[{"type": "variants_top_k"}]')
    _one_line_error(taskloom("stats", shared_data / "running-example.xes", "--filter", spec),
                    "filter 1", "variants_top_k", '"k"')


def test_filter_spec_wrong_type(shared_data: Path, tmp_path: Path) -> None:
    spec = tmp_path / "spec.json"
    spec.write_text('[{"type": "time_range", "start": "2011-01-01", "end": 5}]')
    _one_line_error(taskloom("stats", shared_data / "running-example.xes", "--filter", spec), '"end"', "text")

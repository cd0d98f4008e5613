"""`taskloom generate` and `taskloom tasks discover|evaluate|report` through the real CLI."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from taskloom.server.cli import main


def _metrics(text: str) -> dict[str, float]:
    out = {}
    for line in text.splitlines():
        *name, value = line.split("  (")[0].split()
        out[" ".join(name)] = float(value)
    return out


@pytest.fixture(scope="module")
def study_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("study")
    assert main(["generate", "--clinicians", "4", "--days", "5", "--seed", "1", "-o", str(out)]) == 0
    return out


@pytest.mark.slow
def test_synthetic_study_types_and_boundaries_meet_targets(study_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = study_dir / "discovered.csv"
    assert main(["tasks", "discover", str(study_dir / "ui_events.csv"), "-o", str(out)]) == 0
    capsys.readouterr()
    assert main(["tasks", "evaluate", str(out), "--truth-type", "truth_task_type",
                 "--truth-instance", "truth_task_instance"]) == 0
    m = _metrics(capsys.readouterr().out)
    assert m["type ARI"] >= 0.95
    assert m["boundary F1"] >= 0.9
    df = pd.read_csv(out)
    assert len(df) == len(pd.read_csv(study_dir / "ui_events.csv"))


@pytest.mark.slow
def test_discover_never_reads_truth_columns(study_dir: Path, tmp_path: Path) -> None:
    src = pd.read_csv(study_dir / "ui_events.csv", dtype=str, keep_default_na=False, na_values=[""])
    src = src[src["user"] == src["user"].iloc[0]]
    clean, dirty = tmp_path / "clean.csv", tmp_path / "dirty.csv"
    src.to_csv(clean, index=False)
    rng = np.random.default_rng(0)
    corrupt = src.copy()
    for col in ("truth_task_type", "truth_task_instance", "truth_case"):
        corrupt[col] = rng.permutation(corrupt[col].to_numpy())
    corrupt["Task"] = rng.integers(0, 5, len(corrupt))
    corrupt["idx"] = rng.integers(0, 500, len(corrupt))
    corrupt.to_csv(dirty, index=False)
    assert main(["tasks", "discover", str(clean), "-o", str(tmp_path / "a.csv")]) == 0
    assert main(["tasks", "discover", str(dirty), "-o", str(tmp_path / "b.csv")]) == 0
    a, b = pd.read_csv(tmp_path / "a.csv"), pd.read_csv(tmp_path / "b.csv")
    assert a["task_type"].tolist() == b["task_type"].tolist()
    assert a["task_instance"].tolist() == b["task_instance"].tolist()


def test_report_prints_types_and_candidates(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["generate", "--clinicians", "2", "--days", "1", "--seed", "4", "-o", str(tmp_path)]) == 0
    out = tmp_path / "d.csv"
    assert main(["tasks", "discover", str(tmp_path / "ui_events.csv"), "-o", str(out),
                 "--labels", str(tmp_path / "labels.json")]) == 0
    capsys.readouterr()
    assert main(["tasks", "report", str(out), "--labels", str(tmp_path / "labels.json")]) == 0
    text = capsys.readouterr().out
    assert "Task types" in text and "Automation candidates" in text
    assert "hours_saved_per_month" in text


@pytest.mark.parametrize("log", ["log1", "log5"])
def test_research_logs_through_the_cli(shared_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                       log: str) -> None:
    """Each shared log is one routine (one CPN model): one type, and its instances found."""
    out = tmp_path / f"{log}.csv"
    assert main(["tasks", "discover", str(shared_data / "ui" / f"{log}.xes"), "--format", "xes",
                 "-o", str(out)]) == 0
    capsys.readouterr()
    assert main(["tasks", "evaluate", str(out), "--truth-instance", "case:concept:name"]) == 0
    m = _metrics(capsys.readouterr().out)
    assert m["boundary F1"] >= 0.9
    assert m["instance ARI"] == 1.0  # issue 10: stays exact with trace ids hidden
    df = pd.read_csv(out)
    assert df["task_type"].nunique() == 1
    assert "case:concept:name" in df.columns and len(df) == df["case:concept:name"].size


def test_two_research_logs_as_one_stream_separate_their_routines(
        shared_data: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "both.csv"
    assert main(["tasks", "discover", str(shared_data / "ui" / "log1.xes"), str(shared_data / "ui" / "log5.xes"),
                 "--format", "xes", "-o", str(out)]) == 0
    capsys.readouterr()
    assert main(["tasks", "evaluate", str(out), "--truth-type", "input_file",
                 "--truth-instance", "input_file", "case:concept:name"]) == 0
    m = _metrics(capsys.readouterr().out)
    assert m["type ARI"] >= 0.9
    assert m["boundary F1"] >= 0.9


@pytest.mark.parametrize("seed", [1, 2])
def test_interleaved_routines_beat_the_published_ari_without_being_told_k(
        tmp_path: Path, capsys: pytest.CaptureFixture[str], seed: int) -> None:
    """Issue 5's bar: per-event ARI above 0.96 on logs of interleaved routines, k not given."""
    assert main(["generate", "--style", "routines", "--clinicians", "1", "--days", "5", "--seed", str(seed),
                 "-o", str(tmp_path)]) == 0
    out = tmp_path / "d.csv"
    assert main(["tasks", "discover", str(tmp_path / "routines_actionlogger.csv"), "--format", "actionlogger",
                 "-o", str(out)]) == 0
    capsys.readouterr()
    assert main(["tasks", "evaluate", str(out), "--truth-type", "Task", "--truth-instance", "idx"]) == 0
    m = _metrics(capsys.readouterr().out)
    assert m["type ARI"] > 0.96
    assert m["type weighted F1"] > 0.98


def test_missing_input_is_a_user_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["tasks", "discover", str(tmp_path / "nope.csv"), "-o", str(tmp_path / "o.csv")]) == 2
    assert "no such file" in capsys.readouterr().err


def test_discover_on_a_study_in_the_store_equals_discover_on_its_file(tmp_path: Path) -> None:
    from sklearn.metrics import adjusted_rand_score

    from taskloom.collector.store import Store
    from taskloom.server.cli.demo_cmd import ingest_device

    gen = tmp_path / "gen"
    assert main(["generate", "--clinicians", "2", "--days", "1", "--seed", "4", "-o", str(gen)]) == 0
    ui = pd.read_csv(gen / "ui_events.csv", dtype=str, keep_default_na=False)
    db = f"sqlite:///{tmp_path / 'store.db'}"
    store = Store.open(db)
    try:
        study = store.create_study("ward")
        token = store.create_enrollment_token("ward", uses=2).token
        for device in sorted(ui["device_id"].unique()):
            enrolled = store.enroll(token, device)
            ingest_device(store, enrolled.device_id, study.id, ui[ui["device_id"] == device])
    finally:
        store.close()
    assert main(["tasks", "discover", "--study", "ward", "--db", db, "-o", str(tmp_path / "s.csv")]) == 0
    assert main(["tasks", "discover", str(gen / "ui_events.csv"), "-o", str(tmp_path / "f.csv")]) == 0
    from_store = pd.read_csv(tmp_path / "s.csv", dtype=str, keep_default_na=False)
    from_file = pd.read_csv(tmp_path / "f.csv", dtype=str, keep_default_na=False)
    assert not [c for c in from_store.columns if c.startswith("truth")]
    both = from_file.merge(from_store, on="event_id", suffixes=("_f", "_s"))
    assert len(both) == len(ui) == len(from_store)
    assert adjusted_rand_score(both["task_instance_f"], both["task_instance_s"]) == 1.0
    assert adjusted_rand_score(both["task_type_f"], both["task_type_s"]) == 1.0
    # The stored rows keep the key counts of typing bursts (attrs written as JSON).
    assert from_store["attrs"].str.contains('"keys"').any()


def test_discover_needs_files_or_a_study(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["tasks", "discover", "-o", str(tmp_path / "x.csv")]) == 2
    assert "--study" in capsys.readouterr().err
    db = f"sqlite:///{tmp_path / 'store.db'}"
    assert main(["tasks", "discover", "--study", "nope", "--db", db, "-o", str(tmp_path / "x.csv")]) == 2
    assert "no study 'nope'" in capsys.readouterr().err


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_tasks_discover_shows_its_phases_on_a_terminal(study_dir: Path, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """The phases the console's "discover tasks" job shows on the Tasks page, on stderr."""
    term = _Terminal()
    monkeypatch.setattr("sys.stderr", term)
    events = pd.read_csv(study_dir / "ui_events.csv").head(3000)
    small = tmp_path / "ui.csv"
    events.to_csv(small, index=False)
    assert main(["tasks", "discover", str(small), "-o", str(tmp_path / "out.csv")]) == 0
    shown = term.getvalue()
    assert "tasks discover: reading the UI events" in shown
    assert f"tasks discover: segmenting and clustering {len(events):,} UI events" in shown
    assert shown.endswith("\n")  # the bar's line is finished before the result line

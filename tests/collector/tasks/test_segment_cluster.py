"""Segmentation cues, stable type ids across re-runs, renamed labels that persist."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from taskloom.collector.synth import Study, generate_study
from taskloom.collector.tasks.discover import discover
from taskloom.collector.tasks.evaluate import boundaries, evaluate, matched_weighted_f1
from taskloom.collector.tasks.events import from_wire
from taskloom.collector.tasks.segment import SegmentParams, segment


def _frame(rows: list[tuple[str, int, str, str, str]]) -> pd.DataFrame:
    df = pd.DataFrame(rows, columns=["user", "ts", "kind", "app", "title"])
    df["ts"] = pd.to_datetime(df["ts"], unit="s", utc=True).dt.strftime("%Y-%m-%dT%H:%M:%S.000Z")
    return from_wire(df)


def test_long_pause_context_change_and_user_change_cut() -> None:
    ev = _frame([
        ("u1", 1_772_438_400, "click", "EPR", "Note · NHS#aaaaaaaa"),
        ("u1", 1_772_438_402, "click", "EPR", "Note · NHS#aaaaaaaa"),
        ("u1", 1_772_438_404, "click", "EPR", "Note · NHS#bbbbbbbb"),  # other patient
        ("u1", 1_772_439_404, "click", "EPR", "Note · NHS#bbbbbbbb"),  # 1000 s later
        ("u2", 1_772_439_405, "click", "EPR", "Note · NHS#bbbbbbbb"),  # other user
    ])
    seg = segment(ev, SegmentParams(idle_gap_s=300))
    assert len(set(seg.tolist())) == 4
    assert seg[0] == seg[1]


def test_without_context_an_app_switch_does_not_cut() -> None:
    ev = _frame([("u", 1_772_438_400 + i, "click", app, "x") for i, app in enumerate(["A", "B"] * 3)])
    assert len(set(segment(ev, SegmentParams(use_context=False)).tolist())) == 1
    assert len(set(segment(ev, SegmentParams(use_context=True)).tolist())) == 6


def test_boundaries_match_a_plain_loop() -> None:
    rng = np.random.default_rng(0)
    stream = np.sort(rng.integers(0, 3, 200)).astype(str)
    labels = rng.integers(0, 4, 200).astype(str)
    got = boundaries(stream, labels)
    want = [i > 0 and stream[i] == stream[i - 1] and labels[i] != labels[i - 1] for i in range(200)]
    assert got.tolist() == want


def test_weighted_f1_is_one_for_renamed_perfect_types_and_lower_for_a_merge() -> None:
    truth = np.array(list("aabbccdd"))
    assert matched_weighted_f1(truth, np.array(list("xxyyzzww"))) == 1.0
    assert matched_weighted_f1(truth, np.array(list("xxxxzzww"))) < 1.0


@pytest.fixture(scope="module")
def small_study(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    out = tmp_path_factory.mktemp("s")
    generate_study(Study(clinicians=2, days=2, seed=21), out)
    return pd.read_csv(out / "ui_events.csv", dtype=str, keep_default_na=False, na_values=[""])


def test_type_ids_and_renamed_labels_survive_a_rerun_on_shuffled_rows(small_study: pd.DataFrame,
                                                                     tmp_path: Path) -> None:
    first = discover(from_wire(small_study))
    names = dict(first.labels)
    renamed = next(k for k in names if k != "idle")
    names[renamed] = "My renamed task"
    shuffled = small_study.sample(frac=1.0, random_state=7)
    second = discover(from_wire(shuffled), model=first.model, saved_labels=names)
    again = pd.Series(second.task_type, index=shuffled.index).reindex(small_study.index).to_numpy()
    # The same events get the same type ids (not just the same partition).
    agree = (again == first.task_type).mean()
    assert agree > 0.98
    assert second.labels[renamed] == "My renamed task"


def test_discover_does_no_file_io_and_leaves_its_inputs_alone(small_study: pd.DataFrame,
                                                               tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    first = discover(from_wire(small_study))
    saved = first.model.to_json()
    monkeypatch.chdir(tmp_path)
    second = discover(from_wire(small_study), model=first.model, saved_labels={"T01": "mine"})
    assert list(tmp_path.iterdir()) == []
    assert first.model.to_json() == saved  # the caller's model is not modified
    assert second.labels["T01"] == "mine"


def test_discovery_on_a_small_study_finds_instances(small_study: pd.DataFrame) -> None:
    res = discover(from_wire(small_study))
    df = small_study.assign(task_type=res.task_type, task_instance=res.task_instance)
    s = evaluate(df, "truth_task_instance", "truth_task_type", "user", "ts")
    assert s.boundary_f1 > 0.9
    assert s.ari is not None and s.ari > 0.5


def test_generated_labels_name_the_app_and_screen_of_the_work(small_study: pd.DataFrame) -> None:
    res = discover(from_wire(small_study))
    df = small_study.assign(task_type=res.task_type)
    # The type most of each true task's events fall in is named after that task's screen.
    for truth, screen in (("book_appointment", "Appointment book"), ("inbox", "Inbox"),
                          ("rota", "Rota")):
        main = df.loc[df["truth_task_type"] == truth, "task_type"].mode()[0]
        assert screen in res.labels[main], (truth, res.labels[main])

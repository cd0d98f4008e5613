"""The model service on a real SQLite store: the study's log is kept between requests and read
afresh when the study's system log changes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from taskloom.collector.services.model import study_model
from taskloom.collector.store import Store
from tests.mining.merged_factory import merged_log, write_merged
from tests.support.collector import run_cli


def _csv(path: Path, n_cases: int, seed: int, prefix: str) -> Path:
    frame = merged_log(n_cases=n_cases, seed=seed)
    frame = frame[frame["case:concept:name"].notna()].copy()
    frame["case:concept:name"] = prefix + frame["case:concept:name"].astype(str)
    for col in ("event_id", "parent_event", "task_instance"):
        frame[col] = prefix + frame[col].astype("string")
    return write_merged(frame, path)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[tuple[Store, str]]:
    db = f"sqlite:///{tmp_path / 'model.db'}"
    run_cli(db, "study", "create", "cached")
    s = Store.open(db)
    try:
        yield s, db
    finally:
        s.close()


def _import(db: str, path: Path) -> None:
    run_cli(db, "import", str(path), "--study", "cached", "--start-timestamp", "start_timestamp",
            "--resource", "org:resource")


def test_a_new_import_is_read_afresh(store: tuple[Store, str], tmp_path: Path) -> None:
    s, db = store
    study = s.get_study("cached").id
    _import(db, _csv(tmp_path / "a.csv", 12, 1, "a-"))
    first = study_model(s, study)
    assert first["total_cases"] == 12 and first["source"] == "system-log"
    _import(db, _csv(tmp_path / "b.csv", 7, 2, "b-"))
    second = study_model(s, study)
    assert second["total_cases"] == 19
    tasks_first = sum(n["desk"]["tasks"] for n in first["nodes"])
    assert sum(n["desk"]["tasks"] for n in second["nodes"]) > tasks_first


def test_a_repeated_request_does_not_read_the_log_again(store: tuple[Store, str], tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    s, db = store
    study = s.get_study("cached").id
    _import(db, _csv(tmp_path / "a.csv", 10, 3, "a-"))
    reads: list[int] = []
    real = s.system_log_wide

    def counting(study_id: int) -> Any:
        reads.append(study_id)
        return real(study_id)

    monkeypatch.setattr(s, "system_log_wide", counting)
    docs = [study_model(s, study, nodes=n) for n in (100.0, 60.0, 100.0)]
    assert reads == [study]
    assert docs[0] == docs[2] and len(docs[1]["nodes"]) < len(docs[0]["nodes"])


def test_unknown_expand_names_the_studys_merged_log(store: tuple[Store, str],
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """The 422 detail read "… of study 1's merged; activities are …" (the word 'log' was missing)."""
    import taskloom.collector.services.model as service
    from taskloom.mining.twolevel import MergedLogError

    s, _ = store
    frame = merged_log(n_cases=5, seed=1)
    monkeypatch.setattr(service, "study_log", lambda _store, _study: ("merged", frame))
    with pytest.raises(MergedLogError, match=r"not a system activity of study 7's merged log; activities are"):
        study_model(s, 7, expand=["Write note"])

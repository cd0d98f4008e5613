"""Stored merges on every backend: run_merge stores atomically, re-runs replace, load gives it back."""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from taskloom.collector import schema
from taskloom.collector.linking.link import LinkOptions
from taskloom.collector.linking.merged import MERGED_COLUMNS
from taskloom.collector.services.linking import (
    link_and_merge,
    load_merged_log,
    run_merge,
    stored_links,
)
from taskloom.collector.store import Store
from taskloom.errors import UserError
from taskloom.mining.io import read_log
from taskloom.server.cli.demo_cmd import load_study


@dataclass
class Loaded:
    store: Store
    study_id: int
    files: Path
    discovered: tuple[pd.DataFrame, dict[str, str]]


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def loaded(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Loaded]:
    """One generated study ingested per backend, its tasks discovered once (discovery is the slow part)."""
    from taskloom.collector.services.tasks import study_events
    from taskloom.collector.tasks.discover import discover

    files = tmp_path_factory.mktemp("linking-store")
    url = f"sqlite:///{files / 'taskloom.db'}" if request.param == "sqlite" \
        else request.getfixturevalue("pg_database")
    store = Store.open(url)
    study = store.create_study("linking", {}, "")
    with contextlib.redirect_stdout(io.StringIO()):
        load_study(store, study, files, clinicians=2, days=1, seed=5)
    rows, ev = study_events(store, study.id)
    found = discover(ev)
    rows["task_type"], rows["task_instance"] = found.task_type, found.task_instance
    yield Loaded(store, study.id, files, (rows, found.labels))
    if request.param != "sqlite":
        with store.engine.begin() as conn:
            for table in reversed(schema.metadata.sorted_tables):
                conn.execute(table.delete())
    store.close()


def _counts(store: Store, study_id: int) -> dict[str, int]:
    with store.engine.connect() as conn:
        return {t.name: int(conn.execute(sa.select(sa.func.count()).select_from(t)
                                         .where(t.c.study_id == study_id)).scalar_one())
                for t in (schema.task_types, schema.task_instances, schema.task_links, schema.task_events)}


def _contract(df: pd.DataFrame) -> pd.DataFrame:
    return df[list(MERGED_COLUMNS)].reset_index(drop=True)


def test_merge_is_stored_and_loads_back_equal(loaded: Loaded) -> None:
    store, study_id = loaded.store, loaded.study_id
    assert load_merged_log(store, study_id) is None, "no merge yet"
    result = run_merge(store, study_id, discovered=loaded.discovered)
    counts = _counts(store, study_id)
    assert counts["task_instances"] == counts["task_links"] == len(result.tasks)
    assert counts["task_events"] == int(result.links["task_instance"].notna().sum())
    loaded = load_merged_log(store, study_id)
    assert loaded is not None
    pd.testing.assert_frame_equal(_contract(loaded), _contract(result.merged), check_dtype=False)
    links = stored_links(store, study_id)
    assert links is not None
    a = links.sort_values("event_id").reset_index(drop=True)
    b = result.links.dropna(subset=["task_instance"]).sort_values("event_id").reset_index(drop=True)
    assert (a["case_id"].fillna("") == b["case_id"].fillna("")).all()
    assert (a["method"] == b["method"]).all()


def test_rerun_replaces_instead_of_adding(loaded: Loaded) -> None:
    store, study_id = loaded.store, loaded.study_id
    first = run_merge(store, study_id, discovered=loaded.discovered)
    before = _counts(store, study_id)
    again = run_merge(store, study_id, discovered=loaded.discovered)
    assert _counts(store, study_id) == before
    pd.testing.assert_frame_equal(_contract(first.merged), _contract(again.merged))


def test_each_merge_is_a_new_links_version(loaded: Loaded) -> None:
    """Caches of the console key on it: a re-run with other options can keep the number of
    task instances and change every link, so the version is per run, not a count."""
    store, study_id = loaded.store, loaded.study_id
    run_merge(store, study_id, discovered=loaded.discovered)
    first, counts = store.links_version(study_id), _counts(store, study_id)
    run_merge(store, study_id, discovered=loaded.discovered)
    second = store.links_version(study_id)
    assert _counts(store, study_id) == counts  # a count could not tell the two runs apart
    assert first > 0 and second > first


def test_study_merge_equals_the_file_merge(loaded: Loaded) -> None:
    stored = run_merge(loaded.store, loaded.study_id, discovered=loaded.discovered)
    rows, labels = loaded.discovered
    rows = rows.assign(task_label=rows["task_type"].map(labels).fillna(rows["task_type"]))
    from_files = link_and_merge(rows, read_log(loaded.files / "system_log.csv"))
    a, b = _contract(stored.merged), _contract(from_files.merged)
    pd.testing.assert_frame_equal(a, b, check_dtype=False)


def test_failed_merge_keeps_the_previous_one(loaded: Loaded) -> None:

    store, study_id = loaded.store, loaded.study_id
    run_merge(store, study_id, discovered=loaded.discovered)
    before = _counts(store, study_id)
    assert before["task_instances"] > 0
    with pytest.raises(UserError, match="case-pattern"):
        run_merge(store, study_id, LinkOptions(case_pattern="no group"), discovered=loaded.discovered)
    assert _counts(store, study_id) == before


def test_study_without_system_log_is_a_user_error(loaded: Loaded) -> None:
    study = loaded.store.create_study("no-system-log", {}, "")
    with pytest.raises(UserError, match="import"):
        run_merge(loaded.store, study.id)

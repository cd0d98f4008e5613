"""`GET /api/v1/studies/{id}/model` on a study with stored links (`taskloom merge --study`),
through a real `taskloom serve`: the model is the stored merged log's, figures checked against
the merged log the same run wrote to a file."""

from __future__ import annotations

import statistics
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from taskloom.mining.io import read_log
from tests.collector.factories import LiveCollector
from tests.mining.merged_factory import expected_desk, rows_of


def taskloom(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "taskloom.server.cli", *map(str, args)],
                          capture_output=True, text=True, timeout=600, check=False)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveCollector, str, Path]]:
    work = tmp_path_factory.mktemp("model-demo")
    db = f"sqlite:///{work / 'demo.db'}"
    proc = taskloom("demo", "--db", db, "--dir", work / "files", "--clinicians", "2", "--days", "2", "--no-serve")
    assert proc.returncode == 0, proc.stderr
    proc = taskloom("merge", "--study", "ehr-demo", "-o", work / "stored.parquet", "--db", db)
    assert proc.returncode == 0, proc.stderr
    token = (work / "files" / "admin_token").read_text().strip()
    live = LiveCollector(db, work).start()
    try:
        yield live, token, work / "stored.parquet"
    finally:
        live.stop()


@pytest.mark.slow
def test_model_of_a_study_with_stored_links(demo: tuple[LiveCollector, str, Path]) -> None:
    live, token, stored = demo
    with live.client(token) as c:
        study = next(s["id"] for s in c.get("/api/v1/studies").json() if s["name"] == "ehr-demo")
        log = read_log(stored)
        want = expected_desk(log)
        busiest = max((a for a in want if want[a]["work"]), key=lambda a: (len(want[a]["work"]), a))
        r = c.get(f"/api/v1/studies/{study}/model", params={"expand": busiest})
    assert r.status_code == 200, r.text
    doc = r.json()
    assert doc["source"] == "merged" and doc["linked"] is True
    nodes = {n["name"]: n for n in doc["nodes"]}
    assert set(nodes) == set(want)
    for act, d in want.items():
        desk = nodes[act]["desk"]
        assert desk["occurrences"] == d["occ"] and desk["with_work"] == len(d["work"])
        if d["work"]:
            assert desk["median_s"] == pytest.approx(statistics.median(d["work"]))
        assert desk["case_share"] == pytest.approx(len(d["wcases"]) / len(d["cases"]))
    rows = rows_of(log)
    unattributed = [r for r in rows if r["level"] == "task" and r["parent_event"] is None]
    assert doc["unattributed"]["tasks"] == len(unattributed) > 0
    assert doc["unattributed"]["no_case"] == sum(r["case:concept:name"] is None for r in unattributed)
    ids = {r["event_id"] for r in rows if r["level"] == "case" and r["concept:name"] == busiest}
    (sub,) = doc["submaps"]
    assert {n["name"] for n in sub["nodes"]} == {r["concept:name"] for r in rows
                                                 if r["level"] == "task" and r["parent_event"] in ids}

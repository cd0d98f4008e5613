"""`GET /api/v1/studies/{id}/model` through a real `taskloom serve` on loopback.

Until stored links exist (the linking helper's storage), a study's model comes from its
imported system log: a merged log imported as the system log gives both levels, a plain
system log the case-level map alone. The figures are checked against the imported rows.
"""

from __future__ import annotations

import json
import statistics
from pathlib import Path

import httpx
import pytest

from taskloom.mining.dfg import discover_dfg
from taskloom.mining.io import read_log
from tests.collector.factories import LiveCollector, run_cli
from tests.mining.merged_factory import expected_desk, merged_log, rows_of, write_merged

MERGED_STUDY, PLAIN_STUDY, EMPTY_STUDY = "model-merged", "model-plain", "model-empty"


@pytest.fixture(scope="module")
def merged_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # The system-log import needs a case on every row: tasks with no case stay out of this path.
    frame = merged_log(n_cases=30, seed=21)
    frame = frame[frame["case:concept:name"].notna()].reset_index(drop=True)
    return write_merged(frame, tmp_path_factory.mktemp("model") / "merged.csv")


@pytest.fixture(scope="module")
def studies(live: LiveCollector, merged_file: Path, shared_data: Path) -> dict[str, int]:
    for name in (MERGED_STUDY, PLAIN_STUDY, EMPTY_STUDY):
        run_cli(live.db, "study", "create", name)
    run_cli(live.db, "import", str(merged_file), "--study", MERGED_STUDY,
            "--start-timestamp", "start_timestamp", "--resource", "org:resource")
    run_cli(live.db, "import", str(shared_data / "running-example.xes"), "--study", PLAIN_STUDY)
    token = run_cli(live.db, "admin", "token").stdout.strip().splitlines()[-1]
    with live.client(token) as c:
        listed = c.get("/api/v1/studies").json()
    items = listed["studies"] if isinstance(listed, dict) else listed
    return {s["name"]: int(s["id"]) for s in items}


def _get(live: LiveCollector, token: str, study: int, **params: object) -> httpx.Response:
    with live.client(token) as c:
        return c.get(f"/api/v1/studies/{study}/model", params=params)  # type: ignore[arg-type]


def test_model_of_an_imported_merged_log(live: LiveCollector, admin_token: str, studies: dict[str, int],
                                         merged_file: Path) -> None:
    r = _get(live, admin_token, studies[MERGED_STUDY], expand=["Triage", "Discharge"])
    assert r.status_code == 200, r.text
    doc = r.json()
    assert doc["source"] == "system-log" and doc["linked"] is True
    log = read_log(merged_file)
    want = expected_desk(log)
    nodes = {n["name"]: n for n in doc["nodes"]}
    assert set(nodes) == set(want)
    for act, d in want.items():
        desk = nodes[act]["desk"]
        assert nodes[act]["frequency"] == d["occ"]
        assert desk["median_s"] == pytest.approx(statistics.median(d["work"]))
        assert desk["case_share"] == pytest.approx(len(d["wcases"]) / len(d["cases"]))
        assert desk["tasks"] == sum(d["types"].values())
    system = log[log["level"] == "case"]
    direct = discover_dfg(system)
    assert {(e["source"], e["target"]): e["frequency"] for e in doc["edges"]} == {
        (s, t): int(f) for s, t, f in zip(direct.edges["source"], direct.edges["target"],
                                          direct.edges["frequency"], strict=True)}
    assert [s["activity"] for s in doc["submaps"]] == ["Triage", "Discharge"]
    rows = rows_of(log)
    ids = {r["event_id"] for r in rows if r["level"] == "case" and r["concept:name"] == "Triage"}
    assert {n["name"] for n in doc["submaps"][0]["nodes"]} == {
        r["concept:name"] for r in rows if r["level"] == "task" and r["parent_event"] in ids}
    assert doc["unattributed"]["tasks"] == sum(1 for r in rows if r["level"] == "task" and r["parent_event"] is None)


def test_sliders_and_filter(live: LiveCollector, admin_token: str, studies: dict[str, int],
                            merged_file: Path) -> None:
    spec = [{"type": "activity", "activities": ["Review results"]}]
    r = _get(live, admin_token, studies[MERGED_STUDY], filter=json.dumps(spec), nodes=60, arcs=50)
    assert r.status_code == 200, r.text
    doc = r.json()
    log = read_log(merged_file)
    cases = log[(log["level"] == "case") & (log["concept:name"] == "Review results")]["case:concept:name"]
    assert doc["total_cases"] == cases.nunique()
    assert doc["nodes_pct"] == 60 and doc["arcs_pct"] == 50
    assert 0 < len(doc["nodes"]) < doc["node_count"] == len(set(log.loc[log["level"] == "case", "concept:name"]))


def test_plain_system_log_falls_back_to_the_case_map(live: LiveCollector, admin_token: str,
                                                     studies: dict[str, int], shared_data: Path) -> None:
    r = _get(live, admin_token, studies[PLAIN_STUDY])
    assert r.status_code == 200, r.text
    doc = r.json()
    assert doc["linked"] is False and doc["source"] == "system-log"
    direct = discover_dfg(read_log(shared_data / "running-example.xes"))
    assert {n["name"]: n["frequency"] for n in doc["nodes"]} == {
        str(k): int(v) for k, v in direct.nodes["frequency"].items()}
    assert all(n["desk"]["with_work"] == 0 for n in doc["nodes"])


def test_bad_requests_get_one_line_422s(live: LiveCollector, admin_token: str, studies: dict[str, int]) -> None:
    r = _get(live, admin_token, studies[MERGED_STUDY], expand="Write note")
    assert r.status_code == 422 and "'Write note': not a system activity" in r.json()["detail"]
    r = _get(live, admin_token, studies[MERGED_STUDY], filter="[{")
    assert r.status_code == 422 and "invalid JSON" in r.json()["detail"]
    r = _get(live, admin_token, studies[MERGED_STUDY], filter='[{"type": "nope"}]')
    assert r.status_code == 422 and "unknown type 'nope'" in r.json()["detail"]
    far = [{"type": "time_range", "start": "9999-01-01", "end": "0001-01-01"}]
    r = _get(live, admin_token, studies[MERGED_STUDY], filter=json.dumps(far))
    assert r.status_code == 422 and "between 1677 and 2262" in r.json()["detail"]
    r = _get(live, admin_token, studies[MERGED_STUDY], nodes=0)
    assert r.status_code == 422
    r = _get(live, admin_token, studies[EMPTY_STUDY])
    assert r.status_code == 422 and "no system log" in r.json()["detail"]


def test_model_needs_a_token_and_hides_unknown_studies(live: LiveCollector, admin_token: str) -> None:
    with live.client() as c:
        r = c.get("/api/v1/studies/1/model")
    assert r.status_code == 401
    r = _get(live, admin_token, 999_999)
    assert r.status_code == 404


def test_console_viewers_may_read_the_model() -> None:
    """Cookie callers are checked against the console's role table by the route's path: the
    path this router registers must be the one listed there, for viewers."""
    from taskloom.collector.api.routes.model import router
    from taskloom.server.console.principal import API_ROLES, VIEWER

    paths = {(m, r.path) for r in router.routes for m in getattr(r, "methods", ())}
    assert ("GET", "/api/v1/studies/{study_id}/model") in paths
    assert API_ROLES[("GET", "/api/v1/studies/{study_id}/model")] == VIEWER

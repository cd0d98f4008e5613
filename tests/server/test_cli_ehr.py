"""`taskloom ehr metrics` end to end: a generated study loaded through the ingest path, the three
report formats, agreement with the generator's truth, and the one-line errors (exit 2)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest

from taskloom.collector.store import Store
from taskloom.server.cli.demo_cmd import load_study
from tests.collector.factories import run_cli

ZONE = "Europe/London"


@pytest.fixture(scope="module")
def loaded(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    """A SQLite store with a 6-clinician week ingested as enrolled devices, and the generated files."""
    out = tmp_path_factory.mktemp("ehr")
    db = f"sqlite:///{out / 'db.sqlite'}"
    store = Store.open(db)
    try:
        study = store.create_study("clinic", {"timezone": ZONE})
        load_study(store, study, out, clinicians=6, days=5, seed=4)
        store.create_study("empty", {})
    finally:
        store.close()
    return db, out


def _metrics(db: str, *args: str, check: bool = True) -> str:
    res = run_cli(db, "ehr", "metrics", *args, check=check)
    return res.stdout if check else res.stderr


def test_json_report_matches_the_generator_truth(loaded: tuple[str, Path]) -> None:
    db, out = loaded
    report = out / "r.json"
    stdout = _metrics(db, "--study", "clinic", "--schedule", str(out / "schedule.csv"), "--visits",
                      str(out / "visits.csv"), "--per-clinician", "-o", str(report))
    assert re.search(r"wrote .*r\.json: \d+ events, 6 clinicians, 6 clinician-weeks; cohort medians: EHR-Time8 "
                     r"[0-9.]+ h", stdout)
    data = json.loads(report.read_text())
    assert data["zone"] == ZONE and data["zone_source"] == "study setting 'timezone'"
    cohort = {c["key"]: c for c in data["cohort"]}
    assert cohort["ehr_time8"]["status"] == "ok" and cohort["teamwork_orders"]["status"] == "ok"
    truth = pd.read_csv(out / "ehr_truth.csv")
    weeks = pd.read_csv(out / "ehr_truth_weeks.csv").set_index("user")
    ehr = truth[truth["category"] != "non-EHR"].groupby("user")["active_s"].sum()
    want = ehr / weeks["scheduled_patient_s"] * 8
    got = pd.Series({w["user"]: w["values"]["ehr_time8"] for w in data["per_clinician"]})
    assert ((got[want.index] - want).abs() / want).max() <= 0.02
    assert cohort["ehr_time8"]["median"] == pytest.approx(got.median())
    assert [s["threshold_s"] for s in data["sensitivity"]] == [5.0, 30.0, 60.0, 300.0]
    ehr8 = [s["medians"]["ehr_time8"] for s in data["sensitivity"]]
    assert ehr8 == sorted(ehr8) and ehr8[-1] > ehr8[0]  # a longer threshold counts more


def test_html_report_is_one_self_contained_file(loaded: tuple[str, Path]) -> None:
    db, out = loaded
    page = out / "r.html"
    _metrics(db, "--study", "clinic", "--schedule", str(out / "schedule.csv"), "-o", str(page))
    html = page.read_text()
    assert "<script" not in html.lower()
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
    assert html.count("<svg") >= 3 and "Sensitivity to the inactivity threshold" in html
    assert "EHR-Time8" in html and "Sinsky et al., JAMIA 2020" in html and "U#" not in html


def test_csv_report_and_small_group_suppression(loaded: tuple[str, Path]) -> None:
    db, out = loaded
    table = out / "r.csv"
    _metrics(db, "--study", "clinic", "--min-group", "7", "--threshold", "30s", "-o", str(table))
    rows = pd.read_csv(table)
    cohort = rows[rows["section"] == "cohort"].set_index("metric")
    assert cohort.loc["after_hours_h", "status"] == "suppressed" and pd.isna(cohort.loc["after_hours_h", "median"])
    assert cohort.loc["ehr_time8", "status"] == "not available"  # no schedule given
    assert (rows["threshold_s"].dropna() >= 5).all() and "clinician_week" not in set(rows["section"])


def _error(db: str, *args: str) -> str:
    err = _metrics(db, *args, check=False)
    assert err.count("\n") == 1 and err.startswith("taskloom: error: "), err
    return err


def _bad_schedule(db: str, tmp_path: Path, study: str, *rows: str) -> tuple[Path, str]:
    bad = tmp_path / "rota.csv"
    bad.write_text("user,date,start,end,kind\n" + "".join(f"U#00000001,2026-03-0{r}\n" for r in rows))
    return bad, _error(db, "--study", study, "--schedule", str(bad), "-o", str(tmp_path / "r.json"))


def test_overlapping_schedule_rows(loaded: tuple[str, Path], tmp_path: Path) -> None:
    bad, err = _bad_schedule(loaded[0], tmp_path, "clinic", "2,09:00,12:00,clinic", "2,11:00,13:00,admin")
    assert f"{bad} line 3: overlaps line 2" in err and "fix the times" in err


def test_schedule_in_another_zone_without_offset(loaded: tuple[str, Path], tmp_path: Path) -> None:
    rows = ("2,09:00+01:00,12:00+01:00,clinic", "3,09:00,12:00,clinic")
    bad, err = _bad_schedule(loaded[0], tmp_path, "clinic", *rows)
    assert f"{bad} line 3: a time has no UTC offset" in err and "another time zone" in err
    _, err = _bad_schedule(loaded[0], tmp_path, "empty", *rows)
    assert "line 3" in err and "pass --tz" in err  # a study without a zone


def test_category_map_with_invalid_regex(loaded: tuple[str, Path], tmp_path: Path) -> None:
    db, _ = loaded
    bad = tmp_path / "map.yaml"
    bad.write_text("ehr_apps: ['(?i)careflow']\nrules:\n  - {category: orders, title: '^Order (entry'}\n")
    err = _error(db, "--study", "clinic", "--categories", str(bad), "-o", str(tmp_path / "r.json"))
    assert f"{bad}: rule 1 title '^Order (entry' is not a valid regular expression" in err and "fix the pattern" in err


def test_study_with_no_ui_events(loaded: tuple[str, Path], tmp_path: Path) -> None:
    db, _ = loaded
    err = _error(db, "--study", "empty", "-o", str(tmp_path / "r.html"))
    assert "study 'empty' has no UI events" in err and "enrol" in err
    assert "unknown report format .pdf" in _error(db, "--study", "clinic", "-o", str(tmp_path / "r.pdf"))
    assert "no study 'nope'" in _error(db, "--study", "nope", "-o", str(tmp_path / "r.csv"))


def test_api_ehr_metrics_on_a_live_collector(loaded: tuple[str, Path], tmp_path: Path) -> None:
    """GET and POST /api/v1/studies/{id}/ehr-metrics through a real uvicorn on loopback."""
    from tests.collector.factories import LiveCollector

    db, out = loaded
    token = run_cli(db, "admin", "token").stdout.strip().splitlines()[-1]
    server = LiveCollector(db, tmp_path).start()
    try:
        with server.client(token) as c:
            study = next(s for s in c.get("/api/v1/studies").json() if s["name"] == "clinic")
            url = f"/api/v1/studies/{study['id']}/ehr-metrics"
            r = c.get(url, params={"min_group": 5})
            assert r.status_code == 200, r.text
            cohort = {x["key"]: x for x in r.json()["cohort"]}
            assert cohort["after_hours_h"]["status"] == "ok" and cohort["ehr_time8"]["status"] == "not available"
            assert r.json()["per_clinician"] is None
            files = {"schedule": ("schedule.csv", (out / "schedule.csv").read_bytes()),
                     "visits": ("visits.csv", (out / "visits.csv").read_bytes())}
            r = c.post(url, files=files, params={"per_clinician": "true"})
            assert r.status_code == 200, r.text
            body = r.json()
            assert {x["key"]: x for x in body["cohort"]}["ehr_time8"]["median"] > 0
            assert len(body["per_clinician"]) == 6
            bad = {"categories": ("map.yaml", b"rules:\n  - {category: orders, title: '('}\n")}
            r = c.post(url, files=bad)
            assert r.status_code == 422 and "map.yaml: rule 1 title '(' is not a valid" in r.json()["detail"]
            assert c.get("/api/v1/studies/99999/ehr-metrics").status_code == 404
        with server.client() as anonymous:
            assert anonymous.get(url).status_code == 401
    finally:
        server.stop()

"""`taskloom demo`, run as a user runs it: load, mine, serve, and a second run keeps the data."""

from __future__ import annotations

import os
import re
import subprocess
import threading
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import httpx
import pandas as pd

from taskloom.collector.store import Store
from tests.collector.factories import TASKLOOM
from tests.conftest import ROOT
from tests.support.ports import free_port

SMALL = ("--clinicians", "1", "--days", "1", "--seed", "3")


def _demo(db: str, out: Path, *extra: str, home: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([TASKLOOM, "demo", "--db", db, "--dir", str(out), *SMALL, *extra],
                          capture_output=True, text=True, cwd=ROOT, timeout=600,
                          env={**os.environ, "HOME": str(home)})


def _check_two_level_map(out: Path, stdout: str) -> None:
    """The demo's two-level map shows each activity's desk work as the merged log gives it."""
    import statistics

    from taskloom.mining.io import read_log
    from taskloom.mining.render.style import human_duration, human_pct
    from tests.mining.merged_factory import expected_desk
    from tests.mining.render.maps import SVG, groups, texts

    assert "two-level map (" in stdout and str(out / "two_level_map.svg") in stdout, stdout
    svg = (out / "two_level_map.svg").read_text(encoding="utf-8")
    nodes = {g.get("data-name"): g for g in groups(svg, "activity")}
    want = expected_desk(read_log(out / "merged_log.csv"))
    assert set(nodes) == set(want)
    for act, d in want.items():
        desk = texts(nodes[act].find(f"{SVG}g[@class='desk']"))  # type: ignore[arg-type]
        if d["work"]:
            assert desk[0] == (f"desk {human_duration(statistics.median(d['work']))} · "
                               f"{human_pct(len(d['wcases']), len(d['cases']))} of cases")
        else:
            assert desk[0] == "no linked desk work"
    assert len(groups(svg, "unattributed")) >= 1


def test_demo_loads_mines_and_is_idempotent(tmp_path: Path) -> None:
    db, out = f"sqlite:///{tmp_path / 'demo.db'}", tmp_path / "files"
    first = _demo(db, out, "--no-serve", home=tmp_path)
    assert first.returncode == 0, first.stderr
    generated = pd.read_csv(out / "ui_events.csv", dtype=str, keep_default_na=False)
    system = pd.read_csv(out / "system_log.csv", dtype=str)
    store = Store.open(db)
    try:
        study = store.get_study("ehr-demo")
        stored = store.ui_events_frame(study.id)
        # Every generated event stored once, under an enrolled device, with no truth column.
        assert sorted(stored["event_id"]) == sorted(generated["event_id"])
        assert not [c for c in stored.columns if c.startswith("truth")]
        devices = store.list_devices(study_id=study.id)
        assert {d.id for d in devices} == set(stored["device_id"])
        assert len(store.system_events_frame(study.id)) == len(system)
        assert store.has_admin_tokens()
    finally:
        store.close()
    tasks = pd.read_csv(out / "tasks.csv", dtype=str, keep_default_na=False)
    assert len(tasks) == len(generated) and tasks["task_type"].ne("").all()
    assert tasks["task_type"].nunique() > 1
    root = ET.parse(out / "process_map.svg").getroot()
    assert root.tag.endswith("svg")
    for activity in system["concept:name"].unique():
        assert activity in (out / "process_map.svg").read_text()
    _check_two_level_map(out, first.stdout)
    m = re.search(r"task-type ARI ([0-9.]+), boundary F1 ([0-9.]+)", first.stdout)
    assert m, first.stdout
    # One clinician: the cohort's EHR-Time8 and WOW8 are printed as suppressed, the report is written.
    for name in ("EHR-Time8", "WOW8"):
        assert re.search(rf"documentation time: {name} suppressed \(1 clinicians", first.stdout), first.stdout
    assert (out / "ehr_metrics.html").read_text().startswith("<!DOCTYPE html>")
    assert (out / "admin_token").stat().st_mode & 0o077 == 0

    second = _demo(db, out, "--no-serve", home=tmp_path)
    assert second.returncode == 0, second.stderr
    assert "already loaded" in second.stdout
    store = Store.open(db)
    try:
        assert store.count_ui_events(store.get_study("ehr-demo").id) == len(generated)
    finally:
        store.close()


def test_demo_serves_the_loaded_study(tmp_path: Path) -> None:
    db, out, port = f"sqlite:///{tmp_path / 'demo.db'}", tmp_path / "files", free_port()
    proc = subprocess.Popen([TASKLOOM, "demo", "--db", db, "--dir", str(out), *SMALL,
                             "--port", str(port)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            text=True, cwd=ROOT, env={**os.environ, "HOME": str(tmp_path)})
    try:
        lines: list[str] = []
        stdout = proc.stdout
        assert stdout is not None
        reader = threading.Thread(target=lambda: lines.extend(iter(stdout.readline, "")),
                                  daemon=True)
        reader.start()
        deadline = time.monotonic() + 600
        while not any("listening on" in line for line in lines):
            assert proc.poll() is None, "".join(lines)
            assert time.monotonic() < deadline, "".join(lines)
            time.sleep(0.2)
        token = (out / "admin_token").read_text().strip()
        base = f"http://127.0.0.1:{port}/api/v1"
        studies = httpx.get(f"{base}/studies", headers={"Authorization": f"Bearer {token}"}).json()
        assert [s["name"] for s in studies] == ["ehr-demo"]
        assert httpx.get(f"{base}/studies").status_code == 401
        # The console: the URL and an admin login are printed; the login works.
        said = "".join(lines)
        m = re.search(r"console: (http://\S+/) — log in as admin with password (\S+) ", said)
        assert m, said
        assert m.group(1) == f"http://127.0.0.1:{port}/"
        assert (out / "console_login").stat().st_mode & 0o077 == 0
        with httpx.Client(base_url=m.group(1)) as browser:
            browser.get("/login")
            r = browser.post("/login", data={"username": "admin", "password": m.group(2),
                                             "csrf_token": browser.cookies["taskloom_login"]})
            assert r.status_code == 303
            assert [s["name"] for s in browser.get("/api/v1/studies").json()] == ["ehr-demo"]
    finally:
        proc.terminate()
        proc.wait(timeout=30)

"""Test data for the console: a small two-level log (system events with the task instances
beneath them), studies, users and a live server seeded with them."""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from taskloom.collector.services.imports import import_frame
from taskloom.collector.store import Store
from taskloom.mining.io import CsvMapping, read_log
from taskloom.server.console.auth import hash_password

PASSWORD = "correct horse battery staple"
T0 = pd.Timestamp("2026-03-02T08:00:00Z")
TASKS = {"Triage": [("open chart", 120), ("review results", 300), ("write note", 480)],
         "Appointment": [("book appointment", 200), ("write note", 360)]}


def two_level_log(n_cases: int = 60, seed: int = 3) -> pd.DataFrame:
    """Referral → Triage → (Appointment) → Discharge with task rows under Triage and
    Appointment; a case attribute (end reason), resources and apps."""
    rng = random.Random(seed)
    rows = []
    for i in range(n_cases):
        case = f"C{i:03d}"
        t = T0 + pd.Timedelta(hours=7 * i)
        path = ["Referral", "Triage"] + (["Appointment"] if i % 3 else []) + \
            (["Triage", "Appointment"] if i % 10 == 7 else []) + ["Discharge"]
        reason = "treated" if i % 4 else "referred on"
        for k, act in enumerate(path):
            t = t + pd.Timedelta(minutes=rng.randint(30, 3000))
            resource = f"clin-{rng.randint(1, 4)}"
            for j, (ttype, secs) in enumerate(TASKS.get(act, [])):
                if j == 1 and i % 5 == 0:
                    continue  # some cases skip a step
                start = t - pd.Timedelta(seconds=secs * (len(TASKS[act]) - j) + 60)
                rows.append({"case": case, "activity": ttype, "timestamp": start + pd.Timedelta(seconds=secs),
                             "start": start, "resource": resource, "level": "task", "parent": act,
                             "task_type": ttype, "task_instance": f"{case}-{k}-{j}",
                             "app": "CareFlowEPR" if ttype != "book appointment" else "Scheduler",
                             "active_s": secs * 0.8, "case:end_reason": reason})
            rows.append({"case": case, "activity": act, "timestamp": t, "start": None,
                         "resource": resource, "level": "case", "parent": None, "task_type": None,
                         "task_instance": None, "app": None, "active_s": None,
                         "case:end_reason": reason})
    return pd.DataFrame(rows)


def write_csv(frame: pd.DataFrame, path: Path) -> Path:
    frame.to_csv(path, index=False)
    return path


MAPPING = {"case": "case", "activity": "activity", "timestamp": "timestamp",
           "start_timestamp": "start", "resource": "resource"}


def import_csv(store: Store, study_id: int, path: Path, mapping: dict[str, str] = MAPPING) -> None:
    frame = read_log(path, CsvMapping(**mapping))
    import_frame(store, study_id, path.name, dict(mapping), frame, actor="test")


@dataclass(frozen=True)
class Seeded:
    db: str
    study_a: int
    study_b: int
    study_c: int = 0
    generated: Path | None = None  # the EHR study's generated files (schedule.csv, visits.csv)


EHR_ZONE = "Europe/London"


def seed_ehr_study(store: Store, workdir: Path, clinicians: int = 6, days: int = 2) -> tuple[int, Path]:
    """Study clinic-c: the generator's EHR documentation study (UI events through the ingest
    path, its EHR audit log imported), as `taskloom demo` loads it, but small."""
    from taskloom.collector import synth
    from taskloom.server.cli.demo_cmd import ingest_device

    study = store.create_study("clinic-c", {"timezone": EHR_ZONE}, "generated EHR study")
    out = workdir / "clinic-c"
    gen = synth.generate_study(synth.Study(clinicians=clinicians, days=days, seed=5,
                                           referrals_per_clinician_day=8.0,
                                           study_key=store.study_key(study.id)), out)
    ui = pd.read_csv(gen.ui_events, dtype=str, keep_default_na=False)
    devices = sorted(ui["device_id"].unique())
    enrol = store.create_enrollment_token(study.id, uses=len(devices), expires_s=3600)
    for synthetic in devices:
        device = store.enroll(enrol.token, hostname=f"test-{synthetic}")
        accepted, rejected = ingest_device(store, device.device_id, study.id, ui[ui["device_id"] == synthetic])
        assert accepted and not rejected
    import_frame(store, study.id, gen.system_csv.name, {}, read_log(gen.system_csv), actor="test")
    return study.id, out


def seed(db: str, workdir: Path) -> Seeded:
    """Studies ward-a (two-level log), ward-b (one level) and clinic-c (generated EHR study
    with UI events), and six users: ada (admin), ann (analyst of ward-a), vic (viewer of
    ward-a), bob (analyst of ward-b), eve (viewer of nothing), val (viewer of clinic-c)."""
    store = Store.open(db)
    try:
        a = store.create_study("ward-a", {"notice": "Ward A documentation study."}, "two-level demo")
        b = store.create_study("ward-b", {}, "one level")
        import_csv(store, a.id, write_csv(two_level_log(), workdir / "ward-a.csv"))
        flat = two_level_log(20, seed=9)
        flat = flat[flat["level"] == "case"][["case", "activity", "timestamp", "resource",
                                              "case:end_reason"]]
        one_level = {k: v for k, v in MAPPING.items() if k != "start_timestamp"}
        import_csv(store, b.id, write_csv(flat, workdir / "ward-b.csv"), one_level)
        c, generated = seed_ehr_study(store, workdir)
        pw = hash_password(PASSWORD)
        store.create_user("ada", pw, "admin")
        store.create_user("ann", pw, "analyst", [a.id])
        store.create_user("vic", pw, "viewer", [a.id])
        store.create_user("bob", pw, "analyst", [b.id])
        store.create_user("eve", pw, "viewer")  # the login-limit test locks her out
        store.create_user("val", pw, "viewer", [c])
    finally:
        store.close()
    return Seeded(db, a.id, b.id, c, generated)


def browser_login(page: Any, base: str, username: str, password: str = PASSWORD) -> None:
    """Log in through the login form in a Playwright page; returns on the studies page."""
    page.goto(f"{base}/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/studies")

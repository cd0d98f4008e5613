"""The EHR-metrics service on every backend: events stored through the ingest path, exact seconds."""

from __future__ import annotations

import sys

import pytest

from taskloom.collector.services.ehr_metrics import EhrOptions, TextFile, ehr_metrics
from taskloom.collector.services.ingest import ingest_events
from taskloom.collector.store import Device, Store

NOTE = "Progress note · NHS#0000aaaa · CareFlow EPR"


def test_service_reads_the_store_in_chunks_on_each_backend(store: Store) -> None:
    study = store.create_study("clinic", {"timezone": "Europe/London"})
    token = store.create_enrollment_token(study.id).token
    device = Device(id=store.enroll(token, "ws-1").device_id, study_id=study.id)
    t = "2026-03-30T{}Z"  # Monday after the DST change: 09:00 BST is 08:00 UTC
    events = [
        {"event_id": f"00000000-0000-4000-8000-00000000000{i}", "seq": i, "user": "U#00000001", "ts": t.format(ts),
         "kind": kind, "app": "CareFlowEPR.exe", "title": NOTE, "attrs": attrs}
        for i, (ts, kind, attrs) in enumerate([
            ("07:59:50", "click", {}),                                   # 10 s before clinic: 5 s counted, WOW
            ("08:00:00", "typing", {"end_ts": 1_774_857_620_000, "keys": 40}),  # 20 s typing, in clinic
            ("08:00:22", "click", {}), ("08:00:40", "idle_start", {}), ("08:30:00", "idle_end", {}),
            ("08:30:01", "capture_stop", {})])]
    assert not ingest_events(store, device, events).rejected
    schedule = TextFile("rota.csv", "user,date,start,end,kind\nU#00000001,2026-03-30,09:00,12:00,clinic\n")
    report = ehr_metrics(store, "clinic", EhrOptions(schedule=schedule, min_group=1, per_clinician=True,
                                                     chunk_rows=2))
    week = report.per_clinician[0] if report.per_clinician else None
    assert week is not None and week.week == "2026-03-30"
    # 5 + 22 (20 s burst + 2 s) + 5 + 0 (idle) + 1 (idle_end → capture_stop) = 33 s of note time.
    assert week.values["ehr_h"] == pytest.approx(33 / 3600)
    assert week.values["wow8"] == pytest.approx(5 / 3600 / 3 * 8)
    assert week.values["note_time8"] == pytest.approx(33 / 3600 / 3 * 8)
    assert week.values["notes"] == 1


def test_the_store_keeps_working_after_metrics_in_the_same_process(store: Store) -> None:
    """The fast SQLite path reads through a second copy of SQLite (ADBC). In the store's own
    process that copy would drop the store's file locks when it closes ("disk I/O error" on
    the next query, found by the demo's serve test): the metrics keep working and so does
    every later read and write, many times over."""
    study = store.create_study("locks", {"timezone": "UTC"})
    token = store.create_enrollment_token(study.id).token
    device = Device(id=store.enroll(token, "ws-1").device_id, study_id=study.id)
    for round_ in range(3):
        events = [{"event_id": f"00000000-0000-4000-8000-{round_:04d}{i:08d}", "seq": round_ * 100 + i,
                   "user": "U#00000001", "ts": f"2026-03-30T08:{round_:02d}:{i:02d}Z", "kind": "click",
                   "app": "CareFlowEPR.exe", "title": NOTE, "attrs": {}} for i in range(30)]
        assert not ingest_events(store, device, events).rejected
        report = ehr_metrics(store, "locks", EhrOptions(min_group=1, per_clinician=True, chunk_rows=7))
        assert report.per_clinician
        # The second copy of SQLite never opens the store's file in the store's process.
        assert "adbc_driver_sqlite" not in sys.modules
        assert store.count_ui_events(study.id) == 30 * (round_ + 1)
        assert store.has_admin_tokens() is (round_ > 0)
        store.create_admin_token(label=f"r{round_}")
        assert store.has_admin_tokens()

"""Fault: the collector is killed (SIGKILL) in the middle of a load."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import httpx
import pytest

from taskloom.collector.store import Store
from tests.collector.factories import LiveCollector, run_cli, wire_batch


@pytest.mark.slow
def test_killed_mid_load_loses_no_acknowledged_event(db_url: str, tmp_path: Path) -> None:
    run_cli(db_url, "study", "create", "crash")
    server = LiveCollector(db_url, tmp_path, env={"TASKLOOM_RATE_PER_S": "100000",
                                                   "TASKLOOM_RATE_BURST": "100000"}).start()
    devices = [server.enroll("crash", f"ws-{i}") for i in range(3)]
    acknowledged: set[str] = set()
    lock = threading.Lock()
    stop = threading.Event()
    errors: list[str] = []

    def client(token: str) -> None:
        seq = 0
        with httpx.Client(base_url=server.url, timeout=30,
                          headers={"Authorization": f"Bearer {token}"}) as c:
            while not stop.is_set():
                events = wire_batch(250, start_seq=seq)
                seq += 250
                try:
                    r = c.post("/api/v1/events", json={"events": events})
                except httpx.HTTPError:
                    return  # the server died under us: this batch was never acknowledged
                if r.status_code != 200:
                    errors.append(f"{r.status_code}: {r.text[:200]}")
                    return
                with lock:
                    acknowledged.update(r.json()["accepted"])

    threads = [threading.Thread(target=client, args=(d["device_token"],)) for d in devices]
    for th in threads:
        th.start()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with lock:
            if len(acknowledged) >= 5000:
                break
        time.sleep(0.02)
    server.kill()  # SIGKILL with requests in flight
    stop.set()
    for th in threads:
        th.join(30)
    assert not errors, errors
    assert len(acknowledged) >= 5000, "the load never got going"

    restarted = LiveCollector(db_url, tmp_path).start()  # recovers the WAL / reconnects
    try:
        store = Store.open(db_url)
        try:
            stored = store.stored_event_ids()
        finally:
            store.close()
    finally:
        restarted.stop()
    missing = acknowledged - stored
    assert not missing, f"{len(missing)} acknowledged events lost, e.g. {sorted(missing)[:3]}"

"""Group commit: concurrent batches share one transaction, each acknowledged after its commit."""

from __future__ import annotations

import threading
import time
from typing import Any

import sqlalchemy as sa

from taskloom.collector.store import Device, IngestResult, Store, now_ms
from taskloom.collector.validate import validate_batch
from tests.collector.factories import wire_batch
from tests.collector.test_store import _device


def _held_group(store: Store, jobs: list[tuple[Device, list[dict[str, Any]]]],
                ) -> list[IngestResult | BaseException]:
    """Ingest every job from its own thread while a (pretend) leader holds the commit, then let
    go: the waiting batches must all go into the next transaction."""
    results: list[IngestResult | BaseException] = [RuntimeError("not run")] * len(jobs)

    def send(i: int, device: Device, events: list[dict[str, Any]]) -> None:
        try:
            results[i] = store.ingest(device, validate_batch(events, device.id, device.study_id, now_ms()))
        except BaseException as exc:
            results[i] = exc

    with store._group:
        store._group_leading = True
    threads = [threading.Thread(target=send, args=(i, d, e)) for i, (d, e) in enumerate(jobs)]
    for th in threads:
        th.start()
    deadline = time.monotonic() + 30
    while len(store._group_pending) < len(jobs):
        assert time.monotonic() < deadline
        time.sleep(0.01)
    assert store.count_ui_events() == 0  # nothing acknowledged, nothing committed yet
    with store._group:
        store._group_leading = False
        store._group.notify_all()
    for th in threads:
        th.join(30)
    return results


def test_waiting_batches_commit_together_and_each_is_acknowledged(store: Store) -> None:
    a, b = _device(store, uses=2), _device(store)
    first, second, third = wire_batch(50), wire_batch(30, start_seq=50), wire_batch(40)
    commits: list[int] = []

    def on_commit(conn: sa.Connection) -> None:
        if conn.get_execution_options().get("taskloom_write"):
            commits.append(1)

    sa.event.listen(store.engine, "commit", on_commit)
    results = _held_group(store, [(a, first), (a, [*second, first[0]]), (b, third)])
    sa.event.remove(store.engine, "commit", on_commit)
    assert all(isinstance(r, IngestResult) for r in results), results
    assert [r.accepted for r in results if isinstance(r, IngestResult)] == [
        [e["event_id"] for e in first], [e["event_id"] for e in [*second, first[0]]],
        [e["event_id"] for e in third]]
    assert store.count_ui_events() == 120
    assert len(commits) == 1  # one transaction for the three batches


def test_a_failing_batch_does_not_fail_the_others_in_its_group(store: Store) -> None:
    a, b = _device(store, uses=2), _device(store)
    good, other = wire_batch(10), wire_batch(10, start_seq=10)
    # A device that does not exist breaks the foreign key / update of its own batch only.
    ghost = Device(id="00000000-0000-4000-8000-000000000000", study_id=10**9)
    results = _held_group(store, [(a, good), (ghost, wire_batch(5, start_seq=99)), (b, other)])
    assert isinstance(results[0], IngestResult) and isinstance(results[2], IngestResult)
    assert isinstance(results[1], Exception)
    assert store.count_ui_events() == 20


def test_many_concurrent_senders_store_everything_once(store: Store) -> None:
    devices = [_device(store, study=f"s{i}") for i in range(4)]
    batches = [(d, wire_batch(100, start_seq=100 * k)) for k in range(6) for d in devices]
    results: list[IngestResult] = []
    lock = threading.Lock()

    def send(device: Device, events: list[dict[str, Any]]) -> None:
        for _ in range(2):  # every batch is delivered twice
            r = store.ingest(device, validate_batch(events, device.id, device.study_id, now_ms()))
            with lock:
                results.append(r)

    threads = [threading.Thread(target=send, args=job) for job in batches]
    for th in threads:
        th.start()
    for th in threads:
        th.join(60)
    assert len(results) == 2 * len(batches)
    assert store.count_ui_events() == 100 * len(batches)

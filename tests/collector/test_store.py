"""The event store on every backend (SQLite file and PostgreSQL on loopback)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from taskloom.agent.protocol import keyed_token, parse_event
from taskloom.collector import schema
from taskloom.collector.store import (
    AuthError,
    Conflict,
    Device,
    NotFound,
    Store,
    now_ms,
)
from taskloom.collector.validate import validate_batch
from tests.collector.factories import wire_batch, wire_event


def _device(store: Store, study: str = "s1", uses: int = 1) -> Device:
    if study not in {s.name for s in store.list_studies()}:
        store.create_study(study)
    token = store.create_enrollment_token(study, uses=uses).token
    enrolled = store.enroll(token, "host")
    return store.authenticate_device(enrolled.device_token)


def _send(store: Store, device: Device, events: list[dict]) -> tuple[list[str], list[dict]]:
    result = store.ingest(device, validate_batch(events, device.id, device.study_id, now_ms()))
    return result.accepted, result.rejected


def _head_revision() -> str:
    """The newest migration shipped (one head: migrations form a single chain)."""
    from pathlib import Path

    from alembic.config import Config
    from alembic.script import ScriptDirectory

    import taskloom.collector

    cfg = Config()
    cfg.set_main_option("script_location",
                        str(Path(taskloom.collector.__file__).parent / "migrations"))
    heads = ScriptDirectory.from_config(cfg).get_heads()
    assert len(heads) == 1, f"migrations must form one chain, found heads {heads}"
    return str(heads[0])


def test_migrations_build_the_declared_schema(store: Store) -> None:
    with store.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), schema.metadata)
        version = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
    assert diff == []
    assert version == _head_revision()


def test_reopening_keeps_data(db_url: str) -> None:
    first = Store.open(db_url)
    dev = _device(first)
    _send(first, dev, wire_batch(5))
    first.close()
    again = Store.open(db_url)  # runs `upgrade head` again: a no-op that must keep everything
    try:
        assert again.count_ui_events() == 5
        assert again.authenticate_device  # still usable
        assert [s.name for s in again.list_studies()] == ["s1"]
    finally:
        again.close()


def test_duplicate_delivery_is_stored_once(store: Store) -> None:
    dev = _device(store)
    events = wire_batch(20)
    acc1, _ = _send(store, dev, events)
    acc2, _ = _send(store, dev, [*events[5:], events[5]])
    assert acc1 == [e["event_id"] for e in events]
    assert acc2 == [e["event_id"] for e in [*events[5:], events[5]]]
    assert store.count_ui_events() == 20


def test_stored_rows_keep_every_wire_field(store: Store) -> None:
    dev = _device(store)
    event = wire_event(7, url="https://ehr.example", key_class="ctrl+c", extra_field="kept")
    _send(store, dev, [event])
    frame = store.ui_events_frame("s1")
    row = frame.iloc[0]
    expected = parse_event(event)
    for name in ("event_id", "seq", "user", "kind", "app", "title", "url", "element",
                 "key_class", "button", "x", "y"):
        assert row[name] == getattr(expected, name), name
    assert row["device_id"] == dev.id
    assert int(row["ts"].value // 1_000_000) == expected.ts
    assert row["attrs"] == {"n": 7, "extra_field": "kept"}


def test_rejected_events_go_to_quarantine(store: Store) -> None:
    dev = _device(store)
    other = _device(store, "s1", uses=1)
    events = [wire_event(0), wire_event(1, kind="bogus"), wire_event(2, device_id=other.id)]
    accepted, rejected = _send(store, dev, events)
    assert accepted == [events[0]["event_id"]]
    assert [r.index for r in rejected] == [1, 2]
    quarantined = store.list_quarantine(device_id=dev.id)
    assert sorted(q.event_id for q in quarantined) == sorted(e["event_id"] for e in events[1:])
    assert all(q.payload.startswith("{") for q in quarantined)


def test_seq_gaps_per_device(store: Store) -> None:
    a, b = _device(store, uses=2), _device(store, "s2")
    _send(store, a, [e for e in wire_batch(20) if e["seq"] not in (4, 5, 6, 15)])
    _send(store, b, wire_batch(5))
    devices = {d.id: d for d in store.list_devices()}
    assert devices[a.id].seq_missing == 4 and devices[b.id].seq_missing == 0
    assert store.seq_gaps(a.id) == [(4, 6), (15, 15)]
    assert [d.id for d in store.list_devices(study_id=b.study_id)] == [b.id]


def test_enrolment_token_expiry_and_uses(store: Store) -> None:
    store.create_study("s1")
    token = store.create_enrollment_token("s1", uses=2).token
    store.enroll(token, "a")
    store.enroll(token, "b")
    with pytest.raises(AuthError, match="used up"):
        store.enroll(token, "c")
    with pytest.raises(AuthError, match="unknown"):
        store.enroll("tle_nope", "c")
    short = store.create_enrollment_token("s1", uses=1, expires_s=1).token
    with store.engine.begin() as conn:  # let it expire without sleeping
        conn.execute(schema.enrollment_tokens.update().values(expires_at=now_ms() - 1))
    with pytest.raises(AuthError, match="expired"):
        store.enroll(short, "d")


def test_revoked_device_cannot_authenticate(store: Store) -> None:
    store.create_study("s1")
    enrolled = store.enroll(store.create_enrollment_token("s1").token, "h")
    store.revoke_device(enrolled.device_id)
    with pytest.raises(AuthError, match="revoked"):
        store.authenticate_device(enrolled.device_token)
    with pytest.raises(NotFound):
        store.revoke_device("no-such-device")


def test_tokens_are_stored_hashed(store: Store) -> None:
    store.create_study("s1")
    enrol = store.create_enrollment_token("s1").token
    device_token = store.enroll(enrol, "h").device_token
    admin = store.create_admin_token()
    with store.engine.connect() as conn:
        dump = " ".join(str(v) for table in schema.metadata.sorted_tables
                        for row in conn.execute(sa.select(table)) for v in row)
    for secret in (enrol, device_token, admin):
        assert secret not in dump


def test_study_crud_and_delete_removes_its_data(store: Store) -> None:
    dev = _device(store, "s1")
    _send(store, dev, wire_batch(3))
    keep = _device(store, "s2")
    _send(store, keep, wire_batch(2))
    with pytest.raises(Conflict):
        store.create_study("s1")
    renamed = store.update_study(dev.study_id, name="s1-renamed", settings={"idle_threshold_s": 5})
    assert renamed.name == "s1-renamed" and renamed.settings == {"idle_threshold_s": 5}
    store.delete_study(dev.study_id)
    assert [s.name for s in store.list_studies()] == ["s2"]
    assert store.count_ui_events() == 2
    assert [a.action for a in store.audit_entries()][:2] == ["study.delete", "study.update"]


def test_policy_is_default_merged_with_settings(store: Store) -> None:
    store.create_study("s1", settings={"capture": {"typing": "off"}, "apps_deny": ["keepass"]})
    dev = store.authenticate_device(store.enroll(store.create_enrollment_token("s1").token, "h").device_token)
    policy = store.policy(dev)
    assert policy["capture"]["typing"] == "off" and policy["capture"]["clicks"] is True
    assert policy["apps_deny"] == ["keepass"]
    assert policy["study_key"] == store.study_key("s1")


def test_iter_ui_events_in_chunks_in_time_order(store: Store) -> None:
    dev = _device(store)
    events = wire_batch(25)
    _send(store, dev, list(reversed(events)))
    chunks = list(store.iter_ui_events("s1", chunk_size=10))
    assert [len(c) for c in chunks] == [10, 10, 5]
    seqs = [int(s) for c in chunks for s in c["seq"]]
    assert seqs == list(range(25))
    assert str(chunks[0]["ts"].dtype) .endswith("UTC]")


def test_system_log_import_with_hashed_case_ids(store: Store, shared_data) -> None:  # type: ignore[no-untyped-def]
    from taskloom.collector.services.imports import import_frame, read_system_log

    study = store.create_study("s1")
    options = {"case": "Case ID", "activity": "Activity", "timestamp": "Complete Timestamp"}
    frame = read_system_log(shared_data / "sepsis.csv", options)
    result = import_frame(store, study.id, "sepsis.csv", options, frame, hash_case_ids=True,
                          actor="test")
    assert result.row_count == len(frame) and result.status == "done"
    stored = store.system_events_frame("s1")
    assert len(stored) == len(frame)
    key = store.study_key("s1")
    expected = frame["case:concept:name"].astype(str).map(lambda c: keyed_token(key, c))
    assert list(stored["case:concept:name"]) == list(expected)
    assert list(stored["concept:name"]) == list(frame["concept:name"].astype(str))
    assert stored["time:timestamp"].equals(frame["time:timestamp"].dt.as_unit("ms").dt.as_unit(
        str(stored["time:timestamp"].dt.unit)))


def test_event_id_of_another_device_is_rejected_on_every_backend(store: Store) -> None:
    first, second = _device(store), _device(store, "s2")
    taken = wire_event(1)
    assert _send(store, first, [taken])[0] == [taken["event_id"]]
    fresh = wire_event(2)
    # the same id twice from the other device, once next to a fresh event
    accepted, rejected = _send(store, second, [taken, fresh, {**taken, "seq": 3}])
    assert accepted == [fresh["event_id"]]
    assert [(r.index, r.event_id) for r in rejected] == [(0, taken["event_id"])]
    assert "event_id belongs to another device" in rejected[0].reason
    assert [q.event_id for q in store.list_quarantine(device_id=second.id)] == [taken["event_id"]]
    frame = store.ui_events_frame("s1")
    assert list(frame.query(f"event_id == '{taken['event_id']}'")["device_id"]) == [first.id]
    assert _send(store, first, [taken])[0] == [taken["event_id"]]  # its owner may re-send it


def test_poisoned_events_are_quarantined_and_neighbours_stored_on_every_backend(store: Store) -> None:
    device = _device(store)
    nested: dict = {}
    for _ in range(300):
        nested = {"a": nested}
    events = wire_batch(6)
    events[1]["seq"] = 2**63
    events[2]["x"] = -(2**63) - 1
    events[3]["attrs"] = nested
    events[4]["attrs"] = {"big": "x" * 20_000}
    accepted, rejected = _send(store, device, events)
    assert accepted == [events[0]["event_id"], events[5]["event_id"]]
    assert [r.index for r in rejected] == [1, 2, 3, 4]
    assert "64-bit" in rejected[0].reason and "nested deeper" in rejected[2].reason
    assert "bytes as JSON" in rejected[3].reason
    assert len(store.list_quarantine(device_id=device.id)) == 4
    assert store.count_ui_events() == 2

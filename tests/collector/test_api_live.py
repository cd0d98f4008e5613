"""The ingest and admin API through a real `taskloom serve` (uvicorn) on loopback."""

from __future__ import annotations

import gzip
import time

import orjson

from taskloom.collector.store import Store
from tests.collector.factories import LiveCollector, run_cli, wire_batch, wire_event


def _stored(live: LiveCollector, device: dict) -> list[str]:
    """Event ids stored for one device (the server is shared by the tests of this module)."""
    store = Store.open(live.db)
    try:
        return sorted(e for e in store.ui_events_frame("ward-a").query(
            f"device_id == '{device['device_id']}'")["event_id"])
    finally:
        store.close()


def test_enrol_send_and_resend_stores_each_event_once(live: LiveCollector) -> None:
    dev = live.enroll("ward-a")
    assert dev["policy"]["study_key"]
    events = wire_batch(50)
    with live.client(dev["device_token"]) as c:
        first = c.post("/api/v1/events", json={"events": events})
        again = c.post("/api/v1/events", json={"events": events})  # lost reply: the agent re-sends
    assert first.status_code == 200 and again.status_code == 200
    ids = [e["event_id"] for e in events]
    assert first.json() == {"accepted": ids, "rejected": []}
    assert again.json()["accepted"] == ids
    stored = _stored(live, dev)
    assert stored == sorted(ids)


def test_duplicate_delivery_inside_one_batch(live: LiveCollector) -> None:
    dev = live.enroll("ward-a")
    events = wire_batch(3)
    with live.client(dev["device_token"]) as c:
        r = c.post("/api/v1/events", json={"events": [*events, events[0]]})
    assert r.status_code == 200
    assert r.json()["accepted"] == [e["event_id"] for e in [*events, events[0]]]
    assert len(_stored(live, dev)) == 3


def test_gzip_batch_is_accepted(live: LiveCollector) -> None:
    dev = live.enroll("ward-a")
    events = wire_batch(20)
    body = gzip.compress(orjson.dumps({"events": events}))
    with live.client(dev["device_token"]) as c:
        r = c.post("/api/v1/events", content=body,
                   headers={"Content-Encoding": "gzip", "Content-Type": "application/json"})
    assert r.status_code == 200, r.text
    assert len(r.json()["accepted"]) == 20
    assert len(_stored(live, dev)) == 20


def test_revoked_token_is_refused(live: LiveCollector) -> None:
    dev = live.enroll("ward-a")
    with live.client(dev["device_token"]) as c:
        assert c.post("/api/v1/events", json={"events": wire_batch(1)}).status_code == 200
        run_cli(live.db, "device", "revoke", dev["device_id"])
        r = c.post("/api/v1/events", json={"events": wire_batch(1, start_seq=1)})
        policy = c.get("/api/v1/agent/policy")
    assert r.status_code == 401
    assert "revoked" in r.json()["detail"]
    assert r.headers.get("www-authenticate") == "Bearer"
    assert policy.status_code == 401
    assert len(_stored(live, dev)) == 1


def test_event_naming_another_device_is_quarantined(live: LiveCollector) -> None:
    mine, other = live.enroll("ward-a", "ws-1"), live.enroll("ward-a", "ws-2")
    good = wire_event(0, device_id=mine["device_id"])
    forged = wire_event(1, device_id=other["device_id"])
    with live.client(mine["device_token"]) as c:
        r = c.post("/api/v1/events", json={"events": [good, forged]})
    body = r.json()
    assert r.status_code == 200
    assert body["accepted"] == [good["event_id"]]
    assert [x["event_id"] for x in body["rejected"]] == [forged["event_id"]]
    assert other["device_id"] in body["rejected"][0]["reason"]
    store = Store.open(live.db)
    try:
        quarantined = store.list_quarantine(device_id=mine["device_id"])
        rows = store.ui_events_frame("ward-a")
    finally:
        store.close()
    assert [q.event_id for q in quarantined] == [forged["event_id"]]
    assert list(rows.loc[rows["event_id"] == forged["event_id"], "device_id"]) == []
    assert other["device_id"] not in set(rows["device_id"])  # nothing stored under the other device


def test_malformed_events_quarantined_and_valid_ones_stored(live: LiveCollector) -> None:
    dev = live.enroll("ward-a")
    valid = wire_batch(3)
    bad = [
        wire_event(10, kind="keystroke"),                 # unknown kind
        wire_event(11, key_class="x"),                     # a typed character
        wire_event(12, ts="2026-01-01T10:00:00"),          # no time zone
        {**wire_event(13), "event_id": "not-a-uuid"},
        "just a string",
    ]
    with live.client(dev["device_token"]) as c:
        r = c.post("/api/v1/events", json={"events": [valid[0], *bad, *valid[1:]]})
    body = r.json()
    assert r.status_code == 200
    assert body["accepted"] == [e["event_id"] for e in valid]
    assert [x["index"] for x in body["rejected"]] == [1, 2, 3, 4, 5]
    reasons = [x["reason"] for x in body["rejected"]]
    assert "kind" in reasons[0] and "key_class" in reasons[1] and "time zone" in reasons[2]
    assert "UUID" in reasons[3] and "JSON object" in reasons[4]
    assert _stored(live, dev) == sorted(e["event_id"] for e in valid)
    store = Store.open(live.db)
    try:
        quarantined = store.list_quarantine(device_id=dev["device_id"])
    finally:
        store.close()
    assert sorted(q.reason for q in quarantined) == sorted(reasons)


def test_oversized_body_is_refused_with_413(live: LiveCollector) -> None:
    dev = live.enroll("ward-a")
    big = wire_batch(3, title="x" * 1000)
    events = big * 400  # ~1.5 MB, over the 1 MiB limit this server runs with
    with live.client(dev["device_token"]) as c:
        r = c.post("/api/v1/events", json={"events": events})
        bomb = gzip.compress(b'{"events": [' + b" " * (3 * 1024 * 1024) + b"]}")
        r_gz = c.post("/api/v1/events", content=bomb,
                      headers={"Content-Encoding": "gzip", "Content-Type": "application/json"})
    assert r.status_code == 413 and "limit" in r.json()["detail"]
    assert r_gz.status_code == 413  # a small gzip that inflates past the limit
    assert _stored(live, dev) == []


def test_too_many_events_in_one_batch_is_413(live: LiveCollector) -> None:
    dev = live.enroll("ward-a")
    events = [{"event_id": "x"}] * 5001
    with live.client(dev["device_token"]) as c:
        r = c.post("/api/v1/events", json={"events": events})
    assert r.status_code == 413
    assert "5000" in r.json()["detail"]


def test_over_rate_gets_429_with_retry_after(live: LiveCollector) -> None:
    dev = live.enroll("ward-a")
    statuses = []
    retry_after = None
    with live.client(dev["device_token"]) as c:
        for i in range(30):  # the server allows a burst of 10 at 5 requests/s
            r = c.post("/api/v1/events", json={"events": [wire_event(i)]})
            statuses.append(r.status_code)
            if r.status_code == 429:
                retry_after = r.headers.get("retry-after")
                break
    assert 429 in statuses
    assert retry_after is not None and int(retry_after) >= 1
    # Another device has its own bucket.
    other = live.enroll("ward-a", "ws-2")
    with live.client(other["device_token"]) as c:
        assert c.post("/api/v1/events", json={"events": [wire_event(0)]}).status_code == 200


def test_bad_admin_token_is_401(live: LiveCollector, admin_token: str) -> None:
    with live.client("tla_not-a-real-token") as c:
        bad = c.get("/api/v1/studies")
    with live.client() as c:
        missing = c.get("/api/v1/devices")
    dev = live.enroll("ward-a")
    with live.client(dev["device_token"]) as c:
        device_as_admin = c.get("/api/v1/studies")
    with live.client(admin_token) as c:
        admin_as_device = c.post("/api/v1/events", json={"events": wire_batch(1)})
        ok = c.get("/api/v1/studies")
    assert bad.status_code == 401 and "admin token" in bad.json()["detail"]
    assert missing.status_code == 401
    assert device_as_admin.status_code == 401
    assert admin_as_device.status_code == 401
    assert ok.status_code == 200 and "ward-a" in [s["name"] for s in ok.json()]


def test_heartbeat_and_device_list_show_gaps_and_drops(live: LiveCollector, admin_token: str) -> None:
    dev = live.enroll("ward-a")
    events = [e for e in wire_batch(10) if e["seq"] not in (3, 4, 7)]
    with live.client(dev["device_token"]) as c:
        assert c.post("/api/v1/events", json={"events": events}).status_code == 200
        hb = c.post("/api/v1/agent/heartbeat", json={
            "version": "0.1.0", "spool_depth": 12, "dropped": 4,
            "last_capture": "2026-01-01T10:00:09Z"})
    assert hb.status_code == 200
    with live.client(admin_token) as c:
        listed = c.get("/api/v1/devices").json()
        detail = c.get(f"/api/v1/devices/{dev['device_id']}").json()
    [row] = [d for d in listed if d["id"] == dev["device_id"]]
    assert row["events"] == 7 and row["seq_missing"] == 3
    assert row["dropped"] == 4 and row["spool_depth"] == 12 and row["version"] == "0.1.0"
    assert detail["seq_gaps"] == [[3, 4], [7, 7]]


def test_policy_merges_study_settings_and_key(live: LiveCollector, admin_token: str) -> None:
    with live.client(admin_token) as c:
        study = c.post("/api/v1/studies", json={
            "name": "ward-b", "settings": {"idle_threshold_s": 120, "capture": {"scrolls": False}}})
        assert study.status_code == 201
        tok = c.post(f"/api/v1/studies/{study.json()['id']}/enrollment-tokens",
                     json={"uses": 1}).json()["token"]
    with live.client() as c:
        dev = c.post("/api/v1/agent/enroll", json={"enrollment_token": tok, "hostname": "h"}).json()
        again = c.post("/api/v1/agent/enroll", json={"enrollment_token": tok, "hostname": "h2"})
    assert again.status_code == 401 and "used up" in again.json()["detail"]
    with live.client(dev["device_token"]) as c:
        policy = c.get("/api/v1/agent/policy").json()
    assert policy["idle_threshold_s"] == 120
    assert policy["capture"]["scrolls"] is False and policy["capture"]["clicks"] is True
    assert len(policy["study_key"]) == 64


def test_export_over_http_has_one_row_per_event(live: LiveCollector, admin_token: str) -> None:
    import io

    import pandas as pd

    with live.client(admin_token) as c:
        study_id = c.post("/api/v1/studies", json={"name": "export-study"}).json()["id"]
        token = c.post(f"/api/v1/studies/{study_id}/enrollment-tokens", json={}).json()["token"]
    with live.client() as c:
        dev = c.post("/api/v1/agent/enroll", json={"enrollment_token": token, "hostname": "e"}).json()
    events = wire_batch(25)
    with live.client(dev["device_token"]) as c:
        assert c.post("/api/v1/events", json={"events": events}).status_code == 200
    with live.client(admin_token) as c:
        csv = c.get(f"/api/v1/studies/{study_id}/export", params={"format": "csv"})
        pq = c.get(f"/api/v1/studies/{study_id}/export", params={"format": "parquet"})
    assert csv.status_code == 200 and pq.status_code == 200
    from_csv = pd.read_csv(io.StringIO(csv.text))
    from_pq = pd.read_parquet(io.BytesIO(pq.content))
    for frame in (from_csv, from_pq):
        assert sorted(frame["event_id"]) == sorted(e["event_id"] for e in events)
        assert list(frame.columns[:6]) == ["event_id", "device_id", "seq", "user", "ts", "kind"]


def test_slow_sender_is_timed_out_and_does_not_block_others(live: LiveCollector) -> None:
    """A client that opens a request and stalls gets 408 and does not stop other devices."""
    import socket

    dev, other = live.enroll("ward-a", "slow"), live.enroll("ward-a", "fast")
    sock = socket.create_connection(("127.0.0.1", live.port))
    try:
        sock.sendall(b"POST /api/v1/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                     b"Authorization: Bearer " + dev["device_token"].encode() +
                     b"\r\nContent-Length: 100000\r\n\r\n{\"events\": [")
        time.sleep(0.2)
        with live.client(other["device_token"]) as c:
            r = c.post("/api/v1/events", json={"events": wire_batch(2)})
        assert r.status_code == 200
        sock.settimeout(30)
        answer = b""
        while b"did not arrive" not in answer:  # this server gives a body 2 s to arrive
            chunk = sock.recv(4096)
            if not chunk:
                break
            answer += chunk
        assert answer.startswith(b"HTTP/1.1 408")
        assert b"did not arrive" in answer
    finally:
        sock.close()


def test_body_that_is_not_json_is_400_and_quarantined(live: LiveCollector) -> None:
    dev = live.enroll("ward-a")
    with live.client(dev["device_token"]) as c:
        r = c.post("/api/v1/events", content=b'{"events": [ {"event_id": tr',
                   headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and "not valid JSON" in r.json()["detail"]
    store = Store.open(live.db)
    try:
        [q] = store.list_quarantine(device_id=dev["device_id"])
    finally:
        store.close()
    assert q.payload == '{"events": [ {"event_id": tr' and "not JSON" in q.reason


def test_system_log_upload_preview_import_and_bad_mapping(
        live: LiveCollector, admin_token: str, shared_data) -> None:  # type: ignore[no-untyped-def]
    from taskloom.mining.io import CsvMapping, read_log

    sepsis = shared_data / "sepsis.csv"
    mapping = {"case": "Case ID", "activity": "Activity", "timestamp": "Complete Timestamp"}
    expected = read_log(sepsis, csv=CsvMapping(**mapping))
    with live.client(admin_token) as c:
        study_id = c.get("/api/v1/studies").json()[0]["id"]
        with sepsis.open("rb") as fh:
            preview = c.post(f"/api/v1/studies/{study_id}/imports/preview",
                             files={"file": ("sepsis.csv", fh, "text/csv")},
                             data={**mapping, "rows": "5"})
        with sepsis.open("rb") as fh:
            bad = c.post(f"/api/v1/studies/{study_id}/imports",
                         files={"file": ("sepsis.csv", fh, "text/csv")},
                         data={**mapping, "case": "Patient"})
        with sepsis.open("rb") as fh:
            done = c.post(f"/api/v1/studies/{study_id}/imports",
                          files={"file": ("sepsis.csv", fh, "text/csv")},
                          data={**mapping, "hash_case_ids": "true"})
        imports = c.get(f"/api/v1/studies/{study_id}/imports").json()
    assert preview.status_code == 200, preview.text
    body = preview.json()
    assert body["total_rows"] == len(expected) and len(body["rows"]) == 5
    assert [r["concept:name"] for r in body["rows"]] == list(expected["concept:name"][:5])
    assert bad.status_code == 422 and "Patient" in bad.json()["detail"]
    assert done.status_code == 201, done.text
    assert done.json()["row_count"] == len(expected) and done.json()["hashed_case_ids"] is True
    assert [i["status"] for i in imports] == ["failed", "done"]

"""Regression tests for issue 8 (the HTTP half): each attack against a real `taskloom serve`.

Memory is the server process's own (VmHWM, the peak resident set, from /proc); attack
sizes are bounded so the suite stays fast (tests/bench/bench_attacks.py runs them at
full size).
"""

from __future__ import annotations

import contextlib
import gzip
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from taskloom.collector.store import Store
from tests.collector.factories import LiveCollector, run_cli, wire_batch, wire_event
from tests.support.attack import memory_kib, open_fds, stream_request

MB = 1024 * 1024
ATTACK_BYTES = 200 * MB          # the 1 GiB, scaled down
RSS_GROWTH_LIMIT_KIB = 50 * 1024  # the bound: under 50 MB


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveCollector]:
    """`taskloom serve` on SQLite with default limits but a small upload limit, and a
    tmp directory of its own (to see spooled uploads)."""
    tmp = tmp_path_factory.mktemp("attacks")
    (tmp / "spool").mkdir()
    srv = LiveCollector(None, tmp, env={"TMPDIR": str(tmp / "spool"),
                                        "TASKLOOM_MAX_UPLOAD_BYTES": str(5 * MB),
                                        "TASKLOOM_RATE_PER_S": "1000",
                                        "TASKLOOM_RATE_BURST": "1000",
                                        "TASKLOOM_AUTH_FAIL_BURST": "1000"})
    srv.setup_study()
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def admin(server: LiveCollector) -> str:
    return server.admin("admin", "token").strip().splitlines()[-1]


def _pid(srv: LiveCollector) -> int:
    assert srv.proc is not None
    return srv.proc.pid


def _study_id(srv: LiveCollector, admin: str) -> int:
    with srv.client(admin) as c:
        return int(next(s["id"] for s in c.get("/api/v1/studies").json() if s["name"] == srv.study))


def _quarantine(srv: LiveCollector, device_id: str) -> list[Any]:
    store = Store.open(srv.db)
    try:
        return store.list_quarantine(device_id=device_id, limit=1000)
    finally:
        store.close()


# ---------------------------------------------------------------- row 1: auth before body


@pytest.mark.parametrize("chunked", [False, True], ids=["content-length", "chunked"])
def test_big_bodies_without_token_are_refused_before_they_are_read(
        server: LiveCollector, admin: str, chunked: bool) -> None:
    pid = _pid(server)
    study = _study_id(server, admin)
    before = memory_kib(pid)["VmHWM"]
    attacks = [
        ("POST", "/api/v1/studies", {"Content-Type": "application/json"}, 401),
        ("POST", "/api/v1/agent/heartbeat", {"Content-Type": "application/json"}, 401),
        ("POST", "/api/v1/events", {"Content-Type": "application/json"}, 401),
        ("POST", "/api/v1/agent/enroll", {"Content-Type": "application/json"}, 413),
        ("POST", f"/api/v1/studies/{study}/imports",
         {"Content-Type": "multipart/form-data; boundary=xyz"}, 401),
    ]
    for method, path, headers, expected in attacks:
        outcome = stream_request(server.port, method, path, headers, ATTACK_BYTES,
                                 chunked=chunked, prefix=b'{"name": "')
        assert outcome.status == expected, (path, outcome)
        assert outcome.sent < ATTACK_BYTES, (path, "the server read the whole body first")
    growth = memory_kib(pid)["VmHWM"] - before
    assert growth < RSS_GROWTH_LIMIT_KIB, f"peak RSS grew {growth} KiB"
    with server.client(admin) as c:  # still serving
        assert c.get("/api/v1/studies").status_code == 200


def test_every_endpoint_bounds_its_body_for_authenticated_callers(
        server: LiveCollector, admin: str) -> None:
    pid = _pid(server)
    dev = server.enroll(server.study)
    before = memory_kib(pid)["VmHWM"]
    for token, path in ((admin, "/api/v1/studies"), (dev["device_token"], "/api/v1/agent/heartbeat"),
                        (dev["device_token"], "/api/v1/events")):
        for chunked in (False, True):
            outcome = stream_request(server.port, "POST", path,
                                     {"Authorization": f"Bearer {token}",
                                      "Content-Type": "application/json"},
                                     ATTACK_BYTES, chunked=chunked)
            assert outcome.status == 413, (path, chunked, outcome)
    growth = memory_kib(pid)["VmHWM"] - before
    assert growth < RSS_GROWTH_LIMIT_KIB, f"peak RSS grew {growth} KiB"


def test_upload_is_spooled_only_after_auth_and_within_the_limit(
        server: LiveCollector, admin: str, tmp_path: Path) -> None:
    study = _study_id(server, admin)
    spool = server.workdir / "spool"
    path = f"/api/v1/studies/{study}/imports"
    head = (b'--xyz\r\nContent-Disposition: form-data; name="file"; filename="log.csv"\r\n'
            b"Content-Type: text/csv\r\n\r\ncase,activity,timestamp\r\n")
    seen_files: list[int] = []
    stop = threading.Event()

    def watch() -> None:
        while not stop.is_set():
            seen_files.append(sum(f.stat().st_size for f in spool.rglob("*") if f.is_file()))
            time.sleep(0.01)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        no_token = stream_request(server.port, "POST", path,
                                  {"Content-Type": "multipart/form-data; boundary=xyz"},
                                  50 * MB, chunked=True, prefix=head, fill=b"a")
        over = stream_request(server.port, "POST", path,
                              {"Authorization": f"Bearer {admin}",
                               "Content-Type": "multipart/form-data; boundary=xyz"},
                              50 * MB, chunked=True, prefix=head, fill=b"a")
    finally:
        stop.set()
        watcher.join()
    assert no_token.status == 401
    assert over.status == 413, over
    limit = 5 * MB + MB  # max_upload_bytes plus the multipart slack
    assert max(seen_files) <= limit, f"spooled {max(seen_files)} bytes"
    assert not [f for f in spool.rglob("*") if f.is_file()], "temp files left behind"


# ---------------------------------------------------------------- rows 2 and 3: poisoned events


def _poisoned(kind: str) -> dict[str, Any]:
    """The bad event of each attack; values orjson cannot write (x = -2^63-1, deep
    nesting) are spliced in as text (``_splice``)."""
    name, _, size = kind.partition(":")
    if name == "seq":
        return {**wire_event(250), "seq": 2**63}
    if name == "x":
        return wire_event(250, x="PLACEHOLDER")
    if name == "ts":
        return wire_event(250, ts=2**62)
    if name == "wide":
        return wire_event(250, attrs={"list": list(range(int(size)))})
    if name == "big":
        return wire_event(250, attrs={"text": "x" * int(size)})
    return wire_event(250, attrs="PLACEHOLDER")


def _splice(kind: str) -> bytes:
    name, _, size = kind.partition(":")
    if name == "nested":
        return b'{"a":' * int(size) + b"1" + b"}" * int(size)
    return b"-9223372036854775809"


@pytest.mark.parametrize("kind", ["seq", "x", "ts", "nested:300", "nested:1000", "wide:200000",
                                  "big:20000"])
def test_one_poisoned_event_is_quarantined_and_its_499_neighbours_stored(
        server: LiveCollector, kind: str) -> None:
    dev = server.enroll(server.study)
    events = wire_batch(500)
    events[250] = bad = _poisoned(kind)
    body = orjson.dumps({"events": events}).replace(b'"PLACEHOLDER"', _splice(kind))
    with server.client(dev["device_token"]) as c:
        r = c.post("/api/v1/events", content=body, headers={"Content-Type": "application/json"})
    assert r.status_code == 200, r.text
    out = r.json()
    assert len(out["accepted"]) == 499
    assert [x["index"] for x in out["rejected"]] == [250]
    assert out["rejected"][0]["event_id"] == bad["event_id"]
    stored = {e["event_id"] for e in server.rows() if e["device_id"] == dev["device_id"]}
    assert stored == {e["event_id"] for i, e in enumerate(events) if i != 250}
    quarantined = _quarantine(server, dev["device_id"])
    assert [q.event_id for q in quarantined] == [bad["event_id"]]
    assert len(quarantined[0].payload) <= 65536


def test_nesting_past_the_json_parser_limit_is_a_400_and_quarantined(server: LiveCollector) -> None:
    """Past orjson's 1024 levels the body cannot be parsed at all: refused whole (400, not
    500), kept in the quarantine, and the server goes on."""
    dev = server.enroll(server.study)
    events = wire_batch(3)
    events[1] = wire_event(1, attrs="PLACEHOLDER")
    body = orjson.dumps({"events": events}).replace(b'"PLACEHOLDER"', _splice("nested:5000"))
    with server.client(dev["device_token"]) as c:
        r = c.post("/api/v1/events", content=body, headers={"Content-Type": "application/json"})
        assert r.status_code == 400 and "not valid JSON" in r.json()["detail"]
        assert c.post("/api/v1/events", json={"events": wire_batch(2, 10)}).status_code == 200
    assert [q.event_id for q in _quarantine(server, dev["device_id"])] == [None]


def test_gzip_bomb_to_events_is_refused_by_its_trailer_before_inflating(
        server: LiveCollector) -> None:
    dev = server.enroll(server.study)
    pid = _pid(server)
    before = memory_kib(pid)["VmHWM"]
    bomb = gzip.compress(b'{"events": [' + b" " * (500 * MB) + b"]}", compresslevel=1)
    headers = {"Content-Type": "application/json", "Content-Encoding": "gzip"}
    with server.client(dev["device_token"]) as c:
        r = c.post("/api/v1/events", content=bomb, headers=headers)
        assert r.status_code == 413 and "decoded body" in r.json()["detail"]
        assert (memory_kib(pid)["VmHWM"] - before) < RSS_GROWTH_LIMIT_KIB
        # a trailer that understates the size is not valid gzip (zlib checks it): 400
        packed = bytearray(gzip.compress(orjson.dumps({"events": wire_batch(300)})))
        packed[-4:] = (100).to_bytes(4, "little")
        r = c.post("/api/v1/events", content=bytes(packed), headers=headers)
        assert r.status_code == 400 and "not valid gzip" in r.json()["detail"]
        ok = c.post("/api/v1/events", json={"events": wire_batch(3)}, headers={})
    assert ok.status_code == 200


def test_concurrent_big_attrs_bodies_stay_within_memory_bound(server: LiveCollector) -> None:
    """Row 2 scaled: 16 concurrent bodies of ~8 MiB, each one event with a huge attrs list;
    bodies in memory at once are capped, so the peak does not grow with the count."""
    dev = server.enroll(server.study)
    pid = _pid(server)
    before = memory_kib(pid)["VmHWM"]
    # one million distinct 7-digit numbers: "1234567," ≈ 8 MB of JSON
    ev = wire_event(1, attrs={"list": list(range(1_000_000, 2_000_000))})
    body = orjson.dumps({"events": [ev]})
    assert 7 * MB < len(body) < 8 * MB
    results: list[int] = []

    def attack() -> None:
        with httpx.Client(base_url=server.url, timeout=120,
                          headers={"Authorization": f"Bearer {dev['device_token']}"}) as c:
            results.append(c.post("/api/v1/events", content=body,
                                  headers={"Content-Type": "application/json"}).status_code)

    threads = [threading.Thread(target=attack) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [200] * 16
    growth_mb = (memory_kib(pid)["VmHWM"] - before) / 1024
    print(f"16 concurrent 8 MiB attrs bodies: peak RSS growth {growth_mb:.0f} MB")
    # Unbounded, each body costs ~8 MiB raw + ~50 MB of parsed ints: 16 at once ≈ 900 MB.
    assert growth_mb < 450
    assert all(q.reason.startswith("attrs hold more than") for q in _quarantine(server, dev["device_id"]))


# ---------------------------------------------------------------- event id of another device


def test_event_id_of_another_device_is_refused_and_quarantined(server: LiveCollector) -> None:
    first, second = server.enroll(server.study, "ws-a"), server.enroll(server.study, "ws-b")
    taken = wire_event(1)
    with server.client(first["device_token"]) as c:
        assert c.post("/api/v1/events", json={"events": [taken]}).json()["accepted"] == [taken["event_id"]]
    mine = wire_batch(2, start_seq=5)
    with server.client(second["device_token"]) as c:
        r = c.post("/api/v1/events", json={"events": [mine[0], {**taken, "seq": 7}, mine[1]]})
    assert r.status_code == 200
    assert r.json()["accepted"] == [mine[0]["event_id"], mine[1]["event_id"]]
    assert r.json()["rejected"] == [{"event_id": taken["event_id"], "index": 1,
                                     "reason": r.json()["rejected"][0]["reason"]}]
    assert "event_id belongs to another device" in r.json()["rejected"][0]["reason"]
    rows = [e for e in server.rows() if e["event_id"] == taken["event_id"]]
    assert [e["device_id"] for e in rows] == [first["device_id"]]
    assert [q.event_id for q in _quarantine(server, second["device_id"])] == [taken["event_id"]]


# ---------------------------------------------------------------- docs, headers


def test_api_docs_are_off_and_the_spec_is_for_admins(server: LiveCollector, admin: str) -> None:
    with server.client() as c:
        anon = [c.get(path) for path in ("/openapi.json", "/docs", "/redoc")]
    assert [r.status_code for r in anon] == [401] * 3
    assert anon[0].headers["www-authenticate"] == "Bearer"
    with server.client(admin) as c:
        assert c.get("/docs").status_code == 404  # no Swagger UI (it loads from a CDN)
        assert c.get("/redoc").status_code == 404
        spec = c.get("/openapi.json")
    assert spec.status_code == 200 and "/api/v1/events" in spec.json()["paths"]


def test_security_headers(server: LiveCollector, admin: str) -> None:
    token = server.enrollment_token()
    with server.client() as c:
        ok = c.post("/api/v1/agent/enroll", json={"enrollment_token": token, "hostname": "h"})
        again = c.post("/api/v1/agent/enroll", json={"enrollment_token": token, "hostname": "h"})
        missing = c.get("/api/v1/studies")
    assert ok.status_code == 200 and ok.headers["cache-control"] == "no-store"
    assert again.status_code == 401 and again.headers["www-authenticate"] == "Bearer"
    for r in (ok, again, missing):
        assert r.headers["x-content-type-options"] == "nosniff"
    with server.client(admin) as c:
        study = _study_id(server, admin)
        created = c.post(f"/api/v1/studies/{study}/enrollment-tokens", json={})
    assert created.status_code == 201 and created.headers["cache-control"] == "no-store"


# ---------------------------------------------------------------- revocation, failed-auth limit


def test_admin_and_enrolment_tokens_can_be_revoked(server: LiveCollector, admin: str) -> None:
    victim = server.admin("admin", "token", "--label", "to-revoke").strip().splitlines()[-1]
    listing = server.admin("admin", "token", "list")
    token_id = next(line.split()[0] for line in listing.splitlines() if line.endswith("to-revoke"))
    with server.client(victim) as c:
        assert c.get("/api/v1/studies").status_code == 200
    out = server.admin("admin", "token", "revoke", token_id)
    assert f"revoked admin token {token_id}" in out
    with server.client(victim) as c:
        assert c.get("/api/v1/studies").status_code == 401
    # the API equivalent, on a second token
    other = server.admin("admin", "token", "--label", "api-revoke").strip().splitlines()[-1]
    with server.client(admin) as c:
        listed = c.get("/api/v1/admin-tokens").json()
        other_id = next(t["id"] for t in listed if t["label"] == "api-revoke")
        assert c.delete(f"/api/v1/admin-tokens/{other_id}").status_code == 204
        assert next(t for t in c.get("/api/v1/admin-tokens").json() if t["id"] == other_id)["revoked"]
    with server.client(other) as c:
        assert c.get("/api/v1/studies").status_code == 401
    # enrolment tokens: CLI and API
    study = _study_id(server, admin)
    for how in ("cli", "api"):
        enrol = server.enrollment_token()
        tokens = server.admin("device", "token", "list", "--study", server.study).splitlines()[1:]
        enrol_id = int(tokens[-1].split()[0])
        if how == "cli":
            server.admin("device", "token", "revoke", str(enrol_id), "--study", server.study)
        else:
            with server.client(admin) as c:
                assert c.delete(f"/api/v1/studies/{study}/enrollment-tokens/{enrol_id}").status_code == 204
        with server.client() as c:
            r = c.post("/api/v1/agent/enroll", json={"enrollment_token": enrol, "hostname": "h"})
        assert r.status_code == 401, (how, r.text)
    missing = run_cli(server.db, "admin", "token", "revoke", "99999", check=False, env=server.env)
    assert missing.returncode == 2 and "no such admin token" in missing.stderr


def test_failed_authentication_is_rate_limited_per_address(tmp_path: Path) -> None:
    srv = LiveCollector(None, tmp_path, env={"TASKLOOM_AUTH_FAIL_BURST": "5",
                                             "TASKLOOM_AUTH_FAIL_PER_S": "0.5"}).start()
    try:
        good = srv.admin("admin", "token").strip().splitlines()[-1]
        with srv.client("tla_wrong") as c:
            codes = [c.get("/api/v1/studies").status_code for _ in range(8)]
            limited = c.get("/api/v1/studies")
        assert codes[:5] == [401] * 5 and codes[5:] == [429] * 3
        assert limited.status_code == 429 and int(limited.headers["retry-after"]) >= 1
        with srv.client(good) as c:  # a valid token from the same address still passes
            assert c.get("/api/v1/studies").status_code == 200
        with srv.client() as c:  # enrolment tokens are guessed in the body: refused while over
            enrol = c.post("/api/v1/agent/enroll", json={"enrollment_token": "tle_x", "hostname": "h"})
        assert enrol.status_code == 429 and "retry-after" in enrol.headers
        time.sleep(int(limited.headers["retry-after"]) + 0.5)
        with srv.client("tla_wrong") as c:  # refilled: a failure is a 401 again
            assert c.get("/api/v1/studies").status_code == 401
        # another address has a bucket of its own; failed enrolments count as failures
        other = httpx.HTTPTransport(local_address="127.0.0.2")
        with httpx.Client(base_url=srv.url, transport=other, timeout=30) as c:
            wrong = [c.post("/api/v1/agent/enroll", json={"enrollment_token": "tle_x",
                                                          "hostname": "h"}).status_code
                     for _ in range(8)]
        assert wrong[:5] == [401] * 5 and wrong[-1] == 429, wrong
    finally:
        srv.stop()


# ---------------------------------------------------------------- row 4: connections


def _slow_socket(port: int) -> socket.socket:
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    s.sendall(b"GET /api/v1/studies HTTP/1.1\r\nHost: x\r\nX-Slow: ")  # never finishes
    return s


def test_slow_headers_are_cut_and_valid_requests_keep_being_answered(tmp_path: Path) -> None:
    cap = 60
    srv = LiveCollector(None, tmp_path, env={"TASKLOOM_HEADER_TIMEOUT_S": "3",
                                             "TASKLOOM_MAX_CONNECTIONS": str(cap)}).start()
    pid = _pid(srv)
    token = srv.admin("admin", "token").strip().splitlines()[-1]
    socks: list[socket.socket] = []
    try:
        base_fds = open_fds(pid)
        started = time.monotonic()
        socks += [_slow_socket(srv.port) for _ in range(cap + 40)]  # more than the cap
        time.sleep(0.3)
        assert open_fds(pid) <= base_fds + cap + 5  # sockets stay bounded
        with srv.client(token) as c:  # a valid request still gets in, at once
            assert c.get("/api/v1/studies").status_code == 200
        assert time.monotonic() - started < 3, "answered only after the header timeout"
        # the connections that waited longest made room: closed with a 408
        evicted = 0
        for s in socks[:50]:
            s.settimeout(1)
            with contextlib.suppress(TimeoutError, ConnectionResetError):
                evicted += s.recv(100).startswith(b"HTTP/1.1 408")
        assert evicted >= 40
        # and the header timeout closes the rest
        time.sleep(3.5)
        assert open_fds(pid) <= base_fds + 5
        with srv.client(token) as c:
            assert c.get("/api/v1/studies").status_code == 200
    finally:
        for s in socks:
            s.close()
        srv.stop()
    # the log does not grow with the attack: repeated lines are rate-limited
    assert srv.log_path.read_text().count("closed the one idle longest") <= 6


def test_new_connections_get_a_clean_503_when_every_slot_is_busy(tmp_path: Path) -> None:
    cap = 5
    srv = LiveCollector(None, tmp_path, env={"TASKLOOM_MAX_CONNECTIONS": str(cap)})
    srv.setup_study()
    srv.start()
    dev = srv.enroll(srv.study)
    busy: list[socket.socket] = []
    try:
        for _ in range(cap):  # requests whose bodies are still coming: busy, not idle
            s = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
            s.sendall(f"POST /api/v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                      f"{dev['device_token']}\r\nContent-Length: 1000\r\n\r\n{{".encode())
            busy.append(s)
        time.sleep(0.3)
        extra = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
        extra.settimeout(5)
        assert extra.recv(100).startswith(b"HTTP/1.1 503")
        assert extra.recv(100) == b""  # and closed
        extra.close()
    finally:
        for s in busy:
            s.close()
    with srv.client(dev["device_token"]) as c:  # the slots free as the busy ones go
        assert c.get("/api/v1/agent/policy").status_code == 200
    srv.stop()


def test_byte_a_second_headers_cannot_extend_the_timeout(tmp_path: Path) -> None:
    srv = LiveCollector(None, tmp_path, env={"TASKLOOM_HEADER_TIMEOUT_S": "1.5"}).start()
    try:
        s = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
        s.sendall(b"GET /api/v1/studies HTTP/1.1\r\nHost: x\r\n")
        started = time.monotonic()
        answer = b""
        try:
            for _ in range(10):
                s.sendall(b"X")
                s.settimeout(0.5)
                try:
                    answer = s.recv(100)
                    break
                except TimeoutError:
                    continue
        except (BrokenPipeError, ConnectionResetError):
            pass
        assert answer.startswith(b"HTTP/1.1 408"), answer
        assert time.monotonic() - started < 3
        s.close()
    finally:
        srv.stop()


def test_a_trickled_body_is_cut_at_the_body_timeout(tmp_path: Path) -> None:
    """Enrol needs no token, so its body is the one an outsider can trickle: 408."""
    srv = LiveCollector(None, tmp_path, env={"TASKLOOM_BODY_TIMEOUT_S": "1.5"}).start()
    try:
        s = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
        s.sendall(b"POST /api/v1/agent/enroll HTTP/1.1\r\nHost: x\r\n"
                  b"Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{")
        started = time.monotonic()
        answer = b""
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            for _ in range(20):
                s.sendall(b" ")
                s.settimeout(0.5)
                try:
                    answer = s.recv(200)
                    break
                except TimeoutError:
                    continue
        s.close()
        assert answer.startswith(b"HTTP/1.1 408"), answer
        assert time.monotonic() - started < 4
    finally:
        srv.stop()

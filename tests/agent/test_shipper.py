"""Shipping through the transport seam (agent/shipper.py, agent/client.py)."""

from __future__ import annotations

import gzip
import json
import random
import threading
import uuid

import pytest

from taskloom.agent.client import CollectorClient, retry_after_seconds
from taskloom.agent.protocol import EVENTS_PATH
from taskloom.agent.shipper import Backoff, Shipper
from taskloom.agent.spool import Spool
from taskloom.agent.transport import FunctionTransport, Request, TransportError
from tests.agent.factories import MemoryCollector, json_response


def _fill(spool: Spool, n: int) -> list[str]:
    ids = []
    events = []
    for _ in range(n):
        eid = str(uuid.uuid4())
        ids.append(eid)
        events.append({"event_id": eid, "seq": spool.next_seq(), "kind": "click",
                       "ts": "2026-11-23T01:00:00.000Z", "attrs": {}})
    spool.append(events)
    return ids


def _shipper(spool: Spool, collector: MemoryCollector, **kw: object) -> Shipper:
    client = CollectorClient(FunctionTransport(collector), device_token="tok-123")
    return Shipper(spool, client, backoff=Backoff(rng=random.Random(1)), **kw)  # type: ignore[arg-type]


def test_batches_of_500_gzip_and_bearer_token(spool: Spool) -> None:
    collector = MemoryCollector()
    ids = _fill(spool, 1200)
    shipper = _shipper(spool, collector)
    sizes = []
    while spool.depth():
        result = shipper.ship_once()
        sizes.append(result.acknowledged)
    assert sizes == [500, 500, 200]
    sent = [r for r in collector.requests if r.path == EVENTS_PATH]
    assert all(r.headers["Authorization"] == "Bearer tok-123" for r in sent)
    assert all(r.headers["Content-Encoding"] == "gzip" for r in sent)
    assert len(json.loads(gzip.decompress(sent[0].body))["events"]) == 500
    assert set(collector.stored) == set(ids)
    assert spool.get("last_send_ms") is not None and spool.get("sent_total") == "1200"


def test_events_leave_the_spool_only_when_acknowledged(spool: Spool) -> None:
    ids = _fill(spool, 10)

    def partial(request: Request) -> object:
        return json_response(200, {"accepted": ids[:3],
                                   "rejected": [{"event_id": ids[3], "index": 3, "reason": "bad"}]})

    collector = MemoryCollector(fault=partial)  # type: ignore[arg-type]
    result = _shipper(spool, collector).ship_once()
    assert result.acknowledged == 4
    assert [e.event_id for e in spool.all_events()] == ids[4:]


def test_429_retry_after_is_honoured_and_nothing_is_lost(spool: Spool) -> None:
    _fill(spool, 5)
    busy = MemoryCollector(fault=lambda r: json_response(429, {"detail": "slow down"}, retry_after="7"))
    result = _shipper(spool, busy).ship_once()
    assert result.acknowledged == 0 and result.delay_s == 7.0
    assert spool.depth() == 5
    assert "429" in (spool.get("last_error") or "")


def test_503_backs_off_exponentially_with_jitter_and_a_cap(spool: Spool) -> None:
    _fill(spool, 5)
    down = MemoryCollector(fault=lambda r: json_response(503))
    shipper = _shipper(spool, down)
    shipper.backoff = Backoff(base_s=1, cap_s=8, rng=random.Random(3))
    delays = [shipper.ship_once().delay_s for _ in range(7)]
    for attempt, delay in enumerate(delays):
        ceiling = min(8, 2 ** attempt)
        assert ceiling / 2 <= delay <= ceiling
    assert len(set(delays[-3:])) == 3  # jittered, not a fixed schedule
    assert spool.depth() == 5


def test_retry_after_http_date() -> None:
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412470.0) == 10.0
    assert retry_after_seconds("garbage") is None


def test_connection_refused_keeps_everything(spool: Spool) -> None:
    _fill(spool, 3)

    def refused(request: Request) -> object:
        raise TransportError("ConnectError: [Errno 111] Connection refused")

    result = _shipper(spool, MemoryCollector(fault=refused)).ship_once()  # type: ignore[arg-type]
    assert result.error and "unreachable" in result.error
    assert spool.depth() == 3


def test_401_stops_shipping_and_says_revoked(spool: Spool) -> None:
    _fill(spool, 3)
    revoked = MemoryCollector(fault=lambda r: json_response(401, {"detail": "device revoked"}))
    seen: list[str] = []
    shipper = _shipper(spool, revoked, on_revoked=seen.append)
    result = shipper.ship_once()
    assert result.revoked and "revoked" in (spool.get("revoked") or "")
    assert seen and "re-enrol" in seen[0]
    calls = len(revoked.requests)
    assert shipper.ship_once().revoked and len(revoked.requests) == calls  # no more sends
    stop = threading.Event()
    shipper.run(stop)  # returns at once: a revoked agent does not spin
    assert spool.depth() == 3


def test_413_halves_the_batch(spool: Spool) -> None:
    _fill(spool, 40)
    collector = MemoryCollector()

    def too_big(request: Request) -> object:
        if request.path == EVENTS_PATH and len(json.loads(gzip.decompress(request.body))["events"]) > 10:
            return json_response(413, {"detail": "batch too large"})
        return None

    collector.fault = too_big  # type: ignore[assignment]
    shipper = _shipper(spool, collector, batch_max=40)
    for _ in range(20):
        if not spool.depth():
            break
        shipper.ship_once()
    assert spool.depth() == 0 and len(collector.stored) == 40


@pytest.mark.parametrize("wrong", [{"accepted": "nope"}, None])
def test_malformed_ack_removes_nothing(spool: Spool, wrong: object) -> None:
    _fill(spool, 2)
    collector = MemoryCollector(fault=lambda r: json_response(200, wrong) if wrong else
                                json_response(200, {"accepted": [str(uuid.uuid4())]}))
    _shipper(spool, collector).ship_once()
    assert spool.depth() == 2


def _body(request: Request) -> bytes:
    gzipped = request.headers.get("Content-Encoding") == "gzip"
    return gzip.decompress(request.body) if gzipped else request.body


def _contains(request: Request, event_id: str) -> bool:
    if request.path != EVENTS_PATH:
        return False
    events = json.loads(_body(request))["events"]
    return any(e["event_id"] == event_id for e in events)


def _ship_until_quiet(shipper: Shipper, rounds: int = 200) -> list[float]:
    """ship_once until a pass sends nothing and fails nothing; the delays it asked for."""
    delays = []
    for _ in range(rounds):
        result = shipper.ship_once()
        delays.append(result.delay_s)
        if not result.acknowledged and not result.error:
            break
    return delays


def test_poisoned_event_is_split_out_and_its_neighbours_delivered(spool: Spool) -> None:
    ids = _fill(spool, 40)
    poison = ids[17]
    collector = MemoryCollector()
    collector.fault = lambda r: json_response(500) if _contains(r, poison) else None  # type: ignore[assignment]
    shipper = _shipper(spool, collector, batch_max=40)
    _ship_until_quiet(shipper)
    assert set(collector.stored) == set(ids) - {poison}
    assert max(collector.deliveries.values()) == 1  # nothing stored twice
    assert [e.event_id for e in spool.all_events()] == [poison]  # kept, never deleted
    assert spool.held() == 1 and spool.get("held_total") == "1"
    # The collector is fixed; when the hold ends the event goes out like any other.
    collector.fault = None
    spool.release(poison)
    _ship_until_quiet(shipper)
    assert spool.depth() == 0 and poison in collector.stored and spool.held() == 0


def test_poisoned_first_event_does_not_stall_the_queue(spool: Spool) -> None:
    ids = _fill(spool, 500)
    collector = MemoryCollector()
    collector.fault = lambda r: json_response(500) if _contains(r, ids[0]) else None  # type: ignore[assignment]
    shipper = _shipper(spool, collector)
    _ship_until_quiet(shipper, rounds=400)
    assert len(collector.stored) == 499 and spool.depth() == 1
    failed = sum(1 for r in collector.requests if _contains(r, ids[0]))
    assert failed <= 3 * 10  # SPLIT_AFTER tries per halving: log2(500) levels, not forever


def test_collector_failing_for_every_event_holds_nothing(spool: Spool) -> None:
    ids = _fill(spool, 8)
    down = MemoryCollector(fault=lambda r: json_response(500))
    shipper = _shipper(spool, down, batch_max=8)
    for _ in range(40):
        shipper.ship_once()
    # It tried one event alone at most once before seeing that the rest fails too.
    assert [e.event_id for e in spool.peek(100)] == ids
    assert spool.held() == 0 and spool.get("held_total") is None
    assert shipper.backoff.failures > 10  # plain backoff again, not a reset per split


def test_retry_after_503_is_overload_not_poison(spool: Spool) -> None:
    _fill(spool, 8)
    busy = MemoryCollector(fault=lambda r: json_response(503, retry_after="2"))
    shipper = _shipper(spool, busy, batch_max=8)
    for _ in range(10):
        shipper.ship_once()
    sizes = {len(json.loads(_body(r))["events"]) for r in busy.requests}
    assert sizes == {8} and spool.held() == 0

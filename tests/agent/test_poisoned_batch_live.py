"""A batch the collector keeps failing on (5xx) must not stall a device's queue: the
shipper splits it until the one poisoned event is alone, holds that event in the spool
and delivers its neighbours to a real `taskloom serve` — nothing lost, nothing twice."""

from __future__ import annotations

import gzip
import json
import random
import uuid

from taskloom.agent.client import CollectorClient
from taskloom.agent.protocol import EVENTS_PATH
from taskloom.agent.shipper import Backoff, Shipper
from taskloom.agent.spool import Spool
from taskloom.agent.transport import FunctionTransport, HttpxTransport, Request, Response
from tests.support.collector import LiveCollector


def _body(request: Request) -> bytes:
    gzipped = request.headers.get("Content-Encoding") == "gzip"
    return gzip.decompress(request.body) if gzipped else request.body


def test_poisoned_event_behind_a_failing_proxy(collector: LiveCollector, spool: Spool) -> None:
    device = collector.enroll(collector.study, hostname="ws-poison")
    events = [{"event_id": str(uuid.uuid4()), "seq": spool.next_seq(), "kind": "click",
               "device_id": device["device_id"], "ts": "2026-11-23T01:00:00.000Z",
               "app": "ehr", "attrs": {}} for _ in range(120)]
    spool.append(events)
    poison = events[61]["event_id"]
    real = HttpxTransport(collector.url)
    seen_poison = 0

    def proxy(request: Request) -> Response:
        # A proxy in front of the collector that answers 500 to any batch holding the
        # poisoned event (as a collector bug or a WAF rule would); the rest goes through.
        nonlocal seen_poison
        if request.path == EVENTS_PATH:
            batch = json.loads(_body(request))["events"]
            if any(e["event_id"] == poison for e in batch):
                seen_poison += 1
                return Response(500, {"content-type": "application/json"},
                                b'{"detail": "internal error"}')
        return real.handle(request)

    client = CollectorClient(FunctionTransport(proxy), device_token=device["device_token"])
    shipper = Shipper(spool, client, batch_max=100, backoff=Backoff(rng=random.Random(2)))
    try:
        for _ in range(100):
            result = shipper.ship_once()
            if not result.acknowledged and not result.error:
                break
        delivered = collector.delivered()
        assert set(delivered) == {e["event_id"] for e in events} - {poison}
        assert set(delivered.values()) == {1}  # nothing stored twice
        assert [e.event_id for e in spool.all_events()] == [poison] and spool.held() == 1
        assert seen_poison <= 3 * 8
        spool.release(poison)  # the hold ends and the proxy no longer fails: it goes out
        seen = seen_poison
        shipper.client = CollectorClient(real, device_token=device["device_token"])
        assert shipper.ship_once().acknowledged == 1 and seen_poison == seen
        assert collector.delivered()[poison] == 1 and spool.depth() == 0
    finally:
        real.close()

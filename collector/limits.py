"""Request limits of the ingest API (OWASP API4): sizes, per-device rate, timeouts.

Plain data and one token bucket; the server fills ``Limits`` from its settings.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

from taskloom.agent.protocol import MAX_BATCH_EVENTS, MAX_BODY_BYTES


@dataclass(frozen=True, slots=True)
class Limits:
    """What one request may cost. Defaults follow agent.protocol's published bounds."""

    max_body_bytes: int = MAX_BODY_BYTES        # after gzip decoding; 413 above
    max_batch_events: int = MAX_BATCH_EVENTS    # 413 above
    rate_per_s: float = 20.0                    # requests per second per device (refill)
    rate_burst: float = 40.0                    # bucket size
    body_timeout_s: float = 30.0                # reading a request body; 408 after
    max_upload_bytes: int = 512 * 1024 * 1024   # system-log uploads (and their inflated size)
    max_json_bytes: int = 1024 * 1024           # any other request body (admin, console, enrol)
    max_body_memory_bytes: int = 4 * MAX_BODY_BYTES  # /events bodies in memory at once (bytes)
    max_attrs_bytes: int = 16 * 1024            # one event's attrs as JSON; quarantined above
    max_attrs_depth: int = 16                   # nesting of one event's attrs
    max_attrs_items: int = 1000                 # values (list items, map entries) in attrs
    auth_fail_per_s: float = 1.0                # failed authentications per client address:
    auth_fail_burst: float = 30.0               # refill rate and bucket; 429 when empty
    header_timeout_s: float = 10.0              # a request's headers must arrive within this
    max_connections: int = 2000                 # open connections; new ones closed above


#: Integers the store keeps are 64-bit signed on every backend.
INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1


class ByteBudget:
    """Bytes of request bodies the server holds at once (an asyncio byte semaphore).

    ``hold(n)`` waits until ``n`` bytes are free; a holder that finds it needs more (a
    gzip body inflates) lets go and waits for the larger amount, so two holders can
    never wait on each other. A request never asks for more than the whole budget.
    """

    def __init__(self, total: int) -> None:
        self.total = max(1, total)
        self.free = self.total
        self._changed = asyncio.Condition()

    async def _take(self, n: int) -> int:
        n = max(0, min(n, self.total))
        async with self._changed:
            await self._changed.wait_for(lambda: self.free >= n)
            self.free -= n
        return n

    async def _give(self, n: int) -> None:
        async with self._changed:
            self.free += n
            self._changed.notify_all()

    @contextlib.asynccontextmanager
    async def hold(self, n: int) -> AsyncIterator[Callable[[int], Awaitable[None]]]:
        """Hold ``n`` bytes for the block; it gets ``grow(m)`` to hold ``m`` instead."""
        held = await self._take(n)

        async def grow(m: int) -> None:
            nonlocal held
            if m > held:
                await self._give(held)
                held = 0
                held = await self._take(m)

        try:
            yield grow
        finally:
            await self._give(held)


class TokenBuckets:
    """One token bucket per key (a device id): ``take`` returns 0 or seconds to wait.

    Used from the event loop thread only, so it needs no lock. Idle buckets are dropped
    once they would be full again, so the map stays as small as the active fleet.
    """

    def __init__(self, rate_per_s: float, burst: float) -> None:
        self.rate = float(rate_per_s)
        self.burst = max(1.0, float(burst))
        self._buckets: dict[str, tuple[float, float]] = {}
        self._last_sweep = time.monotonic()

    def take(self, key: str, cost: float = 1.0) -> float:
        now = time.monotonic()
        tokens, stamp = self._buckets.get(key, (self.burst, now))
        tokens = min(self.burst, tokens + (now - stamp) * self.rate)
        if tokens >= cost:
            self._buckets[key] = (tokens - cost, now)
            self._sweep(now)
            return 0.0
        self._buckets[key] = (tokens, now)
        return (cost - tokens) / self.rate if self.rate > 0 else math.inf

    def wait(self, key: str, cost: float = 1.0) -> float:
        """Seconds until ``take(key, cost)`` would succeed (0 now), without taking."""
        entry = self._buckets.get(key)
        if entry is None:
            return 0.0
        tokens, stamp = entry
        tokens = min(self.burst, tokens + (time.monotonic() - stamp) * self.rate)
        if tokens >= cost:
            return 0.0
        return (cost - tokens) / self.rate if self.rate > 0 else math.inf

    def _sweep(self, now: float) -> None:
        if now - self._last_sweep < 60 or self.rate <= 0:
            return
        self._last_sweep = now
        full_after = self.burst / self.rate
        for key, (_, stamp) in list(self._buckets.items()):
            if now - stamp > full_after:
                del self._buckets[key]

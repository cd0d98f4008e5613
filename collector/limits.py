"""Request limits of the ingest API (OWASP API4): sizes, per-device rate, timeouts.

Plain data and one token bucket; the server fills ``Limits`` from its settings.
"""

from __future__ import annotations

import math
import time
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
    max_upload_bytes: int = 512 * 1024 * 1024   # system-log uploads


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

    def _sweep(self, now: float) -> None:
        if now - self._last_sweep < 60 or self.rate <= 0:
            return
        self._last_sweep = now
        full_after = self.burst / self.rate
        for key, (_, stamp) in list(self._buckets.items()):
            if now - stamp > full_after:
                del self._buckets[key]

"""Ships spooled events to the collector: batches, backoff, acknowledgements.

Events leave the spool only when the collector acknowledges them (accepted, or rejected
and quarantined). On a failure nothing is removed; the batch is retried after an
exponential backoff with jitter and a cap, or after the collector's Retry-After. A 401
means the device was revoked: shipping stops and the state says so.

A batch the collector keeps failing on (a 5xx other than 503 "busy", without
Retry-After, SPLIT_AFTER times in a row) is split in half, and again, so one event the collector cannot take ("poisoned")
never stalls the queue: alone, it is put on hold in the spool (never deleted) and the
events behind it go out; it is retried when the hold ends. If the events without it fail
too, the collector is failing as a whole: the hold is lifted and plain backoff resumes.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from taskloom.agent.client import CollectorClient, CollectorError, RetryLater, Revoked
from taskloom.agent.spool import Spool, SpooledEvent
from taskloom.agent.transport import TransportError

log = logging.getLogger(__name__)

BATCH_MAX = 500
BATCH_WAIT_S = 5.0
#: Consecutive 5xx answers (without Retry-After) to one batch before it is split in half.
SPLIT_AFTER = 3
#: How long an event the collector fails on alone waits aside (doubling per hold, capped).
HOLD_BASE_S = 600.0
HOLD_CAP_S = 24 * 3600.0


@dataclass(slots=True)
class Backoff:
    """Exponential backoff with "equal jitter" (half fixed, half random) and a cap."""

    base_s: float = 1.0
    cap_s: float = 300.0
    factor: float = 2.0
    rng: random.Random | None = None
    failures: int = 0

    def next_delay(self) -> float:
        ceiling = min(self.cap_s, self.base_s * self.factor ** min(self.failures, 32))
        self.failures += 1
        rng = self.rng or random
        return ceiling / 2 + rng.uniform(0, ceiling / 2)

    def reset(self) -> None:
        self.failures = 0


@dataclass(frozen=True, slots=True)
class ShipResult:
    """What one attempt did: events acknowledged, and how long to wait before the next."""

    acknowledged: int
    delay_s: float
    revoked: bool = False
    error: str | None = None


class Shipper:
    """Sends the spool's oldest events in batches until it is empty or the collector fails."""

    def __init__(self, spool: Spool, client: CollectorClient, batch_max: int = BATCH_MAX,
                 batch_wait_s: float = BATCH_WAIT_S, backoff: Backoff | None = None,
                 on_revoked: Callable[[str], None] | None = None) -> None:
        self.spool = spool
        self.client = client
        self.batch_max = batch_max
        self.batch_wait_s = batch_wait_s
        self.backoff = backoff or Backoff()
        self.on_revoked = on_revoked
        self.wake = threading.Event()
        self._size = batch_max
        self._strikes = 0  # consecutive server errors at the current batch size
        self._probe: str | None = None  # the event held on suspicion, until the next answer
        self._failing = False  # the collector fails without the suspect too: no splitting
        self._suspects: set[str] = set()  # the last batch split; the size grows once all went

    def ship_once(self) -> ShipResult:
        """Send one batch (if any) and acknowledge what the collector took."""
        if self.spool.get("revoked"):
            return ShipResult(0, 0.0, revoked=True, error=self.spool.get("revoked"))
        batch = self.spool.peek(self._size)
        if not batch:
            return ShipResult(0, 0.0)
        try:
            ack = self.client.send_events([e.body for e in batch])
        except Revoked as exc:
            message = str(exc)
            log.error("shipping stopped: %s", message)
            self.spool.put("revoked", message)
            if self.on_revoked:
                self.on_revoked(message)
            return ShipResult(0, 0.0, revoked=True, error=message)
        except RetryLater as exc:
            if (exc.status or 0) >= 500 and exc.status != 503 and exc.retry_after_s is None:
                return self._server_error(exc, batch)
            delay = exc.retry_after_s if exc.retry_after_s is not None else self.backoff.next_delay()
            if exc.retry_after_s is not None:
                self.backoff.failures += 1
            return self._failed(f"{exc}; retrying in {delay:.1f}s", delay)
        except TransportError as exc:
            return self._failed(f"collector unreachable ({exc})", self.backoff.next_delay())
        except CollectorError as exc:
            if exc.status == 413 and self._size > 1:
                self._size = max(1, self._size // 2)
                return self._failed(f"{exc}; batch size now {self._size}", 0.0)
            return self._failed(str(exc), self.backoff.next_delay())
        sent_ids = {e.event_id for e in batch}
        acked = [i for i in ack.acknowledged() if i in sent_ids]
        removed = self.spool.ack(acked)
        if ack.rejected:
            reasons = sorted({str(r.get("reason", ""))[:80] for r in ack.rejected})
            log.warning("collector quarantined %d event(s): %s", len(ack.rejected), "; ".join(reasons))
        if len(acked) < len(batch):
            # The collector did not answer for every event: retry those (ids are idempotent).
            log.warning("collector acknowledged %d of %d events; the rest are retried",
                        len(acked), len(batch))
        self.backoff.reset()
        self._suspects.difference_update(acked)
        if not self._suspects:  # while bisecting, the batch keeps its size
            self._size = min(self.batch_max, self._size * 2)
        self._strikes = 0
        self._failing = False
        if self._probe is not None:
            log.error("event %s is on hold: the collector failed on it alone and took the "
                      "events after it; it stays in the spool and is retried later", self._probe)
            self.spool.add_counter("held_total", 1)
            self._probe = None
        self.spool.touch("last_send_ms")
        self.spool.add_counter("sent_total", removed)
        self.spool.put("last_error", None)
        more = self.spool.depth() >= self._size
        return ShipResult(removed, 0.0 if more or not acked else self.batch_wait_s)

    def _server_error(self, exc: RetryLater, batch: list[SpooledEvent]) -> ShipResult:
        """A 5xx (not 503) without Retry-After: back off; after SPLIT_AFTER in a row, halve the batch,
        and hold a single event the collector keeps failing on (module docstring)."""
        if self._probe is not None:
            # The batch without the suspect failed too: the collector itself is failing.
            self.spool.release(self._probe)
            self._probe = None
            self._failing = True
            self._size = self.batch_max
            self._strikes = 0
            self._suspects.clear()
            return self._failed(f"{exc}; the collector is failing", self.backoff.next_delay())
        self._strikes += 1
        if self._failing or self._strikes < SPLIT_AFTER:
            return self._failed(str(exc), self.backoff.next_delay())
        self._strikes = 0
        self.backoff.reset()  # a smaller batch is a new attempt
        if len(batch) > 1:
            self._size = (len(batch) + 1) // 2
            self._suspects = {e.event_id for e in batch}
            return self._failed(f"{exc}; batch size now {self._size}", self.backoff.next_delay())
        suspect = batch[0].event_id
        seconds = self.spool.hold(suspect, HOLD_BASE_S, HOLD_CAP_S)
        self._probe = suspect
        self._size = self.batch_max
        self._suspects.clear()
        return self._failed(f"{exc}; event {suspect} held for {seconds:.0f}s while the "
                            "events after it are sent", 0.0)

    def _failed(self, message: str, delay: float) -> ShipResult:
        log.warning("send failed: %s", message)
        self.spool.put("last_error", message[:500])
        return ShipResult(0, delay, error=message)

    def run(self, stop: threading.Event) -> None:
        """Ship until ``stop`` is set: full batches at once, partial ones every batch_wait_s."""
        delay = 0.0
        while not stop.is_set():
            if delay > 0:
                self.wake.clear()
                deadline = time.monotonic() + delay
                while not stop.is_set() and time.monotonic() < deadline:
                    # A failure delay is not cut short by new events; a batch wait is.
                    if self.wake.wait(min(0.5, max(deadline - time.monotonic(), 0))) and \
                            self.backoff.failures == 0:
                        break
                if stop.is_set():
                    break
            result = self.ship_once()
            if result.revoked:
                return
            delay = result.delay_s if (result.error or result.acknowledged) else self.batch_wait_s

    def flush(self, deadline_s: float) -> int:
        """Send what can be sent within ``deadline_s`` (used on SIGTERM); returns events sent."""
        end = time.monotonic() + deadline_s
        sent = 0
        while time.monotonic() < end:
            result = self.ship_once()
            sent += result.acknowledged
            if result.revoked or result.error or self.spool.depth() == 0:
                break
        return sent

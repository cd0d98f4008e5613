"""Connection-level defences for `taskloom serve` (uvicorn has no header timeout).

- ``guarded_protocol`` wraps uvicorn's HTTP protocol class: a request's headers must
  arrive within ``header_timeout_s`` of its first byte (else 408 and close), and a
  connection beyond ``max_connections`` open ones is answered 503 and closed at once,
  so a flood of idle sockets cannot use up the process's file descriptors.
- ``RateLimitedLog`` is a logging filter that lets each kind of message through a few
  times per window and then counts it, so an attack cannot fill the disk with tracebacks.
- ``connection_cap`` keeps the cap below the process's open-file limit.
"""

from __future__ import annotations

import asyncio
import logging
import resource
import time
from typing import Any

log = logging.getLogger("taskloom.serve")

_408 = b"HTTP/1.1 408 Request Timeout\r\nconnection: close\r\ncontent-length: 0\r\n\r\n"
_503 = (b"HTTP/1.1 503 Service Unavailable\r\nconnection: close\r\nretry-after: 1\r\n"
        b"content-length: 0\r\n\r\n")
#: File descriptors kept free for the database, log files and the listening socket.
FD_RESERVE = 64


def connection_cap(wanted: int) -> int:
    """``wanted``, lowered to what the open-file limit allows (after raising the soft
    limit to the hard one, as far as the OS lets us)."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and soft < hard:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
            soft = hard
        except (ValueError, OSError):
            pass
    if soft == resource.RLIM_INFINITY:
        return wanted
    return max(1, min(wanted, soft - FD_RESERVE))


def guarded_protocol(base: type[asyncio.Protocol], header_timeout_s: float,
                     max_connections: int) -> type[asyncio.Protocol]:
    """A subclass of uvicorn's ``base`` protocol with a header timeout and a connection cap.

    Works with uvicorn's h11 and httptools protocols alike: a request's headers are
    complete when the protocol starts a new ``cycle`` (its request/response state).
    """

    class Guarded(base):  # type: ignore[valid-type, misc]
        _refused = False
        _header_timer: asyncio.TimerHandle | None = None
        _seen_cycle: Any = None

        def connection_made(self, transport: Any) -> None:
            if len(self.connections) >= max_connections and not self._evict_one():
                self._refused = True
                self.transport = transport
                transport.write(_503)
                transport.close()
                log.warning("%d open connections, all busy: refused a new one", max_connections)
                return
            super().connection_made(transport)
            self._arm()

        def _evict_one(self) -> bool:
            """Make room by closing the connection that has waited longest for a request's
            headers (or sat idle between requests); False when every one is busy."""
            oldest: Any = None
            for other in self.connections:
                since = other._waiting_since() if isinstance(other, Guarded) else None
                if since is not None and (oldest is None or since < oldest[0]):
                    oldest = (since, other)
            if oldest is None:
                return False
            victim = oldest[1]
            victim._disarm()
            if victim.transport is not None and not victim.transport.is_closing():
                victim.transport.write(_408 if victim.cycle is None else b"")
                victim.transport.close()
            self.connections.discard(victim)
            log.warning("%d open connections: closed the one idle longest for a new one",
                        max_connections)
            return True

        def _waiting_since(self) -> float | None:
            """When this connection began waiting for headers, or None while it is busy
            with a request (reading its body, running it, answering)."""
            if self._header_timer is not None:
                return self._header_timer.when() - header_timeout_s
            cycle = self.cycle
            if cycle is not None and cycle.response_complete and not self.pipeline:
                return 0.0  # idle between requests: the first to go
            return None

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            if self._refused:
                return
            super().connection_lost(exc)

        def data_received(self, data: bytes) -> None:
            if self._refused:
                return
            if self._header_timer is None and (self.cycle is None or self.cycle.response_complete):
                self._arm()  # the first bytes of a next request on a kept-alive connection
            super().data_received(data)
            if self.cycle is not self._seen_cycle:  # this request's headers are complete
                self._seen_cycle = self.cycle
                self._disarm()

        def _arm(self) -> None:
            if self._header_timer is None:
                self._header_timer = asyncio.get_running_loop().call_later(
                    header_timeout_s, self._headers_too_slow)

        def _disarm(self) -> None:
            if self._header_timer is not None:
                self._header_timer.cancel()
                self._header_timer = None

        def _headers_too_slow(self) -> None:
            self._header_timer = None
            transport = self.transport
            if transport is not None and not transport.is_closing():
                log.info("request headers did not arrive within %g s: connection closed",
                         header_timeout_s)
                transport.write(_408)
                transport.close()

    Guarded.__name__ = Guarded.__qualname__ = f"Guarded{base.__name__}"
    return Guarded


class RateLimitedLog(logging.Filter):
    """Let each message template through ``burst`` times per ``window_s``; then count the
    rest and say how many were suppressed when the next window opens."""

    def __init__(self, burst: int = 5, window_s: float = 10.0) -> None:
        super().__init__()
        self.burst = burst
        self.window_s = window_s
        self._seen: dict[tuple[str, str], tuple[float, int]] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        key = (record.name, str(record.msg))
        now = time.monotonic()
        start, count = self._seen.get(key, (now, 0))
        if now - start >= self.window_s:
            if count > self.burst:
                record.msg = f"{record.msg} (and {count - self.burst} similar messages suppressed)"
            start, count = now, 0
        count += 1
        self._seen[key] = (start, count)
        if len(self._seen) > 1000:
            self._seen.clear()
        if count <= self.burst:
            return True
        if count == self.burst + 1:
            record.msg = f"{record.msg} (repeating; suppressed for {self.window_s:g} s)"
            record.exc_info = None
            record.exc_text = None
            return True
        return False


def install_log_limits(names: tuple[str, ...] = ("asyncio", "uvicorn.error", "uvicorn",
                                                 "taskloom.serve")) -> RateLimitedLog:
    """Attach one RateLimitedLog to the loggers an attack makes talk."""
    limiter = RateLimitedLog()
    for name in names:
        logger = logging.getLogger(name)
        if limiter not in logger.filters:
            logger.addFilter(limiter)
    return limiter

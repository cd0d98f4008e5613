"""``taskloom-agent run``: capture, spool and ship until SIGTERM.

Three threads: the hooks (pynput's own), the recorder (queue → spool) and the shipper
(spool → collector); the main thread watches consent, pause and study hours, refreshes
the policy and sends heartbeats. On SIGTERM/SIGINT capture stops, the typing burst in
progress is written, what can be sent within a few seconds is sent, and the process
exits 0. A revoked device token stops the agent with exit code 3 (service units do not
restart on it).
"""

from __future__ import annotations

import getpass
import logging
import signal
import threading
import time
from collections.abc import Callable
from typing import Any

from taskloom.agent import __version__, state
from taskloom.agent.capture import Backend, select_backend
from taskloom.agent.client import CollectorClient, CollectorError, Revoked
from taskloom.agent.config import AgentConfig, ConfigError, device_key, spool_path
from taskloom.agent.recorder import Recorder
from taskloom.agent.shipper import BATCH_MAX, Shipper
from taskloom.agent.spool import Spool
from taskloom.agent.transport import HttpxTransport, Transport, TransportError

log = logging.getLogger(__name__)

EXIT_REVOKED = 3
STATE_CHECK_S = 1.0
SHUTDOWN_FLUSH_S = 10.0


def load_policy(spool: Spool, client: CollectorClient) -> dict[str, Any]:
    """The policy from the collector (cached), or the cached one when it is unreachable."""
    try:
        return state.store_policy(spool, client.policy())
    except Revoked:
        raise
    except (TransportError, CollectorError) as exc:
        cached = state.cached_policy(spool)
        if cached is None:
            raise ConfigError(f"no policy: the collector is unreachable ({exc}) and none is "
                              "cached; start the agent once while the collector is up") from None
        log.warning("collector unreachable (%s); using the cached policy version %s",
                    exc, cached.get("version"))
        return cached


def heartbeat_info(spool: Spool, config: AgentConfig, policy: dict[str, Any], capturing: bool,
                   last_capture_ms: int | None = None) -> dict[str, Any]:
    """What a heartbeat reports: spool depth, events dropped because the spool was full
    (``dropped``: since installation; ``dropped_since_last``: since the last delivered
    heartbeat), pause, consent, last capture."""
    dropped_total = spool.dropped_total()
    reported = int(spool.get("dropped_reported", "0") or 0)
    until = state.paused_until(spool)
    return {
        "device_id": config.device_id,
        "ts": int(time.time() * 1000),
        "version": __version__,
        "agent_version": __version__,
        "policy_version": policy.get("version"),
        "spool_depth": spool.depth(),
        "spool_bytes": spool.bytes_used(),
        "spool_max_bytes": spool.max_bytes,
        "dropped": dropped_total,
        "dropped_total": dropped_total,
        "dropped_since_last": max(dropped_total - reported, 0),
        "last_capture": last_capture_ms,
        "sent_total": int(spool.get("sent_total", "0") or 0),
        "paused": until is not None,
        "consent": state.has_consent(spool, policy),
        "capturing": capturing,
    }


class Agent:
    """One running agent: wires spool, recorder, shipper and the capture backend."""

    def __init__(self, config: AgentConfig, *, transport: Transport | None = None,
                 backend: Backend | None = None, os_user: str | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.config = config
        self.spool = Spool(spool_path(), config.spool_max_bytes)
        self.transport = transport or HttpxTransport(config.collector, config.verify)
        self.client = CollectorClient(self.transport, config.device_token)
        self.backend = backend
        self.os_user = os_user or getpass.getuser()
        self.clock = clock
        self.stop = threading.Event()
        self.revoked: str | None = None
        self.shipper = Shipper(self.spool, self.client, on_revoked=self._on_revoked)
        self._written = 0
        self.recorder: Recorder | None = None
        self._policy: dict[str, Any] = {}  # the policy in force while running
        self._capturing = False

    def _on_revoked(self, message: str) -> None:
        self.revoked = message
        self.stop.set()

    def _on_written(self, count: int) -> None:
        self._written += count
        if self._written >= BATCH_MAX:
            self._written = 0
            self.shipper.wake.set()

    def _capture_wanted(self, policy: dict[str, Any]) -> tuple[bool, str]:
        if not state.has_consent(self.spool, policy):
            return False, "no_consent"
        if state.paused_until(self.spool) is not None:
            return False, "paused"
        if not state.in_study_hours(policy):
            return False, "outside_study_hours"
        return True, "capturing"

    def run(self) -> int:
        """Run until stopped; returns the process exit code."""
        if self.spool.get("revoked"):
            log.error("not starting: %s", self.spool.get("revoked"))
            return EXIT_REVOKED
        try:
            policy = load_policy(self.spool, self.client)
        except Revoked as exc:
            self.spool.put("revoked", str(exc))
            log.error("not starting: %s", exc)
            return EXIT_REVOKED
        recorder = self._start_recorder(policy)
        workers = _Workers(recorder, self.shipper)
        log.info("agent running (device %s, policy version %s, spool depth %d)",
                 self.config.device_id, policy.get("version"), self.spool.depth())
        self._policy, self._capturing = policy, False
        try:
            self._loop(recorder)
        finally:
            self._shut_down(recorder, workers)
        if self.revoked:
            log.error("stopped: %s", self.revoked)
            return EXIT_REVOKED
        return 0

    def _start_recorder(self, policy: dict[str, Any]) -> Recorder:
        """The recorder for this policy (screens when the policy asks), hooks started."""
        screens = None
        screen_key = None
        if self.backend is not None and self.backend.screens is not None and \
                (policy.get("screenshots") or {}).get("enabled"):
            screens = self.backend.screens()
            screen_key = device_key()
        self.recorder = recorder = Recorder(
            self.spool, policy, device_id=self.config.device_id, os_user=self.os_user,
            device_secret=device_key(), windows=self.backend.windows if self.backend else None,
            screens=screens, screen_key=screen_key, on_written=self._on_written)
        if self.backend is not None and self.backend.inputs is not None:
            self.backend.inputs.start(recorder)
        return recorder

    def _loop(self, recorder: Recorder) -> None:
        """Until stopped: capture on or off as consent, pause and study hours say; refresh
        the policy and send heartbeats when due."""
        last_reason = ""
        next_policy = self.clock() + float(self._policy.get("policy_refresh_s") or 900)
        next_beat = self.clock()
        while not self.stop.is_set():
            wanted, reason = self._capture_wanted(self._policy)
            if self.backend is None:
                wanted, reason = False, "ship_only"  # `run --capture none`
            if wanted != self._capturing:
                recorder.set_capturing(wanted, reason)
                self._capturing = wanted
                log.info("capture %s (%s)", "on" if wanted else "off", reason)
            elif reason != last_reason:
                log.info("capture off (%s)", reason)
            last_reason = reason
            now = self.clock()
            if now >= next_policy:
                next_policy = now + float(self._policy.get("policy_refresh_s") or 900)
                self._policy = self._refresh_policy(self._policy)
            if now >= next_beat:
                next_beat = now + float(self._policy.get("heartbeat_s") or 60)
                self._heartbeat(self._policy, self._capturing)
            self.stop.wait(STATE_CHECK_S)

    def _shut_down(self, recorder: Recorder, workers: _Workers) -> None:
        """Stop the hooks, mark the end of capture, drain the recorder, flush the spool
        (unless revoked), say goodbye with a heartbeat, and release the OS resources."""
        if self.backend is not None and self.backend.inputs is not None:
            self.backend.inputs.stop()
        if self._capturing:
            recorder.set_capturing(False, "revoked" if self.revoked else "shutdown")
        workers.stop()
        if not self.revoked:
            sent = self.shipper.flush(SHUTDOWN_FLUSH_S)
            self._heartbeat(self._policy, False)
            log.info("stopped: sent %d on the way out, %d left in the spool", sent, self.spool.depth())
        if self.backend is not None and self.backend.windows is not None:
            self.backend.windows.close()
        self.transport.close()

    def _refresh_policy(self, policy: dict[str, Any]) -> dict[str, Any]:
        try:
            fresh = state.store_policy(self.spool, self.client.policy())
        except Revoked as exc:
            self.spool.put("revoked", str(exc))
            self._on_revoked(str(exc))
            return policy
        except (TransportError, CollectorError) as exc:
            log.warning("policy refresh failed (%s); keeping version %s", exc, policy.get("version"))
            return policy
        if fresh != policy and self.recorder is not None:
            log.info("policy updated to version %s", fresh.get("version"))
            self.recorder.set_policy(fresh)
        return fresh

    def _heartbeat(self, policy: dict[str, Any], capturing: bool) -> None:
        last = self.recorder.last_capture_ms if self.recorder is not None else None
        info = heartbeat_info(self.spool, self.config, policy, capturing, last)
        try:
            self.client.heartbeat(info)
        except Revoked as exc:
            self.spool.put("revoked", str(exc))
            self._on_revoked(str(exc))
            return
        except (TransportError, CollectorError) as exc:
            log.info("heartbeat not delivered (%s)", exc)
            return
        self.spool.put("dropped_reported", str(info["dropped_total"]))
        self.spool.touch("last_heartbeat_ms")


class _Workers:
    """The recorder thread (pumps captured input into the spool) and the shipper thread."""

    def __init__(self, recorder: Recorder, shipper: Shipper) -> None:
        self.shipper = shipper
        self.rec_stop = threading.Event()
        self.ship_stop = threading.Event()

        def record_loop() -> None:
            while not self.rec_stop.is_set():
                recorder.pump(0.5)
            recorder.close()

        self.rec_thread = threading.Thread(target=record_loop, name="recorder", daemon=True)
        self.ship_thread = threading.Thread(target=shipper.run, args=(self.ship_stop,),
                                            name="shipper", daemon=True)
        self.rec_thread.start()
        self.ship_thread.start()

    def stop(self) -> None:
        """Drain and stop the recorder, then the shipper (waking it from its wait)."""
        self.rec_stop.set()
        self.rec_thread.join(10)
        self.ship_stop.set()
        self.shipper.wake.set()
        self.ship_thread.join(30)


def install_signal_handlers(stop: threading.Event) -> None:
    """SIGTERM and SIGINT stop the agent cleanly (flush, then exit 0)."""
    def handler(signum: int, _frame: Any) -> None:
        log.info("signal %d: stopping", signum)
        stop.set()

    signal.signal(signal.SIGTERM, handler)
    signal.signal(signal.SIGINT, handler)


def run_agent(capture: str = "auto") -> int:
    """The ``run`` command: load the config, pick the capture backend, run."""
    config = AgentConfig.load()
    backend: Backend | None = None
    if capture != "none":
        backend = select_backend()
    agent = Agent(config, backend=backend)
    install_signal_handlers(agent.stop)
    return agent.run()

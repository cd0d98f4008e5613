"""Fault tests, named after the fault, against a real collector (`taskloom serve`).

Events are captured through the recorder (the path the hooks use) into the agent's
spool; `taskloom-agent run --capture none` ships them. In each test every captured
event reaches the collector exactly once, or is counted as dropped when the spool
bound is hit.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from taskloom.agent.client import CollectorClient
from taskloom.agent.config import AgentConfig, spool_path
from taskloom.agent.shipper import Shipper
from taskloom.agent.spool import Spool
from taskloom.agent.transport import (
    FunctionTransport,
    HttpxTransport,
    Request,
    Response,
    TransportError,
)
from tests.agent.harness import AgentProcess
from tests.support.collector import LiveCollector
from tests.support.ports import wait_for

pytestmark = pytest.mark.slow


def _assert_exactly_once(collector: LiveCollector, captured: list[str] | set[str]) -> None:
    delivered = collector.delivered()
    missing = set(captured) - set(delivered)
    assert not missing, f"{len(missing)} captured event(s) never reached the collector"
    assert all(delivered[e] == 1 for e in captured)


def test_collector_down_at_start(collector: LiveCollector, agent_proc: AgentProcess) -> None:
    agent_proc.enroll(collector)
    collector.stop()
    captured = agent_proc.feed(300)
    agent_proc.start("--capture", "none")  # starts offline: the cached policy is used
    wait_for(lambda: "unreachable" in agent_proc.last_error(), 60,
             "the agent to report the collector unreachable")
    assert agent_proc.status()["spool_depth"] == len(captured)
    collector.start()
    wait_for(lambda: agent_proc.spool_depth() == 0, 120, "the spool to drain")
    assert agent_proc.terminate() == 0
    _assert_exactly_once(collector, captured)


def test_collector_killed_mid_send(collector: LiveCollector, agent_proc: AgentProcess) -> None:
    agent_proc.enroll(collector)
    captured = agent_proc.feed(10_000)
    agent_proc.start("--capture", "none")
    wait_for(lambda: len(collector.delivered()) > 0, 120, "the first batches")
    collector.kill()
    depth_at_kill = agent_proc.spool_depth()
    assert depth_at_kill > 0  # the collector died while the agent was still sending
    wait_for(lambda: agent_proc.last_error() != "", 60, "the failure to show")
    collector.start()
    wait_for(lambda: agent_proc.spool_depth() == 0, 300, "the spool to drain")
    assert agent_proc.terminate() == 0
    _assert_exactly_once(collector, captured)


def test_agent_killed_mid_batch(collector: LiveCollector, agent_proc: AgentProcess) -> None:
    agent_proc.enroll(collector)
    captured = agent_proc.feed(10_000)
    agent_proc.start("--capture", "none")
    wait_for(lambda: len(collector.delivered()) > 0, 120, "the first batches")
    agent_proc.kill9()
    left = agent_proc.spool_ids()
    # Killed part-way: the collector holds some events and the spool still has events. On a
    # busy machine the kill can land after the collector stored a batch and before the agent
    # recorded its acknowledgement (left == captured): the hardest case, those events are sent
    # again and must be stored once.
    assert 0 < len(left) <= len(captured)
    assert len(collector.delivered()) > 0
    agent_proc.start("--capture", "none")
    wait_for(lambda: agent_proc.spool_depth() == 0, 300, "the spool to drain")
    assert agent_proc.terminate() == 0
    _assert_exactly_once(collector, captured)


def test_spool_full(collector: LiveCollector, tmp_path: Path) -> None:
    agent = AgentProcess(tmp_path / "small", extra_env={"TASKLOOM_AGENT_SPOOL_MAX_BYTES": "100000"})
    agent.enroll(collector)
    collector.stop()
    captured = agent.feed(2_000)  # ~600 KB of events into a 100 KB spool
    kept = agent.spool_ids()
    status = agent.status()
    assert status["dropped_total"] > 0 and status["spool_bytes"] <= 100_000
    collector.start()
    agent.start("--capture", "none")
    try:
        wait_for(lambda: agent.spool_depth() == 0, 120, "the spool to drain")
        wait_for(lambda: (collector.devices()[0].get("hb_dropped") or 0) > 0, 60, "the heartbeat")
        assert agent.terminate() == 0
    finally:
        if agent.running():
            agent.kill9()
    dropped = status["dropped_total"]
    assert set(captured[dropped:]) == kept  # the oldest went first
    _assert_exactly_once(collector, kept)
    assert set(collector.delivered()) == kept  # captured = delivered exactly once + dropped
    assert collector.devices()[0]["hb_dropped"] == status["dropped_total"]


def test_token_revoked(collector: LiveCollector, agent_proc: AgentProcess) -> None:
    agent_proc.enroll(collector)
    first = agent_proc.feed(100)
    agent_proc.start("--capture", "none")
    wait_for(lambda: agent_proc.spool_depth() == 0, 120, "the first events to ship")
    device_id = agent_proc.status()["device_id"]
    collector.admin("device", "revoke", device_id)
    second = agent_proc.feed(50)
    assert agent_proc.proc is not None
    assert agent_proc.proc.wait(120) == 3  # stops by itself, with the revoked exit code
    agent_proc.proc = None
    status = agent_proc.status()
    assert "revoked" in (status["revoked"] or "") and status["spool_depth"] == len(second)
    assert "REVOKED" in agent_proc.cli("status").stdout
    assert agent_proc.cli("run", "--capture", "none", check=False).returncode == 3
    agent_proc.enroll(collector, consent=False)  # the admin re-enrols the machine
    agent_proc.start("--capture", "none")
    wait_for(lambda: agent_proc.spool_depth() == 0, 120, "the rest to ship")
    assert agent_proc.terminate() == 0
    _assert_exactly_once(collector, first + second)


def test_duplicate_delivery(collector: LiveCollector, agent_proc: AgentProcess,
                            monkeypatch: pytest.MonkeyPatch) -> None:
    """The collector stores a batch but the reply is lost; the agent sends it again."""
    agent_proc.enroll(collector)
    captured = agent_proc.feed(1_200)
    for key, value in agent_proc.env.items():
        if key == "HOME" or key.startswith("XDG_"):
            monkeypatch.setenv(key, value)
    config = AgentConfig.load()
    real = HttpxTransport(config.collector)
    lost: list[int] = []

    def reply_lost(request: Request) -> Response:
        response = real.handle(request)  # the collector really stores the batch
        if request.path.endswith("/events") and len(lost) < 2:
            lost.append(response.status)
            raise TransportError("ReadTimeout: the reply was lost")
        return response

    spool = Spool(spool_path())
    shipper = Shipper(spool, CollectorClient(FunctionTransport(reply_lost), config.device_token))
    for _ in range(20):
        if spool.depth() == 0:
            break
        result = shipper.ship_once()
        if result.error:
            shipper.backoff.reset()
    real.close()
    assert lost == [200, 200]
    assert spool.depth() == 0
    _assert_exactly_once(collector, captured)

"""The run loop in-process, with a function-backed collector and injected capture parts."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

from taskloom.agent import state
from taskloom.agent.capture import Backend, InputSink
from taskloom.agent.config import AgentConfig, spool_path
from taskloom.agent.keys import classify
from taskloom.agent.runner import EXIT_REVOKED, Agent
from taskloom.agent.spool import Spool
from taskloom.agent.transport import FunctionTransport, TransportError
from tests.agent.factories import (
    SECRET,
    MemoryCollector,
    ScriptedWindows,
    json_response,
    make_policy,
    window,
)


class ManualInputs:
    """An InputSource the test drives (the hooks' role)."""

    def __init__(self) -> None:
        self.sink: InputSink | None = None

    def start(self, sink: InputSink) -> None:
        self.sink = sink

    def stop(self) -> None:
        self.sink = None


def _wait(cond: Callable[[], bool], timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if cond():
            return
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


def _start(agent_home: Path, collector: MemoryCollector) -> tuple[Agent, ManualInputs, threading.Thread, list[int]]:
    config = AgentConfig("http://collector.invalid", "dev-1", "tok")
    config.save()
    inputs = ManualInputs()
    agent = Agent(config, transport=FunctionTransport(collector),
                  backend=Backend("test", ScriptedWindows(window()), inputs), os_user="alice")
    agent.shipper.batch_wait_s = 0.2
    codes: list[int] = []
    thread = threading.Thread(target=lambda: codes.append(agent.run()), daemon=True)
    thread.start()
    _wait(lambda: inputs.sink is not None)
    return agent, inputs, thread, codes


def test_no_capture_before_consent_then_everything_arrives_once(agent_home: Path) -> None:
    collector = MemoryCollector(policy=make_policy(heartbeat_s=0.2))
    agent, inputs, thread, codes = _start(agent_home, collector)
    assert inputs.sink is not None
    inputs.sink.click(5, 5, "left")  # before consent: dropped in the hook
    time.sleep(1.2)
    assert agent.spool.depth() == 0 and not collector.stored
    state.record_consent(agent.spool, state.cached_policy(agent.spool) or {}, "scripted")
    _wait(lambda: agent.recorder is not None and agent.recorder.active)
    for ch in SECRET:
        inputs.sink.key(classify(None, ch, None, frozenset()))
    inputs.sink.click(40, 40, "left")
    _wait(lambda: any(e["kind"] == "click" for e in collector.stored.values()))
    agent.stop.set()  # what SIGTERM does
    thread.join(30)
    assert codes == [0]
    kinds = sorted(e["kind"] for e in collector.stored.values())
    assert kinds == ["capture_start", "capture_stop", "click", "focus", "typing"]
    assert set(collector.deliveries.values()) == {1}
    assert Spool(spool_path()).depth() == 0  # flushed on the way out
    assert collector.heartbeats and collector.heartbeats[-1]["consent"] is True


def test_revoked_token_stops_the_agent_and_keeps_the_spool(agent_home: Path) -> None:
    collector = MemoryCollector()
    agent, inputs, thread, codes = _start(agent_home, collector)
    state.record_consent(agent.spool, state.cached_policy(agent.spool) or {}, "scripted")
    _wait(lambda: agent.recorder is not None and agent.recorder.active)
    collector.fault = lambda r: json_response(401, {"detail": "device revoked"})
    assert inputs.sink is not None
    inputs.sink.click(1, 1, "left")
    thread.join(30)
    assert codes == [EXIT_REVOKED]
    spool = Spool(spool_path())
    assert "revoked" in (spool.get("revoked") or "")
    assert spool.depth() > 0  # nothing captured is thrown away
    again = Agent(AgentConfig.load(), transport=FunctionTransport(collector), backend=None)
    assert again.run() == EXIT_REVOKED  # a revoked agent does not start


def test_policy_refresh_applies_a_new_deny_list(agent_home: Path) -> None:
    collector = MemoryCollector(policy=make_policy(policy_refresh_s=0.5))
    agent, inputs, thread, codes = _start(agent_home, collector)
    state.record_consent(agent.spool, state.cached_policy(agent.spool) or {}, "scripted")
    _wait(lambda: any(e["kind"] == "focus" for e in collector.stored.values()))
    collector.policy = make_policy(policy_refresh_s=0.5, apps_deny=["ehr"], version=2)
    _wait(lambda: (state.cached_policy(agent.spool) or {}).get("version") == 2)
    _wait(lambda: any(e["kind"] == "focus" and e["app"] == "other" for e in collector.stored.values()))
    assert inputs.sink is not None
    inputs.sink.click(3, 3, "left")  # in a now-denied app: not recorded
    time.sleep(1.0)
    agent.stop.set()
    thread.join(30)
    assert codes == [0]
    assert not any(e["kind"] == "click" for e in collector.stored.values())


def test_offline_start_uses_the_cached_policy(agent_home: Path) -> None:
    collector = MemoryCollector()
    agent, _inputs, thread, codes = _start(agent_home, collector)
    agent.stop.set()
    thread.join(30)
    collector.fault = lambda r: (_ for _ in ()).throw(TransportError("ConnectError: refused"))
    again = Agent(AgentConfig.load(), transport=FunctionTransport(collector), backend=None)
    runner = threading.Thread(target=lambda: codes.append(again.run()), daemon=True)
    runner.start()
    time.sleep(1.5)
    again.stop.set()
    runner.join(30)
    assert codes == [0, 0]

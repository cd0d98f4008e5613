"""Enrolment against a real collector: files, permissions, and the errors a user meets."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from tests.agent.harness import AgentProcess
from tests.support.collector import LiveCollector
from tests.support.ports import free_port

pytestmark = pytest.mark.slow


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_enroll_writes_private_files_and_caches_the_policy(collector: LiveCollector,
                                                            agent_proc: AgentProcess) -> None:
    out = agent_proc.cli("enroll", "--collector", collector.url, "--token", collector.enrollment_token())
    assert "consent is needed" in out.stdout
    config = agent_proc.home / ".config" / "taskloom-agent" / "agent.json"
    saved = json.loads(config.read_text())
    assert saved["collector"] == collector.url and saved["device_token"].startswith("tld_")
    assert _mode(config) == 0o600 and _mode(config.parent) == 0o700
    status = agent_proc.status()
    assert status["enrolled"] and status["policy_version"] is not None and not status["consent"]
    assert [d["id"] for d in collector.devices()] == [status["device_id"]]
    agent_proc.feed(1)  # the recorder makes the device key for encrypted screenshots
    key = agent_proc.home / ".config" / "taskloom-agent" / "device.key"
    assert key.exists() and _mode(key) == 0o600
    assert _mode(agent_proc.spool_path()) == 0o600


def test_enroll_with_a_used_token_is_a_one_line_error(collector: LiveCollector, tmp_path: Path) -> None:
    token = collector.enrollment_token()
    AgentProcess(tmp_path / "first").cli("enroll", "--collector", collector.url, "--token", token)
    second = AgentProcess(tmp_path / "second").cli("enroll", "--collector", collector.url,
                                                  "--token", token, check=False)
    assert second.returncode == 2
    assert second.stderr.startswith("taskloom-agent: error: the collector refused the enrolment token")
    assert "Traceback" not in second.stderr


def test_enroll_with_the_collector_down_names_the_url(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    out = AgentProcess(tmp_path / "a").cli("enroll", "--collector", url, "--token", "tle_x", check=False)
    assert out.returncode == 2 and f"cannot reach the collector at {url}" in out.stderr

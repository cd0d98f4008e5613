"""`taskloom-agent` as a user runs it: separate HOMEs, consent, pause, status, show."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.agent.factories import make_policy
from tests.support.collector import home_env

ROOT = Path(__file__).resolve().parents[2]


def agent_cli(home: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **home_env(home)}
    env.pop("TASKLOOM_AGENT_SPOOL_MAX_BYTES", None)
    return subprocess.run([sys.executable, "-m", "agent", *args], cwd=ROOT, env=env, input=stdin,
                          capture_output=True, text=True, timeout=60)


def _seed_policy(home: Path, **overrides: object) -> None:
    """Cache a policy in that HOME's spool, as enrolment does."""
    code = ("from agent import state; from agent.cli import _spool; import json,sys; "
            "state.store_policy(_spool(), json.loads(sys.argv[1]))")
    env = {**os.environ, **home_env(home)}
    subprocess.run([sys.executable, "-c", code, json.dumps(make_policy(**overrides))], cwd=ROOT,
                   env=env, check=True)


def test_status_before_enrolment_says_what_to_do(tmp_path: Path) -> None:
    out = agent_cli(tmp_path, "status")
    assert out.returncode == 0
    assert "enrolled:       no (run taskloom-agent enroll)" in out.stdout
    assert "consent:        not given" in out.stdout


def test_run_before_enrolment_is_a_one_line_error(tmp_path: Path) -> None:
    out = agent_cli(tmp_path, "run", "--capture", "none")
    assert out.returncode == 2
    assert out.stderr.startswith("taskloom-agent: error: this agent is not enrolled")
    assert "Traceback" not in out.stderr


def test_consent_pause_resume_and_separate_homes(tmp_path: Path) -> None:
    alice, bob = tmp_path / "alice", tmp_path / "bob"
    for home in (alice, bob):
        home.mkdir()
        _seed_policy(home, notice="We study documentation time. Typed text is never recorded.")
    out = agent_cli(alice, "consent", "--accept")
    assert out.returncode == 0 and "We study documentation time." in out.stdout
    assert json.loads(agent_cli(alice, "status", "--json").stdout)["consent"] is True
    assert json.loads(agent_cli(bob, "status", "--json").stdout)["consent"] is False  # another HOME
    refused = agent_cli(bob, "consent")  # no terminal: no silent consent
    assert refused.returncode == 2 and "consent --accept" in refused.stderr
    assert agent_cli(alice, "pause", "--for", "30m").returncode == 0
    status = json.loads(agent_cli(alice, "status", "--json").stdout)
    assert status["paused"] is True and status["paused_until"]
    assert "paused:         until" in agent_cli(alice, "status").stdout
    assert agent_cli(alice, "resume").returncode == 0
    assert json.loads(agent_cli(alice, "status", "--json").stdout)["paused"] is False
    bad = agent_cli(alice, "pause", "--for", "soon")
    assert bad.returncode == 2 and "30m" in bad.stderr
    assert agent_cli(alice, "consent", "--withdraw").returncode == 0
    assert json.loads(agent_cli(alice, "status", "--json").stdout)["consent"] is False


def test_changed_notice_needs_new_consent(tmp_path: Path) -> None:
    _seed_policy(tmp_path, notice="Version one.")
    agent_cli(tmp_path, "consent", "--accept")
    _seed_policy(tmp_path, notice="Version two: now with screenshots.")
    assert json.loads(agent_cli(tmp_path, "status", "--json").stdout)["consent"] is False


def test_show_prints_exactly_the_spool(tmp_path: Path) -> None:
    code = """
import uuid
from taskloom.agent.cli import _spool
from tests.agent.factories import recorder_for, ScriptedWindows, window
rec = recorder_for(_spool(), windows=ScriptedWindows(window()))
rec.click(10, 10, "left")
rec.close()
"""
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, env={**os.environ, **home_env(tmp_path)}, check=True)
    out = agent_cli(tmp_path, "show")
    assert out.returncode == 0
    events = [json.loads(line) for line in out.stdout.splitlines() if not line.startswith("#")]
    assert [e["kind"] for e in events] == ["capture_start", "focus", "click"]
    assert events[1]["title"].startswith("Patient NHS#")
    assert "3 event(s) waiting to be sent" in out.stdout


def test_interactive_consent_at_a_terminal(tmp_path: Path) -> None:
    import pty

    _seed_policy(tmp_path, notice="Read me before you accept.")
    master, slave = pty.openpty()
    env = {**os.environ, **home_env(tmp_path)}
    proc = subprocess.Popen([sys.executable, "-m", "agent", "consent"], cwd=ROOT, env=env,
                            stdin=slave, stdout=slave, stderr=slave)
    os.close(slave)
    os.write(master, b"yes\n")
    output = b""
    while True:
        try:
            chunk = os.read(master, 4096)
        except OSError:
            break
        if not chunk:
            break
        output += chunk
    assert proc.wait(30) == 0
    os.close(master)
    assert b"Read me before you accept." in output and b"Type 'yes'" in output
    assert json.loads(agent_cli(tmp_path, "status", "--json").stdout)["consent"] is True

"""Real capture under Xvfb: a Tk window whose title holds a fake NHS number, driven by
xdotool, captured by `taskloom-agent run`, shipped to a real `taskloom serve`."""

from __future__ import annotations

import getpass
import importlib.util
import json
import sqlite3
from pathlib import Path

import pytest

from taskloom.agent.keys import classify
from taskloom.agent.protocol import keyed_token
from tests.agent.factories import FAKE_NHS, SECRET, iter_files
from tests.agent.harness import AgentProcess, open_tk_window
from tests.support.collector import LiveCollector
from tests.support.ports import wait_for
from tests.support.xserver import XServer

NO_TK = importlib.util.find_spec("tkinter") is None
TK_REASON = "tkinter is missing: install the Debian package python3-tk (the test window is a Tk window)"
pytestmark = [pytest.mark.xvfb, pytest.mark.slow, pytest.mark.skipif(NO_TK, reason=TK_REASON)]


def _secret_needles() -> list[bytes]:
    words = [SECRET, *SECRET.split(), SECRET.replace(" ", "")]
    return [w.encode() for w in words] + [w.encode("utf-16-le") for w in words]


def test_real_capture_is_redacted_and_never_holds_typed_text(
        xserver: XServer, collector: LiveCollector, tmp_path: Path) -> None:
    agent = AgentProcess(tmp_path / "agent-home", display=xserver.display)
    agent.enroll(collector)
    title = f"Patient {FAKE_NHS} - Chart"
    window = open_tk_window(xserver.env, title)
    try:
        wid = xserver.xdotool("search", "--onlyvisible", "--classname", "ehrdemo").split()[0]
        xserver.xdotool("windowactivate", "--sync", wid)
        agent.start()
        wait_for(lambda: any(r["kind"] == "focus" for r in collector.rows()), 60, "the focus event")
        xserver.xdotool("mousemove", "--window", wid, "120", "40", "click", "1")
        xserver.xdotool("type", "--delay", "40", SECRET)
        xserver.xdotool("key", "ctrl+a", "ctrl+c")
        wait_for(lambda: any(r["kind"] == "typing" for r in collector.rows()), 60, "the typing burst")
        assert agent.terminate() == 0
    finally:
        window.terminate()
        window.wait(10)

    rows = collector.rows()
    with sqlite3.connect(collector.db_path) as conn:
        study_key = conn.execute("SELECT hmac_key FROM studies").fetchone()[0]
    token = keyed_token(study_key, FAKE_NHS, prefix="NHS")
    focus = [r for r in rows if r["kind"] == "focus" and r["app"] == "ehrdemo"]
    assert focus and {r["title"] for r in focus} == {f"Patient {token} - Chart"}
    clicks = [r for r in rows if r["kind"] == "click"]
    assert clicks and clicks[-1]["button"] == "left" and clicks[-1]["app"] == "ehrdemo"
    typing = [r for r in rows if r["kind"] == "typing"]
    counts: dict[str, int] = {}
    for r in typing:
        for k, v in json.loads(r["attrs"])["counts"].items():
            counts[k] = counts.get(k, 0) + v
    expected: dict[str, int] = {}
    for ch in SECRET:  # the oracle: the classifier's class of each typed character
        cls = classify(None, ch, None, frozenset()).key_class
        expected[cls] = expected.get(cls, 0) + 1
    assert counts == expected
    assert [r["key_class"] for r in rows if r["kind"] == "copy"] == ["ctrl+c"]
    assert "ctrl+a" in [r["key_class"] for r in rows if r["kind"] == "shortcut"]
    assert {r["user"] for r in rows} == {keyed_token(study_key, getpass.getuser(), prefix="U")}

    needles = [*_secret_needles(), FAKE_NHS.encode(), FAKE_NHS.replace(" ", "").encode()]
    scanned = [*iter_files(agent.home), *iter_files(collector.workdir)]
    assert any(p.name.startswith("spool.sqlite3") for p in scanned)
    assert any(p.name.startswith("collector.sqlite3") for p in scanned)
    assert any(p.name == "agent.log" for p in scanned)
    for path in scanned:
        data = path.read_bytes()
        for needle in needles:
            assert needle not in data, f"{needle!r} found in {path}"


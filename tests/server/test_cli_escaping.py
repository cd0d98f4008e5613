"""Stored text cannot drive the terminal: a hostname sent by an agent with escape
sequences, a study name with a bell and a right-to-left override, an activity with ESC
in a log — every CLI listing shows them escaped (``\\x1b``), one row per record."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from tests.support.collector import LiveCollector, run_cli

HOST = "ws-\x1b[31mRED\x1b[0m\x07\r\nfake row\u202e"
RAW = ("\x1b", "\x07", "\r", "\u202e", "\x9b")


def test_device_list_escapes_an_agents_hostname(tmp_path: Path) -> None:
    live = LiveCollector(None, tmp_path / "c", study="esc-study")
    live.setup_study()
    live.start()
    try:
        live.enroll("esc-study", hostname=HOST)  # the attack: over HTTP, as an agent enrols
    finally:
        live.stop()
    out = run_cli(live.db, "device", "list", env=live.env).stdout
    assert not any(ch in out for ch in RAW)
    assert "ws-\\x1b[31mRED" in out
    assert len(out.strip().splitlines()) == 2  # the header and one device: no fake row
    as_json = run_cli(live.db, "device", "list", "--json", env=live.env).stdout
    assert not any(ch in as_json for ch in RAW)


def test_study_list_and_stats_escape_control_characters(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 's.db'}"
    run_cli(db, "study", "create", "bell\x07\x9b2J\u202eevil")
    listed = run_cli(db, "study", "list").stdout
    assert not any(ch in listed for ch in RAW)
    assert "bell\\x07\\x9b2J\\u202eevil" in listed
    log = pd.DataFrame({"case:concept:name": ["c1", "c1"], "concept:name": ["open\x1b[2J", "close"],
                        "time:timestamp": pd.to_datetime(["2026-01-01T00:00Z", "2026-01-01T00:01Z"])})
    path = tmp_path / "log.parquet"
    log.to_parquet(path)
    import subprocess

    from tests.support.collector import ROOT, TASKLOOM

    shown = subprocess.run([TASKLOOM, "variants", str(path)], capture_output=True, text=True,
                           cwd=ROOT, timeout=120)
    assert shown.returncode == 0, shown.stderr
    assert "\x1b" not in shown.stdout and "open\\x1b[2J" in shown.stdout

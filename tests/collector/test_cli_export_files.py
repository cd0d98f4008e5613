"""`taskloom export` to the longest name a file system takes, and into a folder that does
not exist: the file is written (private, 0600) with no temporary file left, or one line
says what to fix."""

from __future__ import annotations

import stat
from pathlib import Path

from tests.support.collector import run_cli


def test_export_to_a_255_byte_name_and_to_a_missing_folder(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'e.db'}"
    run_cli(db, "study", "create", "exp")
    target = tmp_path / ("x" * 251 + ".csv")  # 255 bytes: ".NAME.part" would not fit
    run_cli(db, "export", "--study", "exp", "-o", str(target))
    assert target.read_text().startswith("event_id,")
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["e.db", target.name]
    missing = run_cli(db, "export", "--study", "exp", "-o", str(tmp_path / "nope" / "a.csv"),
                      check=False)
    assert missing.returncode == 2
    assert missing.stderr.startswith("taskloom: error: ")
    assert len(missing.stderr.strip().splitlines()) == 1

"""The SQLite store holds study keys and events: its file is 0600 and a folder it creates
0700, whatever the umask; the -wal file follows the database file."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from tests.support.collector import home_env, run_cli


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_new_sqlite_file_and_folder_are_private(tmp_path: Path) -> None:
    db = tmp_path / "new-folder" / "taskloom.db"
    old = os.umask(0o022)
    try:
        run_cli(f"sqlite:///{db}", "study", "create", "perm-study")
        run_cli(str(tmp_path / "bare" / "path.db"), "study", "list")
    finally:
        os.umask(old)
    assert _mode(db) == 0o600 and _mode(db.parent) == 0o700
    assert _mode(tmp_path / "bare" / "path.db") == 0o600
    assert _mode(tmp_path / "bare") == 0o700
    for side in db.parent.glob("taskloom.db-*"):  # -wal / -shm while open, if any remain
        assert _mode(side) & 0o077 == 0


def test_embedded_default_store_is_private(tmp_path: Path) -> None:
    home = tmp_path / "home"
    env = home_env(home)
    import subprocess

    from tests.support.collector import ROOT, TASKLOOM

    out = subprocess.run([TASKLOOM, "study", "create", "default-store"], capture_output=True,
                         text=True, cwd=ROOT, timeout=120,
                         env={**os.environ, **env, "TASKLOOM_DB": ""})
    assert out.returncode == 0, out.stderr
    db = Path(env["XDG_DATA_HOME"]) / "taskloom" / "taskloom.db"
    assert _mode(db) == 0o600 and _mode(db.parent) == 0o700

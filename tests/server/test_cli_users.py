"""`taskloom user ...` as a user runs it, and the CLI's progress bar."""

from __future__ import annotations

import io
import json
import subprocess
from pathlib import Path

from taskloom.collector.store import Store
from taskloom.server.cli.progress import ProgressBar
from taskloom.server.console.auth import verify_login
from tests.collector.factories import TASKLOOM, run_cli
from tests.conftest import ROOT


def _user(db: str, *args: str, password: str | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([TASKLOOM, "user", *args, "--db", db], input=password, text=True,
                          capture_output=True, cwd=ROOT, timeout=120)


def test_user_commands(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'u.db'}"
    run_cli(db, "study", "create", "ward-a")
    made = _user(db, "create", "ann", "--role", "analyst", "--study", "ward-a", "--password-stdin",
                 password="a long pass phrase\n")
    assert made.returncode == 0, made.stderr
    assert "ann" in made.stdout and "analyst" in made.stdout and "ward-a" in made.stdout
    short = _user(db, "create", "bob", "--role", "viewer", "--password-stdin", password="short\n")
    assert short.returncode == 2 and short.stderr.count("\n") == 1 and "at least 10" in short.stderr
    unknown = _user(db, "create", "bob", "--role", "viewer", "--study", "nope", "--password-stdin",
                    password="a long pass phrase\n")
    assert unknown.returncode == 2 and "no study 'nope'" in unknown.stderr
    no_tty = _user(db, "create", "bob", "--role", "viewer", password="")
    assert no_tty.returncode == 2 and "--password-stdin" in no_tty.stderr
    store = Store.open(db)
    try:
        user = verify_login(store, "ann", "a long pass phrase")
        assert user is not None and user.role == "analyst"
        assert verify_login(store, "ann", "wrong pass phrase") is None
        stored = store.credentials("ann")
        assert stored is not None and stored.password_hash.startswith("$argon2id$")
    finally:
        store.close()
    assert _user(db, "set", "ann", "--role", "viewer", "--disable").returncode == 0
    listed = json.loads(_user(db, "list", "--json").stdout)
    assert listed == [{"username": "ann", "role": "viewer", "disabled": True, "studies": ["ward-a"]}]
    assert _user(db, "password", "ann", "--password-stdin", password="another pass phrase\n").returncode == 0
    assert _user(db, "delete", "ann").returncode == 0
    assert _user(db, "list").stdout == "no users yet\n"


def test_progress_bar_draws_on_a_terminal_only() -> None:
    out = io.StringIO()
    bar = ProgressBar("import", stream=out, enabled=True, unit="events")
    bar.stage("reading x.csv")
    bar(50, 200)
    bar(200, 200)
    bar.close()
    text = out.getvalue()
    assert "reading x.csv" in text and "import [" in text and "100%  200/200 events" in text
    assert text.endswith("\n")
    quiet = io.StringIO()
    silent = ProgressBar("import", stream=quiet)  # a StringIO is not a terminal
    silent(1, 2)
    silent.close()
    assert quiet.getvalue() == ""

"""A database password never shows in what the CLI prints: errors, logs, tracebacks,
`taskloom serve`'s start-up lines; given with --db or TASKLOOM_DB."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.support.collector import ROOT, TASKLOOM

PASSWORD = "S3cretPassw0rd"
URL = f"postgresql://user:{PASSWORD}@127.0.0.1:1/db"


def _run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([TASKLOOM, *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=120, env={**os.environ, **(env or {})})


@pytest.mark.parametrize("args", [
    ("study", "list", "--db", URL),
    ("-v", "-v", "study", "list", "--db", URL),
    ("device", "list", "--db", URL),
    ("serve", "--port", "0", "--db", URL),
    ("study", "list", "--db", URL.replace(":1/", ":notaport/")),
    ("study", "list", "--db", URL.replace(PASSWORD, "p@ss" + PASSWORD)),  # an unescaped "@"
], ids=["study-list", "verbose", "device-list", "serve", "bad-port", "at-in-password"])
def test_password_in_db_option_is_masked(args: tuple[str, ...]) -> None:
    out = _run(*args)
    assert out.returncode == 2, out.stderr
    text = out.stdout + out.stderr
    assert PASSWORD not in text and "***" in text
    last = out.stderr.strip().splitlines()[-1]  # one line naming problem and fix
    assert last.startswith("taskloom: error: cannot open the database postgresql://user:***@")
    assert last.endswith("check --db / TASKLOOM_DB")
    if "-v" not in args:
        assert len(out.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("args", [("serve", "--port", "0"), ("study", "list")])
def test_password_in_taskloom_db_is_masked(args: tuple[str, ...]) -> None:
    out = _run(*args, env={"TASKLOOM_DB": URL})
    assert out.returncode == 2
    assert PASSWORD not in out.stdout + out.stderr and "***" in out.stderr


def test_tracebacks_and_logs_are_masked() -> None:
    """An unexpected error (a traceback) and a logged exception that carry the password,
    in and out of a URL, after the CLI's masking is installed."""
    script = (
        "import logging, sys\n"
        "from taskloom.server.cli import redact\n"
        "redact.install(); redact.register_url(sys.argv[1])\n"
        "logging.basicConfig()\n"
        "try:\n"
        "    raise ConnectionError('login failed for ' + sys.argv[1])\n"
        "except ConnectionError:\n"
        "    logging.getLogger('x').exception('password=%s was refused', sys.argv[2])\n"
        "raise RuntimeError('bare secret ' + sys.argv[2])\n"
    )
    out = subprocess.run([sys.executable, "-c", script, URL, PASSWORD], capture_output=True,
                         text=True, cwd=ROOT, timeout=60)
    assert out.returncode == 1 and "Traceback" in out.stderr
    assert PASSWORD not in out.stderr
    assert "login failed for postgresql://user:***@127.0.0.1:1/db" in out.stderr
    assert "password=*** was refused" in out.stderr and "bare secret ***" in out.stderr

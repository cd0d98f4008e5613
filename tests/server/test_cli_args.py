"""Argument errors of `taskloom` are one line naming the command and pointing at --help."""

from __future__ import annotations

import subprocess

import pytest

from tests.collector.factories import TASKLOOM
from tests.conftest import ROOT


@pytest.mark.parametrize(("args", "needle"), [
    (["map", "log.xes", "-o", "m.svg", "--nodes", "150"], "taskloom map: error: argument --nodes: 150"),
    (["stats"], "taskloom stats: error: the following arguments are required: LOG"),
    (["nope"], "taskloom: error: argument COMMAND: invalid choice: 'nope'"),
    (["tasks", "discover", "x.csv", "-o", "o.csv", "--format", "word"], "taskloom tasks discover: error"),
])
def test_argument_error_is_one_line(args: list[str], needle: str) -> None:
    out = subprocess.run([TASKLOOM, *args], capture_output=True, text=True, cwd=ROOT, timeout=60)
    assert out.returncode == 2
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1, out.stderr
    assert lines[0].startswith(needle) and "--help" in lines[0]

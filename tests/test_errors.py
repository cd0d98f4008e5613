"""One user-error class for the whole tree (taskloom.errors.UserError): what derives from it,
and how the CLI and the API answer it."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

from taskloom.errors import UserError
from tests.conftest import ROOT

#: Every error a user can act on, by module and class name.
USER_ERRORS = [
    ("taskloom.agent.protocol", "WireError"),
    ("taskloom.agent.config", "ConfigError"),
    ("taskloom.agent.client", "CollectorError"),
    ("taskloom.agent.capture", "CaptureUnavailable"),
    ("taskloom.durations", "DurationError"),
    ("taskloom.mining.errors", "LogInputError"),
    ("taskloom.collector.store", "StoreError"),
    ("taskloom.collector.validate", "BatchError"),
    ("taskloom.collector.services.imports", "LogFileError"),
    ("taskloom.collector.services.exports", "ExportFormatError"),
    ("taskloom.collector.uilogs.actionlogger", "UiLogError"),
    ("taskloom.server.cli.base", "CliError"),
    ("taskloom.server.config", "ConfigError"),
]


@pytest.mark.parametrize(("module", "name"), USER_ERRORS)
def test_user_facing_errors_derive_from_the_one_base(module: str, name: str) -> None:
    assert issubclass(getattr(importlib.import_module(module), name), UserError)


def test_no_class_opts_in_by_attribute_any_more() -> None:
    """The old convention (a class attribute ``user_facing = True``) is not read by anything:
    such an error would print a traceback instead of one line."""
    found = []
    for package in ("agent", "collector", "mining", "server"):
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.ClassDef):
                    for stmt in node.body:
                        targets = stmt.targets if isinstance(stmt, ast.Assign) else []
                        if any(isinstance(t, ast.Name) and t.id == "user_facing" for t in targets):
                            found.append(f"{path.relative_to(ROOT)}: {node.name} "
                                         "(derive from taskloom.errors.UserError instead)")
    assert found == []


def test_cli_prints_a_user_error_as_one_line_and_exits_2(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from taskloom.server.cli import main

    code = main(["device", "token", "--study", "s", "--expires", "soon",
                 "--db", f"sqlite:///{tmp_path / 'x.db'}"])
    err = capsys.readouterr().err
    assert code == 2 and err.count("\n") == 1 and "duration 'soon'" in err


def test_api_status_of_each_kind_of_user_error() -> None:
    from taskloom.collector.api.errors import status_of
    from taskloom.collector.store import AuthError, Conflict, NotFound, StoreError
    from taskloom.collector.validate import BatchError, BatchTooLarge, BodyNotJson
    from taskloom.mining.errors import LogInputError

    assert [status_of(e("x")) for e in (AuthError, NotFound, Conflict, StoreError, BatchTooLarge,
                                        BodyNotJson, BatchError, LogInputError, UserError)] == \
        [401, 404, 409, 400, 413, 400, 422, 422, 422]

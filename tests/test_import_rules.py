"""DESIGN.md's import rules, checked on the source: a line of code should know its room."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("agent", "collector", "mining", "server")

# package -> the other taskloom packages it may import (and for agent: nothing heavy at all)
ALLOWED = {
    "mining": set(),
    "agent": set(),
    "collector": {"mining", "agent.protocol"},
    "server": {"collector", "mining", "agent.protocol"},
}
HEAVY_FOR_AGENT = {"pandas", "numpy", "sklearn", "scipy", "fastapi", "sqlalchemy", "pyarrow", "uvicorn"}


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.extend((node.lineno, f"{node.module}.{alias.name}") for alias in node.names)
    return found


def _violations(package: str) -> list[str]:
    bad: list[str] = []
    for path in sorted((ROOT / package).rglob("*.py")):
        for line, name in _imports(path):
            parts = name.split(".")
            top = parts[1] if parts[0] == "taskloom" and len(parts) > 1 else parts[0]
            name = name.removeprefix("taskloom.")
            where = f"{path.relative_to(ROOT)}:{line} imports {name}"
            allowed = any(name == ok or name.startswith(ok + ".") for ok in ALLOWED[package])
            if parts[0] in PACKAGES:
                bad.append(where + " (import it as taskloom." + parts[0] + ")")
            elif top in PACKAGES and top != package and not allowed:
                bad.append(where)
            if package == "agent" and top in HEAVY_FOR_AGENT:
                bad.append(where + " (the agent must stay light)")
    return bad


@pytest.mark.parametrize("package", PACKAGES)
def test_package_respects_import_rules(package: str) -> None:
    assert _violations(package) == []


def test_checker_sees_a_violation(tmp_path: Path) -> None:
    """The rule check itself must be able to fail."""
    sample = tmp_path / "x.py"
    sample.write_text("import taskloom.collector.store\nfrom taskloom.server import app\nimport pandas as pd\n")
    names = [name for _, name in _imports(sample)]
    assert names == ["taskloom.collector.store", "taskloom.server.app", "pandas"]

"""DESIGN.md's import rules, checked on the source: a line of code should know its room."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("agent", "collector", "mining", "server")
#: Modules of the root package every package may import: standard library only, no
#: taskloom package (the user-error base class and the duration grammar).
SHARED = ("errors", "durations")

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
            elif parts[0] == "taskloom" and len(parts) > 1 and top not in PACKAGES + SHARED:
                bad.append(where + f" (the root package offers only {', '.join(SHARED)})")
            if package == "agent" and top in HEAVY_FOR_AGENT:
                bad.append(where + " (the agent must stay light)")
    return bad


@pytest.mark.parametrize("package", PACKAGES)
def test_package_respects_import_rules(package: str) -> None:
    assert _violations(package) == []


def test_shared_root_modules_are_standard_library_only() -> None:
    import sys

    for name in SHARED:
        for line, imported in _imports(ROOT / "taskloom" / f"{name}.py"):
            top = imported.split(".")[0]
            assert top in sys.stdlib_module_names or top == "__future__" or \
                imported.removeprefix("taskloom.").split(".")[0] in SHARED, f"{name}.py:{line} {imported}"


# ---- the module graph: what importing a module runs (top-level and in-function imports)


def _module_of(path: Path) -> str:
    rel = path.relative_to(ROOT).with_suffix("")
    parts = [p for p in rel.parts if p != "__init__"]
    return ".".join(["taskloom", *parts]) if parts[0] in PACKAGES else ".".join(parts)


def _graph() -> dict[str, set[str]]:
    files = [p for package in PACKAGES for p in (ROOT / package).rglob("*.py")]
    files += [ROOT / "taskloom" / f"{name}.py" for name in ("__init__", *SHARED)]
    modules = {_module_of(p): p for p in files}
    graph: dict[str, set[str]] = {}
    for module, path in modules.items():
        targets: set[str] = set()
        for _, name in _imports(path):
            # `from a.b import c` is module a.b.c when that exists, else a name in a.b
            while name and name not in modules:
                name = name.rpartition(".")[0]
            while name:  # importing a.b.c runs a/__init__ and a/b/__init__ first
                targets.add(name)
                name = name.rpartition(".")[0]
        graph[module] = targets & modules.keys()
    return graph


def _reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    seen, todo = set(), [start]
    while todo:
        module = todo.pop()
        if module not in seen:
            seen.add(module)
            todo.extend(graph.get(module, ()))
    return seen


def test_web_app_never_imports_the_cli() -> None:
    graph = _graph()
    reached = _reachable(graph, "taskloom.server.app")
    assert "taskloom.collector.api" in reached  # the walk follows imports
    assert sorted(m for m in reached if m.startswith("taskloom.server.cli")) == []


def test_cli_imports_no_route_module_and_no_private_name_of_another_command() -> None:
    cli = ROOT / "server" / "cli"
    bad = []
    for path in sorted(cli.glob("*.py")):
        for line, name in _imports(path):
            module, _, attr = name.rpartition(".")
            where = f"{path.relative_to(ROOT)}:{line} imports {name}"
            if name.startswith("taskloom.collector.api"):
                bad.append(where + " (call a service in taskloom.collector.services)")
            if module.startswith("taskloom.server.cli.") and attr.startswith("_"):
                bad.append(where + " (a private name of another command module)")
    assert bad == []


def test_checker_sees_a_violation(tmp_path: Path) -> None:
    """The rule check itself must be able to fail."""
    sample = tmp_path / "x.py"
    sample.write_text("import taskloom.collector.store\nfrom taskloom.server import app\nimport pandas as pd\n")
    names = [name for _, name in _imports(sample)]
    assert names == ["taskloom.collector.store", "taskloom.server.app", "pandas"]
    graph = {"a": {"b"}, "b": {"c"}, "c": set(), "d": {"a"}}
    assert _reachable(graph, "a") == {"a", "b", "c"}

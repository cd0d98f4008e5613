"""The built distribution: one top-level import package, every module inside it, and an
agent extra that pulls nothing heavy.

Builds the wheel from a copy of the tracked files (as a fresh clone has them), installs it
with no dependencies into a fresh venv and imports it there.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
import zipfile
from importlib import metadata
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from tests.conftest import ROOT

pytestmark = pytest.mark.slow

PACKAGES = ("agent", "collector", "mining", "server")
#: What installing the agent must never pull in (DESIGN.md: the agent stays light).
HEAVY = {"pandas", "numpy", "scikit-learn", "scipy", "fastapi", "starlette", "uvicorn",
         "sqlalchemy", "pyarrow", "alembic"}


def _run(*args: str | Path, cwd: Path | None = None) -> str:
    out = subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=300,
                         cwd=cwd)
    assert out.returncode == 0, f"{' '.join(map(str, args))} failed: {out.stderr[-3000:]}"
    return out.stdout


def _tracked_copy(dest: Path) -> Path:
    """The repository's tracked (and not ignored) files, copied as a fresh clone has them."""
    names = _run("git", "ls-files", "-co", "--exclude-standard", cwd=ROOT).splitlines()
    for name in names:
        src = ROOT / name
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if src.is_symlink():
            target.symlink_to(src.readlink())
        elif src.is_file():
            shutil.copy2(src, target)
    return dest


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("wheel")
    src = _tracked_copy(work / "src")
    _run(sys.executable, "-m", "pip", "wheel", src, "--no-deps", "-q", "-w", work / "dist")
    [built] = (work / "dist").glob("taskloom-*.whl")
    return built


def _names(wheel: Path) -> list[str]:
    with zipfile.ZipFile(wheel) as zf:
        return zf.namelist()


def _metadata(wheel: Path) -> metadata.PackageMetadata:
    import email

    with zipfile.ZipFile(wheel) as zf:
        [name] = [n for n in zf.namelist() if n.endswith(".dist-info/METADATA")]
        return email.message_from_bytes(zf.read(name))  # type: ignore[return-value]


def test_wheel_has_one_top_level_package(wheel: Path) -> None:
    names = _names(wheel)
    top = {n.split("/")[0] for n in names if ".dist-info/" not in n}
    assert top == {"taskloom"}
    [top_level] = [n for n in names if n.endswith(".dist-info/top_level.txt")]
    with zipfile.ZipFile(wheel) as zf:
        assert zf.read(top_level).decode().split() == ["taskloom"]


def test_wheel_holds_every_module_of_the_four_folders(wheel: Path) -> None:
    """A new folder without __init__.py (or a package-dir mistake) would be left out."""
    names = set(_names(wheel))
    expected = {f"taskloom/{p.relative_to(ROOT).as_posix()}"
                for package in PACKAGES for p in (ROOT / package).rglob("*.py")
                if "__pycache__" not in p.parts}
    assert expected - names == set()
    assert "taskloom/collector/migrations/script.py.mako" in names


def test_wheel_installs_and_imports_in_a_fresh_venv(wheel: Path, tmp_path: Path) -> None:
    venv = tmp_path / "fresh"
    _run(sys.executable, "-m", "venv", "--without-pip", venv)
    python = venv / "bin" / "python"
    _run(sys.executable, "-m", "pip", "--python", python, "install", "--no-deps", "-q", wheel)
    # With no third-party package at all: the root, the agent's wire format, lazy mining.
    light = ("import taskloom, taskloom.errors, taskloom.durations, taskloom.agent.protocol, "
             "taskloom.mining; print(taskloom.mining.__file__)")
    # (run outside the checkout, or its taskloom/ folder would be imported instead)
    where = _run(python, "-c", light, cwd=tmp_path).strip()
    site = Path(_run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])",
                     cwd=tmp_path).strip())
    assert Path(where).is_relative_to(site)
    # With the mining extra's packages (borrowed from this environment, after the venv's own
    # site-packages): the library reads a log.
    (site / "zz_borrowed_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    log = tmp_path / "log.csv"
    log.write_text("case:concept:name,concept:name,time:timestamp\n"
                   "c1,Register,2024-01-01T10:00:00Z\nc1,Triage,2024-01-01T10:05:00Z\n"
                   "c2,Register,2024-01-01T11:00:00Z\n")
    code = (f"import taskloom.mining as m; log = m.read_log({str(log)!r}); "
            "print(len(log), log['case:concept:name'].nunique(), m.__file__)")
    rows, cases, module = _run(python, "-c", code, cwd=tmp_path).split()
    assert (rows, cases) == ("3", "2") and Path(module).is_relative_to(site)


def _closure(requirements: list[Requirement]) -> set[str]:
    """Distribution names these requirements pull in, transitively, as far as the installed
    metadata of this environment tells (every agent dependency is installed for the tests)."""
    seen: set[str] = set()
    todo = list(requirements)
    while todo:
        req = todo.pop()
        name = req.name.lower().replace("_", "-")
        if name in seen:
            continue
        seen.add(name)
        try:
            dist = metadata.distribution(req.name)
        except metadata.PackageNotFoundError:
            continue
        for spec in dist.requires or []:
            sub = Requirement(spec)
            extras = [{"extra": e} for e in req.extras] or [{"extra": ""}]
            if sub.marker is None or any(sub.marker.evaluate(env) for env in extras):
                todo.append(sub)
    return seen


def test_agent_extra_pulls_no_pandas_sklearn_or_fastapi(wheel: Path) -> None:
    meta = _metadata(wheel)
    agent = [Requirement(r) for r in meta.get_all("Requires-Dist") or []]
    agent = [r for r in agent if r.marker is not None and r.marker.evaluate({"extra": "agent"})
             and not r.marker.evaluate({"extra": ""})]
    base = [Requirement(r) for r in meta.get_all("Requires-Dist") or []
            if Requirement(r).marker is None]
    closure = _closure(agent + base)
    assert {"httpx", "cryptography", "mss", "pynput"} <= closure  # the walk saw the extra
    assert closure & HEAVY == set()


def test_dockerfile_copies_everything_the_wheel_is_built_from(wheel: Path) -> None:
    """The image builds its wheel from what deploy/server/Dockerfile copies (docker is not
    available here to build it): every module of the wheel must come from a copied path."""
    import fnmatch

    dockerfile = (ROOT / "deploy" / "server" / "Dockerfile").read_text()
    sources = [src for line in dockerfile.splitlines()
               if line.startswith("COPY ") and "--from=" not in line
               for src in line.split()[1:-1]]
    package_dir = {"taskloom": "taskloom", **{f"taskloom/{p}": p for p in PACKAGES}}
    missing = []
    for name in _names(wheel):
        if ".dist-info/" in name:
            continue
        prefix = max((k for k in package_dir if name.startswith(k + "/")), key=len)
        repo_path = package_dir[prefix] + name[len(prefix):]
        if not any(repo_path == s or repo_path.startswith(s.rstrip("/") + "/")
                   or fnmatch.fnmatch(repo_path, s) for s in sources):
            missing.append(repo_path)
    assert missing == []

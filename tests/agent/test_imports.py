"""The agent stays light: importing every agent module pulls no pandas/sklearn/fastapi/numpy."""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys
from pathlib import Path

import taskloom.agent as agent

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("pandas", "sklearn", "fastapi", "numpy", "scipy", "sqlalchemy", "uvicorn", "pyarrow")

_PROBE = """
import importlib, json, pkgutil, sys
import taskloom.agent as agent
names = sorted(m.name for m in pkgutil.walk_packages(agent.__path__, "taskloom.agent."))
failed = {}
for name in names:
    try:
        importlib.import_module(name)
    except ImportError as exc:  # platform modules import their OS libraries lazily
        failed[name] = str(exc)
print(json.dumps({"modules": names, "failed": failed, "loaded": sorted(sys.modules)}))
"""


def test_agent_modules_import_without_heavy_packages() -> None:
    out = subprocess.run([sys.executable, "-c", _PROBE], cwd=ROOT, capture_output=True, text=True,
                         check=True, env={"PATH": "/usr/bin:/bin"})
    result = json.loads(out.stdout)
    expected = {m.name for m in pkgutil.walk_packages(agent.__path__, "taskloom.agent.")}
    assert set(result["modules"]) == expected and "taskloom.agent.cli" in expected
    assert result["failed"] == {}
    heavy = [m for m in result["loaded"] if m.split(".")[0] in HEAVY]
    assert heavy == []

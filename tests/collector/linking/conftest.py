"""A small hard generated study linked with its true task instances (shared by the linking tests)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pytest

from taskloom.collector.linking.link import LinkOptions, LinkResult, link_tasks
from taskloom.collector.linking.tasks import link_events
from taskloom.collector.synth import HardSettings, Study, generate_study
from taskloom.mining.io import read_log


@dataclass
class Linked:
    out: Path
    rows: pd.DataFrame  # generated UI events + task_type/task_instance from the truth
    system: pd.DataFrame
    user_map: dict[str, str]
    result: LinkResult


@pytest.fixture(scope="package")
def hard_study(tmp_path_factory: pytest.TempPathFactory) -> Linked:
    out = tmp_path_factory.mktemp("linking")
    generate_study(Study(clinicians=3, days=2, seed=21, hard=HardSettings()), out)
    rows = pd.read_csv(out / "ui_events.csv", dtype=str, keep_default_na=False, na_values=[""])
    rows["task_type"], rows["task_instance"] = rows["truth_task_type"], rows["truth_task_instance"]
    system = read_log(out / "system_log.csv")
    mapping = pd.read_csv(out / "user_map.csv")
    user_map = dict(zip(mapping["user"], mapping["resource"], strict=True))
    result = link_tasks(link_events(rows), system, LinkOptions(user_map=user_map))
    return Linked(out, rows, system, user_map, result)

"""The hard linking settings of the EHR study: ids hidden, EHR user ids, clock skew, two charts."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from taskloom.collector.synth import HardSettings, Study, generate_study
from taskloom.collector.synth.ehr import ACTIVITY_TASK

TOKEN = r"(NHS#[0-9a-f]{8})"


@pytest.fixture(scope="module")
def hard(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, pd.DataFrame]:
    out = tmp_path_factory.mktemp("hard")
    res = generate_study(Study(clinicians=3, days=2, seed=7, hard=HardSettings()), out)
    assert res.user_map == out / "user_map.csv"
    return out, pd.read_csv(out / "ui_events.csv", dtype=str, keep_default_na=False, na_values=[""])


def test_easy_default_has_no_hard_columns_or_map(tmp_path: Path) -> None:
    res = generate_study(Study(clinicians=1, days=1, seed=2), tmp_path)
    df = pd.read_csv(res.ui_events, nrows=5)
    assert "truth_hard" not in df.columns and "truth_skew_ms" not in df.columns
    assert res.user_map is None and not (tmp_path / "user_map.csv").exists()


def test_about_forty_percent_of_case_tasks_show_no_identifier(hard: tuple[Path, pd.DataFrame]) -> None:
    _, df = hard
    case_work = df[df["truth_task_type"].isin(list(ACTIVITY_TASK.values()))]
    per_task = case_work.groupby("truth_task_instance")["truth_hard"].agg(lambda s: (s == "no_id").any())
    assert 0.3 <= per_task.mean() <= 0.5
    hidden = case_work[case_work["truth_hard"] == "no_id"]
    assert hidden["title"].dropna().str.extract(TOKEN, expand=False).isna().all()
    assert hidden["truth_case"].notna().all(), "a hidden task still serves its case (truth kept)"


def test_system_log_names_ehr_user_ids_mapped_beside(hard: tuple[Path, pd.DataFrame]) -> None:
    out, df = hard
    mapping = pd.read_csv(out / "user_map.csv")
    assert list(mapping.columns) == ["user", "resource"]
    assert set(mapping["user"]) == set(df["user"])
    system = pd.read_csv(out / "system_log.csv")
    resources = set(system["org:resource"]) - {"system"}
    assert resources <= set(mapping["resource"])
    assert not resources & set(df["user"]), "desktop ids must not appear in the system log"


def test_workstation_clocks_are_skewed_within_90_seconds(hard: tuple[Path, pd.DataFrame]) -> None:
    _, df = hard
    skew = df["truth_skew_ms"].astype(int)
    assert skew.abs().max() <= 90_000
    assert skew.nunique() > 3, "each workstation and day gets its own clock error"
    ts = pd.to_datetime(df["ts"], utc=True, format="ISO8601")
    for _, g in df.assign(t=ts, s=df["seq"].astype(int)).groupby(["device_id", "truth_skew_ms"]):
        assert g.sort_values("s")["t"].is_monotonic_increasing


def test_second_chart_glances_keep_the_task_case(hard: tuple[Path, pd.DataFrame]) -> None:
    _, df = hard
    glance = df[df["truth_hard"] == "second_chart"]
    assert len(glance) > 0
    shown = glance["title"].str.extract(TOKEN, expand=False)
    assert (shown != glance["truth_case"]).all()
    # The task spends most of its events on its own chart.
    for inst in glance["truth_task_instance"].unique()[:20]:
        rows = df[df["truth_task_instance"] == inst]
        own = rows["title"].str.extract(TOKEN, expand=False) == rows["truth_case"]
        assert own.sum() > (rows["truth_hard"] == "second_chart").sum()

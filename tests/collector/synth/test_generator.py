"""The synthetic EHR study: deterministic, valid wire events, pseudonymised, linked to the system log."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest

from taskloom.agent.protocol import EVENT_FIELDS, KEY_CLASSES, keyed_token, parse_event
from taskloom.collector.synth import Study, generate_study
from taskloom.collector.synth.ehr import EhrGenerator, nhs_number
from taskloom.collector.synth.routines import RoutineStudy, routine_log


@pytest.fixture(scope="module")
def study(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, pd.DataFrame]:
    out = tmp_path_factory.mktemp("study")
    generate_study(Study(clinicians=2, days=1, seed=11), out)
    return out, pd.read_csv(out / "ui_events.csv", dtype=str, keep_default_na=False, na_values=[""])


def test_same_seed_writes_identical_files(tmp_path: Path) -> None:
    generate_study(Study(clinicians=2, days=1, seed=3), tmp_path / "a")
    generate_study(Study(clinicians=2, days=1, seed=3), tmp_path / "b")
    generate_study(Study(clinicians=2, days=1, seed=4), tmp_path / "c")
    a = (tmp_path / "a" / "ui_events.csv").read_bytes()
    assert a == (tmp_path / "b" / "ui_events.csv").read_bytes()
    assert a != (tmp_path / "c" / "ui_events.csv").read_bytes()


def test_every_event_is_a_valid_wire_event(study: tuple[Path, pd.DataFrame]) -> None:
    _, df = study
    assert list(df.columns[: len(EVENT_FIELDS)]) == list(EVENT_FIELDS)
    for rec in df[list(EVENT_FIELDS)].to_dict("records"):
        raw = {k: v for k, v in rec.items() if not (isinstance(v, float) and pd.isna(v))}
        raw["seq"] = int(raw["seq"])
        for k in ("x", "y"):
            if k in raw:
                raw[k] = int(raw[k])
        if "attrs" in raw:
            raw["attrs"] = json.loads(raw["attrs"])
        ev = parse_event(raw)
        assert ev.key_class is None or ev.key_class in KEY_CLASSES or "+" in ev.key_class


def test_seq_increases_by_one_per_device(study: tuple[Path, pd.DataFrame]) -> None:
    _, df = study
    for _, g in df.groupby("device_id"):
        seq = g["seq"].astype(int).to_numpy()
        assert (seq == range(len(seq))).all()


def test_typing_bursts_carry_counts_never_characters(study: tuple[Path, pd.DataFrame]) -> None:
    _, df = study
    typing = df[df["kind"] == "typing"]
    assert len(typing) > 10
    for attrs in typing["attrs"]:
        a = json.loads(attrs)
        assert sum(a["counts"].values()) == a["keys"]
        assert set(a["counts"]) <= KEY_CLASSES


def test_titles_hold_pseudonymised_patients_that_link_to_system_log(study: tuple[Path, pd.DataFrame]) -> None:
    out, df = study
    system = pd.read_csv(out / "system_log.csv")
    tokens = set(df["title"].dropna().str.extract(r"(NHS#[0-9a-f]{8})", expand=False).dropna())
    assert tokens, "patient tasks must show the pseudonymised patient in the title"
    assert tokens <= set(system["case:concept:name"])
    assert not df["title"].dropna().str.contains(r"\d{3} \d{3} \d{4}").any(), "raw NHS number leaked"
    # Truth case of a patient task is the token in its title.
    rows = df.dropna(subset=["truth_case"])
    in_title = rows["title"].str.extract(r"(NHS#[0-9a-f]{8})", expand=False)
    has = in_title.notna()
    assert (in_title[has] == rows["truth_case"][has]).all()


def test_case_ids_are_hashed_like_the_agent() -> None:
    gen = EhrGenerator(Study(clinicians=1, days=1, seed=5, study_key="k1"))
    list(gen.days())
    case = gen.cases[0]
    assert case.token == keyed_token("k1", case.nhs, prefix="NHS")
    assert case.token in set(gen.system_log()["case:concept:name"])


def test_nhs_numbers_have_a_valid_check_digit() -> None:
    import numpy as np

    from taskloom.agent.privacy import nhs_check_ok

    rng = np.random.default_rng(0)
    for _ in range(50):
        assert nhs_check_ok(nhs_number(rng).replace(" ", ""))


def test_system_log_has_the_process_with_rework(study: tuple[Path, pd.DataFrame]) -> None:
    out, _ = study
    system = pd.read_csv(out / "system_log.csv")
    acts = set(system["concept:name"])
    assert {"Referral received", "Triage", "Appointment booked"} <= acts
    assert re.search(r"<trace>", (out / "system_log.xes").read_text())


def test_routine_log_has_action_logger_columns_and_truth() -> None:
    from taskloom.collector.uilogs import ACTION_LOGGER_COLUMNS

    df = routine_log(RoutineStudy(instances=40, seed=1))
    assert list(df.columns) == [*ACTION_LOGGER_COLUMNS, "Task", "idx"]
    assert df["Task"].nunique() == 3

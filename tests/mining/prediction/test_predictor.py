"""Prediction on a log with a known structure: the model beats its baselines; faults are one line."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from taskloom.mining.errors import LogInputError
from taskloom.mining.prediction.model_file import model_from_bytes, model_to_bytes
from taskloom.mining.prediction.predictor import predict, train
from taskloom.mining.prediction.prefixes import build_vocabulary, encode, prefixes_of
from tests.mining.factories import clinic_log


@pytest.fixture(scope="module")
def log() -> pd.DataFrame:
    return clinic_log()


def test_next_activity_beats_both_baselines(log: pd.DataFrame) -> None:
    _, ev = train(log, "next-activity")
    model = ev.scores["model"]
    # After Triage the next step depends on case:urgent, which the baselines cannot see.
    for base in ("most frequent", "most frequent per state"):
        assert model["accuracy"] > ev.scores[base]["accuracy"]
        assert model["macro_f1"] > ev.scores[base]["macro_f1"]
    assert ev.train_cases > ev.test_cases > 0


def test_remaining_time_beats_both_baselines(log: pd.DataFrame) -> None:
    _, ev = train(log, "remaining-time", encoding="last")
    assert ev.kind == "regression"
    for base in ("mean", "mean per state"):
        assert ev.scores["model"]["mae_hours"] < ev.scores[base]["mae_hours"]


def test_outcome_of_a_case_attribute(log: pd.DataFrame) -> None:
    # Whether a case is urgent shows from its second event on (Scan or Consult after Triage).
    _, ev = train(log, "case:urgent", encoding="index")
    assert ev.kind == "classification"
    assert ev.scores["model"]["accuracy"] > ev.scores["most frequent"]["accuracy"]


def test_encodings_count_activities_without_loops(log: pd.DataFrame) -> None:
    vocab = build_vocabulary(log, "aggregation")
    p = prefixes_of(log, vocab)
    x = encode(log, p, vocab)
    k = len(vocab.activities)
    counts = x[:, -k - len(vocab.numeric) - sum(len(v) for v in vocab.categorical.values()):][:, :k]
    # The counts of each prefix sum to its length.
    assert np.array_equal(counts.sum(axis=1), p.length.astype(np.float32))


def test_model_file_roundtrip_and_predictions_for_running_cases(log: pd.DataFrame) -> None:
    model, _ = train(log, "next-activity")
    back = model_from_bytes(model_to_bytes(model))
    cut = log.groupby("case:concept:name").head(2)      # every case stopped after Triage
    out = predict(back, cut)
    assert len(out) == cut["case:concept:name"].nunique()
    assert set(out["last_activity"]) == {"Triage"}
    assert set(out["prediction"]) <= {"Scan", "Consult"}
    assert predict(back, log).empty     # every case of the full log has ended


def test_wrong_model_file_is_refused_before_unpickling() -> None:
    with pytest.raises(LogInputError, match="not a taskloom prediction model"):
        model_from_bytes(b"\x80\x04\x95 not our file")
    with pytest.raises(LogInputError, match="damaged"):
        model_from_bytes(b"TASKLOOM-PREDICTOR 1\n{}\n" + b"garbage")


def test_log_without_complete_cases_is_refused(log: pd.DataFrame) -> None:
    with pytest.raises(LogInputError, match="no complete cases"):
        train(log, "next-activity", ends=("Nowhere",))


def test_unknown_target_names_the_attributes(log: pd.DataFrame) -> None:
    with pytest.raises(LogInputError, match="case:urgent"):
        train(log, "diagnosis")

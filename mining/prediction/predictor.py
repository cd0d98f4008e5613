"""Predictive monitoring: train on finished cases, predict for running ones.

Targets: ``next-activity`` (classification, "[end]" when the case ends), ``remaining-time``
(regression, hours) or a case attribute (the outcome, e.g. ``case:closed``: classification).
A gradient-boosted tree model (scikit-learn) learns from prefix encodings (``prefixes``).
Training evaluates on a temporal split (train: cases ended before the cut-off; test:
cases started after it) against named baselines: the most frequent value
overall and per state (state = the last activity), and the mean remaining time overall
and per state; the model returned is the one evaluated (trained before the cut-off).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from taskloom.mining.columns import ACTIVITY, CASE_PREFIX
from taskloom.mining.errors import LogInputError
from taskloom.mining.ordering import order_log
from taskloom.mining.prediction.prefixes import (
    ENCODINGS,
    Prefixes,
    Vocabulary,
    build_vocabulary,
    case_attributes,
    encode,
    prefixes_of,
)
from taskloom.mining.prediction.split import (
    complete_mask,
    end_activities,
    next_activity,
    remaining_hours,
    temporal_split,
)

NEXT, REMAINING = "next-activity", "remaining-time"
MAX_PREFIXES = 80_000


@dataclass
class Predictor:
    """A trained model and what it needs to encode new logs the same way."""

    target: str
    kind: str                      # classification | regression
    vocab: Vocabulary
    ends: tuple[str, ...]
    estimator: Any
    cutoff: str
    meta: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Evaluation:
    """Test-set scores of the model and the baselines (name → metric → value)."""

    target: str
    kind: str
    scores: dict[str, dict[str, float]]
    train_cases: int
    test_cases: int
    train_prefixes: int
    test_prefixes: int
    cutoff: str


def _target_values(log: pd.DataFrame, p: Prefixes, target: str) -> tuple[np.ndarray, str]:
    o = p.o
    if target == NEXT:
        return next_activity(o), "classification"
    if target == REMAINING:
        return remaining_hours(o), "regression"
    col = target if target.startswith(CASE_PREFIX) else CASE_PREFIX + target
    if col not in log.columns:
        attrs = ", ".join(c for c in log.columns if c.startswith(CASE_PREFIX))
        raise LogInputError(f"--target {target}: no case attribute {col!r} in the log "
                            f"(case attributes: {attrs or 'none'}); or use next-activity / remaining-time")
    values = case_attributes(log, o)[col]
    if pd.api.types.is_bool_dtype(values) or not pd.api.types.is_numeric_dtype(values) \
            or values.nunique() <= 10:
        return values.astype(str).to_numpy(dtype=object)[o.case], "classification"
    return values.to_numpy(dtype=float)[o.case], "regression"


def _rows(p: Prefixes, cases: np.ndarray, target: str, y: np.ndarray) -> np.ndarray:
    """Prefix rows of `cases` (the whole case is no prefix to predict from, except for the
    next activity, which then is the end); rows with a missing target are left out."""
    mask = np.isin(p.case, cases)
    if target != NEXT:
        mask &= p.last != p.o.last[p.o.case]
    if y.dtype == object:
        mask &= pd.notna(y)
    else:
        mask &= ~np.isnan(y)
    return np.flatnonzero(mask)


def _estimator(kind: str, seed: int) -> Any:
    from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor

    if kind == "classification":
        return HistGradientBoostingClassifier(max_iter=80, learning_rate=0.15, max_bins=63,
                                              early_stopping=True, random_state=seed)
    return HistGradientBoostingRegressor(max_iter=150, learning_rate=0.15, max_bins=63,
                                         early_stopping=True, loss="absolute_error",
                                         random_state=seed)


def _one_thread() -> Any:
    """Gradient boosting on one OpenMP thread: on a busy machine its spinning threads cost
    40x (measured on the shared 2-core host); one thread is predictable."""
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1)


def _scores(kind: str, truth: np.ndarray, pred: np.ndarray) -> dict[str, float]:
    from sklearn.metrics import accuracy_score, f1_score, mean_absolute_error

    if kind == "classification":
        return {"accuracy": float(accuracy_score(truth, pred)),
                "macro_f1": float(f1_score(truth, pred, average="macro", zero_division=0))}
    return {"mae_hours": float(mean_absolute_error(truth, pred))}


def _baselines(kind: str, state_tr: np.ndarray, y_tr: np.ndarray, state_te: np.ndarray,
               y_te: np.ndarray) -> dict[str, dict[str, float]]:
    """Most frequent value (mean) overall and per state, fitted on training prefixes."""
    tr = pd.DataFrame({"s": state_tr, "y": y_tr})
    if kind == "classification":
        overall = tr["y"].value_counts().index[0]
        per = tr.groupby("s")["y"].agg(lambda v: v.value_counts().index[0])
        names = ("most frequent", "most frequent per state")
    else:
        overall = float(tr["y"].mean())
        per = tr.groupby("s")["y"].mean()
        names = ("mean", "mean per state")
    flat = np.full(len(y_te), overall, dtype=object if kind == "classification" else float)
    by_state = pd.Series(state_te).map(per).fillna(overall).to_numpy()
    if kind == "regression":
        by_state = by_state.astype(float)
    return {names[0]: _scores(kind, y_te, flat), names[1]: _scores(kind, y_te, by_state)}


def train(log: pd.DataFrame, target: str, encoding: str = "aggregation",
          ends: tuple[str, ...] = (), cutoff: pd.Timestamp | None = None,
          max_prefixes: int = MAX_PREFIXES, seed: int = 0) -> tuple[Predictor, Evaluation]:
    """Train on complete cases ended before the cut-off; evaluate on those ended after."""
    if encoding not in ENCODINGS:
        raise ValueError(f"encoding {encoding!r}: use one of {', '.join(ENCODINGS)}")
    exclude = () if target in (NEXT, REMAINING) else (
        target if target.startswith(CASE_PREFIX) else CASE_PREFIX + target,)
    o = order_log(log, ACTIVITY)
    ends = end_activities(o, ends)
    split = temporal_split(o, complete_mask(o, ends), cutoff)
    train_rows = np.isin(o.case, split.train)
    vocab = build_vocabulary(log.iloc[o.order[train_rows]], encoding, exclude)
    p = prefixes_of(log, vocab, o)
    y, kind = _target_values(log, p, target)
    tr = _rows(p, split.train, target, y)
    te = _rows(p, split.test, target, y)
    if len(tr) == 0 or len(te) == 0:
        raise LogInputError("no prefixes to learn from or to test on; the cases are too short")
    rng = np.random.default_rng(seed)
    if len(tr) > max_prefixes:
        tr = np.sort(rng.choice(tr, max_prefixes, replace=False))
    x = encode(log, p, vocab)
    est = _estimator(kind, seed)
    with _one_thread():
        est.fit(x[tr], y[tr])
        pred = est.predict(x[te])
    state = np.where(p.act >= 0, p.act, -1)
    scores = {"model": _scores(kind, y[te], pred)}
    scores.update(_baselines(kind, state[tr], y[tr], state[te], y[te]))
    ev = Evaluation(target, kind, scores, len(split.train), len(split.test), len(tr), len(te),
                    split.cutoff.isoformat())
    return Predictor(target, kind, vocab, ends, est, split.cutoff.isoformat()), ev


def predict(model: Predictor, log: pd.DataFrame) -> pd.DataFrame:
    """One row per running case (not ending with an end activity): case, events so far,
    last activity and time, prediction (and its probability for classifications)."""
    p = prefixes_of(log, model.vocab)
    o = p.o
    running = ~complete_mask(o, model.ends)
    rows = o.last[running]
    if len(rows) == 0:
        return pd.DataFrame(columns=["case", "events", "last_activity", "last_time", "prediction"])
    x = encode(log, p, model.vocab)[rows]
    with _one_thread():
        prediction = model.estimator.predict(x)
        proba = (model.estimator.predict_proba(x).max(axis=1)
                 if model.kind == "classification" else None)
    names = np.asarray([str(a) for a in o.act_names] + [""], dtype=object)
    out = pd.DataFrame({
        "case": np.asarray(o.case_names)[running],
        "events": p.length[rows],
        "last_activity": names[o.act[rows]],
        "last_time": pd.to_datetime(o.ts[rows], utc=True),
        "prediction": prediction,
    })
    if proba is not None:
        out["probability"] = proba
    return out

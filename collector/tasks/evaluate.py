"""Quality of discovered tasks against ground truth: ARI, NMI, weighted F1, boundary F1.

Weighted F1 matches discovered types to true types one-to-one with the Hungarian
algorithm (maximising events in agreement); unmatched types count as wrong. Boundary F1
compares, within each user's time-ordered stream, the positions where the task instance
changes (see the README for the exact definition).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Scores:
    """Per-event scores of a discovery against the truth."""

    events: int
    ari: float | None
    nmi: float | None
    weighted_f1: float | None
    instance_ari: float | None
    boundary_precision: float
    boundary_recall: float
    boundary_f1: float


def matched_weighted_f1(truth: np.ndarray, pred: np.ndarray) -> float:
    """Weighted F1 after mapping predicted types to true types by the Hungarian algorithm."""
    from scipy.optimize import linear_sum_assignment
    from sklearn.metrics import f1_score

    t_codes, t_uniq = pd.factorize(pd.Series(truth).astype(str))
    p_codes, p_uniq = pd.factorize(pd.Series(pred).astype(str))
    conf = np.zeros((len(p_uniq), len(t_uniq)), dtype=np.int64)
    np.add.at(conf, (p_codes, t_codes), 1)
    rows, cols = linear_sum_assignment(-conf)
    mapping = np.full(len(p_uniq), -1, dtype=np.int64)
    mapping[rows] = cols
    mapped = mapping[p_codes]
    return float(f1_score(t_codes, mapped, average="weighted", labels=np.arange(len(t_uniq)),
                          zero_division=0))


def boundaries(stream: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Boolean per position (in stream order): label differs from the previous event's, same stream."""
    same = np.r_[False, stream[1:] == stream[:-1]]
    change = np.r_[False, labels[1:] != labels[:-1]]
    return same & change


def evaluate(df: pd.DataFrame, truth_instance: str, truth_type: str | None = None,
             user_col: str | None = None, ts_col: str | None = None,
             pred_type: str = "task_type", pred_instance: str = "task_instance") -> Scores:
    """Score a discovered frame (with truth columns) per event; stream order is (user, ts, row)."""
    from sklearn.metrics import adjusted_rand_score, normalized_mutual_info_score

    n = len(df)
    user = df[user_col].astype(str).to_numpy() if user_col else np.zeros(n, dtype=object).astype(str)
    if ts_col:
        ts = pd.to_datetime(df[ts_col], utc=True, format="ISO8601").astype("int64").to_numpy() \
            if not pd.api.types.is_numeric_dtype(df[ts_col]) else df[ts_col].to_numpy()
    else:
        ts = np.arange(n)
    order = np.lexsort((np.arange(n), ts, user))
    t_inst = df[truth_instance].astype(str).to_numpy()[order]
    p_inst = df[pred_instance].astype(str).to_numpy()[order]
    stream = user[order]
    tb, pb = boundaries(stream, t_inst), boundaries(stream, p_inst)
    tp = int((tb & pb).sum())
    prec = tp / pb.sum() if pb.sum() else 1.0
    rec = tp / tb.sum() if tb.sum() else 1.0
    f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
    ari = nmi = wf1 = None
    if truth_type:
        t_type = df[truth_type].astype(str).to_numpy()
        p_type = df[pred_type].astype(str).to_numpy()
        ari = float(adjusted_rand_score(t_type, p_type))
        nmi = float(normalized_mutual_info_score(t_type, p_type))
        wf1 = matched_weighted_f1(t_type, p_type)
    inst_ari = float(adjusted_rand_score(t_inst, p_inst))
    return Scores(n, ari, nmi, wf1, inst_ari, float(prec), float(rec), float(f1))

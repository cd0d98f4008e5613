"""Precision, recall and F1 of case links against ground truth, per event and per task instance.

A link is right when its case equals the true case. Precision counts the linked items,
recall the items that have a true case. ``scope="with_case"`` (the figure the issue sets
goals on) scores only items that have a true case; ``"all"`` also counts a link made for
an item with no true case (a filler task pulled into a case) as wrong. Per method, precision is
that method's own and recall its share of the items with a true case.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class LinkScore:
    """One row of the evaluation table."""

    level: str  # "event" or "task"
    scope: str  # "with_case" or "all"
    method: str  # "all" or one link method
    items: int  # items with a true case (recall's denominator)
    linked: int
    correct: int
    precision: float
    recall: float
    f1: float


def _score(level: str, scope: str, method: str, truth: np.ndarray, pred: np.ndarray, items: int) -> LinkScore:
    linked = pred != ""
    if scope == "with_case":
        linked &= truth != ""
    correct = int((linked & (pred == truth)).sum())
    n_linked = int(linked.sum())
    p = correct / n_linked if n_linked else 0.0
    r = correct / items if items else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return LinkScore(level, scope, method, items, n_linked, correct, round(p, 4), round(r, 4), round(f, 4))


def _table(level: str, truth: np.ndarray, pred: np.ndarray, method: np.ndarray) -> list[LinkScore]:
    items = int((truth != "").sum())
    out = []
    for scope in ("with_case", "all"):
        out.append(_score(level, scope, "all", truth, pred, items))
        for m in sorted(set(method.tolist()) - {"none"}):
            out.append(_score(level, scope, m, truth, np.where(method == m, pred, ""), items))
    return out


def evaluate_links(links: pd.DataFrame, truth: pd.Series) -> pd.DataFrame:
    """The evaluation table of LINKS rows (aligned with ``truth``, the true case per event).

    Per task instance the truth is the case most of its events carry (none when most carry none).
    """
    t = truth.astype("string").fillna("").to_numpy(dtype=object).astype(str)
    p = links["case_id"].astype("string").fillna("").to_numpy(dtype=object).astype(str)
    m = links["method"].astype("string").fillna("none").to_numpy(dtype=object).astype(str)
    rows = _table("event", t, p, m)
    inst = links["task_instance"].astype("string").fillna("")
    frame = pd.DataFrame({"inst": inst.to_numpy(), "t": t, "p": p, "m": m})
    frame = frame[frame["inst"] != ""]
    if not frame.empty:
        major = frame.groupby(["inst", "t"]).size().reset_index(name="n") \
            .sort_values(["inst", "n"], ascending=[True, False], kind="stable").drop_duplicates("inst") \
            .set_index("inst")["t"]
        first = frame.drop_duplicates("inst").set_index("inst")
        rows += _table("task", major.reindex(first.index).to_numpy().astype(str),
                       first["p"].to_numpy().astype(str), first["m"].to_numpy().astype(str))
    return pd.DataFrame([r.__dict__ for r in rows])


def format_table(table: pd.DataFrame) -> str:
    """A plain-text table of the evaluation (for the CLI and the demo)."""
    lines = [f"{'level':<6} {'scope':<10} {'method':<11} {'items':>7} {'linked':>7} {'correct':>7} "
             f"{'precision':>9} {'recall':>7} {'F1':>6}"]
    for r in table.itertuples(index=False):
        lines.append(f"{r.level:<6} {r.scope:<10} {r.method:<11} {r.items:>7} {r.linked:>7} {r.correct:>7} "
                     f"{r.precision:>9.4f} {r.recall:>7.4f} {r.f1:>6.4f}")
    return "\n".join(lines)

"""Attribute distributions over cases: value, number of cases, share (e.g. case end reason)."""

from __future__ import annotations

import pandas as pd

from taskloom.mining.columns import CASE, CASE_PREFIX
from taskloom.mining.ordering import require_columns


def case_distribution(log: pd.DataFrame, attribute: str, *, dropna: bool = True) -> pd.DataFrame:
    """Rows ``value``, ``cases``, ``share`` (of all cases), most common first.

    A case attribute (``case:X``, or ``X`` naming one) counts each case once; an event
    attribute counts the cases where the value occurs at least once, so shares may add
    up to more than 1.
    """
    name = attribute if attribute in log.columns else CASE_PREFIX + attribute
    require_columns(log, CASE, name)
    total = log[CASE].nunique()
    pairs = log[[CASE, name]].drop_duplicates()
    counts = pairs[name].value_counts(dropna=dropna)
    out = pd.DataFrame({"value": counts.index.astype(object), "cases": counts.to_numpy()})
    out["share"] = out["cases"] / total if total else 0.0
    return out.reset_index(drop=True)

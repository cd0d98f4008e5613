"""Time between activities: per case, the first A to the next B after it, with statistics.

This is the seeds' "movement between interventions": e.g. from "ER Registration" to the
next "IV Antibiotics". Cases without A, or without B after their first A, are left out.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from taskloom.mining.columns import ACTIVITY
from taskloom.mining.ordering import order_log


def time_between(log: pd.DataFrame, source: str, target: str,
                 activity: str = ACTIVITY) -> pd.DataFrame:
    """One row per case with both: ``case``, ``from``, ``to`` (UTC), ``seconds``."""
    o = order_log(log, activity)
    names = [str(n) for n in o.act_names]
    codes = {n: i for i, n in enumerate(names)}
    n = len(o.act)
    pos = np.arange(n)
    big = np.iinfo(np.int64).max
    first_a = np.full(o.n_cases, big, dtype=np.int64)
    if source in codes:
        is_a = o.act == codes[source]
        np.minimum.at(first_a, o.case[is_a], pos[is_a])
    next_b = np.full(o.n_cases, big, dtype=np.int64)
    if target in codes:
        is_b = (o.act == codes[target]) & (pos > first_a[o.case])
        np.minimum.at(next_b, o.case[is_b], pos[is_b])
    found = np.flatnonzero(next_b < big)
    a_pos, b_pos = first_a[found], next_b[found]
    return pd.DataFrame({
        "case": o.case_names[found],
        "from": pd.to_datetime(o.ts[a_pos], utc=True),
        "to": pd.to_datetime(o.ts[b_pos], utc=True),
        "seconds": (o.ts[b_pos] - o.ts[a_pos]) / 1e9,
    })


def summarise_seconds(seconds: pd.Series) -> dict[str, float]:
    """count, min, median, mean, max and 90th percentile of a duration column."""
    if len(seconds) == 0:
        return {"count": 0, "min": float("nan"), "median": float("nan"), "mean": float("nan"),
                "p90": float("nan"), "max": float("nan")}
    values = seconds.to_numpy(dtype=float)
    return {"count": len(values), "min": float(values.min()), "median": float(np.median(values)),
            "mean": float(values.mean()), "p90": float(np.quantile(values, 0.9)),
            "max": float(values.max())}

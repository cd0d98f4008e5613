"""Per task type statistics and automation candidates.

Hours saved per month (an estimate, documented in the README): instances per working
month × median active time × an automatable share that grows with repetitiveness (few
variants), low variance of duration and copy-paste use.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from taskloom.collector.tasks.labels import IDLE_TYPE

WORKING_DAYS_PER_MONTH = 21


def type_table(segments: pd.DataFrame, labels: dict[str, str]) -> pd.DataFrame:
    """One row per task type: instances, users, active time, clicks/keys per instance, variants."""
    seg = segments[segments["task_type"] != IDLE_TYPE]
    if seg.empty:
        return pd.DataFrame(columns=["task_type", "label", "instances", "users", "median_active_s",
                                     "mean_active_s", "clicks_per_instance", "keys_per_instance",
                                     "copy_paste_per_instance", "variants", "cv_active"])
    g = seg.groupby("task_type", sort=True)
    out = pd.DataFrame({
        "instances": g.size(),
        "users": g["user"].nunique(),
        "median_active_s": g["active_s"].median(),
        "mean_active_s": g["active_s"].mean(),
        "clicks_per_instance": g["click"].mean(),
        "keys_per_instance": g["keys"].mean(),
        "copy_paste_per_instance": (g["copy"].mean() + g["paste"].mean()),
        "variants": g["variant"].nunique(),
        "cv_active": g["active_s"].std().fillna(0) / g["active_s"].mean().replace(0, np.nan),
    }).fillna({"cv_active": 0.0})
    out.insert(0, "label", [labels.get(str(t), str(t)) for t in out.index])
    return out.reset_index().sort_values("instances", ascending=False, kind="stable")


def automation_candidates(types: pd.DataFrame, days: float) -> pd.DataFrame:
    """Types ranked by estimated hours saved per month if automated."""
    if types.empty:
        return types.assign(repetitiveness=[], automatable_share=[], hours_saved_per_month=[])
    t = types.copy()
    t["repetitiveness"] = 1.0 - (t["variants"] - 1) / t["instances"].clip(lower=1)
    low_var = 1.0 / (1.0 + t["cv_active"])
    copy_paste = (t["copy_paste_per_instance"] / 4.0).clip(upper=1.0)
    t["automatable_share"] = (0.2 + 0.35 * t["repetitiveness"] + 0.25 * low_var
                              + 0.2 * copy_paste).clip(upper=0.9)
    per_month = t["instances"] / max(days, 1e-9) * WORKING_DAYS_PER_MONTH
    t["hours_saved_per_month"] = per_month * t["median_active_s"] * t["automatable_share"] / 3600.0
    return t.sort_values("hours_saved_per_month", ascending=False, kind="stable")

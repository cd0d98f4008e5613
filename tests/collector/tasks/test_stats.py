"""Per-type statistics and automation candidates, checked against direct computations."""

from __future__ import annotations

import numpy as np
import pandas as pd

from taskloom.collector.tasks.stats import WORKING_DAYS_PER_MONTH, automation_candidates, type_table


def _segments(seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n = 200
    return pd.DataFrame({
        "task_type": rng.choice(["T01", "T02", "T03", "idle"], n),
        "user": rng.choice(["a", "b", "c"], n),
        "active_s": rng.gamma(2.0, 30.0, n),
        "click": rng.integers(0, 20, n),
        "keys": rng.integers(0, 300, n),
        "copy": rng.integers(0, 4, n),
        "paste": rng.integers(0, 4, n),
        "variant": rng.choice(["v1", "v2", "v3", "v4"], n),
    })


def test_type_table_matches_direct_computation_and_leaves_idle_out() -> None:
    seg = _segments(0)
    got = type_table(seg, {"T01": "Mail · reply"}).set_index("task_type")
    assert "idle" not in got.index
    for t, g in seg[seg["task_type"] != "idle"].groupby("task_type"):
        row = got.loc[t]
        assert row["instances"] == len(g)
        assert row["users"] == g["user"].nunique()
        assert np.isclose(row["median_active_s"], np.median(g["active_s"]))
        assert np.isclose(row["clicks_per_instance"], g["click"].mean())
        assert np.isclose(row["copy_paste_per_instance"], (g["copy"] + g["paste"]).mean())
        assert row["variants"] == g["variant"].nunique()
    assert got.loc["T01", "label"] == "Mail · reply"
    assert got.loc["T02", "label"] == "T02"


def test_candidates_are_ranked_by_hours_saved_per_month() -> None:
    types = type_table(_segments(1), {})
    days = 10.0
    cand = automation_candidates(types, days)
    hours = cand["hours_saved_per_month"].to_numpy()
    assert (np.diff(hours) <= 0).all()
    for _, r in cand.iterrows():
        per_month = r["instances"] / days * WORKING_DAYS_PER_MONTH
        want = per_month * r["median_active_s"] * r["automatable_share"] / 3600.0
        assert np.isclose(r["hours_saved_per_month"], want)
        assert 0.0 < r["automatable_share"] <= 0.9


def test_a_repetitive_copy_paste_task_outranks_a_varied_one_of_equal_volume() -> None:
    base = {"user": "a", "active_s": 60.0, "click": 5, "keys": 10}
    rows = [{**base, "task_type": "T01", "copy": 3, "paste": 3, "variant": "same"} for _ in range(50)]
    rows += [{**base, "task_type": "T02", "copy": 0, "paste": 0, "variant": f"v{i}"} for i in range(50)]
    cand = automation_candidates(type_table(pd.DataFrame(rows), {}), 5.0)
    assert cand["task_type"].tolist() == ["T01", "T02"]

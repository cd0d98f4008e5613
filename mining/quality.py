"""Data-quality report on a log as recorded in the file.

Future timestamps; events outside the expected timeframe; late registration (recorded
long after they happened, where a recorded-at column exists); exact duplicates (same
case, activity and timestamp); single-event cases; and out-of-order events (earlier
than the event before them in the same case, in file order).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime

import numpy as np
import pandas as pd

from taskloom.mining.columns import ACTIVITY, CASE, TIMESTAMP
from taskloom.mining.ordering import require_columns, ts_ns

RECORDED_AT_COLUMNS = ("recorded_at", "time:recorded", "recorded", "registered_at", "time:registered")
EXAMPLES = 5


@dataclass(frozen=True)
class Check:
    """One finding: how many events (or cases) and a few example case ids."""

    count: int
    unit: str
    examples: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class QualityReport:
    """All checks of a log; ``late_registration`` is None without a recorded-at column."""

    events: int
    cases: int
    future_timestamps: Check
    outside_timeframe: Check
    duplicates: Check
    single_event_cases: Check
    out_of_order: Check
    late_registration: Check | None

    def to_json(self) -> dict[str, object]:
        return asdict(self)


def _examples(cases: pd.Series | np.ndarray) -> list[str]:
    return [str(c) for c in pd.unique(np.asarray(cases, dtype=object))[:EXAMPLES]]


def quality_report(log: pd.DataFrame, *, now: datetime | None = None,
                   timeframe: tuple[datetime, datetime] | None = None,
                   recorded_at: str | None = None, late_after_s: float = 86400.0) -> QualityReport:
    """Run every check. `timeframe` defaults to 1990-01-01 .. now (implausible dates)."""
    require_columns(log, CASE, ACTIVITY, TIMESTAMP)
    now_ts = pd.Timestamp(now or pd.Timestamp.now(tz="UTC"))
    now_ts = now_ts.tz_localize("UTC") if now_ts.tzinfo is None else now_ts
    ts = ts_ns(log[TIMESTAMP])
    case = log[CASE].to_numpy()
    future = ts > now_ts.as_unit("ns").value
    lo, hi = timeframe or (pd.Timestamp("1990-01-01", tz="UTC"), now_ts)
    lo_ns = pd.Timestamp(lo).tz_localize("UTC").as_unit("ns").value if pd.Timestamp(lo).tzinfo is None \
        else pd.Timestamp(lo).as_unit("ns").value
    hi_ns = pd.Timestamp(hi).tz_localize("UTC").as_unit("ns").value if pd.Timestamp(hi).tzinfo is None \
        else pd.Timestamp(hi).as_unit("ns").value
    outside = (ts < lo_ns) | (ts > hi_ns)
    dup = log.duplicated(subset=[CASE, ACTIVITY, TIMESTAMP], keep="first").to_numpy()
    codes, _ = pd.factorize(log[CASE])
    sizes = np.bincount(codes[codes >= 0]) if len(codes) else np.zeros(0, dtype=np.int64)
    single_cases = pd.unique(case[(codes >= 0) & (sizes[np.maximum(codes, 0)] == 1)]) if len(codes) else []
    # file order within a case: compare each event with the previous one of its case
    order = np.argsort(codes, kind="stable")
    c_sorted, t_sorted = codes[order], ts[order]
    back = np.zeros(len(ts), dtype=bool)
    if len(ts) > 1:
        back[order[1:]] = (c_sorted[1:] == c_sorted[:-1]) & (t_sorted[1:] < t_sorted[:-1])
    late: Check | None = None
    col = recorded_at or next((c for c in RECORDED_AT_COLUMNS if c in log.columns), None)
    if col is not None:
        require_columns(log, col)
        rec = ts_ns(log[col])
        is_late = (rec - ts) / 1e9 > late_after_s
        late = Check(int(is_late.sum()), "events", _examples(case[is_late]))
    return QualityReport(
        events=len(log),
        cases=int((sizes > 0).sum()),
        future_timestamps=Check(int(future.sum()), "events", _examples(case[future])),
        outside_timeframe=Check(int(outside.sum()), "events", _examples(case[outside])),
        duplicates=Check(int(dup.sum()), "events", _examples(case[dup])),
        single_event_cases=Check(len(single_cases), "cases", _examples(np.asarray(single_cases))),
        out_of_order=Check(int(back.sum()), "events", _examples(case[back])),
        late_registration=late,
    )

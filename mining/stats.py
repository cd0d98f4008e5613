"""Log statistics as Apromore shows them, and the filtered/total comparison.

Cases, case variants, activity instances (events), distinct activities, case duration
(min/median/mean/max: last event's timestamp minus the first's) and the log timeframe.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import numpy as np
import pandas as pd

from taskloom.mining.columns import ACTIVITY
from taskloom.mining.ordering import Ordered, order_log
from taskloom.mining.variants import count_variants


@dataclass(frozen=True)
class LogStats:
    """The headline numbers of a log; durations in seconds, timeframe in UTC."""

    cases: int
    variants: int
    events: int
    activities: int
    duration_min_s: float
    duration_median_s: float
    duration_mean_s: float
    duration_max_s: float
    start: datetime | None
    end: datetime | None

    def to_json(self) -> dict[str, object]:
        """The ``taskloom stats --json`` document."""
        return {
            "cases": self.cases,
            "variants": self.variants,
            "events": self.events,
            "activities": self.activities,
            "case_duration_s": {"min": self.duration_min_s, "median": self.duration_median_s,
                                "mean": self.duration_mean_s, "max": self.duration_max_s},
            "start": _iso(self.start),
            "end": _iso(self.end),
        }


def _iso(value: datetime | None) -> str | None:
    if value is None:
        return None
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _utc(ns: int) -> datetime:
    return pd.Timestamp(ns, tz="UTC").to_pydatetime()


def case_durations_s(o: Ordered) -> np.ndarray:
    """Per case: timestamp of its last event minus that of its first, seconds.

    Events in case order (see ``mining.ordering``); this is pm4py's case duration.
    """
    return (o.ts[o.last] - o.ts[o.first]) / 1e9


def stats_from_ordered(o: Ordered) -> LogStats:
    """Statistics of an already ordered log."""
    dur = case_durations_s(o)
    n_events = len(o.act)
    if n_events == 0:
        return LogStats(0, 0, 0, 0, 0.0, 0.0, 0.0, 0.0, None, None)
    acts = np.unique(o.act[o.act >= 0])
    return LogStats(
        cases=o.n_cases,
        variants=count_variants(o),
        events=n_events,
        activities=len(acts),
        duration_min_s=float(dur.min()),
        duration_median_s=float(np.median(dur)),
        duration_mean_s=float(dur.mean()),
        duration_max_s=float(dur.max()),
        start=_utc(int(min(o.ts.min(), o.start_ts.min()))),
        end=_utc(int(o.ts.max())),
    )


def log_stats(log: pd.DataFrame, activity: str = ACTIVITY) -> LogStats:
    """Statistics of `log` (activity column configurable for UI logs and perspectives)."""
    return stats_from_ordered(order_log(log, activity))


def human_count(n: float) -> str:
    """Apromore's short counts: 288, 5.9K, 1.2M."""
    for limit, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if abs(n) >= limit:
            return f"{n / limit:.1f}{suffix}"
    return f"{int(n)}" if float(n).is_integer() else f"{n:.1f}"


def human_duration(seconds: float) -> str:
    """A duration the way process-mining tools print it: 3.2 d, 4.5 h, 12 min, 30 s."""
    for limit, unit in ((86400 * 365, "y"), (86400, "d"), (3600, "h"), (60, "min")):
        if seconds >= limit:
            return f"{seconds / limit:.1f} {unit}"
    return f"{seconds:.0f} s"


def compare_lines(filtered: LogStats, total: LogStats | None = None) -> list[str]:
    """Human lines; with `total`, counts read as Apromore's "Cases 4.9% (288 / 5.9K)"."""
    rows = [("Cases", filtered.cases, total.cases if total else None),
            ("Case variants", filtered.variants, total.variants if total else None),
            ("Activity instances", filtered.events, total.events if total else None),
            ("Activities", filtered.activities, total.activities if total else None)]
    lines = []
    for label, value, whole in rows:
        if whole is None:
            lines.append(f"{label:<20} {value:,}")
        else:
            pct = 100.0 * value / whole if whole else 0.0
            lines.append(f"{label:<20} {pct:.1f}% ({human_count(value)} / {human_count(whole)})")
    lines.append(
        f"{'Case duration':<20} min {human_duration(filtered.duration_min_s)}, "
        f"median {human_duration(filtered.duration_median_s)}, "
        f"mean {human_duration(filtered.duration_mean_s)}, "
        f"max {human_duration(filtered.duration_max_s)}")
    lines.append(f"{'Log timeframe':<20} {_iso(filtered.start) or '-'} .. {_iso(filtered.end) or '-'}")
    return lines

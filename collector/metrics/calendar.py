"""Local-time calendars as UTC millisecond boundaries, and interval coverage on a time axis.

Everything that depends on the study's time zone (weeks, local days, the after-hours
window) is turned into sorted UTC boundaries once per chunk, so the per-event work is a
``searchsorted``. Wall-clock times are localised with the IANA zone, so days of 23 or
25 hours (DST changes) come out right.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

DAY_MS = 86_400_000
#: Offset that puts each key (user) on its own stretch of one time axis: 2**44 ms is
#: about 557 years, far more than any epoch-ms timestamp, so keys never overlap.
KEY_SPAN = np.int64(1) << np.int64(44)


def _local_days(zone: str, start_ms: int, end_ms: int) -> pd.DatetimeIndex:
    """Local calendar dates (naive midnights) covering [start_ms, end_ms] with a week's margin."""
    lo = pd.Timestamp(start_ms - 8 * DAY_MS, unit="ms", tz="UTC").tz_convert(zone)
    hi = pd.Timestamp(end_ms + 8 * DAY_MS, unit="ms", tz="UTC").tz_convert(zone)
    return pd.date_range(lo.tz_localize(None).normalize(), hi.tz_localize(None).normalize(), freq="D")


def localize_ms(naive: pd.DatetimeIndex | pd.Series, zone: str) -> np.ndarray:
    """Naive local wall-clock times → UTC epoch ms (times in a DST gap move forward)."""
    idx = pd.DatetimeIndex(naive)
    local = idx.tz_localize(zone, ambiguous="NaT", nonexistent="shift_forward")
    if local.isna().any():  # an ambiguous wall-clock time (clocks go back): take the first
        local = idx.tz_localize(zone, ambiguous=np.ones(len(idx), dtype=bool), nonexistent="shift_forward")
    return np.asarray(local.as_unit("ms").asi8, dtype=np.int64)


@dataclass(frozen=True)
class Days:
    """Local days around a stretch of time: their UTC start boundaries and ordinals."""

    starts: np.ndarray  # UTC ms of each local midnight, ascending
    ordinals: np.ndarray  # days since 1970-01-01 of each local date
    weekdays: np.ndarray  # 0 = Monday

    @classmethod
    def around(cls, zone: str, start_ms: int, end_ms: int) -> Days:
        dates = _local_days(zone, start_ms, end_ms)
        return cls(localize_ms(dates, zone), dates.values.astype("datetime64[D]").astype(np.int64),
                   np.asarray(dates.day_of_week, dtype=np.int64))

    def index(self, ts: np.ndarray) -> np.ndarray:
        """Position in ``starts`` of the local day holding each timestamp."""
        return np.searchsorted(self.starts, ts, side="right") - 1

    def week_starts(self) -> tuple[np.ndarray, np.ndarray]:
        """(UTC ms, day ordinal) of each local Monday 00:00 in the range."""
        mondays = self.weekdays == 0
        return self.starts[mondays], self.ordinals[mondays]

    def daytime(self, zone: str, first_hour: float, last_hour: float,
                weekdays_only: bool = True) -> tuple[np.ndarray, np.ndarray]:
        """Local [first_hour, last_hour) of each (week)day as UTC ms intervals."""
        keep = self.weekdays < 5 if weekdays_only else np.ones(len(self.starts), dtype=bool)
        dates = pd.to_datetime(self.ordinals[keep], unit="D")
        lo = localize_ms(dates + pd.to_timedelta(first_hour, unit="h"), zone)
        hi = localize_ms(dates + pd.to_timedelta(last_hour, unit="h"), zone)
        return lo, hi


class Coverage:
    """A union of intervals per key; ``measure`` gives how much of [a, b) each covers.

    Keys (user codes) are laid side by side on one axis (``KEY_SPAN`` apart), so one
    ``searchsorted`` answers for every key at once.
    """

    def __init__(self, keys: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> None:
        keys = np.asarray(keys, dtype=np.int64)
        s = np.asarray(starts, dtype=np.int64) + keys * KEY_SPAN
        e = np.asarray(ends, dtype=np.int64) + keys * KEY_SPAN
        keep = e > s
        s, e = s[keep], e[keep]
        order = np.argsort(s, kind="stable")
        s, e = s[order], e[order]
        # Merge overlaps so the cumulative measure counts each instant once.
        if len(s):
            run_end = np.maximum.accumulate(e)
            new = np.ones(len(s), dtype=bool)
            new[1:] = s[1:] > run_end[:-1]
            firsts = np.flatnonzero(new)
            s, e = s[firsts], np.maximum.reduceat(e, firsts)
        self.starts, self.ends = s, e
        self.cum = np.concatenate([[0], np.cumsum(e - s)]).astype(np.int64)

    def _f(self, t: np.ndarray) -> np.ndarray:
        k = np.searchsorted(self.starts, t, side="right") - 1
        safe = np.clip(k, 0, max(len(self.starts) - 1, 0))
        if not len(self.starts):
            return np.zeros(len(t), dtype=np.int64)
        inside = np.clip(t - self.starts[safe], 0, self.ends[safe] - self.starts[safe])
        return np.where(k >= 0, self.cum[safe] + inside, 0)

    def measure(self, keys: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Covered milliseconds of [a, b) for each (key, a, b)."""
        off = np.asarray(keys, dtype=np.int64) * KEY_SPAN
        return self._f(np.asarray(b, dtype=np.int64) + off) - self._f(np.asarray(a, dtype=np.int64) + off)

    @property
    def total(self) -> int:
        return int(self.cum[-1])

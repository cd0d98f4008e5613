"""Streaming aggregation of active time per clinician, local week and category.

Each chunk of events becomes active intervals at every threshold asked for (the chosen
one and the sensitivity thresholds) in one pass, split at local week boundaries, and
summed per (user, week, category) together with the parts that fall in scheduled
patient time, in visits and outside the after-hours day. Memory is bounded by the chunk
size plus one small table per clinician-week.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from taskloom.collector.metrics.active import INACTIVE_AFTER, EventStream, durations
from taskloom.collector.metrics.calendar import Coverage, Days
from taskloom.collector.metrics.categories import CATEGORY_CODE, NOTE, CategoryMap, screen_label
from taskloom.collector.metrics.timetables import Timetable

SENSITIVITY_S = (5.0, 30.0, 60.0, 300.0)
#: Overhage & McCallie (2020): after hours = weekdays 18:00–06:00 and all weekend.
DAY_HOURS = (6.0, 18.0)


@dataclass(frozen=True)
class Options:
    """How active time is measured and where the study's clock is."""

    threshold_s: float = 5.0
    zone: str = "UTC"
    sensitivity_s: tuple[float, ...] = SENSITIVITY_S
    day_hours: tuple[float, float] = DAY_HOURS

    @property
    def thresholds(self) -> tuple[float, ...]:
        return tuple(sorted({self.threshold_s, *self.sensitivity_s}))


def tkey(threshold_s: float) -> str:
    """Column suffix for one threshold ('5', '30', '0.5')."""
    return f"{threshold_s:g}"


@dataclass
class Totals:
    """Summed active time per (user, week, category) and what the measures need besides."""

    table: pd.DataFrame  # index (user, week, cat); columns d/c/a/v<T>, vendor, events, clicks, bursts, switches
    notes: pd.Series  # notes written per (user, week)
    weeks: pd.DataFrame  # per (user, week): clinic_ms, visit_ms, visits (from schedule/visit list)
    unmapped: pd.DataFrame  # screen, active_s, events
    users: list[str]  # code → pseudonym
    options: Options
    events: int = 0
    has_schedule: bool = False
    has_visits: bool = False


@dataclass
class _Parts:
    sums: list[pd.DataFrame] = field(default_factory=list)
    notes: list[pd.DataFrame] = field(default_factory=list)
    unmapped: dict[str, list[float]] = field(default_factory=dict)


class Accumulator:
    """Feed event chunks in time order with ``add``; ``totals`` ends the stream."""

    def __init__(self, cmap: CategoryMap, options: Options, schedule: Timetable | None = None,
                 visits: Timetable | None = None) -> None:
        self.cmap, self.options = cmap, options
        self.users: dict[str, int] = {}
        self.schedule, self.visits = schedule, visits
        clinic = schedule.select("clinic") if schedule is not None else None
        self.clinic = self._coverage(clinic)
        self.visit_cov = self._coverage(visits)
        self.stream = EventStream()
        self.parts = _Parts()
        self.events = 0

    def _codes(self, users: tuple[str, ...] | np.ndarray) -> np.ndarray:
        for u in pd.unique(np.asarray(users, dtype=object)):
            self.users.setdefault(str(u), len(self.users))
        return pd.Series(users, dtype=object).map(self.users).to_numpy(dtype=np.int64)

    def _coverage(self, tt: Timetable | None) -> Coverage:
        if tt is None or not len(tt):
            return Coverage(np.zeros(0), np.zeros(0), np.zeros(0))
        return Coverage(self._codes(tt.users), tt.starts, tt.ends)

    def add(self, chunk: pd.DataFrame) -> None:
        self.events += len(chunk)
        self._consume(self.stream.push(chunk))

    def _screens(self, rows: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str]]:
        keys = rows[["app", "title", "url"]].fillna("")
        group = keys.groupby(["app", "title", "url"], sort=False).ngroup().to_numpy()
        uniq = keys.drop_duplicates()
        screens = [self.cmap.screen(a, t, u) for a, t, u in uniq.itertuples(index=False)]
        labels = [screen_label(a, t) if s.unmapped else "" for s, (a, t, _u) in
                  zip(screens, uniq.itertuples(index=False), strict=True)]
        cat = np.array([s.code for s in screens], dtype=np.int64)[group]
        vendor = np.array([s.vendor for s in screens], dtype=bool)[group]
        return cat, vendor, group, labels

    def _consume(self, rows: pd.DataFrame) -> None:
        if rows.empty:
            return
        opts = self.options
        user = self._codes(rows["user"].to_numpy(dtype=object))
        cat, vendor, screen, labels = self._screens(rows)
        ts = rows["ts"].to_numpy(dtype=np.int64)
        nxt = rows["next_ts"].to_numpy(dtype=np.int64)
        end_ts = pd.to_numeric(rows["end_ts"], errors="coerce").to_numpy(dtype=float)
        kind = rows["kind"].to_numpy(dtype=object)
        inactive = np.isin(kind, INACTIVE_AFTER)
        ends = {t: ts + durations(ts, nxt, end_ts, inactive, round(t * 1000)) for t in opts.thresholds}
        days = Days.around(opts.zone, int(ts.min()), int(max(e.max() for e in ends.values())))
        wk_starts, wk_ord = days.week_starts()
        wk = np.searchsorted(wk_starts, ts, side="right") - 1
        boundary = wk_starts[wk + 1]
        straddle = ends[max(ends)] > boundary
        idx = np.concatenate([np.arange(len(ts)), np.flatnonzero(straddle)])
        first = np.arange(len(idx)) < len(ts)
        a = np.where(first, ts[idx], boundary[idx])
        seg_week = np.where(first, wk_ord[wk[idx]], wk_ord[wk[idx] + 1])
        u = user[idx]
        lo, hi = days.daytime(opts.zone, *opts.day_hours)
        daytime = Coverage(np.zeros(len(lo)), lo, hi)
        cols: dict[str, np.ndarray] = {"user": u, "week": seg_week, "cat": cat[idx]}
        for t, e in ends.items():
            b = np.where(first, np.minimum(e[idx], boundary[idx]), np.maximum(e[idx], boundary[idx]))
            d = b - a
            k = tkey(t)
            cols[f"d{k}"] = d
            cols[f"c{k}"] = self.clinic.measure(u, a, b)
            cols[f"v{k}"] = self.visit_cov.measure(u, a, b)
            cols[f"a{k}"] = d - daytime.measure(np.zeros(len(a)), a, b)
            if t == opts.threshold_s:
                cols["vendor"] = np.where(vendor[idx], d, 0)
                main_d = d
        w = first.astype(np.int64)
        cols["events"] = w
        cols["clicks"] = w * (kind[idx] == "click")
        cols["bursts"] = w * (kind[idx] == "typing")
        cols["switches"] = w * rows["switch"].to_numpy(dtype=float)[idx].astype(np.int64)
        frame = pd.DataFrame(cols)
        self.parts.sums.append(frame.groupby(["user", "week", "cat"], sort=False).sum())
        if len(self.parts.sums) > 16:
            self.parts.sums = [pd.concat(self.parts.sums).groupby(level=[0, 1, 2]).sum()]
        self._notes(rows, user, cat, kind, days, wk_ord[wk])
        self._unmapped(labels, screen, main_d[: len(ts)])

    def _notes(self, rows: pd.DataFrame, user: np.ndarray, cat: np.ndarray, kind: np.ndarray,
               days: Days, week: np.ndarray) -> None:
        """A note: a distinct (local day, note screen title) where the clinician typed."""
        m = (cat == CATEGORY_CODE[NOTE]) & (kind == "typing")
        if not m.any():
            return
        ts = rows["ts"].to_numpy(dtype=np.int64)[m]
        self.parts.notes.append(pd.DataFrame({
            "user": user[m], "week": week[m], "day": days.ordinals[days.index(ts)],
            "title": rows["title"].fillna("").to_numpy(dtype=object)[m]}).drop_duplicates())

    def _unmapped(self, labels: list[str], screen: np.ndarray, dur: np.ndarray) -> None:
        per = np.bincount(screen, weights=dur, minlength=len(labels))
        cnt = np.bincount(screen, minlength=len(labels))
        for label, ms, n in zip(labels, per, cnt, strict=True):
            if label:
                acc = self.parts.unmapped.setdefault(label, [0.0, 0.0])
                acc[0] += ms / 1000.0
                acc[1] += n

    def totals(self) -> Totals:
        self._consume(self.stream.finish())
        table = (pd.concat(self.parts.sums).groupby(level=[0, 1, 2]).sum() if self.parts.sums
                 else pd.DataFrame())
        notes = (pd.concat(self.parts.notes).drop_duplicates().groupby(["user", "week"]).size()
                 if self.parts.notes else pd.Series(dtype=np.int64))
        unmapped = pd.DataFrame(
            [(k, v[0], int(v[1])) for k, v in sorted(self.parts.unmapped.items(), key=lambda kv: -kv[1][0])],
            columns=["screen", "active_s", "events"])
        users = [u for u, _ in sorted(self.users.items(), key=lambda kv: kv[1])]
        return Totals(table, notes, self._weeks(), unmapped, users, self.options, self.events,
                      self.schedule is not None, self.visits is not None)

    def _weeks(self) -> pd.DataFrame:
        """Scheduled patient time, visit time and visits per (user, week) from the timetables."""
        frames = []
        for tt, cov in ((self.schedule, self.clinic), (self.visits, self.visit_cov)):
            if tt is None or not len(tt):
                continue
            days = Days.around(self.options.zone, int(tt.starts.min()), int(tt.ends.max()))
            starts, ords = days.week_starts()
            codes = self._codes(tt.users)
            pairs = pd.DataFrame({"user": codes, "i": np.searchsorted(starts, tt.starts, side="right") - 1})
            last = np.searchsorted(starts, tt.ends - 1, side="right") - 1
            extra = pd.DataFrame({"user": codes, "i": last})
            pairs = pd.concat([pairs, extra]).drop_duplicates()
            u, i = pairs["user"].to_numpy(), pairs["i"].to_numpy()
            frames.append(pd.DataFrame({"user": u, "week": ords[i], "ms": cov.measure(u, starts[i], starts[i + 1]),
                                        "what": "clinic_ms" if tt is self.schedule else "visit_ms"}))
            if tt is self.visits:
                first = np.searchsorted(starts, tt.starts, side="right") - 1
                n = pd.DataFrame({"user": codes, "week": ords[first], "ms": 1, "what": "visits"})
                frames.append(n.groupby(["user", "week", "what"], as_index=False)["ms"].sum())
        if not frames:
            return pd.DataFrame(columns=["clinic_ms", "visit_ms", "visits"])
        long = pd.concat(frames)
        wide = long.pivot_table(index=["user", "week"], columns="what", values="ms", aggfunc="sum", fill_value=0)
        for col in ("clinic_ms", "visit_ms", "visits"):
            if col not in wide:
                wide[col] = 0
        return wide[["clinic_ms", "visit_ms", "visits"]]

"""Streaming aggregation of active time per clinician, local week and category.

Each chunk of events becomes active intervals at every threshold asked for (the chosen
one and the sensitivity thresholds) in one pass, split at local week boundaries, and
summed per (user, week, category) together with the parts that fall in scheduled
patient time, in visits and outside the after-hours day. Memory is bounded by the chunk
size plus one small table per clinician-week.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from taskloom.collector.metrics.active import (
    INACTIVE_CODES,
    KIND,
    EventStream,
    durations,
)
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


class Screens:
    """Study-wide screen codes: each (app, title, url) is classified once by the category map."""

    def __init__(self) -> None:
        self.index: dict[tuple[str, str, str], int] = {}
        self.apps: dict[str, int] = {}
        self._cat: list[int] = []
        self._vendor: list[bool] = []
        self._app: list[int] = []
        self.labels: list[str] = []  # unmapped screens' labels ('' for mapped ones)
        self.time_ms = np.zeros(0)
        self.events = np.zeros(0, dtype=np.int64)
        self._arrays: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None

    def code(self, cmap: CategoryMap, app: str, title: str, url: str) -> int:
        key = (app, title, url)
        hit = self.index.get(key)
        if hit is None:
            s = cmap.screen(app, title, url)
            hit = self.index[key] = len(self._cat)
            self._cat.append(s.code)
            self._vendor.append(s.vendor)
            self._app.append(self.apps.setdefault(app, len(self.apps)))
            self.labels.append(screen_label(app, title) if s.unmapped else "")
            self._arrays = None
        return hit

    def _all(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if self._arrays is None:
            self._arrays = (np.array(self._cat, dtype=np.int64), np.array(self._vendor, dtype=bool),
                            np.array(self._app, dtype=np.int64))
        return self._arrays

    def cats(self) -> np.ndarray:
        return self._all()[0]

    def vendors(self) -> np.ndarray:
        return self._all()[1]

    @property
    def app(self) -> np.ndarray:
        return self._all()[2]

    def add_time(self, screen: np.ndarray, ms: np.ndarray) -> None:
        n = len(self._cat)
        self.time_ms = np.pad(self.time_ms, (0, n - len(self.time_ms))) + np.bincount(screen, weights=ms, minlength=n)
        self.events = np.pad(self.events, (0, n - len(self.events))) + np.bincount(screen, minlength=n)

    def unmapped(self) -> pd.DataFrame:
        """Unmapped EHR screens by label (identifiers masked): active seconds and events."""
        rows = [(label, self.time_ms[i] / 1000.0, int(self.events[i])) for i, label in enumerate(self.labels)
                if label and i < len(self.time_ms)]
        frame = pd.DataFrame(rows, columns=["screen", "active_s", "events"])
        frame = frame.groupby("screen", as_index=False).sum()
        return frame.sort_values("active_s", ascending=False, kind="stable").reset_index(drop=True)


def _factorize(chunk: pd.DataFrame | Any, col: str) -> tuple[np.ndarray, list[str]]:
    """(codes, values) of a string column; None is ''. Arrow tables are encoded by Arrow."""
    if isinstance(chunk, pd.DataFrame):
        codes, uniques = pd.factorize(chunk[col].fillna("").to_numpy(dtype=object))
        return codes.astype(np.int64), [str(u) for u in uniques]
    import pyarrow as pa
    import pyarrow.compute as pc

    arr = pc.fill_null(chunk.column(col).cast(pa.string()), "").combine_chunks().dictionary_encode()
    return arr.indices.to_numpy(zero_copy_only=False).astype(np.int64), arr.dictionary.to_pylist()


def _numbers(chunk: pd.DataFrame | Any, col: str, dtype: type) -> np.ndarray:
    if isinstance(chunk, pd.DataFrame):
        return pd.to_numeric(chunk[col], errors="coerce").to_numpy(dtype=dtype)
    import pyarrow as pa

    arr = chunk.column(col).cast(pa.float64() if dtype is float else pa.int64())
    return arr.to_numpy().astype(dtype) if dtype is not float else arr.to_numpy()


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
        self.screens = Screens()
        self.parts = _Parts()
        self.events = 0

    def _codes(self, users: tuple[str, ...] | np.ndarray) -> np.ndarray:
        codes, uniq = pd.factorize(np.asarray(users, dtype=object))
        table = np.array([self.users.setdefault(str(u), len(self.users)) for u in uniq], dtype=np.int64)
        return table[codes]

    def _coverage(self, tt: Timetable | None) -> Coverage:
        if tt is None or not len(tt):
            return Coverage(np.zeros(0), np.zeros(0), np.zeros(0))
        return Coverage(self._codes(tt.users), tt.starts, tt.ends)

    def add(self, chunk: pd.DataFrame | Any) -> None:
        """One chunk of events (``active.CHUNK_COLUMNS``; a DataFrame or an Arrow table), in time order."""
        if not len(chunk):
            return
        self.events += len(chunk)
        self._consume(self.stream.push(self._encode(chunk)))

    def _encode(self, chunk: pd.DataFrame | Any) -> dict[str, np.ndarray]:
        """Strings → integer codes: users and screens get study-wide codes, kinds fixed ones."""
        enc = {c: _factorize(chunk, c) for c in ("user", "kind", "app", "title", "url")}
        screen = self._screen_codes(enc["app"], enc["title"], enc["url"])
        kc, ku = enc["kind"]
        kind_table = np.array([KIND.get(str(k), -1) for k in ku], dtype=np.int64)
        uc, uu = enc["user"]
        user_table = np.array([self.users.setdefault(str(u), len(self.users)) for u in uu], dtype=np.int64)
        return {"user": user_table[uc], "ts": _numbers(chunk, "ts", np.int64),
                "seq": _numbers(chunk, "seq", np.int64), "kind": kind_table[kc], "screen": screen,
                "app": self.screens.app[screen], "end_ts": _numbers(chunk, "end_ts", float)}

    def _screen_codes(self, *parts: tuple[np.ndarray, list[str]]) -> np.ndarray:
        """Study-wide screen code per row: combine the column codes, classify each new screen once."""
        (ca, ua), (ct, ut), (cu, uu) = parts
        key = (ca.astype(np.int64) * (len(ut) + 1) + ct) * (len(uu) + 1) + cu
        uniq, inverse = np.unique(key, return_inverse=True)
        ia, rest = np.divmod(uniq, (len(ut) + 1) * (len(uu) + 1))
        it, iu = np.divmod(rest, len(uu) + 1)
        codes = np.array([self.screens.code(self.cmap, str(ua[x]), str(ut[y]), str(uu[z]))
                          for x, y, z in zip(ia.tolist(), it.tolist(), iu.tolist(), strict=True)], dtype=np.int64)
        return codes[inverse.reshape(-1)]

    def _consume(self, rows: dict[str, np.ndarray] | None) -> None:  # one vectorised pass, kept together
        if rows is None or not len(rows["ts"]):
            return
        opts, sc = self.options, self.screens
        user, ts, nxt, kind, screen = rows["user"], rows["ts"], rows["next_ts"], rows["kind"], rows["screen"]
        cat, vendor = sc.cats()[screen], sc.vendors()[screen]
        inactive = np.isin(kind, INACTIVE_CODES)
        ends = {t: ts + durations(ts, nxt, rows["end_ts"], inactive, round(t * 1000)) for t in opts.thresholds}
        days = Days.around(opts.zone, int(ts.min()), int(max(e.max() for e in ends.values())))
        wk_starts, wk_ord = days.week_starts()
        wk = np.searchsorted(wk_starts, ts, side="right") - 1
        boundary = wk_starts[wk + 1]
        straddle = ends[max(ends)] > boundary
        idx = np.concatenate([np.arange(len(ts)), np.flatnonzero(straddle)])
        first = np.arange(len(idx)) < len(ts)
        a = np.where(first, ts[idx], boundary[idx])
        u = user[idx]
        lo, hi = days.daytime(opts.zone, *opts.day_hours)
        daytime = Coverage(np.zeros(len(lo)), lo, hi)
        cols: dict[str, np.ndarray] = {"user": u, "week": np.where(first, wk_ord[wk[idx]], wk_ord[wk[idx] + 1]),
                                       "cat": cat[idx]}
        for t, e in ends.items():
            b = np.where(first, np.minimum(e[idx], boundary[idx]), np.maximum(e[idx], boundary[idx]))
            d = b - a
            k = tkey(t)
            cols[f"d{k}"] = d
            cols[f"c{k}"] = self.clinic.measure(u, a, b)
            # Visit overlap only feeds measures at the chosen threshold (not the sensitivity table).
            cols[f"v{k}"] = self.visit_cov.measure(u, a, b) if t == opts.threshold_s else np.zeros(len(a), np.int64)
            cols[f"a{k}"] = d - daytime.measure(np.zeros(len(a), dtype=np.int64), a, b)
            if t == opts.threshold_s:
                cols["vendor"] = np.where(vendor[idx], d, 0)
                sc.add_time(screen, d[: len(ts)])
        w = first.astype(np.int64)
        cols["events"] = w
        cols["clicks"] = w * (kind[idx] == KIND["click"])
        cols["bursts"] = w * (kind[idx] == KIND["typing"])
        cols["switches"] = w * rows["switch"][idx].astype(np.int64)
        frame = pd.DataFrame(cols)
        self.parts.sums.append(frame.groupby(["user", "week", "cat"], sort=False).sum())
        if len(self.parts.sums) > 16:
            self.parts.sums = [pd.concat(self.parts.sums).groupby(level=[0, 1, 2]).sum()]
        self._notes(user, cat, kind, screen, days, wk_ord[wk], ts)

    def _notes(self, user: np.ndarray, cat: np.ndarray, kind: np.ndarray, screen: np.ndarray, days: Days,
               week: np.ndarray, ts: np.ndarray) -> None:
        """A note: a distinct (local day, note screen) where the clinician typed."""
        m = (cat == CATEGORY_CODE[NOTE]) & (kind == KIND["typing"])
        if m.any():
            self.parts.notes.append(pd.DataFrame({
                "user": user[m], "week": week[m], "day": days.ordinals[days.index(ts[m])],
                "screen": screen[m]}).drop_duplicates())

    def totals(self) -> Totals:
        self._consume(self.stream.finish())
        table = (pd.concat(self.parts.sums).groupby(level=[0, 1, 2]).sum() if self.parts.sums
                 else pd.DataFrame())
        notes = (pd.concat(self.parts.notes).drop_duplicates().groupby(["user", "week"]).size()
                 if self.parts.notes else pd.Series(dtype=np.int64))
        unmapped = self.screens.unmapped()
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

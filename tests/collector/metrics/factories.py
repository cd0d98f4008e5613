"""Hand-made UI event streams for the metrics tests: exact times, exact expected seconds."""

from __future__ import annotations

import numpy as np
import pandas as pd

from taskloom.collector.metrics.aggregate import Accumulator, Options, Totals
from taskloom.collector.metrics.categories import CategoryMap, default_map
from taskloom.collector.metrics.timetables import Timetable

EPR = "CareFlowEPR.exe"
NOTE = "Progress note · NHS#0000aaaa · CareFlow EPR"
ORDERS = "Order entry · NHS#0000aaaa · CareFlow EPR"
INBOX = "In Basket · CareFlow EPR"
MAIL = ("OUTLOOK.EXE", "Inbox - Outlook")
DOC = "U#00000001"


def ms(when: str) -> int:
    """'2026-03-02T09:00:00Z' → epoch ms."""
    return int(pd.Timestamp(when).value // 1_000_000)


def events(*rows: tuple, user: str = DOC) -> pd.DataFrame:
    """Rows (ts_ms, kind, app, title[, end_ts]) → a metric chunk."""
    out = []
    for seq, r in enumerate(rows):
        ts, kind, app, title = r[:4]
        end = r[4] if len(r) > 4 else np.nan
        out.append((user, ts, seq, kind, app, title, None, end))
    return pd.DataFrame(out, columns=["user", "ts", "seq", "kind", "app", "title", "url", "end_ts"])


def run(chunks: list[pd.DataFrame], threshold_s: float = 5.0, zone: str = "UTC",
        schedule: Timetable | None = None, visits: Timetable | None = None,
        cmap: CategoryMap | None = None) -> Totals:
    acc = Accumulator(cmap or default_map(), Options(threshold_s=threshold_s, zone=zone), schedule, visits)
    for c in chunks:
        acc.add(c)
    return acc.totals()


def seconds(totals: Totals, col: str, cat: int | None = None) -> float:
    """Summed seconds of one column (d5, a5, c5 …), optionally for one category code."""
    t = totals.table
    if cat is not None:
        t = t[t.index.get_level_values("cat") == cat]
    return float(t[col].sum()) / 1000.0

"""XES UI logs (one trace per routine instance) → one redacted stream + task-mining frame.

Traces are concatenated in timestamp order; trace ids stay in the rows (for evaluation)
but are hidden from the event frame.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from taskloom.collector.tasks.events import FRAME_COLUMNS, to_ms
from taskloom.collector.uilogs.actionlogger import map_kind
from taskloom.collector.uilogs.redact import redact

CONTENT_COLUMNS = ("Value", "value", "content", "Found")


def read_ui_xes(path: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Read an XES UI log with ``mining.io.read_log``: (redacted rows in stream order, frame)."""
    from taskloom.mining.columns import ACTIVITY, RESOURCE, TIMESTAMP
    from taskloom.mining.io import read_log

    raw = read_log(path)
    rows = raw.sort_values(TIMESTAMP, kind="stable").reset_index(drop=True)
    rows = redact(rows, CONTENT_COLUMNS)
    get = lambda name: rows[name].astype("string") if name in rows.columns else pd.Series(  # noqa: E731
        pd.NA, index=rows.index, dtype="string")
    ev = pd.DataFrame(index=rows.index)
    ev["user"] = get(RESOURCE).fillna("")
    ev["ts"] = to_ms(rows[TIMESTAMP])
    activity = get(ACTIVITY)
    kind = map_kind(activity)
    kind = kind.mask(activity.str.contains("insert|Value", regex=True).fillna(False), "typing")
    ev["seq"] = np.arange(len(rows), dtype=np.int64)  # file order breaks ties in time
    ev["kind"] = kind
    ev["app"] = get("source")
    ev["title"] = get("FileName").fillna(get("Url"))
    ev["url"] = get("Url")
    ev["element"] = activity.fillna("") + ":" + get("Label").fillna("") + get("Column").fillna("")
    ev["key_class"] = pd.Series(pd.NA, index=rows.index, dtype="string")
    ev["keys"] = np.where(ev["kind"].eq("typing").to_numpy(), 1, 0)
    ev["letters"] = 0
    ev["digits"] = 0
    return rows, ev[list(FRAME_COLUMNS)]

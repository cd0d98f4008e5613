"""The event frame task mining works on, built from wire-format UI events.

Only the wire fields below are read; anything else in the input (ground-truth columns
such as ``truth_task_type``, ``Task`` or ``idx`` included) is never looked at.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: Columns of the task-mining event frame (``ts`` in epoch ms, ``keys`` keys typed).
FRAME_COLUMNS = ("user", "ts", "seq", "kind", "app", "title", "url", "element", "key_class", "keys",
                 "letters", "digits")
WIRE_READ = ("user", "ts", "seq", "kind", "app", "title", "url", "element", "key_class", "attrs")
#: Kinds that mark the user away or the recorder starting/stopping, not work.
IDLE_KINDS = ("idle_start", "idle_end", "capture_start", "capture_stop")


def to_ms(values: pd.Series) -> np.ndarray:
    """ISO 8601 strings, epoch ms or datetimes → int64 epoch milliseconds."""
    if pd.api.types.is_numeric_dtype(values):
        return values.to_numpy(dtype=np.int64)
    stamps = pd.to_datetime(values, utc=True, format="ISO8601")
    return (stamps.astype("datetime64[ms, UTC]").astype("int64")).to_numpy(dtype=np.int64)


def stream_order(ev: pd.DataFrame, first: np.ndarray | None = None) -> np.ndarray:
    """Row positions in stream order: by ``first`` (default: user), time, sequence number, row."""
    n = len(ev)
    key = ev["user"].to_numpy().astype(str) if first is None else first
    return np.lexsort((np.arange(n), ev["seq"].to_numpy(), ev["ts"].to_numpy(), key))


def from_wire(df: pd.DataFrame) -> pd.DataFrame:
    """A frame of wire-format UI events (CSV/Parquet/store rows) → the task-mining frame."""
    n = len(df)
    out = pd.DataFrame(index=df.index)
    for name in ("user", "kind", "app", "title", "url", "element", "key_class"):
        out[name] = df[name].astype("string") if name in df.columns else pd.Series(
            pd.NA, index=df.index, dtype="string")
    out["user"] = out["user"].fillna("")
    out["ts"] = to_ms(df["ts"]) if n else np.zeros(0, dtype=np.int64)
    # The device's sequence number orders events of the same millisecond (an idle_start
    # right after a click); without it, the order of the rows does.
    seq = pd.to_numeric(df["seq"], errors="coerce") if "seq" in df.columns else pd.Series(np.nan, index=df.index)
    out["seq"] = seq.fillna(pd.Series(np.arange(n, dtype=float), index=df.index)).to_numpy(dtype=np.int64)
    counts = {name: np.zeros(n, dtype=np.int64) for name in ("keys", "letter", "digit")}
    if "attrs" in df.columns and n:
        attrs = df["attrs"].astype("string")
        for name in counts:
            found = attrs.str.extract(rf'"{name}"\s*:\s*(\d+)', expand=False)
            counts[name] = pd.to_numeric(found, errors="coerce").fillna(0).to_numpy(dtype=np.int64)
    is_key = out["kind"].eq("key").fillna(False).to_numpy()
    out["keys"] = np.where(is_key, 1, counts["keys"])
    out["letters"] = np.where(is_key & out["key_class"].eq("letter").fillna(False).to_numpy(), 1,
                              counts["letter"])
    out["digits"] = np.where(is_key & out["key_class"].eq("digit").fillna(False).to_numpy(), 1,
                             counts["digit"])
    return out[list(FRAME_COLUMNS)]

"""Active time: each UI event opens an interval that lasts until the next event of the same
user, capped at an inactivity threshold (5 s by default, as in vendor analytics).

- A typing burst (the agent sends one ``typing`` event per burst, with ``attrs.end_ts``)
  is active for the whole burst; the threshold counts from its end.
- ``idle_start``, ``capture_start`` and ``capture_stop`` (the agent's, not the user's)
  open nothing: the time after them is inactive until the next event. ``screenshot`` events are not interactions and are dropped.
- Events are streamed in time order in chunks; each user's last event waits for the
  next chunk (or ``finish``) to learn when the next event came.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

INACTIVE_AFTER = ("idle_start", "capture_start", "capture_stop")
NOT_INTERACTION = ("screenshot",)
#: Columns of an event chunk (``ts``/``end_ts`` epoch ms; ``end_ts`` NaN unless typing).
CHUNK_COLUMNS = ("user", "ts", "seq", "kind", "app", "title", "url", "end_ts")
NO_NEXT = np.iinfo(np.int64).max // 4


def durations(ts: np.ndarray, next_ts: np.ndarray, end_ts: np.ndarray, inactive: np.ndarray,
              threshold_ms: int) -> np.ndarray:
    """Active milliseconds after each event: min(next event, end of burst + threshold) − ts."""
    burst_end = np.where(np.isnan(end_ts), ts, end_ts).astype(np.int64)
    busy_end = np.maximum(ts, burst_end)
    end = np.minimum(next_ts, busy_end + threshold_ms)
    return np.where(inactive, 0, np.maximum(end - ts, 0)).astype(np.int64)


class EventStream:
    """Pairs each event with the next event of its user (and the app before it) across chunks."""

    def __init__(self) -> None:
        self._pending: pd.DataFrame | None = None

    def push(self, chunk: pd.DataFrame) -> pd.DataFrame:
        """Rows whose next event is now known, with ``next_ts`` and ``switch`` (app changed)."""
        chunk = chunk.loc[~chunk["kind"].isin(NOT_INTERACTION), list(CHUNK_COLUMNS)]
        chunk = chunk.assign(switch=np.nan)
        df = chunk if self._pending is None else pd.concat([self._pending, chunk], ignore_index=True)
        if df.empty:
            return df.assign(next_ts=np.zeros(0, dtype=np.int64))
        df = df.sort_values(["user", "ts", "seq"], kind="stable").reset_index(drop=True)
        user = df["user"].to_numpy()
        same_next = np.zeros(len(df), dtype=bool)
        same_next[:-1] = user[1:] == user[:-1]
        ts = df["ts"].to_numpy(dtype=np.int64)
        nxt = np.full(len(df), NO_NEXT, dtype=np.int64)
        nxt[:-1] = np.where(same_next[:-1], ts[1:], NO_NEXT)
        # App switch: the app differs from this user's previous event (computed once per row).
        app = df["app"].fillna("").to_numpy(dtype=object)
        prev_same = np.zeros(len(df), dtype=bool)
        prev_same[1:] = same_next[:-1]
        changed = np.zeros(len(df), dtype=bool)
        changed[1:] = app[1:] != app[:-1]
        sw = df["switch"].to_numpy(dtype=float, copy=True)
        fresh = np.isnan(sw)
        sw[fresh] = (prev_same & changed)[fresh]
        df["switch"] = sw
        df["next_ts"] = nxt
        done = same_next
        self._pending = df.loc[~done, [*list(CHUNK_COLUMNS), "switch"]].reset_index(drop=True)
        return df.loc[done].reset_index(drop=True)

    def finish(self) -> pd.DataFrame:
        """The last event of each user (no next event: the threshold caps it)."""
        if self._pending is None:
            return pd.DataFrame(columns=[*CHUNK_COLUMNS, "switch", "next_ts"])
        out = self._pending.assign(next_ts=NO_NEXT)
        self._pending = None
        return out


def wire_chunk(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows with the wire fields (``ts`` ISO text or datetime; ``attrs`` JSON text or dict) → a chunk."""
    import json

    ts = pd.to_datetime(frame["ts"], utc=True, format="ISO8601").dt.as_unit("ms").astype("int64")
    typing = frame["kind"].eq("typing").to_numpy()
    end = np.full(len(frame), np.nan)
    for i in np.flatnonzero(typing):
        raw = frame["attrs"].iat[i]
        attrs = json.loads(raw) if isinstance(raw, str) and raw else (raw or {})
        if isinstance(attrs, dict) and attrs.get("end_ts") is not None:
            end[i] = float(attrs["end_ts"])

    def text(col: str) -> pd.Series:
        return frame[col].astype(object).where(frame[col].notna() & frame[col].ne(""), None)

    return pd.DataFrame({"user": frame["user"].fillna("").astype(str).to_numpy(), "ts": ts.to_numpy(),
                         "seq": pd.to_numeric(frame["seq"]).to_numpy(dtype=np.int64), "kind": frame["kind"].to_numpy(),
                         "app": text("app").to_numpy(), "title": text("title").to_numpy(),
                         "url": text("url").to_numpy(), "end_ts": end})

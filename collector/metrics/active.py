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
#: Columns of an event chunk as callers give it (``ts``/``end_ts`` epoch ms; ``end_ts`` NaN unless typing).
CHUNK_COLUMNS = ("user", "ts", "seq", "kind", "app", "title", "url", "end_ts")
NO_NEXT = np.iinfo(np.int64).max // 4


def durations(ts: np.ndarray, next_ts: np.ndarray, end_ts: np.ndarray, inactive: np.ndarray,
              threshold_ms: int) -> np.ndarray:
    """Active milliseconds after each event: min(next event, end of burst + threshold) − ts."""
    burst_end = np.where(np.isnan(end_ts), ts, end_ts).astype(np.int64)
    busy_end = np.maximum(ts, burst_end)
    end = np.minimum(next_ts, busy_end + threshold_ms)
    return np.where(inactive, 0, np.maximum(end - ts, 0)).astype(np.int64)



#: Event kinds by code (the wire format's kinds; anything else is -1).
KIND_NAMES = ("click", "scroll", "key", "typing", "shortcut", "focus", "idle_start", "idle_end", "copy",
              "paste", "screenshot", "capture_start", "capture_stop")
KIND = {name: i for i, name in enumerate(KIND_NAMES)}
INACTIVE_CODES = np.array([KIND[k] for k in INACTIVE_AFTER])
#: Columns of an encoded chunk: user, screen and app are integer codes (see aggregate.Accumulator).
CODED = ("user", "ts", "seq", "kind", "screen", "app", "end_ts")


class EventStream:
    """Pairs each event with the next event of its user (and the app before it) across chunks.

    Works on encoded chunks (integer codes, epoch ms), so sorting and comparing are numeric.
    """

    def __init__(self) -> None:
        self._pending: dict[str, np.ndarray] | None = None

    def push(self, chunk: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
        """Rows whose next event is now known, with ``next_ts`` and ``switch`` (app changed)."""
        keep = chunk["kind"] != KIND["screenshot"]
        cols = {c: chunk[c][keep] for c in CODED}
        cols["switch"] = np.full(int(keep.sum()), -1, dtype=np.int8)
        if self._pending is not None:
            cols = {c: np.concatenate([self._pending[c], cols[c]]) for c in cols}
        order = np.lexsort((cols["seq"], cols["ts"], cols["user"]))
        cols = {c: v[order] for c, v in cols.items()}
        user, ts, app = cols["user"], cols["ts"], cols["app"]
        n = len(ts)
        same_next = np.zeros(n, dtype=bool)
        same_next[:-1] = user[1:] == user[:-1]
        nxt = np.full(n, NO_NEXT, dtype=np.int64)
        nxt[:-1] = np.where(same_next[:-1], ts[1:], NO_NEXT)
        # App switch: the app differs from this user's previous event (computed once per row).
        changed = np.zeros(n, dtype=bool)
        changed[1:] = same_next[:-1] & (app[1:] != app[:-1])
        fresh = cols["switch"] < 0
        cols["switch"][fresh] = changed[fresh]
        self._pending = {c: v[~same_next] for c, v in cols.items()}
        out = {c: v[same_next] for c, v in cols.items()}
        out["next_ts"] = nxt[same_next]
        return out

    def finish(self) -> dict[str, np.ndarray] | None:
        """The last event of each user (no next event: the threshold caps it)."""
        out = self._pending
        self._pending = None
        if out is not None:
            out["next_ts"] = np.full(len(out["ts"]), NO_NEXT, dtype=np.int64)
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

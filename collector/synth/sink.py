"""Column buffers for generated UI events, turned into wire-format frames one chunk at a time.

The generators append one row per UI event (plus its ground truth) to a ``Sink``; a chunk
is flushed as a DataFrame with the wire field names of ``agent.protocol.EVENT_FIELDS``
and the ``truth_*`` columns, so 10M events never sit in memory at once.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from taskloom.agent.protocol import EVENT_FIELDS

TRUTH_COLUMNS = ("truth_task_type", "truth_task_instance", "truth_case")


@dataclass
class Sink:
    """Appends generated events column by column; ``frame`` builds the chunk."""

    user: list[str] = field(default_factory=list)
    device: list[str] = field(default_factory=list)
    ts: list[int] = field(default_factory=list)
    kind: list[str] = field(default_factory=list)
    app: list[str | None] = field(default_factory=list)
    title: list[str | None] = field(default_factory=list)
    url: list[str | None] = field(default_factory=list)
    element: list[str | None] = field(default_factory=list)
    key_class: list[str | None] = field(default_factory=list)
    button: list[str | None] = field(default_factory=list)
    attrs: list[str | None] = field(default_factory=list)
    t_type: list[str] = field(default_factory=list)
    t_inst: list[str] = field(default_factory=list)
    t_case: list[str | None] = field(default_factory=list)

    def add(
        self,
        user: str,
        device: str,
        ts: int,
        kind: str,
        app: str | None,
        title: str | None,
        truth: tuple[str, str, str | None],
        *,
        url: str | None = None,
        element: str | None = None,
        key_class: str | None = None,
        button: str | None = None,
        attrs: dict[str, Any] | None = None,
    ) -> None:
        self.user.append(user)
        self.device.append(device)
        self.ts.append(ts)
        self.kind.append(kind)
        self.app.append(app)
        self.title.append(title)
        self.url.append(url)
        self.element.append(element)
        self.key_class.append(key_class)
        self.button.append(button)
        self.attrs.append(None if attrs is None else json.dumps(attrs, separators=(",", ":")))
        self.t_type.append(truth[0])
        self.t_inst.append(truth[1])
        self.t_case.append(truth[2])

    def __len__(self) -> int:
        return len(self.ts)

    def frame(self, rng: np.random.Generator, seq_start: dict[str, int]) -> pd.DataFrame:
        """The chunk as a wire-format frame sorted by time; ``seq_start`` carries per-device seq."""
        n = len(self.ts)
        df = pd.DataFrame(
            {
                "device_id": self.device,
                "user": self.user,
                "ts_ms": np.asarray(self.ts, dtype=np.int64),
                "kind": self.kind,
                "app": self.app,
                "title": self.title,
                "url": self.url,
                "element": self.element,
                "key_class": self.key_class,
                "button": self.button,
                "attrs": self.attrs,
                "truth_task_type": self.t_type,
                "truth_task_instance": self.t_inst,
                "truth_case": self.t_case,
            }
        )
        df = df.sort_values(["ts_ms", "device_id"], kind="stable").reset_index(drop=True)
        df["event_id"] = uuids(rng, n)
        seq = df.groupby("device_id", sort=False).cumcount().to_numpy(dtype=np.int64)
        start = df["device_id"].map(seq_start).fillna(0).to_numpy(dtype=np.int64)
        df["seq"] = seq + start
        last = df.groupby("device_id", sort=False)["seq"].max()
        for device, value in last.items():
            seq_start[str(device)] = int(value) + 1
        clicks = df["kind"].eq("click").to_numpy()
        xy = rng.integers(0, 96, size=(n, 2)) * 20
        df["x"] = pd.array(np.where(clicks, xy[:, 0], 0), dtype="Int64")
        df["y"] = pd.array(np.where(clicks, xy[:, 1], 0), dtype="Int64")
        df.loc[~clicks, ["x", "y"]] = pd.NA
        stamps = np.datetime_as_string(df["ts_ms"].to_numpy().astype("datetime64[ms]"), unit="ms")
        df["ts"] = np.char.add(stamps.astype(str), "Z")
        return df[[*EVENT_FIELDS, *TRUTH_COLUMNS]]


def uuids(rng: np.random.Generator, n: int) -> list[str]:
    """n version-4 UUID strings drawn from ``rng`` (deterministic for a seed, unlike uuid4)."""
    raw = rng.integers(0, 256, size=(n, 16), dtype=np.uint8)
    raw[:, 6] = (raw[:, 6] & 0x0F) | 0x40
    raw[:, 8] = (raw[:, 8] & 0x3F) | 0x80
    text = raw.tobytes().hex()
    out = []
    for i in range(0, 32 * n, 32):
        h = text[i : i + 32]
        out.append(f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}")
    return out

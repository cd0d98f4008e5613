"""Action Logger / SmartRPA CSV UI logs → redacted rows + task-mining event frame."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from taskloom.collector.tasks.events import FRAME_COLUMNS, to_ms
from taskloom.collector.uilogs.redact import redact
from taskloom.errors import UserError

ACTION_LOGGER_COLUMNS = (
    "timeStamp", "userID", "targetApp", "eventType", "url", "content", "target.workbookName",
    "target.sheetName", "target.id", "target.class", "target.tagName", "target.type",
    "target.name", "target.value", "target.innerText", "target.checked", "target.href",
    "target.option", "target.title", "target.innerHTML",
)
#: Content fields: what the user typed or saw; never kept.
CONTENT_COLUMNS = ("content", "target.value", "target.innerText", "target.innerHTML")

_KIND_RULES = (("paste", "paste"), ("copy", "copy"), ("scroll", "scroll"), ("click", "click"),
               ("submit", "click"), ("change", "typing"), ("edit", "typing"), ("type", "typing"),
               ("insert", "typing"), ("select", "click"))


class UiLogError(UserError, ValueError):
    """A UI log that cannot be read; the message names the file and the fix."""


def map_kind(event_type: pd.Series) -> pd.Series:
    """Action Logger event types → wire kinds (navigation and documents → focus)."""
    low = event_type.fillna("").str.lower()
    out = pd.Series("focus", index=event_type.index, dtype="string")
    for needle, kind in reversed(_KIND_RULES):
        out = out.mask(low.str.contains(needle, regex=False), kind)
    return out


def read_actionlogger(path: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Read an Action Logger CSV: (redacted input rows, event frame from known columns only)."""
    raw = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    missing = [c for c in ("timeStamp", "eventType") if c not in raw.columns]
    if missing:
        raise UiLogError(f"{path}: not an Action Logger CSV, missing columns {missing}")
    rows = redact(raw, CONTENT_COLUMNS)
    get = lambda name: rows[name].astype("string") if name in rows.columns else pd.Series(  # noqa: E731
        pd.NA, index=rows.index, dtype="string")
    ev = pd.DataFrame(index=rows.index)
    ev["user"] = get("userID").fillna("")
    ev["ts"] = to_ms(pd.Series(pd.to_datetime(rows["timeStamp"], utc=True, format="mixed")))
    ev["seq"] = np.arange(len(rows), dtype=np.int64)  # file order breaks ties in time
    ev["kind"] = map_kind(get("eventType"))
    ev["app"] = get("targetApp")
    place = get("target.workbookName").fillna("") + " " + get("target.sheetName").fillna("")
    url = get("url").str.replace(r"^[a-z]+://", "", regex=True).str.replace(r"[?#].*$", "", regex=True)
    ev["title"] = place.str.strip().replace("", pd.NA).fillna(url)
    ev["url"] = url
    element = get("target.name").fillna(get("target.id")).fillna(get("target.title")).fillna(
        get("target.tagName"))
    ev["element"] = (get("eventType").fillna("") + ":" + element.fillna("")).astype("string")
    ev["key_class"] = pd.Series(pd.NA, index=rows.index, dtype="string")
    ev["keys"] = np.where(ev["kind"].eq("typing").to_numpy(), 1, 0)
    ev["letters"] = 0
    ev["digits"] = 0
    return rows, ev[list(FRAME_COLUMNS)]

"""Action Logger / SmartRPA CSV UI logs → redacted rows + task-mining event frame.

Every structural signal of a row is kept, templated so that records do not split steps:
the page is the URL's host and path with ids masked (or the workbook and sheet), the
element is its tag, input type, id, name and css class with numbers and generated ids
masked (``A2`` → ``A#``, ``input_12_0_3`` → ``input_#_#_#``), and the event type says
what was done to which field. Field contents are never read.
"""

from __future__ import annotations

import re
from collections.abc import Callable
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


#: Generated ids (hex/uuid-like runs with a digit) and numbers: masked in element and page templates.
_ID_RE = re.compile(r"(?=[0-9a-fA-F-]*\d)[0-9a-fA-F]{8,}(?:-[0-9a-fA-F]{4,})*|\d+")


def template(values: pd.Series) -> pd.Series:
    """Ids, row numbers and generated tokens masked with ``#`` (once per distinct value)."""
    codes, uniq = pd.factorize(values, sort=False)
    done = pd.Series(uniq, dtype="string").str.replace(_ID_RE, "#", regex=True).to_numpy()
    out = pd.Series(pd.NA, index=values.index, dtype="string")
    known = codes >= 0
    out[known] = done[codes[known]]
    return out


def url_template(url: pd.Series) -> pd.Series:
    """Host and path of a URL, scheme, query and fragment dropped, ids masked."""
    bare = url.str.replace(r"^[a-z]+://", "", regex=True).str.replace(r"[?#].*$", "", regex=True)
    return template(bare.str.rstrip("/"))


def element_template(get: Callable[[str], pd.Series]) -> pd.Series:
    """The element a step touched: tag[type] #id @name .class, each templated; empty parts out."""
    parts = (("", "target.tagName"), ("[", "target.type"), ("#", "target.id"), ("@", "target.name"),
             (".", "target.class"), ("~", "target.title"))
    out = pd.Series("", index=get("eventType").index, dtype="string")
    for mark, col in parts:
        val = template(get(col)) if col in ("target.id", "target.name", "target.class") else get(col)
        val = val.str.strip()
        out = out + (mark + val + ("]" if mark == "[" else "")).fillna("")
    return out


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
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    except pd.errors.EmptyDataError:
        raise UiLogError(f"{path}: the file is empty; give an Action Logger CSV with its "
                         "header row") from None
    missing = [c for c in ("timeStamp", "eventType") if c not in raw.columns]
    if missing:
        raise UiLogError(f"{path}: not an Action Logger CSV, missing columns {missing}")
    return actionlogger_frame(raw)


def actionlogger_frame(raw: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Action Logger rows (all columns as strings) → (redacted rows, event frame)."""
    rows = redact(raw, CONTENT_COLUMNS)
    get = lambda name: rows[name].astype("string") if name in rows.columns else pd.Series(  # noqa: E731
        pd.NA, index=rows.index, dtype="string")
    ev = pd.DataFrame(index=rows.index)
    ev["user"] = get("userID").fillna("")
    ev["ts"] = to_ms(pd.Series(pd.to_datetime(rows["timeStamp"], utc=True, format="mixed")))
    ev["seq"] = np.arange(len(rows), dtype=np.int64)  # file order breaks ties in time
    ev["kind"] = map_kind(get("eventType"))
    ev["app"] = get("targetApp")
    place = get("target.workbookName").fillna("") + " · " + get("target.sheetName").fillna("")
    url = url_template(get("url"))
    ev["title"] = place.where(get("target.workbookName").notna() | get("target.sheetName").notna(),
                              url)
    ev["url"] = url
    ev["element"] = (get("eventType").fillna("") + ":" + element_template(get)).astype("string")
    ev["key_class"] = pd.Series(pd.NA, index=rows.index, dtype="string")
    ev["keys"] = np.where(ev["kind"].eq("typing").to_numpy(), 1, 0)
    ev["letters"] = 0
    ev["digits"] = 0
    return rows, ev[list(FRAME_COLUMNS)]

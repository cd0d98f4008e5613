"""The hard linking settings of the synthetic EHR study (``taskloom generate --hard``).

Four things make linking UI work to system-log cases hard in real hospitals, and each is
simulated here with its ground truth:

- screens that show no patient identifier: a share of the case tasks are done from list
  screens (in-basket, order sets, rota) whose titles carry no patient token;
- EHR user ids that differ from desktop users: the system log names ``EHR-xxxxxx`` ids and a
  ``user_map.csv`` (``user,resource``) is written beside it;
- workstation clock skew: each workstation's clock is off by up to ±``max_skew_s`` seconds
  (a new offset each day), so UI times and system-log times disagree;
- two charts open: now and then a clinician glances at another patient's chart in the
  middle of a task and comes back; the task still serves its own case.

Truth columns: ``truth_case`` (the case the task serves, unchanged), ``truth_hard``
(``no_id`` for events of a task shown without identifier, ``second_chart`` for events on the
other chart, else empty) and ``truth_skew_ms`` (the workstation's clock error).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from taskloom.agent.protocol import keyed_token

HARD_TRUTH_COLUMNS = ("truth_hard", "truth_skew_ms")
_TOKEN = re.compile(r"NHS#[0-9a-f]{8}")


@dataclass(frozen=True)
class HardSettings:
    """How hard the study is for linking (defaults: the issue's hard settings)."""

    no_id_share: float = 0.4  # share of case tasks done on screens without a patient identifier
    two_chart_rate: float = 0.1  # share of the other case tasks with a glance at a second chart
    max_skew_s: float = 90.0  # workstation clock error, uniform in ±max_skew_s per device and day
    ehr_user_ids: bool = True  # system-log resources are EHR ids, mapped in user_map.csv


def ehr_user_id(study_key: str, user: str) -> str:
    """The EHR's own id for a desktop user (deterministic for a study key)."""
    return "EHR-" + keyed_token(study_key, "ehr:" + user, digits=6).upper()


def hide_identifier(title: str | None, token: str) -> str | None:
    """The title as a list screen shows it: without the patient token."""
    if title is None:
        return None
    return title.replace(f" · {token}", "").replace(f" {token}", "")


def skew_chunk(chunk: pd.DataFrame, offsets: dict[str, int]) -> pd.DataFrame:
    """Move each device's UI events by its clock error (ms): ``ts`` and typing ``end_ts``."""
    skew = chunk["device_id"].map(offsets).fillna(0).astype("int64").to_numpy()
    ms = pd.to_datetime(chunk["ts"], utc=True, format="ISO8601").astype("datetime64[ms, UTC]") \
        .astype("int64").to_numpy() + skew
    stamps = np.datetime_as_string(ms.astype("datetime64[ms]"), unit="ms")
    out = chunk.copy()
    out["ts"] = np.char.add(stamps.astype(str), "Z")
    typing = out["attrs"].notna() & out["attrs"].astype("string").str.contains('"end_ts"', regex=False) \
        .fillna(False)
    if typing.any():
        out.loc[typing, "attrs"] = [_shift_end(str(a), int(s)) for a, s in
                                    zip(out.loc[typing, "attrs"], skew[typing.to_numpy()], strict=True)]
    out["truth_skew_ms"] = skew
    return out


def hard_tags(chunk: pd.DataFrame, hidden: set[str]) -> np.ndarray:
    """``truth_hard`` per event: ``no_id``, ``second_chart`` or empty."""
    shown = chunk["title"].astype("string").str.extract(f"({_TOKEN.pattern})", expand=False)
    case = chunk["truth_case"].astype("string")
    other = (shown.notna() & case.notna() & (shown != case)).fillna(False).to_numpy()
    no_id = chunk["truth_task_instance"].isin(hidden).to_numpy()
    return np.where(no_id, "no_id", np.where(other, "second_chart", ""))


def _shift_end(attrs: str, shift: int) -> str:
    parsed = json.loads(attrs)
    parsed["end_ts"] += shift
    return json.dumps(parsed, separators=(",", ":"))

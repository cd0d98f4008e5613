"""Segmentation of each user's UI stream into task instances.

A boundary is placed before an event when (hard cues) the user changes, the pause before
it exceeds ``idle_gap_s``, the user goes idle or comes back, or the work context changes
(the pseudonymised identifier in the title, e.g. ``NHS#3f9a1c2e``, or else the app); and
(soft cue) when the event is a *start symbol*: an action that, across the whole stream,
usually opens a task. Start symbols are learnt from the data itself: a symbol is one if
most of its occurrences follow a hard boundary, or, in streams with almost no hard cues
(research logs of one application pair), if the pause before it is consistently longer
than the stream's typical pause. All steps are vectorised over the whole frame.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from taskloom.collector.tasks.events import IDLE_KINDS, stream_order
from taskloom.collector.tasks.stepgroups import group_cuts, step_groups

#: Identifier tokens the agent writes into titles (``NHS#3f9a1c2e``, ``U#…``).
TOKEN_RE = r"\b[A-Z]{1,5}#[0-9a-f]{6,16}\b"
_MASK_RE = re.compile(r"\b[A-Z]{1,5}#[0-9a-f]{6,16}\b|\d+")


@dataclass(frozen=True)
class SegmentParams:
    """Segmentation knobs; the defaults suit agent data (pauses in seconds)."""

    idle_gap_s: float = 300.0      # a pause this long always ends a task
    use_context: bool = True       # identifier/app changes end a task
    start_share: float = 0.6       # a symbol is a start symbol if this share follows a hard cut
    start_min_count: int = 5       # ... and it occurs at least this often
    gap_z: float = 0.8             # fallback: mean log-pause before it this many SDs above typical
    sparse_hard_share: float = 0.01  # fallback used when hard cuts are rarer than this
    start_needs_pause: bool = True  # pause-learnt start symbols cut only after a typical pause
    step_groups: bool = True       # without context: a change of step group cuts (see stepgroups)
    app_title_change: bool = False  # without context: a new page/workbook in the same app cuts


def per_unique(values: pd.Series, fn: Callable[[pd.Series], pd.Series]) -> pd.Series:
    """Apply a string transform once per distinct value (titles repeat a lot), then spread back."""
    codes, uniq = pd.factorize(values.fillna(""), sort=False)
    done = fn(pd.Series(uniq, dtype="string")).to_numpy()
    if len(done) == 0:
        return pd.Series([], index=values.index, dtype="string")
    return pd.Series(done[codes], index=values.index, dtype="string")


def mask_title(titles: pd.Series) -> pd.Series:
    """Titles with identifiers and numbers masked, so screens compare across patients."""
    return per_unique(titles, lambda t: t.str.replace(_MASK_RE, "#", regex=True))


def symbols(ev: pd.DataFrame) -> pd.Series:
    """One string per event: kind | app | masked screen | element (what the user did where)."""
    return (ev["kind"].fillna("") + "|" + ev["app"].fillna("") + "|" + mask_title(ev["title"])
            + "|" + ev["element"].fillna(""))


def segment(ev: pd.DataFrame, params: SegmentParams | None = None) -> np.ndarray:
    """Segment ids (0..n-1, in stream order) for each row of ``ev``, aligned with its rows.

    ``ev`` is a task-mining frame (see ``collector.tasks.events``); rows may be in any order.
    """
    p = params or SegmentParams()
    n = len(ev)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    order = stream_order(ev)
    s = ev.iloc[order]
    user = s["user"].to_numpy().astype(str)
    ts = s["ts"].to_numpy(dtype=np.int64)
    kind = s["kind"].fillna("").to_numpy().astype(str)
    new_user = np.r_[True, user[1:] != user[:-1]]
    gap_s = np.r_[0.0, np.diff(ts) / 1000.0]
    gap_s[new_user] = 0.0
    idle = np.isin(kind, IDLE_KINDS)
    # An idle period (idle_start … idle_end) is one segment of its own.
    resumed = np.r_[False, (kind[1:] == "idle_end") & (kind[:-1] == "idle_start")]
    hard = new_user | ((gap_s > p.idle_gap_s) | idle | np.r_[False, idle[:-1]]) & ~resumed
    if p.use_context:
        token = per_unique(s["title"].astype("string"),
                           lambda t: t.str.extract(f"({TOKEN_RE})", expand=False)).replace("", pd.NA)
        ctx = token.fillna("app:" + s["app"].fillna("")).to_numpy().astype(str)
        ctx_change = np.r_[False, ctx[1:] != ctx[:-1]]
        hard |= ctx_change & ~idle
    codes, uniq = pd.factorize(symbols(s))
    counts = np.bincount(codes, minlength=len(uniq))
    start = np.zeros(len(uniq), dtype=bool)
    start_ok = np.ones(n, dtype=bool)
    work = ~idle
    hard_share = hard[work].mean() if work.any() else 1.0
    if hard_share >= p.sparse_hard_share:
        after_hard = np.bincount(codes[work], weights=hard[work], minlength=len(uniq))
        start = (counts >= p.start_min_count) & (after_hard >= p.start_share * np.maximum(counts, 1))
        # Coming back to the screen a task began on is not a new task: a start symbol
        # only cuts the first time it appears within one hard-cut stretch.
        stretch = np.cumsum(hard)
        again = pd.DataFrame({"s": stretch, "c": codes}).groupby(["s", "c"]).cumcount().to_numpy() > 0
        start_ok = ~again
    else:
        lg = np.log(np.maximum(gap_s, 0.05))
        valid = work & ~new_user
        mu, sd = lg[valid].mean(), max(lg[valid].std(), 1e-6)
        mean_lg = np.bincount(codes[valid], weights=lg[valid], minlength=len(uniq)) / np.maximum(
            np.bincount(codes[valid], minlength=len(uniq)), 1)
        start = (counts >= p.start_min_count) & ((mean_lg - mu) / sd >= p.gap_z)
    soft = start[codes] & work & start_ok
    paused = work & ~new_user
    if hard_share < p.sparse_hard_share and p.start_needs_pause and paused.any():
        # Start symbols learnt from pauses cut only where the pause is at least typical.
        soft &= gap_s >= np.median(gap_s[paused])
    cuts = hard | soft
    if not p.use_context and p.step_groups:
        # No identifiers to show the work context: a change of step group is one.
        groups = np.where(work, step_groups(codes, ~new_user)[codes], -1)
        cuts = cuts | (group_cuts(groups, ~new_user, gap_s, cuts) & work)
    if not p.use_context and p.app_title_change:
        # Without identifiers: moving to another page/workbook *within the same app* starts a
        # task, unless the previous event already started one (e.g. open workbook, then page).
        title = s["title"].astype("string")
        prev_same_app = title.groupby([s["user"].to_numpy(), s["app"].fillna("").to_numpy()]).shift(1)
        moved = (title.notna() & prev_same_app.notna() & (title != prev_same_app)).fillna(False).to_numpy()
        cuts = cuts | (moved & work & ~np.r_[False, cuts[:-1]])
    seg_sorted = np.cumsum(cuts) - 1
    out = np.empty(n, dtype=np.int64)
    out[order] = seg_sorted
    return out

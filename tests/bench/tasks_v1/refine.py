"""Refinement after clustering: split off the resumed tail of an interrupted task.

When a task is interrupted by another whole task and then resumed, the resumed part has
no start cue, so segmentation glues it to the end of the interrupting task. Once types
are known, such a tail shows itself: its steps are *specific* to another type (a step
is specific when, across the whole stream, at least ``min_share`` of its occurrences
lie in segments of one type). The trailing run of a segment whose specific steps all
point to one other type becomes a segment of that type. Vectorised over the stream.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class RefineParams:
    """When a step counts as specific to a type."""

    min_share: float = 0.9
    min_count: int = 5
    rounds: int = 3
    mode: str = "runs"  # runs: split wherever specific steps change type; tails: only trailing runs


def specific_votes(sym: np.ndarray, seg_type: np.ndarray, work: np.ndarray,
                   params: RefineParams) -> np.ndarray:
    """Per event, the type its step is specific to, or -1 (``seg_type`` codes 0..k-1)."""
    n_sym = int(sym.max()) + 1 if len(sym) else 0
    k = int(seg_type[work].max()) + 1 if work.any() else 0
    if not n_sym or not k:
        return np.full(len(sym), -1, dtype=np.int64)
    counts = np.zeros((n_sym, k), dtype=np.int64)
    np.add.at(counts, (sym[work], seg_type[work]), 1)
    total = counts.sum(axis=1)
    best = counts.argmax(axis=1)
    share = counts[np.arange(n_sym), best] / np.maximum(total, 1)
    ok = (total >= params.min_count) & (share >= params.min_share)
    vote = np.where(ok[sym], best[sym], -1)
    vote[~work] = -1
    return vote.astype(np.int64)


def split_tails(seg: np.ndarray, seg_type: np.ndarray, vote: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Split foreign tails off segments; arrays in stream order, ``seg`` non-decreasing.

    Returns (new segment ids 0..m-1, type code per event).
    """
    n = len(seg)
    if n == 0:
        return seg.copy(), seg_type.copy()
    pos = np.arange(n)
    voted = vote >= 0
    # X: the last specific vote of each segment.
    last_vote_pos = pd.Series(np.where(voted, pos, -1)).groupby(seg).transform("max").to_numpy()
    x = np.where(last_vote_pos >= 0, vote[np.maximum(last_vote_pos, 0)], -1)
    # Last position in the segment voting for something other than X.
    other = voted & (vote != x)
    last_other = pd.Series(np.where(other, pos, -1)).groupby(seg).transform("max").to_numpy()
    seg_start = pd.Series(pos).groupby(seg).transform("min").to_numpy()
    # The tail starts at the first X vote after the last other vote.
    cand = voted & (vote == x) & (pos > last_other)
    tail_start = pd.Series(np.where(cand, pos, n)).groupby(seg).transform("min").to_numpy()
    foreign = (x >= 0) & (x != seg_type) & (tail_start < n)
    in_tail = foreign & (pos >= tail_start)
    new_type = np.where(in_tail, x, seg_type)
    cut = np.r_[True, seg[1:] != seg[:-1]] | (in_tail & (pos == tail_start) & (pos > seg_start))
    return np.cumsum(cut) - 1, new_type.astype(np.int64)


def split_runs(seg: np.ndarray, seg_type: np.ndarray, vote: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Split segments wherever the specific steps change type; arrays in stream order.

    Steps that are not specific belong to the run before them (or, at the start of a
    segment, to the run after them); a segment without specific steps keeps its type.
    Returns (new segment ids 0..m-1, type code per event).
    """
    n = len(seg)
    if n == 0:
        return seg.copy(), seg_type.copy()
    v = pd.Series(np.where(vote >= 0, vote, np.nan))
    filled = v.groupby(seg).ffill()
    filled = filled.groupby(seg).bfill()
    new_type = np.where(filled.notna(), filled.fillna(-1).to_numpy(), seg_type).astype(np.int64)
    cut = np.r_[True, (seg[1:] != seg[:-1]) | (new_type[1:] != new_type[:-1])]
    return np.cumsum(cut) - 1, new_type

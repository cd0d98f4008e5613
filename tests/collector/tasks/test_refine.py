"""Refinement after clustering: specific steps, foreign tails and type runs, against plain loops."""

from __future__ import annotations

import numpy as np
import pytest

from taskloom.collector.tasks.refine import RefineParams, specific_votes, split_runs, split_tails


def _random_stream(seed: int, n: int = 400) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    seg = np.sort(rng.integers(0, n // 6, n))
    _, seg = np.unique(seg, return_inverse=True)
    seg_type = rng.integers(0, 3, int(seg.max()) + 1)[seg]
    vote = np.where(rng.random(n) < 0.5, rng.integers(0, 3, n), -1)
    return seg.astype(np.int64), seg_type.astype(np.int64), vote.astype(np.int64)


def _loop_votes(sym: np.ndarray, typ: np.ndarray, work: np.ndarray, p: RefineParams) -> list[int]:
    out = []
    for i in range(len(sym)):
        if not work[i]:
            out.append(-1)
            continue
        mine = [int(typ[j]) for j in range(len(sym)) if sym[j] == sym[i] and work[j]]
        counts = {t: mine.count(t) for t in set(mine)}
        best = min(counts, key=lambda t: (-counts[t], t))
        ok = len(mine) >= p.min_count and counts[best] / len(mine) >= p.min_share
        out.append(best if ok else -1)
    return out


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_specific_votes_match_a_plain_loop(seed: int) -> None:
    rng = np.random.default_rng(seed)
    sym = rng.integers(0, 12, 300)
    typ = np.where(rng.random(300) < 0.8, sym % 3, rng.integers(0, 3, 300))
    work = rng.random(300) < 0.9
    p = RefineParams(min_share=0.75, min_count=5)
    assert specific_votes(sym, typ, work, p).tolist() == _loop_votes(sym, typ, work, p)


def _loop_runs(seg: np.ndarray, seg_type: np.ndarray, vote: np.ndarray) -> tuple[list[int], list[int]]:
    types: list[int] = []
    for s in np.unique(seg):
        idx = np.flatnonzero(seg == s)
        votes = [int(vote[i]) for i in idx]
        first = next((v for v in votes if v >= 0), None)
        cur = first if first is not None else int(seg_type[idx[0]])
        for v in votes:
            cur = v if v >= 0 else cur
            types.append(cur)
    ids, cur_id = [], -1
    for i in range(len(seg)):
        if i == 0 or seg[i] != seg[i - 1] or types[i] != types[i - 1]:
            cur_id += 1
        ids.append(cur_id)
    return ids, types


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_split_runs_matches_a_plain_loop(seed: int) -> None:
    seg, seg_type, vote = _random_stream(seed)
    got_ids, got_types = split_runs(seg, seg_type, vote)
    want_ids, want_types = _loop_runs(seg, seg_type, vote)
    assert got_types.tolist() == want_types
    assert got_ids.tolist() == want_ids


def _loop_tails(seg: np.ndarray, seg_type: np.ndarray, vote: np.ndarray) -> list[int]:
    types = seg_type.tolist()
    for s in np.unique(seg):
        idx = np.flatnonzero(seg == s).tolist()
        voted = [i for i in idx if vote[i] >= 0]
        if not voted:
            continue
        x = int(vote[voted[-1]])
        if x == seg_type[idx[0]]:
            continue
        others = [i for i in voted if vote[i] != x]
        after = [i for i in voted if vote[i] == x and (not others or i > others[-1])]
        for i in idx:
            if i >= after[0]:
                types[i] = x
    return types


@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_split_tails_matches_a_plain_loop(seed: int) -> None:
    seg, seg_type, vote = _random_stream(seed)
    ids, types = split_tails(seg, seg_type, vote)
    assert types.tolist() == _loop_tails(seg, seg_type, vote)
    # A new instance starts exactly where the segment or the type changes.
    change = np.r_[True, (seg[1:] != seg[:-1]) | (types[1:] != types[:-1])]
    assert ids.tolist() == (np.cumsum(change) - 1).tolist()


def test_resumed_tail_is_split_off_and_typed() -> None:
    # Segment 0: task A, then the resumed tail of task B (steps specific to B) glued on.
    seg = np.array([0, 0, 0, 0, 0, 1, 1])
    seg_type = np.array([0, 0, 0, 0, 0, 1, 1])
    vote = np.array([0, -1, 0, 1, 1, 1, -1])
    ids, types = split_tails(seg, seg_type, vote)
    assert types.tolist() == [0, 0, 0, 1, 1, 1, 1]
    assert ids.tolist() == [0, 0, 0, 1, 1, 2, 2]

"""Restart symbols: the steps routines begin with, learnt from how steps recur.

A routine instance touches each of its regular screens and fields once (steps are
templated, so the next record's row or id does not make a new step). So a step that
marks the routine's restart divides the stream into *periods* in each of which the
routine's regular steps occur exactly once; a step that recurs inside an instance (a
copy, a repeated table field), a stray click or an optional step does not. The regular
steps found this way are the routine's *members*; a step and its members form one
routine (unless the member recurs far more often than the step: one that a busier
routine shares does not join the two), and several routines in one stream are told apart because one routine's steps
do not occur once per period of another's. Each routine restarts at the member met
first in the stream (work, and its recording, begins at a routine's start; the other
members are later phases of the same cycle), and every occurrence of that member cuts. A "routine" whose start lies inside another
routine's instances (a variant's block of spreadsheet steps) is a part of it, not a task.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RestartParams:
    """When a step counts as a routine's regular step and start."""

    min_count: int = 5          # a start occurs at least this often
    once_share: float = 0.8     # a member occurs exactly once in this share of the periods
    min_members: int = 3        # a routine has at least this many regular steps
    inside_share: float = 0.5   # a routine starting this often inside another's instances is its part
    max_candidates: int = 300
    max_events: int = 50_000    # learnt on a prefix of the stream this long


def once_shares(c: np.ndarray, stretch: np.ndarray, s: int) -> np.ndarray:
    """Per symbol, the share of the periods of ``s`` (from one occurrence of ``s`` to the
    next, within one hard-cut stretch) in which it occurs exactly once."""
    m = int(c.max()) + 1
    at = c == s
    period = np.cumsum(at)
    # Events before the first s of their stretch belong to no period.
    first_in_stretch = np.r_[True, stretch[1:] != stretch[:-1]]
    base = np.maximum.accumulate(np.where(first_in_stretch, period - at, 0))
    inside = period > base
    # A period closed by the stretch's end is incomplete: only periods followed by s count.
    pid = period[inside]
    if len(pid) == 0:
        return np.zeros(m)
    closed = np.zeros(int(period.max()) + 2, dtype=bool)
    nxt = period[at] - 1  # the period each s (after the first in its stretch) closes
    prev_ok = np.r_[False, stretch[np.flatnonzero(at)[1:]] == stretch[np.flatnonzero(at)[:-1]]]
    closed[nxt[prev_ok]] = True
    keep = closed[pid]
    pid, sym = pid[keep], c[inside][keep]
    n_periods = int(closed.sum())
    if n_periods == 0:
        return np.zeros(m)
    key, cnt = np.unique(pid.astype(np.int64) * m + sym, return_counts=True)
    once = np.bincount((key % m)[cnt == 1], minlength=m)
    return once / n_periods


def restart_symbols(codes: np.ndarray, hard: np.ndarray,
                    params: RestartParams | None = None) -> np.ndarray:
    """Symbol codes that start a routine (one per routine found); may be empty.

    ``codes`` in stream order; ``hard``: events that already start a segment.
    """
    return np.asarray([start for start, _ in routines(codes, hard, params)], dtype=np.int64)


def routines(codes: np.ndarray, hard: np.ndarray,
             params: RestartParams | None = None) -> list[tuple[int, set[int]]]:
    """The routines found: (start symbol code, member symbol codes), ordered by start code."""
    p = params or RestartParams()
    n = min(len(codes), p.max_events)
    if n < 2 * p.min_count:
        return []
    c, h = codes[:n], hard[:n].copy()
    # Collapse runs of one step (typing bursts, repeated clicks) to their first event.
    keep = np.r_[True, (c[1:] != c[:-1]) | h[1:]]
    c, h = c[keep], h[keep]
    stretch = np.cumsum(h)
    m = int(c.max()) + 1
    counts = np.bincount(c, minlength=m)
    cand = np.flatnonzero(counts >= p.min_count)
    if len(cand) > p.max_candidates:
        cand = cand[np.argsort(-counts[cand], kind="stable")[: p.max_candidates]]
    members: dict[int, set[int]] = {}
    for s in cand:
        share = once_shares(c, stretch, int(s))
        # A member recurs about once per cycle overall too: a step far busier than the
        # candidate (shared with other work) or a rare candidate whose few long periods
        # happen to hold another routine once each are no evidence.
        # (A busier step is a member only when nearly every one of many periods holds it
        # once: a last "OK" that another routine also ends with.)
        regular = {int(y) for y in np.flatnonzero(share >= p.once_share)
                   if counts[y] >= p.min_count and (counts[y] <= 2 * counts[s]
                                                    or (share[y] >= 0.95 and counts[s] >= 20))}
        regular.add(int(s))
        if len(regular) >= p.min_members:
            members[int(s)] = regular
    # A candidate's cycle is a routine's only if its members mostly recur once per cycle
    # of it too: a rare step whose few long periods each hold one instance of another
    # routine is not that routine's start.
    def mutual(s_: int) -> float:
        others = [y for y in members[s_] if y != s_ and y in members]
        return sum(s_ in members[y] for y in others) / max(len(others), 1)

    members = {s_: mem_ for s_, mem_ in members.items() if mutual(s_) >= 0.5}
    # Routines: candidates that are regular steps of each other (union-find).
    parent = {s: s for s in members}

    def root(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for s_, mem_ in members.items():
        for y in mem_:
            # y recurs once per cycle of s_; it joins s_'s routine unless it also recurs
            # far more often than s_ (a step another, busier routine shares).
            if y != s_ and y in members and (s_ in members[y] or counts[y] <= 2 * counts[s_]):
                parent[root(s_)] = root(y)
    routines: dict[int, list[int]] = {}
    for s_ in members:
        routines.setdefault(root(s_), []).append(s_)
    first_at = np.full(m, len(c))
    np.minimum.at(first_at, c, np.arange(len(c)))
    groups = [(group, set().union(*(members[x] for x in group))) for group in routines.values()]
    groups = [(group, mem) for group, mem in groups if len(mem) >= p.min_members]
    found: list[tuple[int, set[int]]] = []
    for i, (group, mem) in enumerate(groups):
        # Its first step: the member met first (a recording, like the work, begins at the
        # start of a routine; later phases of it come after), among the steps that are
        # no other routine's (a step two share may first appear in the other one).
        other: set[int] = set().union(*(m for j, (_, m) in enumerate(groups) if j != i))
        own = [y for y in group if y not in other] or group
        found.append((min(own, key=lambda y: first_at[y]), mem))
    # A routine whose start lies inside the instances of a larger one (that one's steps
    # before and after it) is a part of it (a variant's block of steps, a field pair the
    # form repeats), not a task. Larger routines (more regular steps) are kept first.
    found.sort(key=lambda x: (-len(x[1]), first_at[x[0]]))
    starts: list[int] = []
    kept: list[tuple[int, set[int]]] = []
    for start, mem in found:
        # Only the container's own steps count (a step both share says nothing).
        if not any(inside_share(c, stretch, a, mem_a - mem, start) >= p.inside_share for a, mem_a in kept):
            starts.append(start)
            kept.append((start, mem))
    log.info("restart symbols: %d routines (%d parts of others)", len(starts), len(found) - len(starts))
    return sorted(kept)


def switch_cuts(codes: np.ndarray, cuts: np.ndarray, found: list[tuple[int, set[int]]]) -> np.ndarray:
    """Events where the work moves to another routine's steps inside a segment (stream order).

    An instance that skips its routine's optional first step, or the resumed rest of an
    interrupted one, shows itself by its members: the first member of another routine
    after one of the current routine starts a new segment, when the next member step
    confirms it. Steps that are members of several routines decide nothing.
    """
    m = int(codes.max()) + 1 if len(codes) else 0
    owner = np.full(m, -1, dtype=np.int64)
    shared = np.zeros(m, dtype=bool)
    for r, (_, mem) in enumerate(found):
        idx = np.fromiter(mem, dtype=np.int64)
        idx = idx[idx < m]
        shared[idx] |= owner[idx] >= 0
        owner[idx] = r
    owner[shared] = -1
    who = owner[codes] if m else np.zeros(0, dtype=np.int64)
    seg = np.cumsum(cuts)
    # The routine of the last member event before each event, within its segment.
    pos = np.where(who >= 0, np.arange(len(codes)), -1)
    last = np.maximum.accumulate(np.r_[-1, pos[:-1]]) if len(codes) else pos
    prev = np.where(last >= 0, who[np.maximum(last, 0)], -1)
    same_seg = (last >= 0) & (seg[np.maximum(last, 0)] == seg)
    # Confirmed by the next member step: one stray step of another routine is no switch.
    n = len(codes)
    nxt_pos = np.minimum.accumulate(np.r_[np.where(who >= 0, np.arange(n), n)[1:], n][::-1])[::-1]
    nxt = np.where(nxt_pos < n, who[np.minimum(nxt_pos, n - 1)], -1)
    return (who >= 0) & same_seg & (prev >= 0) & (prev != who) & (nxt == who)


def inside_share(c: np.ndarray, stretch: np.ndarray, start: int, members: set[int], s: int) -> float:
    """Share of the occurrences of ``s`` that lie inside an instance of the routine that
    begins with ``start``: after its start (in the same hard-cut stretch) and before another
    of its ``members``."""
    at = c == start
    new_stretch = np.r_[True, stretch[1:] != stretch[:-1]]
    # A member that mostly comes right before the start (an optional opening step, such
    # as opening the workbook) belongs to the next cycle: it does not keep one open.
    n = len(c)
    pos = np.arange(n)
    next_at = np.minimum.accumulate(np.where(at, pos, n)[::-1])[::-1]
    opener = (next_at - pos) <= 2
    cand = np.fromiter(members - {start}, dtype=np.int64)
    m = int(c.max()) + 1
    pre = np.bincount(c[opener], minlength=m) > 0.5 * np.bincount(c, minlength=m)
    others = cand[~pre[cand]] if len(cand) else cand
    is_member = np.isin(c, others) if len(others) else np.zeros(n, dtype=bool)
    # An instance also ends where one of its steps comes again (the next one began
    # without its first step).
    rough = np.cumsum(at | new_stretch)
    key = pd.Series(np.where(is_member, rough.astype(np.int64) * m + c, -1 - np.arange(len(c))))
    again = key.duplicated().to_numpy() & is_member
    period = np.cumsum(at | new_stretch | again)
    opened = np.zeros(int(period[-1]) + 1, dtype=bool)
    opened[period[at | again]] = True  # periods that are an instance of the routine
    # Members still to come in the same period (suffix counts per period).
    rev = is_member[::-1].astype(np.int64)
    per = period[::-1]
    total = np.cumsum(rev)
    first_of_period_rev = np.r_[True, per[1:] != per[:-1]]
    offset = np.maximum.accumulate(np.where(first_of_period_rev, total - rev, 0))
    later = (total - offset - rev)[::-1]
    occ = (c == s) & opened[period]
    n_occ = int((c == s).sum())
    if not n_occ:
        return 0.0
    return float(((later > 0) & occ).sum()) / n_occ


def settle_cuts(cut: np.ndarray, member: np.ndarray, gap: np.ndarray, fixed: np.ndarray) -> np.ndarray:
    """Move each routine cut back to the longest pause among the steps that belong to no
    routine right before it (an opening page several routines share, a stray click): they
    lie between two instances, and people pause between instances. Arrays in stream order;
    ``fixed`` cuts (hard cues) never move and are never crossed."""
    n = len(cut)
    out = cut & ~fixed
    pos = np.flatnonzero(out)
    if not len(pos):
        return cut
    # Start of the non-member run ending right before each cut.
    barrier = member | fixed | cut
    last_barrier = np.maximum.accumulate(np.where(barrier, np.arange(n), -1))
    for i in pos:
        a = int(last_barrier[i - 1]) + 1 if i > 0 else 0
        if a >= i or fixed[a:i].any():
            continue
        j = a + int(np.argmax(gap[a:i + 1]))
        if j != i:
            out[i] = False
            out[j] = True
    return out | (cut & fixed)


def attach_followers(codes: np.ndarray, found: list[tuple[int, set[int]]], min_count: int = 5,
                     share: float = 0.9) -> list[tuple[int, set[int]]]:
    """Routines with their irregular steps added: a step that is no routine's member but
    nearly always comes after one routine's steps (a copy repeated per row, an optional
    last edit) is part of that routine. Steps that follow any routine (an opening page
    several share, a stray click) stay unattached."""
    if not found or not len(codes):
        return found
    m = int(codes.max()) + 1
    owner = np.full(m, -1, dtype=np.int64)
    for r, (_, mem) in enumerate(found):
        idx = np.fromiter(mem, dtype=np.int64)
        owner[idx] = np.where(owner[idx] == -1, r, -2)
    who = owner[codes]
    pos = np.where(who >= 0, np.arange(len(codes)), -1)
    last = np.maximum.accumulate(pos)
    prev = np.where(last >= 0, who[np.maximum(last, 0)], -1)
    loose = (who == -1) & (prev >= 0)
    k = len(found)
    counts = np.zeros((m, k))
    np.add.at(counts, (codes[loose], prev[loose]), 1.0)
    total = np.bincount(codes[who == -1], minlength=m).astype(float)
    best = counts.argmax(axis=1)
    ok = (total >= min_count) & (counts[np.arange(m), best] >= share * np.maximum(total, 1)) & (owner == -1)
    out = [(start, set(mem)) for start, mem in found]
    for x in np.flatnonzero(ok):
        out[int(best[x])][1].add(int(x))
    return out

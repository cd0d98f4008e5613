"""Routine restarts learnt from how steps recur (``collector/tasks/restarts.py``)."""

from __future__ import annotations

import numpy as np

from taskloom.collector.tasks.restarts import once_shares, routines, switch_cuts


def _stream(pattern: list[list[int]], times: int) -> np.ndarray:
    return np.concatenate([np.asarray(pattern[i % len(pattern)]) for i in range(times)])


def test_once_shares_count_periods_with_exactly_one_occurrence() -> None:
    # Periods of 0: [0 1 2 2], [0 1 3], [0 2] (the tail after the last 0 is not a period).
    c = np.array([0, 1, 2, 2, 0, 1, 3, 0, 2, 0, 1])
    share = once_shares(c, np.zeros(len(c), dtype=np.int64), 0)
    assert share[0] == 1.0
    assert share[1] == 2 / 3
    assert share[2] == 1 / 3  # twice in the first period, once in the third
    assert share[3] == 1 / 3


def test_two_alternating_routines_with_a_repeated_copy_are_found_with_their_starts() -> None:
    rng = np.random.default_rng(1)
    a = [10, 11, 12, 99, 13, 99, 14]  # 99: a copy repeated inside the routine
    b = [20, 21, 22, 23]
    parts = [a if rng.random() < 0.5 else b for _ in range(80)]
    c = np.concatenate([np.asarray(p) for p in parts])
    found = routines(c, np.r_[True, np.zeros(len(c) - 1, dtype=bool)])
    starts = sorted(s for s, _ in found)
    assert starts == [10, 20]
    mem = dict(found)
    assert {10, 11, 12, 13, 14} <= mem[10] and 99 not in mem[10]
    assert {20, 21, 22, 23} <= mem[20]


def test_a_single_routine_is_one_routine_started_by_its_first_step() -> None:
    c = _stream([[5, 6, 7, 8, 6]], 30)  # 6 twice per instance: not a member
    found = routines(c, np.r_[True, np.zeros(len(c) - 1, dtype=bool)])
    assert [s for s, _ in found] == [5]
    assert 6 not in found[0][1]


def test_a_switch_to_another_routine_cuts_only_when_the_next_member_confirms_it() -> None:
    found = [(1, {1, 2, 3}), (7, {7, 8, 9})]
    c = np.array([1, 2, 3, 8, 9, 1, 2, 8, 3])
    cuts = np.zeros(len(c), dtype=bool)
    cuts[[0, 5]] = True
    got = switch_cuts(c, cuts, found)
    # 8 after 3 (confirmed by 9) switches; the stray 8 between 2 and 3 does not.
    assert np.flatnonzero(got).tolist() == [3]

"""Step groups learnt from the stream, and the cuts they give, on streams built by hand."""

from __future__ import annotations

import numpy as np

from taskloom.collector.tasks.cluster import merge_same_start
from taskloom.collector.tasks.stepgroups import group_cuts, step_groups


def _routines(seed: int, shared: bool) -> np.ndarray:
    """Step codes in stream order: three routines (fields in random order), one after another."""
    rng = np.random.default_rng(seed)
    routines = {0: [0, 1, 2, 3, 4], 1: [5, 6, 7, 8, 9], 2: [10, 11, 12, 13]}
    codes: list[int] = []
    for _ in range(300):
        r = int(rng.integers(0, 3))
        steps = list(routines[r])
        middle = steps[1:-1]
        rng.shuffle(middle)
        steps = [steps[0], *middle, steps[-1]]
        if shared and r < 2 and rng.random() < 0.4:
            steps = [14, *steps]  # an opening page two routines share
        codes.extend(steps)
    return np.array(codes)


def test_groups_recover_routines_and_leave_a_shared_step_without_group() -> None:
    codes = _routines(0, shared=True)
    groups = step_groups(codes, np.r_[False, np.ones(len(codes) - 1, dtype=bool)])
    assert groups[14] == -1
    for r, steps in {0: range(0, 5), 1: range(5, 10), 2: range(10, 14)}.items():
        assert len({int(groups[s]) for s in steps}) == 1, r
    assert len({int(groups[s]) for s in (0, 5, 10)}) == 3


def test_group_cuts_fall_between_routines_at_the_longest_pause() -> None:
    groups = np.array([0, 0, 0, -1, 1, 1, 0, 0])
    gaps = np.array([0.0, 1.0, 1.0, 9.0, 1.0, 1.0, 1.0, 1.0])
    same = np.r_[False, np.ones(7, dtype=bool)]
    cuts = group_cuts(groups, same, gaps, np.zeros(8, dtype=bool))
    assert np.flatnonzero(cuts).tolist() == [3, 6]
    # A cut already inside the span (a start cue) is not doubled.
    existing = np.zeros(8, dtype=bool)
    existing[4] = True
    assert np.flatnonzero(group_cuts(groups, same, gaps, existing)).tolist() == [6]
    # Another user's stream never continues a group.
    same[4] = False
    assert 4 not in np.flatnonzero(group_cuts(groups, same, gaps, np.zeros(8, dtype=bool))).tolist()


def test_clusters_that_start_alike_merge_only_when_their_terms_agree() -> None:
    import scipy.sparse as sp

    rng = np.random.default_rng(0)
    n = 60
    labels = np.repeat([0, 1, 2], n // 3)
    first = np.where(labels < 2, 7, 9)  # clusters 0 and 1 open the same way
    base = rng.random((3, 6))
    base[1] = base[0] + 0.05 * rng.random(6)  # 0 and 1: variants with the same vocabulary
    x = sp.csr_matrix(base[labels] + 0.01 * rng.random((n, 6)))
    merged, cents = merge_same_start(x, labels, first, 0.9, n_terms=6, min_similarity=0.5)
    assert cents.shape[0] == 2
    assert len(set(merged[labels < 2].tolist())) == 1
    # Same opening but unrelated vocabulary: kept apart.
    base[1] = 0.0
    base[1, 5] = 1.0
    base[0, 5] = 0.0
    x = sp.csr_matrix(base[labels])
    merged, cents = merge_same_start(x, labels, first, 0.9, n_terms=6, min_similarity=0.5)
    assert cents.shape[0] == 3

"""Step groups: which steps belong to the same kind of work, learnt from the stream itself.

For logs without identifiers in titles (research UI logs), the work context is not
visible, so it is inferred: steps (kind|app|screen|element symbols) that occur near each
other are grouped — positive PMI of co-occurrence within a few events, rows clustered
with k-means (k by silhouette) — and groups users move between often (more than
``merge_rate`` transitions per event of the smaller group) are joined, since switching
to another task happens once per instance while a task's own steps alternate all the
time. A change of group between consecutive steps is then a task boundary cue.
"""

from __future__ import annotations

import logging

import numpy as np
import scipy.sparse as sp

log = logging.getLogger(__name__)

MAX_SYMBOLS = 3000


def step_groups(codes: np.ndarray, same_stream: np.ndarray, window: int = 3, k_max: int = 12,
                merge_rate: float = 0.2, min_purity: float = 0.6, seed: int = 0) -> np.ndarray:
    """A group per symbol code (0..m-1), or all -1 when the stream is too varied to tell.

    ``codes`` are symbol codes in stream order; ``same_stream[i]`` says event i continues
    the stream of event i-1 (same user).
    """
    from sklearn.cluster import KMeans
    from sklearn.metrics import silhouette_score
    from sklearn.preprocessing import normalize

    m = int(codes.max()) + 1 if len(codes) else 0
    if m < 4 or m > MAX_SYMBOLS:
        if m > MAX_SYMBOLS:
            log.info("step groups skipped: %d distinct steps (more than %d)", m, MAX_SYMBOLS)
        return np.full(m, -1, dtype=np.int64)
    rows, cols, vals = [], [], []
    ok = np.ones(len(codes), dtype=bool)
    for d in range(1, window + 1):
        ok = ok[:-1] & same_stream[d:] if d > 1 else same_stream[1:].copy()
        a, b = codes[:-d][ok], codes[d:][ok]
        rows += [a, b]
        cols += [b, a]
        vals += [np.full(len(a), 1.0 / d)] * 2
    co = sp.coo_matrix((np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))),
                       shape=(m, m)).toarray()
    total, marg = co.sum(), co.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        ppmi = np.log(co * total / np.maximum(np.outer(marg, marg), 1e-12))
    ppmi = np.where(np.isfinite(ppmi) & (ppmi > 0), ppmi, 0.0)
    x = normalize(ppmi)
    weight = np.bincount(codes, minlength=m).astype(float)
    best: tuple[float, np.ndarray] | None = None
    for k in range(2, min(k_max, m - 1) + 1):
        lab = KMeans(n_clusters=k, n_init=4, random_state=seed).fit_predict(x, sample_weight=weight)
        if len(set(lab.tolist())) < 2:
            continue
        score = float(silhouette_score(x, lab))
        if best is None or score > best[0] + 1e-9:
            best = (score, lab)
    if best is None:
        return np.full(m, -1, dtype=np.int64)
    groups = _shared_out(best[1].astype(np.int64), codes, same_stream, weight, min_purity)
    # Join groups users alternate between: per event, transitions between the two groups
    # (shared steps, group -1, are left out so they cannot bridge two tasks).
    while int(groups.max()) >= 1:
        k = int(groups.max()) + 1
        g = groups[codes]
        step = same_stream[1:] & (g[:-1] >= 0) & (g[1:] >= 0)
        trans = np.zeros((k, k))
        np.add.at(trans, (g[:-1][step], g[1:][step]), 1.0)
        trans = trans + trans.T
        np.fill_diagonal(trans, 0.0)
        size = np.bincount(g[g >= 0], minlength=k).astype(float)
        rate = trans / np.maximum(np.minimum(size[:, None], size[None, :]), 1.0)
        i, j = np.unravel_index(int(np.argmax(rate)), rate.shape)
        if rate[i, j] < merge_rate:
            break
        groups[groups == j] = i
        known = groups >= 0
        _, renum = np.unique(groups[known], return_inverse=True)
        groups[known] = renum
    groups = _shared_out(groups, codes, same_stream, weight, min_purity)
    log.info("step groups: %d groups over %d steps (%d shared)", int(groups.max()) + 1, m,
             int((groups < 0).sum()))
    return groups


def _shared_out(groups: np.ndarray, codes: np.ndarray, same_stream: np.ndarray, weight: np.ndarray,
                min_purity: float) -> np.ndarray:
    """Groups with -1 for steps whose neighbours on both sides mostly lie in other groups.

    Such a step (an opening page several tasks share) has no group of its own.
    """
    m = len(groups)
    g = groups[codes]
    step = same_stream[1:]
    same = ((g[:-1] == g[1:]) & (g[1:] >= 0))[step].astype(float)
    same_next = np.zeros(m)
    np.add.at(same_next, codes[:-1][step], same)
    same_prev = np.zeros(m)
    np.add.at(same_prev, codes[1:][step], same)
    purity = np.maximum(same_next, same_prev) / np.maximum(weight, 1.0)
    out = np.where(purity >= min_purity, groups, -1)
    known = out >= 0
    if known.any():
        _, renum = np.unique(out[known], return_inverse=True)
        out[known] = renum
    return out.astype(np.int64)


def group_cuts(groups: np.ndarray, same_stream: np.ndarray, gap: np.ndarray,
               existing: np.ndarray) -> np.ndarray:
    """Boolean per event: a task starts here because the step group changes.

    Between the last step of one group and the first of another, shared steps may lie;
    the cut goes at the longest pause in that span, unless ``existing`` cuts it already.
    """
    n = len(groups)
    pos = np.arange(n)
    known = groups >= 0
    stream_id = np.cumsum(~same_stream)
    # Previous known group within the stream (forward fill), and where it was.
    last_pos = np.where(known, pos, -1)
    last_pos = np.maximum.accumulate(last_pos)
    start_pos = np.zeros(n, dtype=np.int64)
    first_of_stream = np.flatnonzero(~same_stream)
    start_pos[first_of_stream] = first_of_stream
    start_pos = np.maximum.accumulate(start_pos)
    valid_prev = last_pos >= start_pos
    prev_known = np.r_[-1, last_pos[:-1]]
    prev_known = np.where(np.r_[False, valid_prev[:-1]] & (np.r_[-1, stream_id[:-1]] == stream_id),
                          prev_known, -1)
    change = known & (prev_known >= 0) & (groups[np.maximum(prev_known, 0)] != groups)
    cuts = np.zeros(n, dtype=bool)
    for b in np.flatnonzero(change):
        a = int(prev_known[b]) + 1
        if not existing[a:b + 1].any():
            cuts[a + int(np.argmax(gap[a:b + 1]))] = True
    return cuts

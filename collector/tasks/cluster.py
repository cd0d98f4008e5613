"""Clustering segments into task types with scikit-learn; stable type ids across re-runs.

The number of types is chosen automatically: MiniBatchKMeans for every k in a range on a
sample, scored by silhouette (cosine); one type when no k separates the sample well. The
final fit uses MiniBatchKMeans on all segments. Type ids stay the same across runs: new
centroids are matched to the saved ones (Hungarian algorithm on centroid distance, in
the shared term space) and keep their ids, so an analyst's labels persist.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ClusterParams:
    """Clustering knobs: k range, sample size, when one type is the answer, seed."""

    k_min: int = 2
    k_max: int = 30
    sample: int = 2000
    restarts: int = 4  # k-means restarts per k on the sample
    svd_dims: int = 48
    min_silhouette: float = 0.25
    seed: int = 0
    match_distance: float = 0.9  # saved and new centroids further apart than this do not match
    merge_similarity: float = 0.85  # types whose term centroids are this cosine-similar are one type
    start_overlap: float = 0.9  # types whose instances start alike this much are one type (>1: off)
    start_min_similarity: float = 0.5  # ... if their term centroids are also this cosine-similar


def _kmeans(k: int, seed: int, n: int, init: np.ndarray | None = None) -> Any:
    from sklearn.cluster import MiniBatchKMeans

    return MiniBatchKMeans(n_clusters=k, random_state=seed, n_init=1 if init is not None else 3,
                           init=init if init is not None else "k-means++",
                           batch_size=min(4096, max(256, n)), max_iter=100)


def reduce(x: sp.csr_matrix, params: ClusterParams) -> np.ndarray:
    """Rows projected by truncated SVD and L2-normalised (k-means there ≈ cosine k-means)."""
    from sklearn.decomposition import TruncatedSVD
    from sklearn.preprocessing import normalize

    dims = min(params.svd_dims, x.shape[1] - 1, x.shape[0] - 1)
    if dims < 2:
        return normalize(x.toarray())
    z = TruncatedSVD(n_components=dims, random_state=params.seed).fit_transform(x)
    return np.asarray(normalize(z))


def choose_k(x: np.ndarray, params: ClusterParams) -> tuple[int, dict[int, float], np.ndarray | None]:
    """Pick the number of types by silhouette over a k range on a sample of the rows.

    On the sample, full-batch k-means with several restarts (the sample is small, and a
    poor local optimum at the right k would hide it); returns the best k's centres, which
    seed the MiniBatchKMeans fit on all rows.
    """
    from sklearn.cluster import KMeans
    from sklearn.metrics import silhouette_score

    n = x.shape[0]
    rng = np.random.default_rng(params.seed)
    idx = rng.choice(n, size=min(n, params.sample), replace=False) if n > params.sample else np.arange(n)
    xs = x[idx]
    distinct = np.unique(np.round(xs, 6), axis=0).shape[0]
    k_hi = min(params.k_max, distinct - 1, xs.shape[0] - 1)
    scores: dict[int, float] = {}
    centres: dict[int, np.ndarray] = {}
    for k in range(params.k_min, k_hi + 1):
        km = KMeans(n_clusters=k, n_init=params.restarts, random_state=params.seed).fit(xs)
        labels = km.labels_
        if len(set(labels.tolist())) < 2:
            continue
        scores[k] = float(silhouette_score(xs, labels, metric="euclidean"))
        centres[k] = km.cluster_centers_
    if not scores or max(scores.values()) < params.min_silhouette:
        return 1, scores, None
    best = max(scores, key=lambda k: (round(scores[k], 3), -k))
    return best, scores, centres[best]


def _union(labels: np.ndarray, k: int, pairs: list[tuple[int, int]]) -> np.ndarray:
    """Labels after joining the clusters of each pair (union-find), renumbered 0..k'-1."""
    parent = list(range(k))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, j in pairs:
        parent[root(i)] = root(j)
    roots = np.array([root(i) for i in range(k)])
    _, new = np.unique(roots, return_inverse=True)
    return np.asarray(new[labels], dtype=np.int64)


def _centroids(x: sp.csr_matrix, labels: np.ndarray) -> np.ndarray:
    k = int(labels.max()) + 1 if len(labels) else 0
    onehot = sp.csr_matrix((np.ones(len(labels)), (labels, np.arange(len(labels)))), shape=(k, len(labels)))
    sums = np.asarray((onehot @ x).todense())
    return sums / np.maximum(np.bincount(labels, minlength=k), 1)[:, None]


def merge_similar(x: sp.csr_matrix, labels: np.ndarray, centroids: np.ndarray, n_terms: int,
                  threshold: float) -> tuple[np.ndarray, np.ndarray]:
    """Merge clusters whose term centroids (the first ``n_terms`` columns) are near-identical.

    k-means on a silhouette optimum sometimes splits one routine by duration or by a minor
    variant; such clusters use the same vocabulary and are one task type to an analyst.
    """
    terms = centroids[:, :n_terms]
    norm = terms / np.maximum(np.linalg.norm(terms, axis=1, keepdims=True), 1e-12)
    sim = norm @ norm.T
    pairs = [(int(i), int(j)) for i, j in zip(*np.nonzero(np.triu(sim, 1) >= threshold), strict=True)]
    merged = _union(labels, len(terms), pairs)
    return merged, _centroids(x, merged)


def merge_same_start(x: sp.csr_matrix, labels: np.ndarray, first: np.ndarray, threshold: float,
                     n_terms: int = 0, min_similarity: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Merge clusters whose instances begin with the same steps in the same proportions.

    A routine is recognised by how it begins (Leno et al. segment routines by their start
    events); clusters that differ only after an identical start are variants of one
    routine (optional steps, another branch), not different tasks. Overlap of two
    clusters' start-step distributions is the sum of the element-wise minimum. The term
    centroids must also be at least ``min_similarity`` cosine-similar, so that routines
    that merely share an opening step (a log-in page) stay apart.
    """
    k = int(labels.max()) + 1
    codes, _ = pd.factorize(first)
    dist = np.zeros((k, int(codes.max()) + 1))
    np.add.at(dist, (labels, codes), 1.0)
    dist /= np.maximum(dist.sum(axis=1, keepdims=True), 1.0)
    overlap = np.minimum(dist[:, None, :], dist[None, :, :]).sum(axis=2)
    if n_terms:
        terms = _centroids(x, labels)[:, :n_terms]
        norm = terms / np.maximum(np.linalg.norm(terms, axis=1, keepdims=True), 1e-12)
        overlap = np.where(norm @ norm.T >= min_similarity, overlap, 0.0)
    pairs = [(int(i), int(j)) for i, j in zip(*np.nonzero(np.triu(overlap, 1) >= threshold), strict=True)]
    if not pairs:
        return labels, _centroids(x, labels)
    merged = _union(labels, k, pairs)
    return merged, _centroids(x, merged)


def fit_types(x: sp.csr_matrix, params: ClusterParams, n_terms: int = 0,
              first: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, dict[int, float]]:
    """Cluster rows of ``x``: (labels 0..k-1, centroids k×d dense, silhouette by k).

    ``first`` (a code per row of the step each instance begins with) enables the merge of
    clusters that start alike (see ``merge_same_start``).
    """
    n = x.shape[0]
    if n == 0:
        return np.zeros(0, dtype=np.int64), np.zeros((0, x.shape[1])), {}
    z = reduce(x, params)
    k, scores, init = choose_k(z, params) if n > 2 else (1, {}, None)
    if k == 1:
        labels = np.zeros(n, dtype=np.int64)
    else:
        labels = _kmeans(k, params.seed, n, init).fit_predict(z).astype(np.int64)
    centroids = _centroids(x, labels)
    if k > 1 and n_terms:
        labels, centroids = merge_similar(x, labels, centroids, n_terms, params.merge_similarity)
    if centroids.shape[0] > 1 and first is not None and params.start_overlap <= 1.0:
        labels, centroids = merge_same_start(x, labels, first, params.start_overlap, n_terms,
                                             params.start_min_similarity)
    k = centroids.shape[0]
    log.info("task types: k=%d (silhouette by k: %s)", k, {k_: round(v, 3) for k_, v in scores.items()})
    return labels, centroids, scores


def fit_seeded(x: sp.csr_matrix, seeds: np.ndarray, params: ClusterParams) -> tuple[np.ndarray, np.ndarray]:
    """Types given by routines: rows with a seed (0..R-1) keep it, the others (resumed
    tails, stray work before the first restart) join the nearest routine's centroid.

    Returns (labels, centroids k×d); routines with no rows are dropped and labels renumbered.
    """
    n = x.shape[0]
    if n == 0:
        return np.zeros(0, dtype=np.int64), np.zeros((0, x.shape[1]))
    from sklearn.preprocessing import normalize

    used, seeds_c = np.unique(seeds[seeds >= 0], return_inverse=True)
    labels = np.full(n, -1, dtype=np.int64)
    labels[seeds >= 0] = seeds_c
    k = len(used)
    if k == 0:
        return np.zeros(n, dtype=np.int64), _centroids(x, np.zeros(n, dtype=np.int64))
    rest = labels < 0
    if rest.any():
        # Cosine similarity to each routine's centroid, in the sparse term space.
        z = normalize(sp.csr_matrix(x))
        seeded = ~rest
        centres = normalize(_centroids(z[seeded], labels[seeded]))
        labels[rest] = np.asarray(np.argmax(z[rest] @ centres.T, axis=1)).ravel()
    log.info("task types: %d routines", k)
    return labels, _centroids(x, labels)


@dataclass
class TypeModel:
    """Saved task types: id → centroid over named features, and the next free id number."""

    centroids: dict[str, dict[str, float]]
    next_id: int = 1

    @classmethod
    def from_json(cls, text: str) -> TypeModel:
        """The model from its JSON text (as ``to_json`` writes it)."""
        data = json.loads(text)
        return cls({str(k): {str(f): float(w) for f, w in v.items()} for k, v in data["types"].items()},
                   int(data.get("next_id", 1)))

    def to_json(self) -> str:
        return json.dumps({"version": 1, "next_id": self.next_id, "types": self.centroids},
                          indent=1, sort_keys=True)


def stable_ids(centroids: np.ndarray, names: list[str], model: TypeModel,
               params: ClusterParams, keep_terms: int = 300) -> list[str]:
    """Type ids for new centroids: saved ids where Hungarian matching finds them, else new ids.

    Updates ``model`` in place with the new centroids (top ``keep_terms`` weights each).
    """
    from scipy.optimize import linear_sum_assignment

    k = centroids.shape[0]
    ids: list[str | None] = [None] * k
    old_ids = sorted(model.centroids)
    if old_ids and k:
        col = {name: i for i, name in enumerate(names)}
        old = np.zeros((len(old_ids), len(names)))
        for r, tid in enumerate(old_ids):
            for f, w in model.centroids[tid].items():
                if f in col:
                    old[r, col[f]] = w
        dist = np.sqrt(((centroids[:, None, :] - old[None, :, :]) ** 2).sum(axis=2))
        rows, cols = linear_sum_assignment(dist)
        for r, c in zip(rows, cols, strict=True):
            if dist[r, c] <= params.match_distance:
                ids[r] = old_ids[c]
    for r in range(k):
        if ids[r] is None:
            ids[r] = f"T{model.next_id:02d}"
            model.next_id += 1
        top = np.argsort(-np.abs(centroids[r]))[:keep_terms]
        model.centroids[str(ids[r])] = {names[i]: round(float(centroids[r, i]), 6)
                                        for i in top if centroids[r, i] != 0}
    return [str(i) for i in ids]

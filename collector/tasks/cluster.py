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
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ClusterParams:
    """Clustering knobs: k range, sample size, when one type is the answer, seed."""

    k_min: int = 2
    k_max: int = 30
    sample: int = 2000
    svd_dims: int = 48
    min_silhouette: float = 0.25
    seed: int = 0
    match_distance: float = 0.9  # saved and new centroids further apart than this do not match
    merge_similarity: float = 0.85  # types whose term centroids are this cosine-similar are one type


def _kmeans(k: int, seed: int, n: int) -> Any:
    from sklearn.cluster import MiniBatchKMeans

    return MiniBatchKMeans(n_clusters=k, random_state=seed, n_init=3,
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


def choose_k(x: np.ndarray, params: ClusterParams) -> tuple[int, dict[int, float]]:
    """Pick the number of types by silhouette over a k range on a sample of the rows."""
    from sklearn.metrics import silhouette_score

    n = x.shape[0]
    rng = np.random.default_rng(params.seed)
    idx = rng.choice(n, size=min(n, params.sample), replace=False) if n > params.sample else np.arange(n)
    xs = x[idx]
    distinct = np.unique(np.round(xs, 6), axis=0).shape[0]
    k_hi = min(params.k_max, distinct - 1, xs.shape[0] - 1)
    scores: dict[int, float] = {}
    for k in range(params.k_min, k_hi + 1):
        labels = _kmeans(k, params.seed, xs.shape[0]).fit_predict(xs)
        if len(set(labels.tolist())) < 2:
            continue
        scores[k] = float(silhouette_score(xs, labels, metric="euclidean"))
    if not scores or max(scores.values()) < params.min_silhouette:
        return 1, scores
    best = max(scores, key=lambda k: (round(scores[k], 3), -k))
    return best, scores


def merge_similar(x: sp.csr_matrix, labels: np.ndarray, centroids: np.ndarray, n_terms: int,
                  threshold: float) -> tuple[np.ndarray, np.ndarray]:
    """Merge clusters whose term centroids (the first ``n_terms`` columns) are near-identical.

    k-means on a silhouette optimum sometimes splits one routine by duration or by a minor
    variant; such clusters use the same vocabulary and are one task type to an analyst.
    """
    terms = centroids[:, :n_terms]
    norm = terms / np.maximum(np.linalg.norm(terms, axis=1, keepdims=True), 1e-12)
    sim = norm @ norm.T
    parent = list(range(len(terms)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, j in zip(*np.nonzero(np.triu(sim, 1) >= threshold), strict=True):
        parent[root(int(i))] = root(int(j))
    roots = np.array([root(i) for i in range(len(terms))])
    _, new = np.unique(roots, return_inverse=True)
    merged = new[labels].astype(np.int64)
    k = int(merged.max()) + 1
    cents = np.vstack([np.asarray(x[merged == c].mean(axis=0)).ravel() for c in range(k)])
    return merged, cents


def fit_types(x: sp.csr_matrix, params: ClusterParams,
              n_terms: int = 0) -> tuple[np.ndarray, np.ndarray, dict[int, float]]:
    """Cluster rows of ``x``: (labels 0..k-1, centroids k×d dense, silhouette by k)."""
    n = x.shape[0]
    if n == 0:
        return np.zeros(0, dtype=np.int64), np.zeros((0, x.shape[1])), {}
    z = reduce(x, params)
    k, scores = choose_k(z, params) if n > 2 else (1, {})
    if k == 1:
        labels = np.zeros(n, dtype=np.int64)
    else:
        labels = _kmeans(k, params.seed, n).fit_predict(z).astype(np.int64)
    centroids = np.vstack([np.asarray(x[labels == c].mean(axis=0)).ravel() for c in range(k)])
    if k > 1 and n_terms:
        labels, centroids = merge_similar(x, labels, centroids, n_terms, params.merge_similarity)
        k = centroids.shape[0]
    log.info("task types: k=%d (silhouette by k: %s)", k, {k_: round(v, 3) for k_, v in scores.items()})
    return labels, centroids, scores


@dataclass
class TypeModel:
    """Saved task types: id → centroid over named features, and the next free id number."""

    centroids: dict[str, dict[str, float]]
    next_id: int = 1

    @classmethod
    def load(cls, path: Path | None) -> TypeModel:
        if path is None or not path.exists():
            return cls({}, 1)
        data = json.loads(path.read_text())
        return cls({str(k): {str(f): float(w) for f, w in v.items()} for k, v in data["types"].items()},
                   int(data.get("next_id", 1)))

    def save(self, path: Path) -> None:
        path.write_text(json.dumps({"version": 1, "next_id": self.next_id, "types": self.centroids},
                                   indent=1, sort_keys=True))


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

"""Case variants: the distinct activity sequences, with case count, share and mean duration.

Each case's int-coded sequence is hashed with two independent polynomial hashes
(uint64 arithmetic, vectorised with ``np.add.reduceat``) plus its length, so grouping
cases into variants costs a few array passes however many cases there are.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np
import pandas as pd

from taskloom.mining.columns import ACTIVITY
from taskloom.mining.ordering import Ordered, order_log

_BASES = (np.uint64(0x9E3779B97F4A7C15), np.uint64(0xC2B2AE3D27D4EB4F))


@dataclass(frozen=True)
class CaseVariants:
    """variant id per case (0 = most frequent), and each variant's code sequence."""

    case_variant: np.ndarray
    sequences: list[tuple[str, ...]]
    counts: np.ndarray


def _case_keys(o: Ordered) -> np.ndarray:
    """One uint64 key per case: two polynomial hashes of its code sequence and its length.

    Mixing them into 64 bits makes a collision between two distinct sequences about
    n_variants**2 / 2**65 likely (1e-10 at 50k variants).
    """
    n = len(o.act)
    if n == 0:
        return np.zeros(0, dtype=np.uint64)
    lengths = o.last - o.first + 1
    pos = np.arange(n, dtype=np.int64) - np.repeat(o.first, lengths)
    sym = (o.act + 2).astype(np.uint64)
    hashes = []
    with np.errstate(over="ignore"):
        for base in _BASES:
            # base**k for every position k a case has, wrapping modulo 2**64 by design;
            # one table of the longest case's length, then one gather per event.
            powers = np.full(int(lengths.max()), base, dtype=np.uint64)
            powers[0] = 1
            powers = np.cumprod(powers, dtype=np.uint64)
            hashes.append(np.add.reduceat(sym * powers[pos], o.first))
        length = lengths.astype(np.uint64)
        key: np.ndarray = hashes[0] ^ ((hashes[1] << np.uint64(17)) | (hashes[1] >> np.uint64(47)))
        key ^= length * np.uint64(0xFF51AFD7ED558CCD)
    return key


def variant_ids(o: Ordered) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(variant id per case, cases per variant, one case of each variant).

    Variants are numbered by case count, descending; ties by first appearance.
    """
    keys = _case_keys(o)
    if len(keys) == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty
    codes, uniques = pd.factorize(keys)
    counts = np.bincount(codes, minlength=len(uniques))
    first_case = np.full(len(uniques), len(codes), dtype=np.int64)
    np.minimum.at(first_case, codes, np.arange(len(codes)))
    rank = np.lexsort((first_case, -counts))
    new_id = np.empty_like(rank)
    new_id[rank] = np.arange(len(rank))
    return new_id[codes].astype(np.int64), counts[rank].astype(np.int64), first_case[rank]


def count_variants(o: Ordered) -> int:
    """Number of distinct activity sequences."""
    return len(pd.unique(_case_keys(o)))


def case_variants(o: Ordered) -> CaseVariants:
    """Group cases by their activity sequence; variants numbered by count, descending."""
    case_variant, counts, rep = variant_ids(o)
    if len(rep) == 0:
        return CaseVariants(case_variant, [], counts)
    names = np.asarray(["" if x is None else str(x) for x in o.act_names] + [""], dtype=object)
    lengths = o.last[rep] - o.first[rep] + 1
    idx = np.repeat(o.first[rep] - np.concatenate(([0], np.cumsum(lengths)[:-1])), lengths) \
        + np.arange(int(lengths.sum()))
    labels = names[o.act[idx]].tolist()
    bounds = np.concatenate(([0], np.cumsum(lengths))).tolist()
    sequences = [tuple(labels[a:b]) for a, b in itertools.pairwise(bounds)]
    return CaseVariants(case_variant, sequences, counts)


def variants_table(log: pd.DataFrame, perspective: str = ACTIVITY,
                   top: int | None = None) -> pd.DataFrame:
    """One row per variant: ``variant`` (tuple), ``cases``, ``share``, ``mean_duration_s``."""
    o = order_log(log, perspective)
    cv = case_variants(o)
    dur = (o.ts[o.last] - o.ts[o.first]) / 1e9
    n_var = len(cv.sequences)
    sums = np.bincount(cv.case_variant, weights=dur, minlength=n_var) if n_var else np.zeros(0)
    total = max(o.n_cases, 1)
    table = pd.DataFrame({
        "variant": pd.Series(cv.sequences, dtype=object),
        "cases": cv.counts,
        "share": cv.counts / total,
        "mean_duration_s": sums / np.maximum(cv.counts, 1),
    })
    return table.head(top) if top is not None else table


def variant_counts(log: pd.DataFrame, perspective: str = ACTIVITY) -> dict[tuple[str, ...], int]:
    """Variant sequence → number of cases, as pm4py.get_variants returns it."""
    cv = case_variants(order_log(log, perspective))
    return dict(zip(cv.sequences, (int(c) for c in cv.counts), strict=True))

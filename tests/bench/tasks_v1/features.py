"""Features per segment: what a task instance looks like, as one sparse row.

Terms (TF-IDF weighted): app, screen words of the title with identifiers and numbers
masked, element names, event kinds, and transition bigrams of consecutive
(kind, screen) steps. Plus dense columns: event-kind counts, key-class mix and active
time (log-scaled). The term weights are what labels are made from.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

from taskloom.collector.tasks.events import IDLE_KINDS, stream_order
from tests.bench.tasks_v1.segment import _MASK_RE, per_unique

SEP = "\x1f"
KINDS = ("click", "typing", "key", "scroll", "focus", "copy", "paste", "shortcut")
#: A pause longer than this inside a segment does not count as active time.
ACTIVE_CAP_MS = 60_000


@dataclass
class SegmentTable:
    """Per-segment facts (one row per segment id) used by features, statistics and labels."""

    table: pd.DataFrame  # index: segment id; user, start, end, n, active_s, kind counts, keys…
    docs: pd.Series      # index: segment id; SEP-joined terms


def _screen(ev: pd.DataFrame) -> pd.Series:
    def clean(t: pd.Series) -> pd.Series:
        masked = t.str.replace(_MASK_RE, "#", regex=True).str.replace(r"[·|\-–—:]+", " ", regex=True)
        return masked.str.replace(r"\s*#\s*", " ", regex=True).str.strip()

    return per_unique(ev["title"], clean)


def segment_table(ev: pd.DataFrame, seg: np.ndarray) -> SegmentTable:
    """Aggregate events by segment id (vectorised groupby; ``seg`` aligned with ``ev``)."""
    order = stream_order(ev, seg)
    s = ev.iloc[order].reset_index(drop=True)
    sid = seg[order]
    kind = s["kind"].fillna("")
    app = s["app"].fillna("")
    screen = _screen(s)
    element = s["element"].fillna("")
    words = per_unique(screen, lambda t: t.str.lower().str.findall(r"[a-z][a-z.]+").str.join(SEP + "w="))
    # Terms are built once per distinct (step, previous step, screen) and spread back.
    step_codes, steps = pd.factorize(kind + "@" + app + ":" + element)
    first = np.r_[True, sid[1:] != sid[:-1]]
    prev_codes = np.where(first, -1, np.r_[-1, step_codes[:-1]])
    scr_codes, _ = pd.factorize(words)
    key = (step_codes.astype(np.int64) * (len(steps) + 1) + prev_codes + 1) * (scr_codes.max() + 2) \
        + scr_codes
    key_codes, _key_uniq = pd.factorize(key)
    rep = pd.Series(np.unique(key_codes, return_index=True)[1])
    u = pd.DataFrame({"kind": kind.to_numpy()[rep], "app": app.to_numpy()[rep],
                      "words": words.to_numpy()[rep], "element": element.to_numpy()[rep],
                      "step": np.asarray(steps, dtype=object)[step_codes[rep]],
                      "prev": np.where(prev_codes[rep] < 0, "START",
                                       np.asarray(steps, dtype=object)[np.maximum(prev_codes[rep], 0)])})
    u_terms = ("app=" + u["app"] + SEP + "app2=" + u["app"] + SEP + "k=" + u["kind"]
               + u["words"].where(u["words"].eq(""), SEP + "w=" + u["words"])
               + u["element"].where(u["element"].eq(""), SEP + "el=" + u["element"])
               + SEP + "bg=" + u["prev"] + ">" + u["step"])
    u_terms = u_terms.where(~u["kind"].isin(IDLE_KINDS), "k=" + u["kind"])
    terms = pd.Series(u_terms.to_numpy()[key_codes], dtype=object)
    docs = terms.groupby(sid, sort=True).agg(SEP.join)
    ts = s["ts"].to_numpy(dtype=np.int64)
    gaps = np.r_[0, np.diff(ts)]
    gaps[np.r_[True, sid[1:] != sid[:-1]]] = 0
    frame = pd.DataFrame({
        "seg": sid, "user": s["user"].to_numpy(), "ts": ts,
        "active": np.minimum(gaps, ACTIVE_CAP_MS), "keys": s["keys"].to_numpy(),
        "letters": s["letters"].to_numpy(), "digits": s["digits"].to_numpy(),
        "idle": kind.isin(IDLE_KINDS).to_numpy(),
    })
    for k in KINDS:
        frame[k] = kind.eq(k).to_numpy()
    g = frame.groupby("seg", sort=True)
    table = pd.DataFrame({
        "user": g["user"].first(), "start": g["ts"].min(), "end": g["ts"].max(),
        "n": g.size(), "active_s": g["active"].sum() / 1000.0,
        "keys": g["keys"].sum(), "letters": g["letters"].sum(), "digits": g["digits"].sum(),
        "idle": g["idle"].all(),
    })
    for k in KINDS:
        table[k] = g[k].sum()
    # Typing time counts as active: a burst spans about 180 ms per key.
    table["active_s"] += table["keys"] * 0.18
    table["variant"] = _variant_hash(pd.factorize(kind + "|" + element)[0], sid)
    return SegmentTable(table, docs)


def _variant_hash(codes: np.ndarray, sid: np.ndarray) -> pd.Series:
    """A hash per segment of its step sequence with immediate repeats collapsed (vectorised)."""
    keep = np.r_[True, (codes[1:] != codes[:-1]) | (sid[1:] != sid[:-1])]
    c, g = codes[keep].astype(np.uint64) + np.uint64(1), sid[keep]
    pos = pd.Series(g).groupby(g).cumcount().to_numpy().astype(np.uint64)
    with np.errstate(over="ignore"):
        weight = np.ones(len(pos), dtype=np.uint64)
        base = np.uint64(1_000_003)
        # base**pos modulo 2**64 by repeated squaring, all rows at once.
        b, e = np.full(len(pos), base, dtype=np.uint64), pos.copy()
        while e.any():
            odd = (e & np.uint64(1)).astype(bool)
            weight[odd] *= b[odd]
            b *= b
            e >>= np.uint64(1)
        h = pd.Series(c * weight).groupby(g, sort=True).sum()
    return h.astype("uint64").astype(str)


def dense_features(table: pd.DataFrame) -> np.ndarray:
    """Counts and mixes per segment, log-scaled (so long and short instances compare)."""
    cols = [np.log1p(table[k].to_numpy(dtype=float)) for k in KINDS]
    keys = table["keys"].to_numpy(dtype=float)
    cols.append(table["letters"].to_numpy(dtype=float) / np.maximum(keys, 1))
    cols.append(table["digits"].to_numpy(dtype=float) / np.maximum(keys, 1))
    cols.append(np.log1p(table["active_s"].to_numpy(dtype=float)))
    cols.append(np.log1p(table["n"].to_numpy(dtype=float)))
    return np.column_stack(cols)


DENSE_NAMES = (*[f"n_{k}" for k in KINDS], "mix_letter", "mix_digit", "log_active", "log_events")


def feature_matrix(st: SegmentTable, dense_weight: float = 0.15) -> tuple[sp.csr_matrix, list[str]]:
    """TF-IDF terms (L2-normalised) next to standardised dense columns scaled by ``dense_weight``."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    vec = TfidfVectorizer(analyzer=lambda doc: doc.split(SEP), sublinear_tf=True, min_df=1)
    terms = vec.fit_transform(st.docs.to_numpy())
    dense = dense_features(st.table)
    sd = dense.std(axis=0)
    dense = (dense - dense.mean(axis=0)) / np.where(sd > 0, sd, 1.0)
    dense *= dense_weight / np.sqrt(dense.shape[1])
    x = sp.hstack([terms, sp.csr_matrix(dense)], format="csr")
    return x, [*vec.get_feature_names_out().tolist(), *DENSE_NAMES]

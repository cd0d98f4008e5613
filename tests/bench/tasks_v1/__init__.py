"""The previous task-discovery method (issue 9), vendored as a baseline for the benchmarks.

A frozen copy of the parts of ``collector/tasks`` that issue 10 changed (segment, features,
cluster) and of the Action Logger reader as they were before it; the parts it left as they
were (events, stepgroups, refine) are imported from the package, so the bench compares the
current method against the previous one in the same run on the same events.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from taskloom.collector.tasks.events import IDLE_KINDS, stream_order
from taskloom.collector.tasks.refine import RefineParams, specific_votes, split_runs
from tests.bench.tasks_v1.cluster import ClusterParams, fit_types
from tests.bench.tasks_v1.features import DENSE_NAMES as _DENSE
from tests.bench.tasks_v1.features import SegmentTable, feature_matrix, segment_table
from tests.bench.tasks_v1.segment import SegmentParams, segment, symbols


def discover_v1(ev: pd.DataFrame, use_context: bool) -> tuple[np.ndarray, np.ndarray]:
    """(type code per event, -1 for idle; segment id per event), rows aligned with ``ev``.

    ``use_context`` was the old ``--context auto`` switch: on for taskloom captures, off
    for research logs.
    """
    seg = segment(ev, SegmentParams(use_context=use_context))
    st = segment_table(ev, seg)
    table = st.table
    work = ~table["idle"].to_numpy()
    type_code = np.full(len(table), -1, dtype=np.int64)
    if work.any():
        x, names = feature_matrix(SegmentTable(table[work], st.docs[work]))
        order = stream_order(ev)
        firsts = _first_symbols(ev, seg, order)[work]
        lab, _, _ = fit_types(x, ClusterParams(), n_terms=len(names) - len(_DENSE), first=firsts)
        type_code[work] = lab
        seg, type_code = _refine(ev, seg, type_code, RefineParams(), order)
    return type_code[seg], seg


def _first_symbols(ev: pd.DataFrame, seg: np.ndarray, order: np.ndarray) -> np.ndarray:
    e = ev.iloc[order]
    place = e["url"].astype("string").str.replace(r"^[a-z]+://", "", regex=True) \
        .str.replace(r"/.*$", "", regex=True)
    key = symbols(e.assign(title=place.fillna(e["title"].astype("string"))))
    codes, _ = pd.factorize(key)
    s = seg[order]
    first = np.r_[True, s[1:] != s[:-1]]
    out = np.full(int(seg.max()) + 1 if len(seg) else 0, -1, dtype=np.int64)
    out[s[first]] = codes[first]
    return out


def _refine(ev: pd.DataFrame, seg: np.ndarray, type_code: np.ndarray, params: RefineParams,
            order: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    s = seg[order]
    sym, _ = pd.factorize(symbols(ev.iloc[order]))
    t = type_code[s]
    work = (t >= 0) & ~np.isin(ev["kind"].to_numpy()[order].astype(str), IDLE_KINDS)
    new_s, new_t = s, t
    for _ in range(params.rounds):
        vote = specific_votes(sym, new_t, work, params)
        new_s, new_t = split_runs(s, t, vote)
    out = np.empty(len(seg), dtype=np.int64)
    out[order] = new_s
    first = np.r_[True, new_s[1:] != new_s[:-1]] if len(new_s) else np.zeros(0, dtype=bool)
    seg_type = np.full(int(new_s.max()) + 1 if len(new_s) else 0, -1, dtype=np.int64)
    seg_type[new_s[first]] = new_t[first]
    return out, seg_type

"""Task discovery end to end on an event frame: segment → features → cluster → ids → labels.

Pure over data: the saved type model and the analyst's labels come in as values and the
updated ones go out in the result; the command that asked reads and writes their files
(``collector.services.tasks.discover_with_files``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from taskloom.collector.tasks.cluster import (
    ClusterParams,
    TypeModel,
    fit_seeded,
    fit_types,
    stable_ids,
)
from taskloom.collector.tasks.events import IDLE_KINDS, stream_order
from taskloom.collector.tasks.features import (
    DENSE_NAMES,
    SegmentTable,
    feature_matrix,
    segment_table,
)
from taskloom.collector.tasks.labels import (
    IDLE_TYPE,
    distinctive_screens,
    generate_labels,
    merge_labels,
)
from taskloom.collector.tasks.refine import RefineParams, specific_votes, split_runs, split_tails
from taskloom.collector.tasks.segment import SegmentParams, segment_routines, symbols

log = logging.getLogger(__name__)


@dataclass
class Discovery:
    """Per-event task type and instance (aligned with the input rows) plus per-segment facts."""

    task_type: np.ndarray
    task_instance: np.ndarray
    segments: pd.DataFrame  # SegmentTable.table plus task_type and instance
    labels: dict[str, str] = field(default_factory=dict)
    silhouette: dict[int, float] = field(default_factory=dict)
    model: TypeModel = field(default_factory=lambda: TypeModel({}, 1))  # updated type model


def discover(ev: pd.DataFrame, seg_params: SegmentParams | None = None,
             cluster_params: ClusterParams | None = None, model: TypeModel | None = None,
             saved_labels: dict[str, str] | None = None,
             refine_params: RefineParams | None = None) -> Discovery:
    """Find task instances and types in a task-mining event frame (see ``events.from_wire``).

    ``model`` (the saved type model) keeps type ids stable across runs and ``saved_labels``
    (the analyst's names) win over generated ones; neither is modified, the updated model
    and labels are in the result.
    """
    cp = cluster_params or ClusterParams()
    model = TypeModel(dict(model.centroids), model.next_id) if model is not None else TypeModel({}, 1)
    seg, routine = segment_routines(ev, seg_params)
    st: SegmentTable = segment_table(ev, seg)
    table = st.table
    work = ~table["idle"].to_numpy()
    type_code = np.full(len(table), -1, dtype=np.int64)
    ids: list[str] = []
    labels: dict[str, str] = {}
    scores: dict[int, float] = {}
    if work.any():
        x, names = feature_matrix(SegmentTable(table[work], st.docs[work]))
        n_terms = len(names) - len(DENSE_NAMES)
        order = stream_order(ev)
        firsts = first_symbols(ev, seg, order)[work]
        if (routine[work] >= 0).any():
            # Routines found from how steps recur are the types: a type is a routine that
            # starts the same way and touches the same steps (see ``restarts``).
            lab, centroids = fit_seeded(x, routine[work], cp)
        else:
            lab, centroids, scores = fit_types(x, cp, n_terms=n_terms, first=firsts)
        type_code[work] = lab
        if refine_params is None or refine_params.min_share <= 1.0:
            seg, type_code = _refine(ev, seg, type_code, refine_params or RefineParams(), order)
            st = segment_table(ev, seg)
            table = st.table
        ids = stable_ids(centroids, names, model, cp)
        screens = distinctive_screens(ev["title"], type_code[seg], len(ids))
        labels = generate_labels(centroids, names, ids, screens)
    labels = merge_labels(saved_labels or {}, labels)
    table = table.copy()
    id_arr = np.asarray([*ids, IDLE_TYPE], dtype=object)
    table["task_type"] = id_arr[np.where(type_code >= 0, type_code, len(ids))]
    users = table["user"].astype(str).to_numpy()
    table["task_instance"] = [f"{u or 'user'}:{i}" for u, i in zip(users, table.index, strict=True)]
    inst_by_seg = table["task_instance"].to_numpy()
    type_by_seg = table["task_type"].to_numpy()
    pos = np.searchsorted(table.index.to_numpy(), seg)
    return Discovery(type_by_seg[pos].astype(str), inst_by_seg[pos].astype(str), table, labels, scores,
                     model)


def first_symbols(ev: pd.DataFrame, seg: np.ndarray, order: np.ndarray | None = None) -> np.ndarray:
    """Per segment id (0..m-1), a code of the step it begins with (``order``: ``stream_order(ev)``)."""
    if order is None:
        order = stream_order(ev)
    e = ev.iloc[order]
    # Where a URL is known it names the page better than the title (a site's pages have
    # their topic in the title): "the same start" means the same kind, app and page (host
    # and path with ids masked: one web app's screens are different starts).
    place = e["url"].astype("string").str.replace(r"^[a-z]+://", "", regex=True) \
        .str.replace(r"[?#].*$", "", regex=True)
    key = symbols(e.assign(title=place.fillna(e["title"].astype("string"))))
    codes, _ = pd.factorize(key)
    s = seg[order]
    first = np.r_[True, s[1:] != s[:-1]]
    out = np.full(int(seg.max()) + 1 if len(seg) else 0, -1, dtype=np.int64)
    out[s[first]] = codes[first]
    return out


def _refine(ev: pd.DataFrame, seg: np.ndarray, type_code: np.ndarray, params: RefineParams,
            order: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Split foreign tails (see ``refine``): new segment ids aligned with ``ev`` rows, types
    per segment (``order``: ``stream_order(ev)``)."""
    s = seg[order]
    sym, _ = pd.factorize(symbols(ev.iloc[order]))
    t = type_code[s]
    work = (t >= 0) & ~np.isin(ev["kind"].to_numpy()[order].astype(str), IDLE_KINDS)
    split = split_runs if params.mode == "runs" else split_tails
    new_s, new_t = s, t
    for _ in range(params.rounds):
        # Votes from the latest event types: each round cleans the step statistics further.
        vote = specific_votes(sym, new_t, work, params)
        new_s, new_t = split(s, t, vote)
    out = np.empty(len(seg), dtype=np.int64)
    out[order] = new_s
    first = np.r_[True, new_s[1:] != new_s[:-1]] if len(new_s) else np.zeros(0, dtype=bool)
    seg_type = np.full(int(new_s.max()) + 1 if len(new_s) else 0, -1, dtype=np.int64)
    seg_type[new_s[first]] = new_t[first]
    return out, seg_type

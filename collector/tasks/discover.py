"""Task discovery end to end on an event frame: segment → features → cluster → ids → labels.

Pure over data except the optional model and labels files that keep type ids and names
stable across runs.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from collector.tasks.cluster import ClusterParams, TypeModel, fit_types, stable_ids
from collector.tasks.features import SegmentTable, feature_matrix, segment_table
from collector.tasks.labels import IDLE_TYPE, generate_labels, load_labels, merge_labels
from collector.tasks.segment import SegmentParams, segment

log = logging.getLogger(__name__)


@dataclass
class Discovery:
    """Per-event task type and instance (aligned with the input rows) plus per-segment facts."""

    task_type: np.ndarray
    task_instance: np.ndarray
    segments: pd.DataFrame  # SegmentTable.table plus task_type and instance
    labels: dict[str, str] = field(default_factory=dict)
    silhouette: dict[int, float] = field(default_factory=dict)


def discover(ev: pd.DataFrame, seg_params: SegmentParams | None = None,
             cluster_params: ClusterParams | None = None, model_path: Path | None = None,
             labels_path: Path | None = None) -> Discovery:
    """Find task instances and types in a task-mining event frame (see ``events.from_wire``)."""
    cp = cluster_params or ClusterParams()
    seg = segment(ev, seg_params)
    st: SegmentTable = segment_table(ev, seg)
    table = st.table.copy()
    work = ~table["idle"].to_numpy()
    types = np.full(len(table), IDLE_TYPE, dtype=object)
    labels: dict[str, str] = {}
    scores: dict[int, float] = {}
    if work.any():
        x, names = feature_matrix(SegmentTable(table[work], st.docs[work]))
        from collector.tasks.features import DENSE_NAMES

        lab, centroids, scores = fit_types(x, cp, n_terms=len(names) - len(DENSE_NAMES))
        model = TypeModel.load(model_path)
        ids = stable_ids(centroids, names, model, cp)
        if model_path is not None:
            model.save(model_path)
        types[work] = np.asarray(ids, dtype=object)[lab]
        labels = generate_labels(centroids, names, ids)
    labels = merge_labels(load_labels(labels_path), labels)
    if labels_path is not None:
        import json

        labels_path.write_text(json.dumps(labels, indent=1, sort_keys=True))
    table["task_type"] = types
    users = table["user"].astype(str).to_numpy()
    table["task_instance"] = [f"{u or 'user'}:{i}" for u, i in zip(users, table.index, strict=True)]
    inst_by_seg = table["task_instance"].to_numpy()
    type_by_seg = table["task_type"].to_numpy()
    pos = np.searchsorted(table.index.to_numpy(), seg)
    return Discovery(type_by_seg[pos].astype(str), inst_by_seg[pos].astype(str), table, labels, scores)

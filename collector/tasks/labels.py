"""Readable task-type labels from distinctive terms, and the analyst's labels file.

A label names the type's main app, its most distinctive screen and its dominant activity,
e.g. "CareFlowEPR · Progress note · typing". An analyst renames a type by editing the
labels file (JSON, type id → label); saved labels always win over generated ones.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

IDLE_TYPE = "idle"


def _best(centroid: np.ndarray, lift: np.ndarray, names: list[str], prefix: str) -> str | None:
    idx = [i for i, n in enumerate(names) if n.startswith(prefix) and centroid[i] > 0]
    if not idx:
        return None
    best = max(idx, key=lambda i: (centroid[i] * lift[i], names[i]))
    return names[best][len(prefix):].strip() or None


def generate_labels(centroids: np.ndarray, names: list[str], ids: list[str],
                    screens: list[str | None] | None = None) -> dict[str, str]:
    """One label per type from its centroid: app · distinctive screen/element · main kind.

    ``screens`` (one per type, e.g. from ``distinctive_screens``) names the screen; without
    it the most distinctive element stands in.
    """
    if not len(ids):
        return {}
    mean = centroids.mean(axis=0)
    lift = centroids / np.maximum(mean, 1e-9)
    labels: dict[str, str] = {}
    for r, tid in enumerate(ids):
        c = centroids[r]
        app = _best(c, np.ones_like(c), names, "app=")
        screen = _best(c, lift[r], names, "scr=")
        element = _best(c, lift[r], names, "el=")
        kinds = {k: c[names.index(f"n_{k}")] for k in ("typing", "click", "scroll", "copy", "paste")
                 if f"n_{k}" in names}
        kind_terms = [(c[i], names[i][2:]) for i, n in enumerate(names) if n.startswith("k=")
                      and n[2:] in ("typing", "click", "scroll", "copy", "paste")]
        main = max(kind_terms)[1] if kind_terms else (max(kinds, key=kinds.__getitem__) if kinds else "")
        app_short = (app or "?").removesuffix(".exe").removesuffix(".EXE")
        if screens is not None and screens[r]:
            screen = screens[r]
        parts = [app_short, screen or element or "?", main]
        label = " · ".join(p for p in parts if p)
        while label in labels.values():
            label += f" ({tid})"
        labels[tid] = label
    return labels


def distinctive_screens(titles: pd.Series, type_code: np.ndarray, k: int) -> list[str | None]:
    """Per type code 0..k-1, the screen (title up to its first separator, identifiers and
    numbers masked) most typical of it: count in the type × lift over all types."""
    from taskloom.collector.tasks.segment import mask_title, per_unique

    screen = per_unique(mask_title(titles.astype("string")), lambda t: t.str.split(
        r"\s+[·|–—-]\s+", regex=True).str[0].str.replace("#", "", regex=False).str.strip())
    keep = (type_code >= 0) & screen.notna().to_numpy() & screen.ne("").fillna(False).to_numpy()
    df = pd.DataFrame({"t": type_code[keep], "s": screen.to_numpy()[keep]})
    out: list[str | None] = [None] * k
    if df.empty:
        return out
    pair = df.groupby(["t", "s"]).size()
    per_type = pair.groupby(level=0).transform("sum")
    per_screen = pair.groupby(level=1).transform("sum")
    score = pair * (pair / per_type) / (per_screen / len(df))
    best = score.groupby(level=0).idxmax()
    for t, (_, sc) in best.items():
        out[int(t)] = str(sc)
    return out


def parse_labels(text: str) -> dict[str, str]:
    """The analyst's labels from the labels file's JSON text (type id → label)."""
    data = json.loads(text)
    return {str(k): str(v) for k, v in data.items()}


def labels_json(labels: dict[str, str]) -> str:
    """The labels file's text."""
    return json.dumps(labels, indent=1, sort_keys=True)


def merge_labels(saved: dict[str, str], generated: dict[str, str]) -> dict[str, str]:
    """Saved (possibly renamed) labels win; new types get their generated label."""
    out = dict(generated)
    out.update({k: v for k, v in saved.items()})
    out.setdefault(IDLE_TYPE, "Idle / away")
    return out

"""The two-level process model of a study, for the API (``GET /studies/{id}/model``).

The log is the study's stored merged log (``services.linking.load_merged_log``); a study
with no links yet falls back to its imported system log, which gives the case-level map
alone — or both levels when the imported file was itself a merged log (``taskloom merge``
output imported as the study's system log keeps its ``level``/``parent`` columns).

Rebuilding the merged log from its tables is most of a request's time (0.85 of ~1 s on the
demo study), and a console moving a slider asks again and again: the last few logs are kept
per store, keyed by the study's system-log version and links version, so a new import or a
new merge is read afresh and nothing stale is served.
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from taskloom.collector.services.linking import load_merged_log
from taskloom.collector.store import Store
from taskloom.errors import UserError

if TYPE_CHECKING:
    import pandas as pd

#: Logs kept per store (each may be a million rows): the studies last asked for.
CACHED_LOGS = 2
_Key = tuple[int, tuple[int, int], int]
_CACHE: weakref.WeakKeyDictionary[Store, OrderedDict[_Key, tuple[str, pd.DataFrame]]] = \
    weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


class NoLogError(UserError):
    """A study with neither a merged log nor an imported system log."""


def study_log(store: Store, study_id: int) -> tuple[str, pd.DataFrame]:
    """("merged" and the stored merged log) or ("system-log" and the imported system log),
    from the cache while the study's system log and links are unchanged. Callers must not
    modify the frame (the mining functions never do)."""
    key = (study_id, store.syslog_version(study_id), store.links_version(study_id))
    with _LOCK:
        per_store = _CACHE.setdefault(store, OrderedDict())
        hit = per_store.get(key)
        if hit is not None:
            per_store.move_to_end(key)
            return hit
    merged = load_merged_log(store, study_id)
    found = ("merged", merged) if merged is not None else ("system-log", store.system_log_wide(study_id))
    with _LOCK:
        for old in [k for k in per_store if k[0] == study_id]:
            del per_store[old]  # an older version of this study: never asked for again
        per_store[key] = found
        while len(per_store) > CACHED_LOGS:
            per_store.popitem(last=False)
    return found


def study_model(store: Store, study_id: int, *, spec: object | None = None, nodes: float = 100.0,
                arcs: float = 100.0, expand: Sequence[str] = ()) -> dict[str, Any]:
    """The two-level model document (``TwoLevelModel.to_json``) plus ``source``: "merged"
    (stored links) or "system-log" (the fallback)."""
    from taskloom.mining.twolevel import two_level_model

    source, merged = study_log(store, study_id)
    if merged.empty:
        raise NoLogError(f"study {study_id} has no system log and no merged log yet; import a system "
                         "log (taskloom import) or run taskloom merge --study first")
    model = two_level_model(merged, expand=expand, nodes=nodes, arcs=arcs, spec=spec,
                            source=f"study {study_id}'s {source.replace('-', ' ')}"
                            + (" log" if source == "merged" else ""))
    return {"source": source, **model.to_json()}

"""The two-level process model of a study, for the API (``GET /studies/{id}/model``).

The log is the study's stored merged log (``services.linking.load_merged_log``); a study
with no links yet falls back to its imported system log, which gives the case-level map
alone — or both levels when the imported file was itself a merged log (``taskloom merge``
output imported as the study's system log keeps its ``level``/``parent`` columns).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from taskloom.collector.services.linking import load_merged_log
from taskloom.collector.store import Store
from taskloom.errors import UserError


class NoLogError(UserError):
    """A study with neither a merged log nor an imported system log."""


def study_model(store: Store, study_id: int, *, spec: object | None = None, nodes: float = 100.0,
                arcs: float = 100.0, expand: Sequence[str] = ()) -> dict[str, Any]:
    """The two-level model document (``TwoLevelModel.to_json``) plus ``source``: "merged"
    (stored links) or "system-log" (the fallback)."""
    from taskloom.mining.twolevel import two_level_model

    merged = load_merged_log(store, study_id)
    source = "merged"
    if merged is None:
        merged = store.system_log_wide(study_id)
        source = "system-log"
    if merged.empty:
        raise NoLogError(f"study {study_id} has no system log and no merged log yet; import a system "
                         "log (taskloom import) or run taskloom merge --study first")
    model = two_level_model(merged, expand=expand, nodes=nodes, arcs=arcs, spec=spec,
                            source=f"study {study_id}'s {source.replace('-', ' ')}")
    return {"source": source, **model.to_json()}

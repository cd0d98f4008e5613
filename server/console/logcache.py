"""Per-study caches for interactive analysis: the log, filtered logs, DFGs, reference layouts.

A slider or overlay change must redraw in well under 150 ms on a 262k-event study, so the
console keeps each study's system log in memory (reloaded when its data version
changes), the last filtered logs by filter spec, the DFG per (filter, perspective) and one
reference layout per perspective (``mining.render.anchored``). Everything is keyed by the
study's data version, so an import or a merge makes every stale entry unreachable.

A study with a stored merge (``taskloom merge --study``, or the Data page's merge job) is
read as its merged two-level log (``collector.services.linking.load_merged_log``): its
case rows are the system log, its task rows the linked task instances beneath them.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING, Any, TypeVar

from taskloom.server.console import levels

if TYPE_CHECKING:
    import pandas as pd

    from taskloom.collector.store import Store
    from taskloom.mining.dfg_model import DFG
    from taskloom.mining.render.layout import Layout

log = logging.getLogger(__name__)
T = TypeVar("T")


def spec_key(spec: list[dict[str, Any]]) -> str:
    """A canonical text of a validated filter spec (the cache key)."""
    return json.dumps(spec, sort_keys=True, separators=(",", ":"), default=str)


class _Lru:
    """A small thread-safe LRU map whose misses are computed once (other callers wait)."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._data: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()
        self._building: dict[Hashable, threading.Lock] = {}

    def get(self, key: Hashable, make: Callable[[], T]) -> T:
        with self._lock:
            if key in self._data:
                self._data.move_to_end(key)
                return self._data[key]
            gate = self._building.setdefault(key, threading.Lock())
        with gate:
            with self._lock:
                if key in self._data:
                    return self._data[key]
            value = make()
            with self._lock:
                self._data[key] = value
                self._building.pop(key, None)
                while len(self._data) > self.size:
                    self._data.popitem(last=False)
            return value

    def clear(self) -> None:
        with self._lock:
            self._data.clear()


class StudyLogs:
    """The analysis caches of one app (``app.state.console.logs``)."""

    def __init__(self, store: Store, studies: int = 4, filtered: int = 24, dfgs: int = 64) -> None:
        self.store = store
        self._logs = _Lru(studies)
        self._filtered = _Lru(filtered)
        self._dfgs = _Lru(dfgs)
        self._layouts = _Lru(dfgs)
        self._derived = _Lru(dfgs)
        self._bumps: dict[int, int] = {}
        #: Extra work done when a study is warmed (e.g. what the filter panel offers).
        self.warmers: list[Callable[[int], object]] = []

    def version(self, study_id: int) -> tuple[int, ...]:
        """The study's data version: its imports, its stored merge, and merges run here."""
        return (*self.store.syslog_version(study_id), self.store.links_version(study_id),
                self._bumps.get(study_id, 0))

    def bump(self, study_id: int) -> None:
        """Forget the study's cached analysis (after a merge job stored new links)."""
        self._bumps[study_id] = self._bumps.get(study_id, 0) + 1

    def _load(self, study_id: int) -> tuple[pd.DataFrame, pd.DataFrame | None, pd.DataFrame | None]:
        version = self.version(study_id)

        def load() -> tuple[pd.DataFrame, pd.DataFrame | None, pd.DataFrame | None]:
            from taskloom.collector.services.linking import load_merged_log
            from taskloom.server.console.taskmining import saved_labels

            t0 = time.perf_counter()
            merged = load_merged_log(self.store, study_id) if version[2] else None
            frame = merged if merged is not None else self.store.system_log_wide(study_id)
            labels = saved_labels(self.store.get_study(study_id).settings)
            frame = levels.relabel(frame, labels)
            merged = frame if merged is not None else None
            log.info("study %d: loaded %d %s rows in %.2f s", study_id, len(frame),
                     "merged" if merged is not None else "system log", time.perf_counter() - t0)
            return levels.system_rows(frame), levels.task_rows(frame), merged

        return self._logs.get((study_id, version), load)

    def merged(self, study_id: int) -> pd.DataFrame | None:
        """The study's stored merged two-level log, or None (no merge stored)."""
        return self._load(study_id)[2]

    def log(self, study_id: int) -> pd.DataFrame:
        """The study's whole system log, case-level rows (loaded once per data version)."""
        return self._load(study_id)[0]

    def tasks(self, study_id: int) -> pd.DataFrame | None:
        """The task-level rows under system activities, or None (no two-level data)."""
        return self._load(study_id)[1]

    def filtered(self, study_id: int, spec: list[dict[str, Any]]) -> pd.DataFrame:
        """The study's log after ``spec`` (validated); the log itself for an empty spec."""
        full = self.log(study_id)
        if not spec:
            return full
        from taskloom.mining.filter_spec import apply_spec

        key = (study_id, self.version(study_id), spec_key(spec))
        return self._filtered.get(key, lambda: apply_spec(full, spec))

    def derived(self, study_id: int, spec: list[dict[str, Any]], name: str,
                make: Callable[[pd.DataFrame], T], *extra: Hashable) -> T:
        """Anything computed from a filtered log, cached by (filter, name, extra)."""
        key = (study_id, self.version(study_id), spec_key(spec), name, *extra)
        return self._derived.get(key, lambda: make(self.filtered(study_id, spec)))

    def dfg(self, study_id: int, spec: list[dict[str, Any]], perspective: str) -> DFG:
        from taskloom.mining.dfg import discover_dfg

        key = (study_id, self.version(study_id), spec_key(spec), perspective)
        return self._dfgs.get(key, lambda: discover_dfg(self.filtered(study_id, spec),
                                                        perspective=perspective))

    def reference(self, study_id: int, perspective: str, direction: str,
                  extra: DFG | None = None) -> Layout:
        """The layout every map of this perspective is anchored to (unfiltered log).

        ``extra``: a DFG with nodes the reference lacks (cannot happen for a filter of the
        same log, but keeps a map drawable if it does); the reference is then redone.
        """
        from taskloom.mining.render import layout_dfg
        from taskloom.mining.render.anchored import covers, reference_dfg

        key = (study_id, self.version(study_id), perspective, direction)
        ref = self._layouts.get(key, lambda: layout_dfg(
            reference_dfg(self.dfg(study_id, [], perspective)), direction))
        if extra is not None and not covers(ref, extra):
            log.warning("study %d: reference layout misses nodes; laying out again", study_id)
            ref = layout_dfg(reference_dfg(extra), direction)
        return ref

    def warm(self, study_id: int) -> None:
        """Load the study's log and its activity map in the background (after an import)."""

        def run() -> None:
            try:
                self.reference(study_id, "concept:name", "TB")
                for warmer in self.warmers:
                    warmer(study_id)
            except Exception:  # warming is an optimisation; the request path reports errors
                log.exception("study %d: warming the analysis cache failed", study_id)

        threading.Thread(target=run, name=f"warm-study-{study_id}", daemon=True).start()

    def clear(self) -> None:
        for cache in (self._logs, self._filtered, self._dfgs, self._layouts, self._derived):
            cache.clear()

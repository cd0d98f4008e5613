"""The two-level process model of a merged log: the case-level map and the desk work beneath it.

A merged log (DESIGN.md, "The merged log") holds system events (``level`` "case") and task
instances (``level`` "task"); a task row names the system event it serves in
``parent_event``. The model is the directly-follows map of the system activities (the same
discovery, overlays and sliders as ``taskloom dfg``/``taskloom map``) where each activity
carries its desk work:

- per occurrence (one system event) the active UI time of the tasks that serve it; the
  median and mean are over the occurrences that have linked work, because an occurrence
  with none may simply not have been linked;
- the share of the activity's cases with linked work at it;
- the task types that make up that work, most instances first.

An expanded activity also gets the directly-follows map of its task types, one trace per
occurrence in order of time. Task rows that serve no system event are the *unattributed*
group: kept and counted, never dropped and never forced onto a case.
Pure: takes and returns data; mining imports nothing else of taskloom.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from taskloom.mining.abstraction import abstract_dfg
from taskloom.mining.columns import ACTIVITY, CASE, RESOURCE, START_TIMESTAMP, TIMESTAMP
from taskloom.mining.dfg import discover_dfg
from taskloom.mining.dfg_model import DFG
from taskloom.mining.errors import LogInputError
from taskloom.mining.ordering import ts_ns

LEVEL, EVENT_ID, TASK_TYPE, TASK_INSTANCE = "level", "event_id", "task_type", "task_instance"
PARENT, PARENT_EVENT, ACTIVE_TIME, APP_SWITCHES = "parent", "parent_event", "active_time", "app_switches"
LINK_METHOD = "link_method"
CASE_LEVELS = frozenset({"case", "system"})
TASK_LEVELS = frozenset({"task", "tasks", "task-level", "task_level"})
#: Columns task rows must have for the desk-work figures (the merged-log contract).
TASK_COLUMNS = (EVENT_ID, PARENT, PARENT_EVENT, ACTIVE_TIME)
#: Columns of task rows the model and the summaries read; the rest stay in the log.
TASK_USE = (EVENT_ID, CASE, ACTIVITY, TIMESTAMP, START_TIMESTAMP, RESOURCE, PARENT_EVENT, ACTIVE_TIME,
            APP_SWITCHES)
#: Columns that only task rows fill (empty on case rows; left out of the case level).
TASK_ONLY = (TASK_TYPE, TASK_INSTANCE, PARENT, PARENT_EVENT, ACTIVE_TIME, APP_SWITCHES, LINK_METHOD,
             "link_confidence", "app", "device")
TOP_TYPES = 3
UNATTRIBUTED_TOP = 6
MERGE_HINT = "make one with `taskloom merge UI_EVENTS SYSTEM_LOG -o MERGED.csv`"


class MergedLogError(LogInputError):
    """A log that is not a merged two-level log, or a request it cannot answer."""


class TaskTypeCount(NamedTuple):
    """A task type's share of some desk work: instances and their active seconds."""

    name: str
    instances: int
    active_s: float


@dataclass(frozen=True)
class DeskWork:
    """The desk work at one system activity.

    occurrences: system events of the activity; with_work: those with linked tasks;
    cases / cases_with_work: distinct cases with the activity / with linked work at it;
    median_s / mean_s: active seconds per occurrence with work (NaN when none);
    total_s: all linked active seconds; tasks: linked task instances.
    """

    activity: str
    occurrences: int
    with_work: int
    cases: int
    cases_with_work: int
    tasks: int
    total_s: float
    median_s: float
    mean_s: float
    top_types: tuple[TaskTypeCount, ...]

    @property
    def case_share(self) -> float:
        """Share (0–1) of the activity's cases with linked work at it."""
        return self.cases_with_work / self.cases if self.cases else 0.0


@dataclass(frozen=True)
class Unattributed:
    """Task instances that serve no system event: with no case, or with a case only."""

    tasks: int
    no_case: int
    case_only: int
    total_s: float
    top_types: tuple[TaskTypeCount, ...]


@dataclass(frozen=True)
class SubMap:
    """The task-level directly-follows map under one activity (one trace per occurrence)."""

    activity: str
    dfg: DFG


@dataclass(frozen=True)
class TwoLevelModel:
    """The two-level model: ``full`` is the case-level DFG, ``dfg`` what the sliders keep."""

    full: DFG
    dfg: DFG
    desk: dict[str, DeskWork]
    submaps: tuple[SubMap, ...]
    unattributed: Unattributed
    task_rows: int
    nodes_pct: float = 100.0
    arcs_pct: float = 100.0

    @property
    def linked(self) -> bool:
        """True when the log has task rows (a merged log, not a system log alone)."""
        return self.task_rows > 0

    def to_json(self) -> dict[str, Any]:
        """The API document: ``dfg --json``'s nodes, edges, start and end (with every overlay),
        desk work per node, the expanded task-level sub-maps and the unattributed group."""
        doc = _dfg_json(self.dfg)
        for node in doc["nodes"]:
            node["desk"] = _desk_json(self.desk.get(node["name"]))
        doc.update({
            "linked": self.linked, "task_rows": self.task_rows, "nodes_pct": self.nodes_pct,
            "arcs_pct": self.arcs_pct, "node_count": len(self.full.nodes),
            "edge_count": len(self.full.edges), "total_cases": self.dfg.total_cases,
            "submaps": [{"activity": s.activity, "occurrences": s.dfg.total_cases, **_dfg_json(s.dfg)}
                        for s in self.submaps],
            "unattributed": {"tasks": self.unattributed.tasks, "no_case": self.unattributed.no_case,
                             "case_only": self.unattributed.case_only,
                             "active_s": self.unattributed.total_s,
                             "top_types": [t._asdict() for t in self.unattributed.top_types]},
        })
        return doc


def _num(x: float) -> float | None:
    """JSON has no NaN: None instead."""
    return None if not np.isfinite(x) else float(x)


def _desk_json(d: DeskWork | None) -> dict[str, Any] | None:
    if d is None:
        return None
    return {"occurrences": d.occurrences, "with_work": d.with_work, "cases": d.cases,
            "cases_with_work": d.cases_with_work, "case_share": d.case_share, "tasks": d.tasks,
            "active_total_s": d.total_s, "median_s": _num(d.median_s), "mean_s": _num(d.mean_s),
            "top_types": [t._asdict() for t in d.top_types]}


def _dfg_json(dfg: DFG) -> dict[str, Any]:
    """Nodes and edges with every overlay of ``dfg --json``: counts, case counts and shares,
    and durations (mean, median, min, max, total seconds)."""
    total = max(dfg.total_cases, 1)
    n = dfg.nodes
    extra = [c for c in n.columns if c not in ("frequency", "cases")]
    nodes = []
    for name, f, c, *more in zip(n.index, n["frequency"].tolist(), n["cases"].tolist(),
                                 *(n[x].tolist() for x in extra), strict=True):
        item: dict[str, Any] = {"name": str(name), "frequency": int(f), "cases": int(c),
                                "case_pct": 100.0 * c / total}
        item.update({x: _num(float(v)) for x, v in zip(extra, more, strict=True)})
        nodes.append(item)
    e = dfg.edges
    cols = ("mean_s", "median_s", "min_s", "max_s", "total_s")
    edges = [{"source": str(s), "target": str(t), "frequency": int(f), "cases": int(c),
              "case_pct": 100.0 * c / total, **{k: _num(float(v)) for k, v in zip(cols, vals, strict=True)}}
             for s, t, f, c, *vals in zip(e["source"], e["target"], e["frequency"], e["cases"],
                                          *(e[k] for k in cols), strict=True)]
    return {"nodes": nodes, "edges": edges, "start": dict(dfg.start), "end": dict(dfg.end),
            "total_cases": dfg.total_cases}


# ---- the two levels


def is_merged(log: pd.DataFrame) -> bool:
    """True when ``log`` has a ``level`` column (a merged two-level log)."""
    return LEVEL in log.columns


def split_levels(log: pd.DataFrame, source: str = "the log") -> tuple[pd.DataFrame, pd.DataFrame]:
    """(case rows, task rows). A log without ``level`` is all case rows (a system log alone).

    Raises MergedLogError for an unknown level value or task rows without the contract's
    columns."""
    missing = [c for c in (CASE, ACTIVITY, TIMESTAMP) if c not in log.columns]
    if missing:
        raise MergedLogError(f"{source}: no column {', '.join(map(repr, missing))}; "
                             f"a merged log has the XES columns plus 'level'; {MERGE_HINT}")
    if LEVEL not in log.columns:
        return log, log.iloc[0:0]
    lv = log[LEVEL].astype("string").str.strip().str.lower()
    task = lv.isin(TASK_LEVELS).fillna(False).to_numpy(dtype=bool)
    known = task | lv.isin(CASE_LEVELS).fillna(False).to_numpy(dtype=bool)
    if not known.all():
        bad = log[LEVEL].iloc[int(np.flatnonzero(~known)[0])]
        raise MergedLogError(f"{source}: level {bad!r} in row {int(np.flatnonzero(~known)[0]) + 1}; "
                             "each row of a merged log is level 'case' or 'task'")
    if task.any():
        need = [c for c in TASK_COLUMNS if c not in log.columns]
        if need:
            raise MergedLogError(f"{source}: task rows but no column {', '.join(map(repr, need))}; "
                                 f"{MERGE_HINT}")
    # Only the columns each level uses: selecting rows copies every column kept (a million
    # task rows × a dozen text columns is most of the model's time otherwise).
    task_cols = [c for c in TASK_USE if c in log.columns]
    case_cols = [c for c in log.columns if c not in TASK_ONLY]
    tasks = log[task_cols].iloc[np.flatnonzero(task)]
    if LINK_METHOD in log.columns and len(tasks):
        # Link method "none" means no case, whatever the case column says: XES has no event
        # outside a trace, so a merged .xes keeps unattributed tasks in one nameless trace,
        # which readers name by position ("trace-0").
        none = (log[LINK_METHOD].iloc[np.flatnonzero(task)].astype("string") == "none").fillna(False)
        if none.any():
            tasks = tasks.assign(**{CASE: tasks[CASE].astype("string").mask(none.to_numpy())})
    return log[case_cols].iloc[np.flatnonzero(~task)], tasks


def _str(values: pd.Series) -> pd.Series:
    """Text with missing values kept missing (object dtype, None)."""
    out = values.astype(object)
    return out.where(values.notna().to_numpy(), None)


def _categorical(values: pd.Series) -> pd.Categorical:
    """Text values as a categorical of their distinct strings (missing stays missing)."""
    codes, names = pd.factorize(values.array)
    return pd.Categorical.from_codes(codes, categories=pd.Index(names, dtype=object).astype(str))


@dataclass(frozen=True)
class _Linked:
    """Task rows joined to the occurrence (system event) they serve."""

    occ: pd.DataFrame     # one row per case event: activity, case, work (active s, NaN: none)
    tasks: pd.DataFrame   # linked task rows: activity, case, occ (case row number), type, active


def _link(cases: pd.DataFrame, tasks: pd.DataFrame) -> _Linked:
    """Join each task row to the case row whose ``event_id`` its ``parent_event`` names.

    Works on integer positions (an occurrence is its row number among the case rows) so a
    million task rows cost a hash lookup each, not a string groupby."""
    # Categoricals: a million task rows group by integer codes, and no text column is
    # rebuilt (pandas turns object text into Arrow strings whenever a frame is made).
    act = _categorical(cases[ACTIVITY])
    case = _categorical(cases[CASE])
    occ = pd.DataFrame({"activity": act, "case": case})
    if len(tasks) == 0 or EVENT_ID not in cases.columns:
        occ["work"] = np.nan
        empty = pd.DataFrame({"activity": [], "case": [], "occ": [], "type": [], "active": []})
        return _Linked(occ, empty)
    eid = pd.Index(cases[EVENT_ID].array)
    first = ~eid.duplicated() & eid.notna()       # an event id names its first case row
    known = eid[first]
    occ_pos = np.flatnonzero(first)
    where = known.get_indexer(pd.Index(tasks[PARENT_EVENT].array))
    hit = where >= 0
    row = occ_pos[where[hit]]
    active = pd.to_numeric(tasks[ACTIVE_TIME], errors="coerce").to_numpy(dtype=float, na_value=np.nan)[hit]
    active = np.nan_to_num(active, nan=0.0)
    linked = pd.DataFrame({
        "activity": pd.Categorical.from_codes(act.codes[row], categories=act.categories),
        "case": pd.Categorical.from_codes(case.codes[row], categories=case.categories), "occ": row,
        "type": _categorical(tasks[ACTIVITY].iloc[np.flatnonzero(hit)]), "active": active,
    })
    work = np.bincount(row, weights=active, minlength=len(occ))
    has = np.bincount(row, minlength=len(occ)) > 0
    occ["work"] = np.where(has, work, np.nan)
    return _Linked(occ, linked)


def _top_types(tasks: pd.DataFrame, key: str | None, k: int) -> dict[Any, tuple[TaskTypeCount, ...]]:
    """Top ``k`` task types by instances (then active time, then name) per ``key`` value."""
    if len(tasks) == 0:
        return {}
    by = [key, "type"] if key else ["type"]
    g = tasks.groupby(by, sort=False, observed=True)["active"].agg(["size", "sum"]).reset_index()
    g["type"] = g["type"].astype(str)
    g = g.sort_values(["size", "sum", "type"], ascending=[False, False, True], kind="stable")
    out: dict[Any, list[TaskTypeCount]] = {}
    for grp, name, n, s in zip(g[key] if key else [None] * len(g), g["type"], g["size"], g["sum"],
                               strict=True):
        lst = out.setdefault(grp, [])
        if len(lst) < k:
            lst.append(TaskTypeCount(str(name), int(n), float(s)))
    return {g_: tuple(v) for g_, v in out.items()}


def desk_work(cases: pd.DataFrame, tasks: pd.DataFrame, top: int = TOP_TYPES) -> dict[str, DeskWork]:
    """Desk work per system activity (see the module docstring for the definitions)."""
    return _desk(_link(cases, tasks), top)


def _desk(lk: _Linked, top: int) -> dict[str, DeskWork]:
    occ = lk.occ
    if len(occ) == 0:
        return {}
    with_work = occ["work"].notna()
    g = occ.groupby("activity", sort=True, observed=True)
    n_occ = g.size()
    stats = occ[with_work].groupby("activity", observed=True)["work"].agg(["size", "sum", "median", "mean"])
    n_cases = g["case"].nunique()
    cw = occ[with_work].groupby("activity", observed=True)["case"].nunique()
    n_tasks = lk.tasks.groupby("activity", observed=True).size()
    tops = _top_types(lk.tasks, "activity", top)
    out = {}
    for act in n_occ.index:
        has = act in stats.index
        out[str(act)] = DeskWork(
            activity=str(act), occurrences=int(n_occ[act]),
            with_work=int(stats.at[act, "size"]) if has else 0,
            cases=int(n_cases[act]), cases_with_work=int(cw.get(act, 0)),
            tasks=int(n_tasks.get(act, 0)), total_s=float(stats.at[act, "sum"]) if has else 0.0,
            median_s=float(stats.at[act, "median"]) if has else float("nan"),
            mean_s=float(stats.at[act, "mean"]) if has else float("nan"),
            top_types=tops.get(act, ()))
    return out


def unattributed_work(tasks: pd.DataFrame, top: int = UNATTRIBUTED_TOP) -> Unattributed:
    """Task rows that serve no system event (``parent_event`` empty)."""
    if len(tasks) == 0:
        return Unattributed(0, 0, 0, 0.0, ())
    rows = tasks[tasks[PARENT_EVENT].isna().to_numpy()]
    no_case = int(rows[CASE].isna().sum())
    frame = pd.DataFrame({"type": rows[ACTIVITY].astype(str).to_numpy(),
                          "active": pd.to_numeric(rows[ACTIVE_TIME], errors="coerce")
                          .fillna(0.0).to_numpy(dtype=float)})
    return Unattributed(len(rows), no_case, len(rows) - no_case, float(frame["active"].sum()),
                        _top_types(frame, None, top).get(None, ()))


def task_submap(cases: pd.DataFrame, tasks: pd.DataFrame, activity: str) -> SubMap:
    """The directly-follows map of the task types under ``activity``: one trace per occurrence
    (the system event the tasks serve), tasks in order of (start, end) time. Node columns add
    ``active_median_s``/``active_mean_s`` (active UI time) and ``duration_*_s`` (end − start)."""
    ids = set(_str(cases.loc[(cases[ACTIVITY].astype(str) == activity).to_numpy(), EVENT_ID]).dropna())
    pe = _str(tasks[PARENT_EVENT]) if len(tasks) else pd.Series([], dtype=object)
    rows = tasks[pe.isin(ids).to_numpy()] if len(tasks) else tasks
    end = rows[TIMESTAMP]
    start = rows[START_TIMESTAMP] if START_TIMESTAMP in rows.columns else end
    start = start.where(start.notna(), end)
    log = pd.DataFrame({CASE: _str(rows[PARENT_EVENT]).to_numpy(), ACTIVITY: rows[ACTIVITY].astype(str).to_numpy(),
                        TIMESTAMP: end.array, START_TIMESTAMP: start.array})
    dfg = discover_dfg(log, ACTIVITY)
    if len(log):
        span = (ts_ns(log[TIMESTAMP]) - ts_ns(log[START_TIMESTAMP])) / 1e9
        active = pd.to_numeric(rows[ACTIVE_TIME], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        per = pd.DataFrame({"t": log[ACTIVITY].to_numpy(), "span": span, "active": active}).groupby("t")
        stats = pd.DataFrame({"duration_mean_s": per["span"].mean(), "duration_median_s": per["span"].median(),
                              "active_mean_s": per["active"].mean(), "active_median_s": per["active"].median()})
        nodes = dfg.nodes.join(stats.reindex(dfg.nodes.index))
        dfg = DFG(dfg.perspective, nodes, dfg.edges, dfg.start, dfg.end, dfg.total_cases)
    return SubMap(activity, dfg)


def _apply_filters(cases: pd.DataFrame, tasks: pd.DataFrame,
                   spec: object | None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Filters act on the case level; task rows follow their system event or case. Task rows
    with no case (unattributed) belong to no case and stay."""
    if not spec:
        return cases, tasks
    from taskloom.mining.filter_spec import apply_spec

    kept = apply_spec(cases, spec)
    if len(tasks) == 0:
        return kept, tasks
    ids = set(_str(kept[EVENT_ID]).dropna()) if EVENT_ID in kept.columns else set()
    kept_cases = set(kept[CASE].astype(str))
    pe = _str(tasks[PARENT_EVENT])
    case = _str(tasks[CASE])
    keep = np.where(pe.notna(), pe.isin(ids), case.isna() | case.isin(kept_cases))
    return kept, tasks[np.asarray(keep, dtype=bool)]


def two_level_model(merged: pd.DataFrame, *, expand: Sequence[str] = (), nodes: float = 100.0,
                    arcs: float = 100.0, spec: object | None = None, top: int = TOP_TYPES,
                    source: str = "the log") -> TwoLevelModel:
    """The two-level model of ``merged``: filter ``spec`` (mining.filter_spec) on the case
    level, ``nodes``/``arcs`` sliders (percentages, as ``taskloom map``), task-level sub-maps
    for the ``expand`` activities. A log without ``level`` gives the case-level map alone.

    Raises MergedLogError for an expand name that is not a system activity of the log."""
    cases, tasks = split_levels(merged, source)
    # Expand names are checked against the whole log: an activity the filters leave out
    # simply has no sub-map.
    known = {str(x) for x in cases[ACTIVITY].dropna().unique()}
    cases, tasks = _apply_filters(cases, tasks, spec)
    full = discover_dfg(cases, ACTIVITY)
    shown = abstract_dfg(full, nodes, arcs)
    for name in expand:
        if name not in known:
            choices = ", ".join(sorted(known)[:12]) or "none (the log is empty)"
            raise MergedLogError(f"expand {name!r}: not a system activity of {source}; "
                                 f"activities are: {choices}")
    desk = desk_work(cases, tasks, top)
    present = {str(x) for x in full.nodes.index}
    subs = tuple(task_submap(cases, tasks, a) for a in dict.fromkeys(expand) if a in present)
    return TwoLevelModel(full, shown, desk, subs, unattributed_work(tasks), len(tasks), nodes, arcs)


# ---- summaries (taskloom merge --summary)


def case_summary(merged: pd.DataFrame) -> pd.DataFrame:
    """Per case: touch time (active seconds of the task rows linked to the case), elapsed
    time (first start to last end over both levels), flow efficiency (touch / elapsed),
    staff (distinct users of its task rows), task instances, app switches, system events."""
    cases, tasks = split_levels(merged)
    t = tasks.iloc[np.flatnonzero(tasks[CASE].notna().to_numpy())] if len(tasks) else tasks
    n_ev = len(cases)
    # One integer code per case over both levels; sums and extremes by bincount / groupby.
    codes, names = pd.factorize(pd.concat([cases[CASE].astype("string"), t[CASE].astype("string")],
                                          ignore_index=True).array)
    n = len(names)
    start = np.concatenate([_start_ns(cases), _start_ns(t)])
    end = np.concatenate([ts_ns(cases[TIMESTAMP]) if n_ev else np.zeros(0, np.int64),
                          ts_ns(t[TIMESTAMP]) if len(t) else np.zeros(0, np.int64)])
    ok = codes >= 0
    first = pd.Series(start[ok]).groupby(codes[ok]).min().reindex(range(n)).to_numpy()
    last = pd.Series(end[ok]).groupby(codes[ok]).max().reindex(range(n)).to_numpy()
    elapsed = (last - first) / 1e9
    tc = codes[n_ev:]
    active = _numbers(t, ACTIVE_TIME)
    touch = np.bincount(tc, weights=active, minlength=n)
    staff = np.zeros(n, dtype=np.int64)
    if RESOURCE in t.columns and len(t):
        ucodes, users = pd.factorize(t[RESOURCE].array)
        known = ucodes >= 0
        pairs = np.unique(tc[known].astype(np.int64) * max(len(users), 1) + ucodes[known])
        staff = np.bincount(pairs // max(len(users), 1), minlength=n)
    order = np.argsort(np.asarray(names, dtype=object).astype(str), kind="stable")
    with np.errstate(divide="ignore", invalid="ignore"):
        efficiency = np.where(elapsed > 0, touch / elapsed, np.nan)
    out = pd.DataFrame({
        CASE: np.asarray(names, dtype=object)[order],
        "touch_time_s": touch[order], "elapsed_s": elapsed[order], "flow_efficiency": efficiency[order],
        "staff": staff[order].astype(int), "task_instances": np.bincount(tc, minlength=n)[order].astype(int),
        "app_switches": np.bincount(tc, weights=_numbers(t, APP_SWITCHES), minlength=n)[order].astype(int),
        "system_events": np.bincount(codes[:n_ev][codes[:n_ev] >= 0], minlength=n)[order].astype(int),
    })
    return out


def _numbers(rows: pd.DataFrame, column: str) -> np.ndarray:
    """A numeric column as floats, missing (or absent) as 0."""
    if column not in rows.columns:
        return np.zeros(len(rows))
    return np.nan_to_num(pd.to_numeric(rows[column], errors="coerce").to_numpy(dtype=float, na_value=np.nan))


def _start_ns(rows: pd.DataFrame) -> np.ndarray:
    end = ts_ns(rows[TIMESTAMP]) if len(rows) else np.zeros(0, dtype=np.int64)
    if START_TIMESTAMP not in rows.columns or len(rows) == 0:
        return end
    start = rows[START_TIMESTAMP]
    return np.where(start.notna().to_numpy(), ts_ns(start.fillna(rows[TIMESTAMP])), end)


def activity_summary(merged: pd.DataFrame, top: int = TOP_TYPES) -> pd.DataFrame:
    """Per system activity: occurrences, cases, share of cases with linked work, linked task
    instances, desk time per occurrence with work (median, mean) and in total, rework (a task
    type repeated within one case at this activity: extra instances and cases) and the top
    task types as ``label (instances)`` joined by ``; ``."""
    cases, tasks = split_levels(merged)
    lk = _link(cases, tasks)
    desk = _desk(lk, top)
    rep = lk.tasks.groupby(["activity", "case", "type"], sort=False, observed=True).size()
    rep = rep[rep > 1]
    extra = (rep - 1).groupby(level="activity", observed=True).sum()
    rcases = rep.reset_index().groupby("activity", observed=True)["case"].nunique()
    rows = []
    for act, d in sorted(desk.items()):
        rows.append({
            ACTIVITY: act, "occurrences": d.occurrences, "cases": d.cases,
            "cases_with_work": d.cases_with_work, "work_share": d.case_share,
            "task_instances": d.tasks, "desk_median_s": d.median_s, "desk_mean_s": d.mean_s,
            "desk_total_s": d.total_s, "rework_instances": int(extra.get(act, 0)),
            "rework_cases": int(rcases.get(act, 0)),
            "top_task_types": "; ".join(f"{t.name} ({t.instances})" for t in d.top_types),
        })
    cols = [ACTIVITY, "occurrences", "cases", "cases_with_work", "work_share", "task_instances",
            "desk_median_s", "desk_mean_s", "desk_total_s", "rework_instances", "rework_cases",
            "top_task_types"]
    return pd.DataFrame(rows, columns=cols)

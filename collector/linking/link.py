"""Give every task instance a case and the system event it serves, or leave it unattributed.

Three tiers, each link carrying its method and a confidence in [0, 1]:

1. ``id``: the case id shows in the task's titles, URLs or element names (``ids``). With two
   ids (two charts open) the one with most active time wins; the other is kept as
   ``secondary_case`` — also when task discovery cut the glance at the other chart into a
   short task of its own between two pieces of the first case (``_glances``). Its system
   event is the nearest event of that case within the skew tolerance.
2. ``time``: the task's user (through the user map) is the system event's resource. Each
   workstation's clock error is first estimated from the tier-1 links (median offset per
   device and day) and taken out; task instances are cut where a system event of their
   user starts or completes (``split_at_completions``). A task ending within
   ``max_skew_s`` of an event is a candidate, ranked by time distance and by the task
   type's learned association with the activity (from tier 1); each system event goes to
   one such task at most. Pieces inside an event's span (start → completion) join it.
3. ``propagated``: a task between two tasks of the same user linked to the same case takes
   that case, when no other identifier shows in between and its type does case work.

All else is ``none`` (unattributed): kept, never forced. Vectorised over numpy/pandas.
"""

from __future__ import annotations

import contextlib
import logging
import re
import warnings
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from taskloom.collector.linking.ids import as_system_cases, compile_pattern, event_ids
from taskloom.collector.linking.tasks import IDLE_TYPE, dwell_ms, instance_order, task_table
from taskloom.errors import UserError

log = logging.getLogger(__name__)

TIERS = ("id", "time", "propagation")
MIN_LEARNED_LINKS = 10  # tier-1 links with a system event before associations are trusted
MIN_ASSOCIATION = 0.1  # P(activity | task type) below this: not a candidate
MIN_CASEWORK_RATE = 0.2  # share of a type's instances linked by id for it to be case work
MIN_SKEW_SAMPLES = 5
GLANCE_GAP_MS = 10_000  # a switch between two charts, not a new task after a pause
GLANCE_MAX_S = 20.0  # a glance is short; a longer stretch on another chart is work of its own
OPENING_MS = 15_000  # a piece that begins this close after a span's start opens it
OPENING_EARLY_MS = 2_000  # ... or this little before it (what is left of the clock error)
_SPAN = 1 << 40
DAY_MS = 86_400_000


class MissingResourcesError(UserError, ValueError):
    """Tier 2 was asked for but the system log has no resources."""


@dataclass(frozen=True)
class LinkOptions:
    """Per-study linking settings."""

    case_pattern: str | None = None  # regex with one group; None: keyed tokens and NHS numbers
    user_map: Mapping[str, str] | None = None  # desktop user → system-log resource
    max_skew_s: float = 120.0  # clock skew tolerance between workstation and system
    tiers: tuple[str, ...] = TIERS


@dataclass
class LinkResult:
    """Per task (index task_instance) and per UI event links, and the clock offsets found."""

    tasks: pd.DataFrame
    events: pd.DataFrame
    skew_s: dict[str, float] = field(default_factory=dict)


def system_frame(system_log: pd.DataFrame) -> pd.DataFrame:
    """The system log as linking reads it: event_id, case, activity, time (ms), resource."""
    n = len(system_log)
    ids = system_log["event_id"].astype("string").to_numpy() if "event_id" in system_log.columns \
        else np.array([f"s{i}" for i in range(n)], dtype=object)
    time = pd.to_datetime(system_log["time:timestamp"], utc=True)
    start = pd.to_datetime(system_log["start_timestamp"], utc=True).fillna(time) \
        if "start_timestamp" in system_log.columns else time
    resource = system_log["org:resource"].astype("string").to_numpy() if "org:resource" in system_log.columns \
        else np.full(n, pd.NA, dtype=object)
    return pd.DataFrame({
        "event_id": pd.array(ids, dtype="string"),
        "case": system_log["case:concept:name"].astype("string").to_numpy(),
        "activity": system_log["concept:name"].astype("string").to_numpy(),
        "time": time.astype("datetime64[ms, UTC]").astype("int64").to_numpy(),
        "start": start.astype("datetime64[ms, UTC]").astype("int64").to_numpy(),
        "resource": pd.array(resource, dtype="string"),
    })


def link_tasks(events: pd.DataFrame, system_log: pd.DataFrame, options: LinkOptions | None = None) -> LinkResult:
    """Link the task instances of ``events`` (a ``tasks.link_events`` frame) to ``system_log`` cases."""
    opts = options or LinkOptions()
    unknown = set(opts.tiers) - set(TIERS)
    if unknown:
        raise ValueError(f"unknown tiers {sorted(unknown)}")
    pattern = compile_pattern(opts.case_pattern)
    sys = system_frame(system_log)
    if "time" in opts.tiers and len(sys) and sys["resource"].isna().all():
        raise MissingResourcesError("the system log has no resources (org:resource), which resource-and-time "
                                    "linking needs; give the resource column (--resource) or link by "
                                    "identifier only")
    # Object strings inside: inferring Arrow strings for every intermediate frame and
    # converting them back to numpy costs more than the linking itself at a million rows.
    with _object_strings():
        return _link_all(events, sys, opts, pattern)


@contextlib.contextmanager
def _object_strings() -> Iterator[None]:
    """pandas' Arrow string inference off while linking (where the option still exists: it is
    deprecated in pandas 3 and goes in 4; without it the result is the same, only slower)."""
    ctx: contextlib.AbstractContextManager[None] = contextlib.nullcontext()
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*future.infer_string.*")
        try:
            ctx = pd.option_context("future.infer_string", False)
            ctx.__enter__()
        except (KeyError, pd.errors.OptionError):
            ctx = contextlib.nullcontext()
    try:
        yield
    finally:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*future.infer_string.*")
            ctx.__exit__(None, None, None)


def _link_all(events: pd.DataFrame, sys: pd.DataFrame, opts: LinkOptions,
              pattern: re.Pattern[str] | None) -> LinkResult:
    if "time" in opts.tiers:
        # The identifier tier alone first: its links measure each workstation's clock error,
        # which places the system's completions on the UI time line for the cut.
        # The cut changes instances, not what events show.
        shown = as_system_cases(event_ids(events, pattern), sys["case"])
        first = _link(events, sys, replace(opts, tiers=("id",)), pattern, per_event=False, shown=shown)
        events = split_at_completions(events, sys, opts.user_map, first.skew_s)
        return _link(events, sys, opts, pattern, shown=shown)
    return _link(events, sys, opts, pattern)


def split_at_completions(events: pd.DataFrame, sys: pd.DataFrame, user_map: Mapping[str, str] | None,
                         skew_s: Mapping[str, float], margin_ms: int = 1000) -> pd.DataFrame:
    """``events`` with task instances cut where a system event of their user starts or completes.

    The system log says a piece of work began or ended there: UI events from a start on,
    and more than ``margin_ms`` after a completion (clock error taken out), go to a new
    instance ``<id>/<k>``. The column ``cut`` marks the events of instances made so.
    """
    res = sys[sys["resource"].notna()]
    if res.empty or events.empty:
        return events
    users = events["user"].astype(str)
    resource = users.map(user_map).fillna(users) if user_map else users
    day = (events["ts"].to_numpy() // DAY_MS).astype(str)
    device = events["device_id"].astype(str).to_numpy()
    offs = pd.Series(np.char.add(np.char.add(device.astype(str), "@"), day)).map(skew_s) \
        .fillna(pd.Series(device).map(skew_s)).fillna(0.0).to_numpy()
    ts = events["ts"].to_numpy(dtype=np.int64) + (offs * 1000).astype(np.int64)
    codes, _ = pd.factorize(pd.concat([res["resource"].astype(str), resource], ignore_index=True))
    s_code, e_code = codes[: len(res)].astype(np.int64), codes[len(res):].astype(np.int64)
    t0 = int(min(res["start"].min(), ts.min())) - DAY_MS
    # Cut points: each completion (plus the margin) and each start of an event with a span.
    spans = (res["time"] > res["start"]).to_numpy()
    cuts = np.r_[s_code * _SPAN + (res["time"].to_numpy() - t0 + margin_ms),
                 s_code[spans] * _SPAN + (res["start"].to_numpy()[spans] - t0)]
    e_key = e_code * _SPAN + (ts - t0)
    done = np.searchsorted(np.sort(cuts), e_key, side="right")  # cut points at or before each event
    inst = events["task_instance"].to_numpy(dtype=object)
    codes, uniques = pd.factorize(inst)  # -1: no task instance
    has = codes >= 0
    first = np.full(len(uniques), np.iinfo(np.int64).max, dtype=np.int64)
    last = np.full(len(uniques), -1, dtype=np.int64)
    np.minimum.at(first, codes[has], done[has])
    np.maximum.at(last, codes[has], done[has])
    cut = np.zeros(len(inst), dtype=bool)
    cut[has] = first[codes[has]] != last[codes[has]]
    if not cut.any():
        return events
    rank = pd.Series(done[cut]).groupby(codes[cut]).rank(method="dense").astype("int64").to_numpy()
    renamed = inst.copy()
    renamed[cut] = [f"{i}/{k}" for i, k in zip(inst[cut], rank, strict=True)]
    out = events.copy()
    out["task_instance"] = pd.Series(renamed, index=events.index, dtype=object)
    out["cut"] = cut
    log.info("cut %d task instances at system-event boundaries", len(np.unique(codes[cut])))
    return out


def _link(events: pd.DataFrame, sys: pd.DataFrame, opts: LinkOptions, pattern: re.Pattern[str] | None,
          per_event: bool = True, shown: pd.Series | None = None) -> LinkResult:
    """The three tiers on one set of task instances (see the module doc); ``per_event``: also the LINKS rows."""
    tol = int(opts.max_skew_s * 1000)
    order = instance_order(events)
    dwell = dwell_ms(events, order)
    tasks = task_table(events, dwell)
    work = (tasks["task_type"].fillna(IDLE_TYPE) != IDLE_TYPE).to_numpy()
    n = len(tasks)
    case = np.full(n, None, dtype=object)
    method = np.full(n, "none", dtype=object)
    conf = np.zeros(n, dtype=np.float64)
    secondary = np.full(n, None, dtype=object)
    pos = pd.Series(np.arange(n), index=tasks.index)

    if shown is None:
        shown = as_system_cases(event_ids(events, pattern), sys["case"])
    has_any = pd.Series(False, index=tasks.index)
    inst = events["task_instance"]
    any_shown = inst[shown.notna() & inst.notna()].unique()
    has_any[has_any.index.isin(any_shown)] = True

    if "id" in opts.tiers:
        ok = shown.notna() & inst.notna() & shown.isin(set(sys["case"].dropna()))
        w = pd.DataFrame({"inst": inst[ok], "case": shown[ok], "w": dwell[ok.to_numpy()] + 1})
        w = w.groupby(["inst", "case"], sort=False)["w"].sum().reset_index()
        w = w.sort_values(["inst", "w"], ascending=[True, False], kind="stable")
        total = w.groupby("inst")["w"].transform("sum")
        rank = w.groupby("inst").cumcount()
        first, second = w[rank == 0], w[rank == 1]
        p = pos[first["inst"]].to_numpy()
        keep = work[p]
        p = p[keep]
        case[p] = first["case"].to_numpy()[keep]
        method[p] = "id"
        share = (first["w"] / total[rank == 0]).to_numpy()[keep]
        conf[p] = np.round(0.5 + 0.5 * share, 3)
        p2 = pos[second["inst"]].to_numpy()
        secondary[p2] = second["case"].to_numpy()
        _glances(tasks, work, case, method, conf, secondary)

    end = tasks["end"].to_numpy(dtype=np.int64)
    devices = tasks["device"].astype(str).to_numpy()
    is_id = method == "id"
    parent = np.full(n, -1, dtype=np.int64)
    parent[is_id] = _nearest(end[is_id], case[is_id], sys, tol)
    # Each workstation's clock error, from the identifier links that found their event.
    clock = pd.Series(devices + "@" + (end // DAY_MS).astype(str))
    skew = _clock_offsets(devices, clock.to_numpy(), end, parent, is_id, sys["time"].to_numpy())
    corr = clock.map(skew).fillna(pd.Series(devices).map(skew)).fillna(0.0).to_numpy() * 1000.0
    end_c = (end + corr).astype(np.int64)
    parent[is_id] = _nearest(end_c[is_id], case[is_id], sys, tol)

    types = tasks["task_type"].astype(str).to_numpy()
    acts = sys["activity"].astype(str).to_numpy()
    assoc, learned = _associations(types, work, is_id & (parent >= 0), _at(acts, parent))
    id_rate = pd.Series(is_id).groupby(types).mean()

    if "time" in opts.tiers:
        users = tasks["user"].astype(str)
        resource = users.map(opts.user_map).fillna(users) if opts.user_map else users
        todo = np.flatnonzero(work & (method == "none"))
        claimed = np.zeros(len(sys), dtype=bool)
        claimed[parent[parent >= 0]] = True
        t_idx, s_idx, score = _time_candidates(todo, resource.to_numpy().astype(str), end_c, sys, tol,
                                               claimed, types, acts, assoc, learned)
        chosen_t, chosen_s, chosen_score = _one_to_one(t_idx, s_idx, score)
        case[chosen_t] = sys["case"].to_numpy()[chosen_s]
        method[chosen_t] = "time"
        conf[chosen_t] = np.round(np.clip(chosen_score, 0.05, 0.9), 3)
        parent[chosen_t] = chosen_s
        # Pieces of work inside a system event's span (start → complete) of the same resource.
        todo = np.flatnonzero(work & (method == "none"))
        start_c = (tasks["start"].to_numpy(dtype=np.int64) + (end_c - end)).astype(np.int64)
        t_in, s_in, a_in = _inside_span(todo, resource.to_numpy().astype(str), start_c, end_c, sys, tol,
                                        types, acts, assoc, learned, tasks["cut"].to_numpy(dtype=bool))
        case[t_in] = sys["case"].to_numpy()[s_in]
        method[t_in] = "time"
        conf[t_in] = np.round(np.clip(0.6 * np.sqrt(a_in), 0.05, 0.6), 3)
        parent[t_in] = s_in

    if "propagation" in opts.tiers:
        casework = pd.Series(types).map(id_rate).fillna(0.0).to_numpy() >= MIN_CASEWORK_RATE if learned \
            else np.ones(n, dtype=bool)
        got = _propagate(  # fills ``case`` in place
            tasks, case, method, has_any.to_numpy(), work & casework)
        method[got] = "propagated"
        conf[got] = 0.5
        parent[got] = _nearest(end_c[got], case[got], sys, tol)

    out = tasks.copy()
    out["case_id"] = pd.array(case, dtype="string")
    out["system_activity"] = pd.array(_at(acts, parent), dtype="string")
    out["parent_event"] = pd.array(_at(sys["event_id"].to_numpy(), parent), dtype="string")
    out["method"] = method
    out["confidence"] = conf
    out["secondary_case"] = pd.array(secondary, dtype="string")
    log.info("linked %d of %d task instances (%s)", int((method != "none").sum()), n,
             pd.Series(method).value_counts().to_dict())
    return LinkResult(out, event_links(events, out) if per_event else pd.DataFrame(), skew)


def _at(values: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """``values[rows]`` as objects, None where ``rows`` is -1 (no system event)."""
    out = np.full(len(rows), None, dtype=object)
    ok = rows >= 0
    out[ok] = np.asarray(values, dtype=object)[rows[ok]]
    return out


def event_links(events: pd.DataFrame, tasks: pd.DataFrame) -> pd.DataFrame:
    """LINKS rows: one per UI event with its task's case, system activity, method and confidence."""
    pos = tasks.index.get_indexer(events["task_instance"].to_numpy())
    ok = pos >= 0
    take = np.maximum(pos, 0)

    def per_event(values: np.ndarray, missing: object) -> np.ndarray:
        out = np.asarray(values, dtype=object)[take]
        out[~ok] = missing
        return out

    conf = tasks["confidence"].to_numpy(dtype=np.float64)[take]
    conf[~ok] = 0.0
    return pd.DataFrame({
        "event_id": events["event_id"].to_numpy(dtype=object),
        "task_type": events["task_type"].to_numpy(dtype=object),
        "task_instance": events["task_instance"].to_numpy(dtype=object),
        "case_id": pd.array(per_event(tasks["case_id"].to_numpy(dtype=object, na_value=None), None),
                            dtype="string"),
        "system_activity": pd.array(per_event(tasks["system_activity"].to_numpy(dtype=object, na_value=None),
                                              None), dtype="string"),
        "method": per_event(tasks["method"].to_numpy(dtype=object), "none"),
        "confidence": conf,
    })


def _glances(tasks: pd.DataFrame, work: np.ndarray, case: np.ndarray, method: np.ndarray, conf: np.ndarray,
              secondary: np.ndarray) -> None:
    """Two charts open, split by task discovery: a short (``GLANCE_MAX_S`` active) identifier link to
    case B right between two pieces of the same user linked to case A (switching, no pause:
    ``GLANCE_GAP_MS``) is a
    glance from A's task; A wins (it has most active time) and B is kept as the secondary case.
    Changes the arrays in place."""
    rows = np.flatnonzero(work)
    if len(rows) < 3:
        return
    order = rows[np.lexsort((tasks["start"].to_numpy()[rows], tasks["user"].astype(str).to_numpy()[rows]))]
    user = tasks["user"].astype(str).to_numpy()[order]
    start = tasks["start"].to_numpy(dtype=np.int64)[order]
    end = tasks["end"].to_numpy(dtype=np.int64)[order]
    active = tasks["active_time"].to_numpy(dtype=np.float64)[order]
    c = case[order]
    is_id = method[order] == "id"
    mid = np.arange(1, len(order) - 1)
    prev, nxt = mid - 1, mid + 1
    hit = (is_id[mid] & is_id[prev] & is_id[nxt] & (user[prev] == user[mid]) & (user[nxt] == user[mid])
           & (c[prev] == c[nxt]) & (c[mid] != c[prev])
           & (start[mid] - end[prev] <= GLANCE_GAP_MS) & (start[nxt] - end[mid] <= GLANCE_GAP_MS)
           & (active[mid] <= GLANCE_MAX_S) & (active[mid] < active[prev] + active[nxt]))
    if not hit.any():
        return
    rows_hit = order[mid[hit]]
    around = active[prev[hit]] + active[nxt[hit]]
    secondary[rows_hit] = case[rows_hit]
    case[rows_hit] = c[prev[hit]]
    conf[rows_hit] = np.round(0.5 + 0.5 * around / (around + active[mid[hit]]), 3)


def _clock_offsets(devices: np.ndarray, clock: np.ndarray, end: np.ndarray, parent: np.ndarray,
                   is_id: np.ndarray, sys_time: np.ndarray) -> dict[str, float]:
    """Seconds to add to UI times: median (system − task end) of identifier links, per device
    and day (``device@day``) and per device (``device``), where enough links back it."""
    found = is_id & (parent >= 0)
    if not found.any():
        return {}
    dt = sys_time[parent[found]] - end[found]
    out: dict[str, float] = {}
    for keys in (devices[found], clock[found]):
        stats = pd.Series(dt).groupby(keys).agg(["median", "size"])
        out.update({str(k): float(m) / 1000.0 for k, m, s in
                    zip(stats.index, stats["median"], stats["size"], strict=True) if s >= MIN_SKEW_SAMPLES})
    return out


def _nearest(end: np.ndarray, case: np.ndarray, sys: pd.DataFrame, tol: int) -> np.ndarray:
    """Row of the system event of the same case nearest to ``end`` within ``tol`` ms (-1: none)."""
    if len(end) == 0:
        return np.zeros(0, dtype=np.int64)
    left = pd.DataFrame({"t": end, "case": pd.array(case, dtype="string"), "i": np.arange(len(end))}) \
        .sort_values("t", kind="stable")
    right = pd.DataFrame({"t": sys["time"].to_numpy(), "case": pd.array(sys["case"].to_numpy(), dtype="string"),
                          "row": np.arange(len(sys))}) \
        .dropna(subset=["case"]).sort_values("t", kind="stable")
    m = pd.merge_asof(left, right, on="t", by="case", direction="nearest", tolerance=tol)
    out = np.full(len(end), -1, dtype=np.int64)
    out[m["i"].to_numpy()] = m["row"].fillna(-1).to_numpy(dtype=np.int64)
    return out


def _associations(types: np.ndarray, work: np.ndarray, linked: np.ndarray,
                  acts: np.ndarray) -> tuple[dict[tuple[str, str], float], bool]:
    """P(activity | task type) from tier-1 links: links of the pair / instances of the type."""
    learned = int(linked.sum()) >= MIN_LEARNED_LINKS
    if not learned:
        return {}, False
    per_type = pd.Series(types[work]).value_counts()
    pairs = pd.DataFrame({"t": types[linked], "a": acts[linked]}).value_counts()
    return {(str(t), str(a)): float(c) / float(per_type.get(t, 1)) for (t, a), c in pairs.items()}, True


def _time_candidates(todo: np.ndarray, resource: np.ndarray, end: np.ndarray, sys: pd.DataFrame, tol: int,
                     claimed: np.ndarray, types: np.ndarray, acts: np.ndarray,
                     assoc: dict[tuple[str, str], float],
                     learned: bool) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(task row, system row, score) for every unclaimed event of the task's resource within ``tol``."""
    empty = (np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0))
    ok = sys["resource"].notna().to_numpy() & ~claimed
    rows = np.flatnonzero(ok)
    if len(todo) == 0 or len(rows) == 0:
        return empty
    codes, _ = pd.factorize(pd.Series(np.r_[sys["resource"].to_numpy()[rows].astype(str), resource[todo]]))
    s_code, t_code = codes[: len(rows)], codes[len(rows):]
    t0 = int(min(sys["time"].min(), end[todo].min())) - 2 * tol
    s_key = s_code.astype(np.int64) * _SPAN + (sys["time"].to_numpy()[rows] - t0)
    srt = np.argsort(s_key, kind="stable")
    s_key, rows = s_key[srt], rows[srt]
    base = t_code.astype(np.int64) * _SPAN + (end[todo] - t0)
    lo = np.searchsorted(s_key, base - tol, side="left")
    hi = np.searchsorted(s_key, base + tol, side="right")
    counts = hi - lo
    total = int(counts.sum())
    if total == 0:
        return empty
    t_idx = np.repeat(todo, counts)
    offs = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)
    s_idx = rows[np.repeat(lo, counts) + offs]
    dt = np.abs(sys["time"].to_numpy()[s_idx] - end[t_idx]) / 1000.0
    closeness = np.exp(-dt / max(tol / 4000.0, 1.0))
    if learned:
        a = np.fromiter((assoc.get((t, x), 0.0) for t, x in zip(types[t_idx], acts[s_idx], strict=True)),
                        dtype=np.float64, count=total)
        keep = a >= MIN_ASSOCIATION
        t_idx, s_idx, score = t_idx[keep], s_idx[keep], (closeness * np.sqrt(a))[keep]
    else:
        score = closeness
    return t_idx, s_idx, score


def _inside_span(todo: np.ndarray, resource: np.ndarray, start: np.ndarray, end: np.ndarray, sys: pd.DataFrame,
                 tol: int, types: np.ndarray, acts: np.ndarray, assoc: dict[tuple[str, str], float],
                 learned: bool, cut: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(task row, system row, association) for tasks inside the span of an event of their resource.

    Only system events with a start before their completion have a span; the latest such
    event starting before the task is the candidate, else the first starting within ``tol`` after.
    A piece cut out at the span's start (``cut``, beginning within ``OPENING_MS`` of it) needs
    no learned association: the system log delimits it.
    """
    empty = (np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0))
    spans = sys[(sys["time"] > sys["start"]) & sys["resource"].notna()]
    if len(todo) == 0 or spans.empty:
        return empty
    right = pd.DataFrame({"t": spans["start"].to_numpy(), "r": pd.array(spans["resource"].to_numpy(), dtype="string"),
                          "row": spans.index.to_numpy()}).sort_values("t", kind="stable")
    span_end = sys["time"].to_numpy()
    t_idx = np.zeros(0, np.int64)
    s_idx = np.zeros(0, np.int64)
    # The span that started before the task, else one that started within ``tol`` after it.
    for direction in ("backward", "forward"):
        rest = np.setdiff1d(todo, t_idx)
        left = pd.DataFrame({"t": start[rest], "r": pd.array(resource[rest], dtype="string"), "i": rest}) \
            .sort_values("t", kind="stable")
        m = pd.merge_asof(left, right, on="t", by="r", direction=direction,
                          tolerance=None if direction == "backward" else tol).dropna(subset=["row"])
        ti = m["i"].to_numpy(dtype=np.int64)
        si = m["row"].to_numpy(dtype=np.int64)
        inside = end[ti] <= span_end[si] + tol
        t_idx, s_idx = np.r_[t_idx, ti[inside]], np.r_[s_idx, si[inside]]
    if not learned:
        return t_idx, s_idx, np.ones(len(t_idx))
    a = np.fromiter((assoc.get((t, x), 0.0) for t, x in zip(types[t_idx], acts[s_idx], strict=True)),
                    dtype=np.float64, count=len(t_idx))
    lead = start[t_idx] - sys["start"].to_numpy()[s_idx]
    opens = (lead >= -OPENING_EARLY_MS) & (lead <= OPENING_MS)  # the piece begins with the span
    keep = (a >= MIN_ASSOCIATION) | (cut[t_idx] & opens)
    return t_idx[keep], s_idx[keep], np.maximum(a[keep], MIN_ASSOCIATION)


def _one_to_one(t_idx: np.ndarray, s_idx: np.ndarray, score: np.ndarray,
                rounds: int = 4) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Greedy best-first matching: each task and each system event used at most once."""
    out_t, out_s, out_v = [], [], []
    cand = pd.DataFrame({"t": t_idx, "s": s_idx, "v": score}).sort_values("v", ascending=False, kind="stable")
    for _ in range(rounds):
        if cand.empty:
            break
        best = cand.drop_duplicates("t").drop_duplicates("s")
        # A task whose best event went to another task tries again next round.
        out_t.append(best["t"].to_numpy())
        out_s.append(best["s"].to_numpy())
        out_v.append(best["v"].to_numpy())
        cand = cand[~cand["t"].isin(best["t"]) & ~cand["s"].isin(best["s"])]
    if not out_t:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)
    return np.concatenate(out_t), np.concatenate(out_s), np.concatenate(out_v)


def _propagate(tasks: pd.DataFrame, case: np.ndarray, method: np.ndarray, shows_id: np.ndarray,
               eligible: np.ndarray) -> np.ndarray:
    """Rows that take the case of both neighbours linked to it (fills ``case`` in place)."""
    n = len(tasks)
    order = np.lexsort((tasks["start"].to_numpy(), tasks["user"].astype(str).to_numpy()))
    linked = method != "none"
    label = np.where(linked, case, np.where(shows_id, "\x00other id", np.full(n, None, dtype=object)))
    lab = pd.Series(label[order], dtype="object")
    user = pd.Series(tasks["user"].astype(str).to_numpy()[order])
    prev = lab.groupby(user).ffill()
    nxt = lab.groupby(user).bfill()
    cand = lab.isna() & prev.notna() & (prev == nxt) & (prev != "\x00other id") & pd.Series(eligible[order])
    rows = order[cand.to_numpy()]
    case[rows] = prev[cand].to_numpy()
    return np.sort(rows) if n else np.zeros(0, np.int64)

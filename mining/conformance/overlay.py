"""Frequencies and durations to draw on a BPMN model (Apromore's BPMN view).

Tasks: how often their activity occurs in the log and its mean duration (end minus
start where the log has start timestamps, else the mean time since the case's previous
event). Sequence flows: how often a token passed them when the log is replayed on the
model's Petri net (one place per flow).
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import pandas as pd

from taskloom.mining.columns import ACTIVITY
from taskloom.mining.conformance.token_replay import replay_variants
from taskloom.mining.conformance.traces import log_variants
from taskloom.mining.discovery.bpmn import BpmnModel, bpmn_to_net, flow_place
from taskloom.mining.ordering import order_log
from taskloom.mining.render.bpmn_svg import BpmnOverlay


def activity_durations(log: pd.DataFrame, activity: str = ACTIVITY) -> dict[str, float]:
    """Mean seconds per activity: own duration with start timestamps, else time since the
    previous event of the case (activities that start cases are left out then)."""
    o = order_log(log, activity)
    if len(o.act) == 0:
        return {}
    if (o.start_ts != o.ts).any():
        dur = (o.ts - o.start_ts) / 1e9
        valid = o.act >= 0
    else:
        dur = np.zeros(len(o.act))
        dur[1:] = (o.ts[1:] - o.ts[:-1]) / 1e9
        valid = o.act >= 0
        valid[o.first] = False
    sums = np.bincount(o.act[valid], weights=dur[valid], minlength=len(o.act_names))
    counts = np.bincount(o.act[valid], minlength=len(o.act_names))
    return {str(o.act_names[i]): float(sums[i] / counts[i]) for i in np.flatnonzero(counts)}


def bpmn_overlay(log: pd.DataFrame, model: BpmnModel, activity: str = ACTIVITY) -> BpmnOverlay:
    """The values ``render_bpmn_svg`` shows for `log` on `model`."""
    freq = log[activity].value_counts()
    tasks = {n.name for n in model.nodes if n.kind == "task"}
    task_freq = {str(a): float(c) for a, c in freq.items() if str(a) in tasks}
    durations = {a: d for a, d in activity_durations(log, activity).items() if a in tasks}
    net = bpmn_to_net(model)
    replay = replay_variants(net, log_variants(log, activity))
    fired = replay.transition_counts()
    produced: Counter[str] = Counter()
    post: dict[str, list[str]] = {}
    for a in net.arcs:
        post.setdefault(a.source, []).append(a.target)
    for t, n in fired.items():
        for p in post.get(replay.transition_names[t], []):
            produced[p] += n
    flows = {f.id: float(produced.get(flow_place(f.id), 0)) for f in model.flows}
    return BpmnOverlay(task_freq, durations, flows)

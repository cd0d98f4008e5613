"""What silent transitions can do from a marking: shortest silent paths, and visible steps ahead.

Token replay enables a visible transition by firing silent ones along the shortest
silent paths between places (as pm4py does); precision needs the visible transitions
a marking enables after any silent steps. Markings are tuples of (place, tokens) with
places in ascending order, so they hash and compare cheaply.
"""

from __future__ import annotations

from collections import deque

from taskloom.mining.petri_net import CompiledNet

Marking = tuple[tuple[int, int], ...]
MAX_SILENT_MARKINGS = 20_000


def freeze(m: dict[int, int]) -> Marking:
    """The hashable form of a marking (places with tokens, ascending)."""
    return tuple(sorted((p, k) for p, k in m.items() if k))


def shortest_silent_paths(net: CompiledNet) -> dict[int, dict[int, tuple[int, ...]]]:
    """paths[p][q]: the shortest sequence of silent transitions leading from place p to q.

    Breadth-first from every place; ties go to transitions with smaller names, then to
    places with smaller indices (``by_place_name`` makes that name order). q may be p
    itself when a silent cycle returns to it.
    """
    silent_out: dict[int, list[int]] = {}
    for t in range(net.n_transitions):
        if net.labels[t] is None:
            for p, _ in net.pre[t]:
                silent_out.setdefault(p, []).append(t)
    name = net.trans_names
    for lst in silent_out.values():
        lst.sort(key=lambda t: name[t])
    out: dict[int, dict[int, tuple[int, ...]]] = {}
    for source in range(net.n_places):
        paths: dict[int, tuple[int, ...]] = {}
        queue: deque[tuple[int, tuple[int, ...]]] = deque([(source, ())])
        expanded = {source}
        while queue:
            place, path = queue.popleft()
            for t in silent_out.get(place, ()):
                for q, _ in net.post[t]:
                    if q not in paths:
                        paths[q] = (*path, t)
                        if q not in expanded:
                            expanded.add(q)
                            queue.append((q, paths[q]))
        if paths:
            out[source] = paths
    return out


def enabled(net: CompiledNet, t: int, m: dict[int, int]) -> bool:
    """Every input place of t holds at least the arc's weight."""
    # A plain loop: this is the replay's innermost call, and all() over a generator is
    # markedly slower here.
    for p, w in net.pre[t]:  # noqa: SIM110
        if m.get(p, 0) < w:
            return False
    return True


def fire(net: CompiledNet, t: int, m: dict[int, int]) -> dict[int, int]:
    """The marking after firing t (t must be enabled); places left empty are dropped."""
    out = dict(m)
    for p, w in net.pre[t]:
        left = out[p] - w
        if left:
            out[p] = left
        else:
            del out[p]
    for p, w in net.post[t]:
        out[p] = out.get(p, 0) + w
    return out


def visible_ahead(net: CompiledNet, marking: Marking) -> frozenset[int]:
    """Visible transitions reachable from ``marking`` through silent steps, as pm4py finds them.

    pm4py's ``get_visible_transitions_eventually_enabled_by_marking`` walks a queue of
    (transition, marking) pairs in name order, but keeps one marking per transition:
    a transition queued again replaces the marking its earlier entries will be tried
    in. That prunes the search (and so can miss some visible transitions); precision
    follows it so that both libraries agree. At most MAX_SILENT_MARKINGS entries.
    """
    order = sorted(range(net.n_transitions), key=lambda t: net.trans_names[t])

    def ready(m: dict[int, int]) -> list[int]:
        return [t for t in order if enabled(net, t, m)]

    start = dict(marking)
    queue = ready(start)
    at = {t: start for t in queue}
    found: set[int] = set()
    visited: set[tuple[int, Marking]] = set()
    i = 0
    while i < len(queue) and i < MAX_SILENT_MARKINGS:
        t = queue[i]
        m = at[t]
        key = (t, freeze(m))
        if key not in visited:
            if net.labels[t] is not None:
                found.add(t)
            elif enabled(net, t, m):
                nxt = fire(net, t, m)
                for t2 in ready(nxt):
                    queue.append(t2)
                    at[t2] = nxt
            visited.add(key)
        i += 1
    return frozenset(found)

"""Process tree → sound workflow net, built block by block as pm4py builds it.

Same construction, names and reductions as pm4py's ``convert_to_petri_net`` (places
``source``, ``sink``, ``p_N``; silent transitions ``skip_N``, ``tauSplit_N``, ``tauJoin_N``,
``init_loop_N``, ``loop_N``, ``tau_N``), so token replay, which breaks ties by place
name, behaves the same on either library's net.
"""

from __future__ import annotations

from collections import Counter

from taskloom.mining.discovery.process_tree import Operator, ProcessTree
from taskloom.mining.petri_net import Arc, PetriNet, Transition


class _Builder:
    """A mutable net with pm4py's naming counters and arc multisets."""

    def __init__(self) -> None:
        self.n_places = 0
        self.n_hidden = 0
        self.n_visible = 0
        self.places: list[str] = []
        self.labels: dict[str, str | None] = {}
        self.arcs: Counter[tuple[str, str]] = Counter()

    def place(self) -> str:
        self.n_places += 1
        name = f"p_{self.n_places}"
        self.places.append(name)
        return name

    def hidden(self, kind: str) -> str:
        self.n_hidden += 1
        name = f"{kind}_{self.n_hidden}"
        self.labels[name] = None
        return name

    def visible(self, label: str) -> str:
        self.n_visible += 1
        name = f"t_{self.n_visible}"
        self.labels[name] = label
        return name

    def arc(self, a: str, b: str) -> None:
        self.arcs[(a, b)] += 1

    def inputs(self, n: str) -> list[str]:
        return [a for (a, b), k in self.arcs.items() if b == n for _ in range(k)]

    def outputs(self, n: str) -> list[str]:
        return [b for (a, b), k in self.arcs.items() if a == n for _ in range(k)]

    def drop(self, n: str) -> None:
        for key in [k for k in self.arcs if n in k]:
            del self.arcs[key]
        if n in self.labels:
            del self.labels[n]
        else:
            self.places.remove(n)


def _loop_at_border(tree: ProcessTree, last: bool = False) -> bool:
    """A loop is the tree itself or on its left (right) spine."""
    if tree.operator == Operator.LOOP:
        return True
    if tree.children:
        return _loop_at_border(tree.children[-1 if last else 0], last)
    return False


def _terminal_loop(tree: ProcessTree) -> bool:
    """A loop on the right spine below the tree."""
    if tree.children and tree.children[-1].operator is not None:
        child = tree.children[-1]
        return child.operator == Operator.LOOP or _terminal_loop(child)
    return False


def _tau_needed(tree: ProcessTree, last: bool) -> bool:
    """pm4py adds a silent transition after the source (before the sink) in these cases.

    For the source side pm4py also looks down the first child's right spine; kept as is
    so that both libraries build the same net.
    """
    if tree.operator in (Operator.XOR, Operator.PARALLEL) or _loop_at_border(tree, last):
        return True
    if last:
        return _terminal_loop(tree)
    first = tree.children[0] if tree.children else None
    return first is not None and first.operator is not None and _terminal_loop(first)


def _add(b: _Builder, tree: ProcessTree, first: str, last: str | None,
         first_is_transition: bool = False, last_is_transition: bool = False) -> str:
    """Add `tree` between `first` and `last` (places, or transitions to attach to)."""
    if first_is_transition:
        p = b.place()
        b.arc(first, p)
        first = p
    if last is not None and not last_is_transition:
        end = last
    else:
        end = b.place()
        if last is not None:
            b.arc(end, last)
    op = tree.operator
    if op is None:
        t = b.hidden("skip") if tree.label is None else b.visible(tree.label)
        b.arc(first, t)
        b.arc(t, end)
    elif op == Operator.XOR:
        for child in tree.children:
            _add(b, child, first, end)
    elif op == Operator.PARALLEL:
        split, join = b.hidden("tauSplit"), b.hidden("tauJoin")
        b.arc(first, split)
        b.arc(join, end)
        for child in tree.children:
            _add(b, child, split, join, True, True)
    elif op == Operator.SEQUENCE:
        here = first
        for i, child in enumerate(tree.children):
            here = _add(b, child, here, end if i == len(tree.children) - 1 else None)
    else:
        _add_loop(b, tree, first, end)
    return end


def _add_loop(b: _Builder, tree: ProcessTree, first: str, end: str) -> None:
    entry = b.place()
    init = b.hidden("init_loop")
    b.arc(first, init)
    b.arc(init, entry)
    back = b.hidden("loop")
    do_end = _add(b, tree.children[0], entry, None)
    redo_end: str | None = None
    for child in tree.children[1:]:
        redo_end = _add(b, child, do_end, redo_end)
    _add(b, ProcessTree(), do_end, end)
    assert redo_end is not None
    b.arc(redo_end, back)
    b.arc(back, entry)


def _reduce_once(b: _Builder, forward: bool) -> bool:
    """Merge one silent transition with a place that only it uses (pm4py's simple reduction).

    Forward: t's single input place p is fed by one transition s and feeds only t, so s
    takes over t's outputs. Backward: the mirror image on t's single output place.
    """
    near, far = (b.inputs, b.outputs) if forward else (b.outputs, b.inputs)
    for t in sorted(n for n, lab in b.labels.items() if lab is None):
        mine = near(t)
        if len(mine) != 1:
            continue
        p = mine[0]
        link = near(p)
        if len(link) == 1 and set(far(p)) == {t}:
            other, rest = link[0], far(t)
            b.drop(t)
            b.drop(p)
            for q in rest:
                if forward:
                    b.arc(other, q)
                else:
                    b.arc(q, other)
            return True
    return False


def _simple_reduction(b: _Builder) -> None:
    while True:
        size = len(b.labels) + len(b.places)
        while _reduce_once(b, forward=True):
            pass
        while _reduce_once(b, forward=False):
            pass
        if len(b.labels) + len(b.places) >= size:
            return


def tree_to_net(tree: ProcessTree) -> PetriNet:
    """The workflow net of a process tree: one token in ``source`` to one in ``sink``."""
    b = _Builder()
    b.n_places = 2
    source, sink = "source", "sink"
    b.places = [source, sink]
    start, stop = source, sink
    if _tau_needed(tree, last=False):
        start = b.place()
        tau = b.hidden("tau")
        b.arc(source, tau)
        b.arc(tau, start)
    if _tau_needed(tree, last=True):
        stop = b.place()
        tau = b.hidden("tau")
        b.arc(stop, tau)
        b.arc(tau, sink)
    _add(b, tree, start, stop)
    _simple_reduction(b)
    for p in list(b.places):
        if (p != sink and not b.outputs(p)) or (p != source and not b.inputs(p)):
            b.drop(p)
    transitions = tuple(Transition(n, lab) for n, lab in b.labels.items())
    arcs = tuple(Arc(a, c, k) for (a, c), k in b.arcs.items())
    return PetriNet(tuple(b.places), transitions, arcs, {source: 1}, {sink: 1}, name="inductive")

"""BPMN models: a process tree as tasks, gateways and sequence flows, and back to a Petri net.

``tree_to_bpmn`` gives one task per activity, an exclusive (parallel) split/join pair per
choice (parallel) block, and a loop as an exclusive join before its body and an
exclusive split after it. ``bpmn_to_net`` gives the Petri net with the same behaviour
(one place per sequence flow), which conformance checking replays and which tells how
often each flow was taken.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from taskloom.mining.discovery.process_tree import Operator, ProcessTree
from taskloom.mining.errors import LogInputError
from taskloom.mining.petri_net import Arc, PetriNet, Transition

KINDS = ("start", "end", "task", "xor", "and")


@dataclass(frozen=True)
class BpmnNode:
    """A flow node: ``kind`` is start, end, task, xor (exclusive gateway) or and (parallel)."""

    id: str
    kind: str
    name: str = ""


@dataclass(frozen=True)
class BpmnFlow:
    """A sequence flow between two nodes."""

    id: str
    source: str
    target: str


@dataclass(frozen=True)
class BpmnModel:
    """A BPMN process: nodes and sequence flows."""

    nodes: tuple[BpmnNode, ...]
    flows: tuple[BpmnFlow, ...]
    name: str = "process"

    def node(self, node_id: str) -> BpmnNode:
        for n in self.nodes:
            if n.id == node_id:
                return n
        raise KeyError(node_id)

    def check(self) -> None:
        """Raise LogInputError unless there is one start event, an end event and every flow
        joins known nodes."""
        ids = [n.id for n in self.nodes]
        if len(set(ids)) != len(ids):
            raise LogInputError("the BPMN model has two elements with one id")
        kinds = [n.kind for n in self.nodes]
        if kinds.count("start") != 1 or kinds.count("end") < 1:
            raise LogInputError("the BPMN model needs exactly one start event and an end event")
        known = set(ids)
        for f in self.flows:
            if f.source not in known or f.target not in known:
                raise LogInputError(f"sequence flow {f.id} joins an unknown element")


class _Builder:
    def __init__(self) -> None:
        self.nodes: list[BpmnNode] = []
        self.flows: list[BpmnFlow] = []
        self.count = {"task": 0, "xor": 0, "and": 0}

    def add(self, kind: str, name: str = "") -> str:
        self.count[kind] += 1
        prefix = {"task": "Task", "xor": "ExclusiveGateway", "and": "ParallelGateway"}[kind]
        nid = f"{prefix}_{self.count[kind]}"
        self.nodes.append(BpmnNode(nid, kind, name))
        return nid

    def flow(self, a: str, b: str) -> None:
        self.flows.append(BpmnFlow(f"Flow_{len(self.flows) + 1}", a, b))

    def build(self, tree: ProcessTree) -> tuple[str, str] | None:
        """(entry, exit) node ids of the fragment; None for tau (nothing to do)."""
        op = tree.operator
        if op is None:
            return None if tree.label is None else (self.add("task", tree.label),) * 2
        if op == Operator.SEQUENCE:
            parts = [p for p in (self.build(c) for c in tree.children) if p is not None]
            if not parts:
                return None
            for (_, a), (b, _) in itertools.pairwise(parts):
                self.flow(a, b)
            return parts[0][0], parts[-1][1]
        if op == Operator.LOOP:
            join, split = self.add("xor"), self.add("xor")
            self._between(join, split, tree.children[0])
            for redo in tree.children[1:]:
                self._between(split, join, redo)
            return join, split
        kind = "xor" if op == Operator.XOR else "and"
        split, join = self.add(kind), self.add(kind)
        for child in tree.children:
            self._between(split, join, child)
        return split, join

    def _between(self, a: str, b: str, tree: ProcessTree) -> None:
        part = self.build(tree)
        if part is None:
            self.flow(a, b)
        else:
            self.flow(a, part[0])
            self.flow(part[1], b)


def tree_to_bpmn(tree: ProcessTree, name: str = "process") -> BpmnModel:
    """The BPMN model of a process tree."""
    b = _Builder()
    b.nodes.append(BpmnNode("StartEvent_1", "start", "start"))
    part = b.build(tree)
    b.nodes.append(BpmnNode("EndEvent_1", "end", "end"))
    if part is None:
        b.flow("StartEvent_1", "EndEvent_1")
    else:
        b.flow("StartEvent_1", part[0])
        b.flow(part[1], "EndEvent_1")
    return BpmnModel(tuple(b.nodes), tuple(b.flows), name)


def flow_place(flow_id: str) -> str:
    """The Petri-net place standing for a sequence flow."""
    return f"flow:{flow_id}"


def bpmn_to_net(model: BpmnModel) -> PetriNet:
    """The Petri net of a BPMN model (tasks with several incoming flows merge exclusively)."""
    model.check()
    ins: dict[str, list[str]] = {n.id: [] for n in model.nodes}
    outs: dict[str, list[str]] = {n.id: [] for n in model.nodes}
    for f in model.flows:
        outs[f.source].append(flow_place(f.id))
        ins[f.target].append(flow_place(f.id))
    places = ["source", "sink"] + [flow_place(f.id) for f in model.flows]
    trans: list[Transition] = []
    arcs: list[Arc] = []

    def add(name: str, label: str | None, pre: list[str], post: list[str]) -> None:
        trans.append(Transition(name, label))
        arcs.extend(Arc(p, name) for p in pre)
        arcs.extend(Arc(name, p) for p in post)

    for n in model.nodes:
        i, o = ins[n.id], outs[n.id]
        if n.kind == "start":
            add(f"{n.id}", None, ["source"], o)
        elif n.kind == "end":
            for k, p in enumerate(i):
                add(f"{n.id}#{k}", None, [p], ["sink"])
        elif n.kind == "and":
            add(n.id, None, i, o)
        elif n.kind == "xor":
            for a, p in enumerate(i):
                for b, q in enumerate(o):
                    add(f"{n.id}#{a}.{b}", None, [p], [q])
        else:
            for k, p in enumerate(i or ["source"]):
                add(f"{n.id}#{k}", n.name, [p], o or ["sink"])
    return PetriNet(tuple(places), tuple(trans), tuple(arcs), {"source": 1}, {"sink": 1},
                    name=model.name)

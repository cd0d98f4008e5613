"""Process trees: what the Inductive Miner returns, before it becomes a workflow net or BPMN.

A tree is a leaf (an activity label, or ``None`` for the silent step tau) or an operator
over children: sequence ``->``, exclusive choice ``X``, parallel ``+`` and loop ``*``
(first child the "do" part, second the "redo" part). ``str(tree)`` prints the notation
pm4py prints, so trees compare across the two libraries as text.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum


class Operator(StrEnum):
    """Process-tree operators, valued as their usual symbols."""

    SEQUENCE = "->"
    XOR = "X"
    PARALLEL = "+"
    LOOP = "*"


@dataclass
class ProcessTree:
    """A node: an operator with children, or a leaf with a label (None = tau)."""

    operator: Operator | None = None
    label: str | None = None
    children: list[ProcessTree] = field(default_factory=list)

    @property
    def is_leaf(self) -> bool:
        return self.operator is None

    @property
    def is_tau(self) -> bool:
        return self.operator is None and self.label is None

    def leaves(self) -> Iterator[ProcessTree]:
        """Leaves left to right."""
        if self.is_leaf:
            yield self
        for child in self.children:
            yield from child.leaves()

    def activities(self) -> set[str]:
        """Labels of the visible leaves."""
        return {leaf.label for leaf in self.leaves() if leaf.label is not None}

    def __str__(self) -> str:
        if self.operator is None:
            return "tau" if self.label is None else self.label
        parts = [("'" + c.label + "'") if c.is_leaf and c.label is not None else str(c)
                 for c in self.children]
        return f"{self.operator.value}( {', '.join(parts)} )"


def leaf(label: str | None) -> ProcessTree:
    """A leaf (None: tau)."""
    return ProcessTree(label=label)


def node(operator: Operator, children: list[ProcessTree]) -> ProcessTree:
    """An operator node."""
    return ProcessTree(operator=operator, children=children)


def _normalise_once(tree: ProcessTree) -> ProcessTree | None:
    """One bottom-up pass of the reductions pm4py's ``fold`` applies.

    Operators without children vanish, an operator with one child becomes that child,
    tau children of sequences and parallels go, a choice keeps one tau, a loop of two
    taus is tau, and nested sequences/choices/parallels of the same kind are flattened.
    """
    if tree.operator is None:
        return tree
    kids = [k for k in (_normalise_once(c) for c in tree.children) if k is not None]
    op = tree.operator
    taus = [k for k in kids if k.is_tau]
    if op in (Operator.SEQUENCE, Operator.PARALLEL):
        kids = [k for k in kids if not k.is_tau] or kids[:1]
    elif op == Operator.XOR and len(taus) > 1:
        last_tau = max(i for i, k in enumerate(kids) if k.is_tau)
        kids = [k for i, k in enumerate(kids) if not k.is_tau or i == last_tau]
    elif op == Operator.LOOP and kids and len(taus) == len(kids):
        kids = kids[:1]
    if not kids:
        return None
    if len(kids) == 1:
        return kids[0]
    if op != Operator.LOOP:
        flat: list[ProcessTree] = []
        for k in kids:
            flat.extend(k.children if k.operator == op else [k])
        kids = flat
    return ProcessTree(operator=op, children=kids)


def fold(tree: ProcessTree) -> ProcessTree:
    """The reduced tree (reductions repeated until nothing changes); an empty tree is tau."""
    current: ProcessTree | None = tree
    text = None
    while current is not None and str(current) != text:
        text = str(current)
        current = _normalise_once(current)
    return current if current is not None else leaf(None)


def _label_hash(label: str) -> int:
    return int(hashlib.md5(label.encode("utf-8")).hexdigest(), 16)


def sort_tree(tree: ProcessTree) -> int:
    """Order choice and parallel children by the sum of their labels' MD5 (as pm4py does).

    A canonical order, so that two runs (and the two libraries) give the same text.
    Returns the node's hash sum.
    """
    sums = [(sort_tree(c), i) for i, c in enumerate(tree.children)]
    total = sum(s for s, _ in sums)
    if tree.label is not None:
        total += _label_hash(tree.label)
    if tree.operator in (Operator.PARALLEL, Operator.XOR):
        tree.children = [tree.children[i] for _, i in sorted(sums)]
    return total


def canonical(tree: ProcessTree) -> ProcessTree:
    """Folded and sorted: the form discovery returns."""
    out = fold(tree)
    sort_tree(out)
    return out

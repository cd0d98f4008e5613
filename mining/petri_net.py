"""Petri nets as values: what discovery returns, PNML holds and conformance checking replays.

An accepting Petri net: places, transitions (a label, or None for a silent one), weighted
arcs between a place and a transition, an initial and a final marking. Names are unique
across places and transitions (they become PNML ids). ``compile_net`` turns it into the
integer form the replay and alignment algorithms work on.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np

from taskloom.mining.errors import LogInputError


@dataclass(frozen=True)
class Transition:
    """A transition: ``label`` is the activity it stands for, None for a silent (tau) step."""

    name: str
    label: str | None = None


@dataclass(frozen=True)
class Arc:
    """An arc from a place to a transition or back, by name."""

    source: str
    target: str
    weight: int = 1


def _frozen(m: Mapping[str, int]) -> Mapping[str, int]:
    return MappingProxyType(dict(m))


@dataclass(frozen=True)
class PetriNet:
    """An accepting Petri net (a workflow net when discovered)."""

    places: tuple[str, ...]
    transitions: tuple[Transition, ...]
    arcs: tuple[Arc, ...]
    initial: Mapping[str, int] = field(default_factory=dict)
    final: Mapping[str, int] = field(default_factory=dict)
    name: str = "net"

    def __post_init__(self) -> None:
        object.__setattr__(self, "initial", _frozen(self.initial))
        object.__setattr__(self, "final", _frozen(self.final))

    @property
    def labels(self) -> set[str]:
        """Activities the net has a visible transition for."""
        return {t.label for t in self.transitions if t.label is not None}

    def check(self) -> None:
        """Raise LogInputError when names clash or an arc or marking names something unknown."""
        places = set(self.places)
        trans = {t.name for t in self.transitions}
        if len(places) != len(self.places) or len(trans) != len(self.transitions):
            raise LogInputError("the Petri net has two places or two transitions with one id")
        if places & trans:
            raise LogInputError(f"the Petri net uses the id {sorted(places & trans)[0]!r} for a "
                                "place and a transition")
        for a in self.arcs:
            ok = (a.source in places and a.target in trans) or (a.source in trans and a.target in places)
            if not ok or a.weight < 1:
                raise LogInputError(f"the Petri net has an arc {a.source!r} → {a.target!r} that does "
                                    "not join a place and a transition (or has a weight below 1)")
        for m in (self.initial, self.final):
            unknown = set(m) - places
            if unknown:
                raise LogInputError(f"a marking of the Petri net names an unknown place "
                                    f"{sorted(unknown)[0]!r}")
        if not self.initial or not self.final:
            raise LogInputError("the Petri net needs an initial and a final marking "
                                "(e.g. one token in its source and in its sink place)")


@dataclass(frozen=True)
class CompiledNet:
    """A net in integer form: places and transitions by index, arcs as per-transition lists.

    pre[t] / post[t]: ((place, weight), ...) consumed / produced by transition t;
    labels[t]: the label or None; place_names / trans_names: names by index;
    initial / final: token count per place (numpy int64 vectors).
    """

    place_names: tuple[str, ...]
    trans_names: tuple[str, ...]
    labels: tuple[str | None, ...]
    pre: tuple[tuple[tuple[int, int], ...], ...]
    post: tuple[tuple[tuple[int, int], ...], ...]
    initial: np.ndarray
    final: np.ndarray

    @property
    def n_places(self) -> int:
        return len(self.place_names)

    @property
    def n_transitions(self) -> int:
        return len(self.trans_names)

    def incidence(self) -> np.ndarray:
        """C[p, t] = tokens t puts into p minus tokens it takes out."""
        c = np.zeros((self.n_places, self.n_transitions), dtype=np.int64)
        for t in range(self.n_transitions):
            for p, w in self.pre[t]:
                c[p, t] -= w
            for p, w in self.post[t]:
                c[p, t] += w
        return c


def compile_net(net: PetriNet) -> CompiledNet:
    """The integer form of a checked net (arcs between the same pair add their weights)."""
    net.check()
    pidx = {p: i for i, p in enumerate(net.places)}
    tidx = {t.name: i for i, t in enumerate(net.transitions)}
    pre: list[dict[int, int]] = [{} for _ in net.transitions]
    post: list[dict[int, int]] = [{} for _ in net.transitions]
    for a in net.arcs:
        if a.source in pidx:
            d = pre[tidx[a.target]]
            d[pidx[a.source]] = d.get(pidx[a.source], 0) + a.weight
        else:
            d = post[tidx[a.source]]
            d[pidx[a.target]] = d.get(pidx[a.target], 0) + a.weight
    initial = np.zeros(len(net.places), dtype=np.int64)
    final = np.zeros(len(net.places), dtype=np.int64)
    for p, k in net.initial.items():
        initial[pidx[p]] = k
    for p, k in net.final.items():
        final[pidx[p]] = k
    return CompiledNet(
        place_names=tuple(net.places),
        trans_names=tuple(t.name for t in net.transitions),
        labels=tuple(t.label for t in net.transitions),
        pre=tuple(tuple(sorted(d.items())) for d in pre),
        post=tuple(tuple(sorted(d.items())) for d in post),
        initial=initial,
        final=final,
    )


def by_place_name(net: CompiledNet) -> CompiledNet:
    """The same net with places renumbered in name order."""
    order = sorted(range(net.n_places), key=lambda p: net.place_names[p])
    new = [0] * net.n_places
    for i, p in enumerate(order):
        new[p] = i

    def remap(arcs: tuple[tuple[int, int], ...]) -> tuple[tuple[int, int], ...]:
        return tuple(sorted((new[p], w) for p, w in arcs))

    return CompiledNet(
        place_names=tuple(net.place_names[p] for p in order),
        trans_names=net.trans_names,
        labels=net.labels,
        pre=tuple(remap(a) for a in net.pre),
        post=tuple(remap(a) for a in net.post),
        initial=net.initial[order],
        final=net.final[order],
    )

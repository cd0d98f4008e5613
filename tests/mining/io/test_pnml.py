"""PNML: our files read by pm4py and pm4py's read by us, the same net; hostile XML refused."""

from __future__ import annotations

import contextlib
import io
import warnings
from pathlib import Path

import pytest

from taskloom.mining.discovery import discover_net
from taskloom.mining.errors import LogInputError
from taskloom.mining.io.pnml import net_to_pnml, pnml_to_net, read_pnml
from tests.mining.factories import read_ours


def _shape(places: list[str], labels: list[str | None], arcs: int) -> tuple[list[str], list[str], int]:
    return sorted(places), sorted(x or "" for x in labels), arcs


def test_pnml_roundtrip_and_pm4py_agree(shared_data: Path, tmp_path: Path) -> None:
    with contextlib.redirect_stdout(io.StringIO()):
        pm4py = pytest.importorskip("pm4py")
    warnings.simplefilter("ignore")
    net = discover_net(read_ours(shared_data, "08_receipt.xes.gz"), noise=0.2)
    assert pnml_to_net(net_to_pnml(net)) == net
    ours = tmp_path / "ours.pnml"
    ours.write_text(net_to_pnml(net), encoding="utf-8")
    pn, im, fm = pm4py.read_pnml(str(ours))
    assert _shape([p.name for p in pn.places], [t.label for t in pn.transitions], len(pn.arcs)) == \
        _shape(list(net.places), [t.label for t in net.transitions], len(net.arcs))
    assert {p.name: k for p, k in im.items()} == dict(net.initial)
    assert {p.name: k for p, k in fm.items()} == dict(net.final)
    theirs = tmp_path / "theirs.pnml"
    pm4py.write_pnml(pn, im, fm, str(theirs))
    again = read_pnml(theirs)
    assert _shape(list(again.places), [t.label for t in again.transitions], len(again.arcs)) == \
        _shape(list(net.places), [t.label for t in net.transitions], len(net.arcs))
    assert dict(again.final) == dict(net.final)


def test_pnml_entities_are_not_expanded() -> None:
    doc = ('<?xml version="1.0"?><!DOCTYPE pnml [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
           '<pnml><net id="n"><page id="p"><place id="a"><initialMarking><text>1</text>'
           '</initialMarking></place><transition id="t"><name><text>&x;</text></name></transition>'
           '<place id="b"/><arc id="1" source="a" target="t"/><arc id="2" source="t" target="b"/>'
           '</page></net></pnml>')
    net = pnml_to_net(doc)
    assert all("root:" not in (t.label or "") for t in net.transitions)


@pytest.mark.parametrize("doc, match", [
    ("<pnml><net", "not well-formed"),
    ("<definitions/>", "no <net>"),
    ('<pnml><net id="n"><page id="p"><place id="a"/><arc id="1" source="a" target="zz"/>'
     '</page></net></pnml>', "does not join"),
])
def test_bad_pnml_is_one_error(doc: str, match: str) -> None:
    with pytest.raises(LogInputError, match=match):
        pnml_to_net(doc)

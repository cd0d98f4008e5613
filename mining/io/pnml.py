"""PNML (ISO/IEC 15909-2) for accepting Petri nets, as ProM and pm4py write and read it.

Silent transitions carry ProM's ``<toolspecific tool="ProM" activity="$invisible$"/>``;
the final marking goes in ``<finalmarkings>``. ``pnml_to_net`` parses with entity
resolution and network access off, so a model file cannot reach outside.
"""

from __future__ import annotations

import os

from lxml import etree

from taskloom.mining.errors import LogInputError
from taskloom.mining.io._files import parse_file
from taskloom.mining.io.xml_text import xml_safe
from taskloom.mining.petri_net import Arc, PetriNet, Transition

CORE = "http://www.pnml.org/version-2009/grammar/pnmlcoremodel"
INVISIBLE = "$invisible$"


def _text(parent: etree._Element, tag: str, value: str) -> etree._Element:
    el = etree.SubElement(parent, tag)
    etree.SubElement(el, "text").text = xml_safe(value)
    return el


def net_to_pnml(net: PetriNet) -> str:
    """The PNML document of `net`."""
    root = etree.Element("pnml")
    n = etree.SubElement(root, "net", id=net.name or "net", type=CORE)
    _text(n, "name", net.name or "net")
    page = etree.SubElement(n, "page", id="n0")
    for p in net.places:
        el = etree.SubElement(page, "place", id=p)
        _text(el, "name", p)
        if net.initial.get(p):
            _text(el, "initialMarking", str(net.initial[p]))
    for t in net.transitions:
        el = etree.SubElement(page, "transition", id=t.name)
        _text(el, "name", t.label if t.label is not None else t.name)
        if t.label is None:
            etree.SubElement(el, "toolspecific", tool="ProM", version="6.4", activity=INVISIBLE,
                             localNodeID=t.name)
    for i, a in enumerate(net.arcs):
        el = etree.SubElement(page, "arc", id=f"arc{i}", source=a.source, target=a.target)
        if a.weight != 1:
            _text(el, "inscription", str(a.weight))
    fm = etree.SubElement(etree.SubElement(n, "finalmarkings"), "marking")
    for p, k in net.final.items():
        etree.SubElement(etree.SubElement(fm, "place", idref=p), "text").text = str(k)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True).decode()


def _int(el: etree._Element | None, what: str) -> int:
    if el is None:
        return 1
    text = (el.findtext("text") or el.text or "").strip()
    try:
        return int(text)
    except ValueError:
        raise LogInputError(f"PNML: {what} {text!r} is not a whole number") from None


def pnml_to_net(data: bytes | str, name: str = "net") -> PetriNet:
    """Parse a PNML document (the first net; all its pages)."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    try:
        root = etree.fromstring(data.encode() if isinstance(data, str) else data, parser)
    except etree.XMLSyntaxError as exc:
        raise LogInputError(f"PNML: not well-formed XML ({exc})") from None
    for el in root.iter():
        if isinstance(el.tag, str) and "}" in el.tag:
            el.tag = el.tag.split("}", 1)[1]
    net_el = root.find(".//net")
    if net_el is None:
        raise LogInputError("PNML: no <net> element; is this a PNML file?")
    places, initial = [], {}
    for el in net_el.iter("place"):
        if el.get("id") is None:      # <place idref=...> of a final marking
            continue
        places.append(el.get("id"))
        if el.find("initialMarking") is not None:
            initial[el.get("id")] = _int(el.find("initialMarking"), "initial marking")
    transitions = []
    for el in net_el.iter("transition"):
        ts = el.find("toolspecific")
        silent = ts is not None and ts.get("activity") == INVISIBLE
        label = el.findtext("name/text")
        transitions.append(Transition(el.get("id"), None if silent or label is None else label))
    arcs = [Arc(el.get("source"), el.get("target"), _int(el.find("inscription"), "arc weight"))
            for el in net_el.iter("arc")]
    final = {}
    for el in net_el.findall("finalmarkings/marking/place"):
        final[el.get("idref")] = _int(el, "final marking")
    if not final:
        # Without a final marking, a workflow net ends with one token in its sink places.
        with_out = {a.source for a in arcs}
        final = {p: 1 for p in places if p not in with_out}
    net = PetriNet(tuple(places), tuple(transitions), tuple(arcs), initial, final,
                   name=net_el.get("id") or name)
    net.check()
    return net


def read_pnml(path: str | os.PathLike[str]) -> PetriNet:
    """Read a PNML file (errors name the file)."""
    return parse_file(path, pnml_to_net)

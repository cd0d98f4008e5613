"""BPMN export: valid against the OMG BPMN 2.0 XSD, laid out, readable back, same behaviour."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from taskloom.mining.conformance.alignments import alignments
from taskloom.mining.discovery import discover_bpmn, discover_tree
from taskloom.mining.discovery.bpmn import bpmn_to_net, tree_to_bpmn
from taskloom.mining.discovery.tree_to_net import tree_to_net
from taskloom.mining.errors import LogInputError
from taskloom.mining.io.bpmn_xml import BPMNDI, DC, MODEL, bpmn_to_xml, xml_to_bpmn
from tests.mining.factories import read_ours

NS = {"b": MODEL, "bpmndi": BPMNDI, "dc": DC}


@pytest.fixture(scope="module")
def bpmn_schema() -> etree.XMLSchema:
    """The OMG BPMN 2.0 schema (BPMN20.xsd with Semantic, BPMNDI, DI and DC), as shipped by
    SpiffWorkflow (a test-only dependency)."""
    spiff = pytest.importorskip("SpiffWorkflow")
    folder = Path(spiff.__file__).parent / "bpmn" / "parser" / "schema"
    return etree.XMLSchema(etree.parse(str(folder / "BPMN20.xsd")))


@pytest.mark.parametrize("name", ["running-example.xes", "sepsis.csv", "08_receipt.xes.gz"])
def test_discovered_bpmn_validates_against_the_omg_xsd(shared_data: Path, bpmn_schema: etree.XMLSchema,
                                                       name: str) -> None:
    model = discover_bpmn(read_ours(shared_data, name), noise=0.2)
    doc = etree.fromstring(bpmn_to_xml(model).encode())
    assert bpmn_schema.validate(doc), bpmn_schema.error_log.last_error
    # Every node has a shape with a size, every flow an edge with waypoints (laid out).
    shapes = {s.get("bpmnElement"): s for s in doc.iterfind(".//bpmndi:BPMNShape", NS)}
    assert set(shapes) == {n.id for n in model.nodes}
    for s in shapes.values():
        bounds = s.find("dc:Bounds", NS)
        assert float(bounds.get("width")) > 0 and float(bounds.get("height")) > 0
    edges = {e.get("bpmnElement"): e for e in doc.iterfind(".//bpmndi:BPMNEdge", NS)}
    assert set(edges) == {f.id for f in model.flows}
    assert all(len(e) >= 2 for e in edges.values())
    assert sorted(t.get("name") for t in doc.iterfind(".//b:task", NS)) == sorted(discover_tree(
        read_ours(shared_data, name), 0.2).activities())


def test_bpmn_roundtrip_and_the_same_behaviour_as_the_tree(shared_data: Path) -> None:
    log = read_ours(shared_data, "running-example.xes")
    tree = discover_tree(log, 0.2)
    model = tree_to_bpmn(tree)
    back = xml_to_bpmn(bpmn_to_xml(model))
    assert back == model
    # Same language: every case has the same number of deviations on both nets.
    a = alignments(log, tree_to_net(tree)).cases.set_index("case")["cost"] // 10000
    b = alignments(log, bpmn_to_net(back)).cases.set_index("case")["cost"] // 10000
    assert a.to_dict() == b.to_dict()


def test_bpmn_with_unsupported_elements_is_refused() -> None:
    doc = (f'<definitions xmlns="{MODEL}" id="d" targetNamespace="x"><process id="p">'
           '<startEvent id="s"/><inclusiveGateway id="g"/><endEvent id="e"/></process></definitions>')
    with pytest.raises(LogInputError, match="inclusiveGateway"):
        xml_to_bpmn(doc)


def test_not_bpmn_is_refused() -> None:
    with pytest.raises(LogInputError, match="no <process>"):
        xml_to_bpmn("<pnml/>")

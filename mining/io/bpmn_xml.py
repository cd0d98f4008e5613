"""BPMN 2.0 XML with diagram interchange (DI), so bpmn.io and Camunda Modeler open it laid out.

``bpmn_to_xml`` writes the process (start/end events, tasks, exclusive and parallel
gateways, sequence flows) and a BPMNDiagram with a shape per node and waypoints per
flow, from the same layered layout the SVG uses; the output validates against the OMG
BPMN 2.0 XSD. ``xml_to_bpmn`` reads that subset back (any task type counts as a task).
"""

from __future__ import annotations

import os

from lxml import etree

from taskloom.mining.discovery.bpmn import BpmnFlow, BpmnModel, BpmnNode
from taskloom.mining.errors import LogInputError
from taskloom.mining.io._files import parse_file
from taskloom.mining.io.xml_text import xml_safe
from taskloom.mining.render.bpmn_svg import layout_bpmn
from taskloom.mining.render.graph_layout import GraphLayout

MODEL = "http://www.omg.org/spec/BPMN/20100524/MODEL"
BPMNDI = "http://www.omg.org/spec/BPMN/20100524/DI"
DC = "http://www.omg.org/spec/DD/20100524/DC"
DI = "http://www.omg.org/spec/DD/20100524/DI"
NSMAP = {None: MODEL, "bpmndi": BPMNDI, "dc": DC, "di": DI}
TAG = {"start": "startEvent", "end": "endEvent", "task": "task", "xor": "exclusiveGateway",
       "and": "parallelGateway"}
TASKS = {"task", "userTask", "manualTask", "serviceTask", "scriptTask", "sendTask", "receiveTask",
         "businessRuleTask"}


def _q(ns: str, tag: str) -> str:
    return f"{{{ns}}}{tag}"


def bpmn_to_xml(model: BpmnModel, layout: GraphLayout | None = None) -> str:
    """The BPMN 2.0 document of `model`, laid out (DI) with our layered layout."""
    model.check()
    lay = layout if layout is not None else layout_bpmn(model)
    root = etree.Element(_q(MODEL, "definitions"), nsmap=NSMAP, id="Definitions_1",
                         targetNamespace="http://taskloom.org/bpmn", exporter="taskloom",
                         exporterVersion="0.1")
    proc = etree.SubElement(root, _q(MODEL, "process"), id="Process_1", isExecutable="false",
                            name=xml_safe(model.name))
    ins: dict[str, list[str]] = {n.id: [] for n in model.nodes}
    outs: dict[str, list[str]] = {n.id: [] for n in model.nodes}
    for f in model.flows:
        outs[f.source].append(f.id)
        ins[f.target].append(f.id)
    for n in model.nodes:
        attrs = {"id": n.id, "name": xml_safe(n.name)} if n.name else {"id": n.id}
        if n.kind in ("xor", "and"):
            many_in, many_out = len(ins[n.id]) > 1, len(outs[n.id]) > 1
            attrs["gatewayDirection"] = ("Mixed" if many_in and many_out else "Converging"
                                         if many_in else "Diverging" if many_out else "Unspecified")
        el = etree.SubElement(proc, _q(MODEL, TAG[n.kind]), **attrs)
        for fid in ins[n.id]:
            etree.SubElement(el, _q(MODEL, "incoming")).text = fid
        for fid in outs[n.id]:
            etree.SubElement(el, _q(MODEL, "outgoing")).text = fid
    for f in model.flows:
        etree.SubElement(proc, _q(MODEL, "sequenceFlow"), id=f.id, sourceRef=f.source,
                         targetRef=f.target)
    diagram = etree.SubElement(root, _q(BPMNDI, "BPMNDiagram"), id="BPMNDiagram_1")
    plane = etree.SubElement(diagram, _q(BPMNDI, "BPMNPlane"), id="BPMNPlane_1",
                             bpmnElement="Process_1")
    for n in model.nodes:
        b = lay.boxes[n.id]
        shape = etree.SubElement(plane, _q(BPMNDI, "BPMNShape"), id=f"{n.id}_di", bpmnElement=n.id)
        etree.SubElement(shape, _q(DC, "Bounds"), x=f"{b.left:.0f}", y=f"{b.top:.0f}",
                         width=f"{b.w:.0f}", height=f"{b.h:.0f}")
    for f, route in zip(model.flows, lay.routes, strict=True):
        edge = etree.SubElement(plane, _q(BPMNDI, "BPMNEdge"), id=f"{f.id}_di", bpmnElement=f.id)
        for x, y in route.points:
            etree.SubElement(edge, _q(DI, "waypoint"), x=f"{x:.0f}", y=f"{y:.0f}")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True).decode()


def xml_to_bpmn(data: bytes | str, name: str = "process") -> BpmnModel:
    """Read the first process of a BPMN 2.0 document (events, tasks, XOR/AND gateways, flows)."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    try:
        root = etree.fromstring(data.encode() if isinstance(data, str) else data, parser)
    except etree.XMLSyntaxError as exc:
        raise LogInputError(f"BPMN: not well-formed XML ({exc})") from None
    proc = root.find(_q(MODEL, "process"))
    if proc is None:
        raise LogInputError("BPMN: no <process> in the BPMN 2.0 namespace; is this a BPMN file?")
    nodes, flows = [], []
    kind_of = {"startEvent": "start", "endEvent": "end", "exclusiveGateway": "xor",
               "parallelGateway": "and"}
    for el in proc:
        if not isinstance(el.tag, str):
            continue
        tag = etree.QName(el).localname
        if tag == "sequenceFlow":
            flows.append(BpmnFlow(el.get("id"), el.get("sourceRef"), el.get("targetRef")))
        elif tag in TASKS or tag in kind_of:
            kind = "task" if tag in TASKS else kind_of[tag]
            name = el.get("name") or (el.get("id") if kind == "task" else "")
            nodes.append(BpmnNode(el.get("id"), kind, name))
        elif tag not in ("laneSet", "documentation", "extensionElements", "textAnnotation",
                         "association", "dataObject", "dataObjectReference"):
            raise LogInputError(f"BPMN: element <{tag}> (id {el.get('id')}) is not supported; "
                                "models may use start/end events, tasks, exclusive and parallel "
                                "gateways and sequence flows")
    model = BpmnModel(tuple(nodes), tuple(flows), proc.get("name") or name)
    model.check()
    return model


def read_bpmn(path: str | os.PathLike[str]) -> BpmnModel:
    """Read a .bpmn file (errors name the file)."""
    return parse_file(path, xml_to_bpmn)

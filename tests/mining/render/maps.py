"""Test data for the renderer tests: DFGs of the shared logs at map-like sizes."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

from taskloom.mining.abstraction import abstract_dfg
from taskloom.mining.dfg import discover_dfg
from taskloom.mining.dfg_model import DFG
from tests.mining import factories

# (log, perspective, nodes %, arcs %): small, a typical activity map, and a 60-node,
# ~150-arc resource map (the size a map must stay readable at).
MAPS = {
    "running-example": ("running-example.xes", "concept:name", 100.0, 100.0),
    "bpic2012-activities": ("bpic2012.xes.gz", "concept:name", 100.0, 30.0),
    "bpic2012-resources": ("bpic2012.xes.gz", "org:resource", 90.0, 6.0),
    "sepsis": ("sepsis.csv", "concept:name", 100.0, 40.0),
    "hospital": ("hospital_log_high.xes.gz", "concept:name", 60.0, 20.0),
}
SVG = "{http://www.w3.org/2000/svg}"


def map_dfg(data: Path, key: str, cache: dict[str, DFG] = {}) -> DFG:  # noqa: B006 - session memo
    """The abstracted DFG for MAPS[key], discovered from the real log once per session."""
    if key not in cache:
        name, perspective, nodes, arcs = MAPS[key]
        log = factories.read_ours(data, name)
        cache[key] = abstract_dfg(discover_dfg(log, perspective), nodes, arcs)
    return cache[key]


def groups(svg: str, cls: str) -> list[ET.Element]:
    """The <g> elements of the SVG whose class list contains `cls`."""
    root = ET.fromstring(svg)
    return [g for g in root.iter(f"{SVG}g") if cls in (g.get("class") or "").split()]


def texts(g: ET.Element) -> list[str]:
    """The <text> contents inside a group, in document order."""
    return [t.text or "" for t in g.iter(f"{SVG}text")]


def title(g: ET.Element) -> str:
    """The group's tooltip."""
    el = g.find(f"{SVG}title")
    return "" if el is None else el.text or ""

"""BPMN diagrams: their layout (shared with the BPMN-DI export) and their drawing as SVG.

Drawn in the BPMN notation (thin circle start, thick circle end, rounded task boxes,
diamond gateways with X or +), left to right, with Apromore-style overlays: tasks are
coloured by frequency or duration and labelled with the value; sequence flows are
weighted by how often they were taken and labelled with the count.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

from taskloom.mining.discovery.bpmn import BpmnModel
from taskloom.mining.render.graph_layout import GraphLayout, layout_graph
from taskloom.mining.render.style import (
    DURATION_PALETTE,
    FREQUENCY_PALETTE,
    arc_gray,
    arc_width,
    human_count,
    human_duration,
    log_scale,
    palette_color,
    text_color_on,
    truncate,
)

SIZE = {"task": (110.0, 64.0), "xor": (50.0, 50.0), "and": (50.0, 50.0),
        "start": (36.0, 36.0), "end": (36.0, 36.0)}
FONT = "Helvetica, Arial, sans-serif"


@dataclass(frozen=True)
class BpmnOverlay:
    """Values to show: per task (frequency, mean duration in seconds), per flow (times taken)."""

    task_frequency: dict[str, float] = field(default_factory=dict)
    task_duration_s: dict[str, float] = field(default_factory=dict)
    flow_frequency: dict[str, float] = field(default_factory=dict)


def layout_bpmn(model: BpmnModel) -> GraphLayout:
    """Left-to-right layered layout of the model (start event first, end event last)."""
    start = next(n.id for n in model.nodes if n.kind == "start")
    ends = [n.id for n in model.nodes if n.kind == "end"]
    nodes = [(n.id, *SIZE[n.kind]) for n in model.nodes]
    edges = [(f.source, f.target) for f in model.flows]
    return layout_graph(nodes, edges, start, ends[-1], "LR")


def _points(pts: tuple[tuple[float, float], ...]) -> str:
    return " ".join(f"{x:.1f},{y:.1f}" for x, y in pts)


def _node_svg(kind: str, name: str, x: float, y: float, w: float, h: float, fill: str,
              value: str) -> str:
    if kind in ("start", "end"):
        sw = 1.5 if kind == "start" else 4
        return (f'<circle cx="{x:.1f}" cy="{y:.1f}" r="{w / 2:.1f}" fill="#ffffff" stroke="#333333" '
                f'stroke-width="{sw}"/>')
    if kind in ("xor", "and"):
        d = f"M{x:.1f},{y - h / 2:.1f}L{x + w / 2:.1f},{y:.1f}L{x:.1f},{y + h / 2:.1f}L{x - w / 2:.1f},{y:.1f}z"
        mark = (f'<path d="M{x - 8:.1f},{y - 8:.1f}L{x + 8:.1f},{y + 8:.1f}M{x + 8:.1f},{y - 8:.1f}'
                f'L{x - 8:.1f},{y + 8:.1f}"' if kind == "xor" else
                f'<path d="M{x:.1f},{y - 11:.1f}V{y + 11:.1f}M{x - 11:.1f},{y:.1f}H{x + 11:.1f}"')
        return (f'<path d="{d}" fill="#fffbe6" stroke="#8a6d00" stroke-width="1.5"/>'
                f'{mark} stroke="#8a6d00" stroke-width="3"/>')
    ink = text_color_on(fill)
    out = (f'<rect x="{x - w / 2:.1f}" y="{y - h / 2:.1f}" width="{w:.0f}" height="{h:.0f}" rx="8" '
           f'fill="{fill}" stroke="#2b4a6f" stroke-width="1.2"/>'
           f'<text x="{x:.1f}" y="{y - 4:.1f}" font-size="11" text-anchor="middle" fill="{ink}">'
           f'{escape(truncate(name, 17))}</text>')
    if value:
        out += (f'<text x="{x:.1f}" y="{y + 14:.1f}" font-size="11" font-weight="bold" '
                f'text-anchor="middle" fill="{ink}">{escape(value)}</text>')
    return out


def render_bpmn_svg(model: BpmnModel, overlay: BpmnOverlay | None = None,
                    color: str = "frequency", layout: GraphLayout | None = None) -> str:
    """The BPMN diagram as a standalone SVG document, with overlays when given."""
    lay = layout if layout is not None else layout_bpmn(model)
    ov = overlay or BpmnOverlay()
    by_duration = color == "duration" and bool(ov.task_duration_s)
    metric = ov.task_duration_s if by_duration else ov.task_frequency
    palette = DURATION_PALETTE if by_duration else FREQUENCY_PALETTE
    lo, hi = min(metric.values(), default=0.0), max(metric.values(), default=0.0)
    max_f = max(ov.flow_frequency.values(), default=1.0)
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{lay.width:.0f}" height="{lay.height:.0f}" '
        f'viewBox="0 0 {lay.width:.0f} {lay.height:.0f}" font-family="{FONT}" class="taskloom-bpmn">',
        f"<title>{escape(f'BPMN model: {model.name}')}</title>",
        '<defs><marker id="flow-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="8" '
        'markerHeight="8" markerUnits="userSpaceOnUse" orient="auto">'
        '<path d="M0,0L10,5L0,10z" fill="#555555"/></marker></defs>',
        f'<rect width="{lay.width:.0f}" height="{lay.height:.0f}" fill="#ffffff"/>',
        '<g class="flows">',
    ]
    for f, route in zip(model.flows, lay.routes, strict=True):
        freq = ov.flow_frequency.get(f.id)
        stroke = arc_gray(freq, max_f) if freq is not None else "#555555"
        width = arc_width(freq, max_f, 1.0, 6.0) if freq is not None else 1.2
        label = ""
        if freq is not None:
            mx, my = route.points[len(route.points) // 2]
            label = (f'<text x="{mx:.1f}" y="{my - 4:.1f}" font-size="10" text-anchor="middle" '
                     f'fill="#333333" stroke="#ffffff" stroke-width="3" paint-order="stroke">'
                     f'{escape(human_count(freq))}</text>')
        tip = f"{f.source} → {f.target}" + (f": {human_count(freq)}" if freq is not None else "")
        out.append(f'<g class="flow" data-id={quoteattr(f.id)}><title>{escape(tip)}</title>'
                   f'<polyline points="{_points(route.points)}" fill="none" stroke="{stroke}" '
                   f'stroke-width="{width:.1f}" marker-end="url(#flow-arrow)"/>{label}</g>')
    out.append('</g><g class="nodes">')
    for n in model.nodes:
        b = lay.boxes[n.id]
        value, fill = "", "#ffffff"
        if n.kind == "task":
            v = metric.get(n.name)
            if v is not None:
                fill = palette_color(log_scale(v, lo, hi), palette)
                value = human_duration(v) if by_duration else human_count(v)
        tip = f"{n.name or n.kind}" + (f"\n{value}" if value else "")
        out.append(f'<g class="node {n.kind}" data-id={quoteattr(n.id)}><title>{escape(tip)}</title>'
                   f'{_node_svg(n.kind, n.name, b.x, b.y, b.w, b.h, fill, value)}</g>')
    out.append("</g></svg>")
    return "\n".join(out)

"""Petri nets drawn as SVG: places as circles (tokens of the initial marking inside), visible
transitions as labelled boxes, silent ones as black bars; laid out left to right.

With firing counts (from token replay) transitions are coloured by frequency and arcs
weighted, as the process maps are.
"""

from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

from taskloom.mining.petri_net import PetriNet
from taskloom.mining.render.graph_layout import GraphLayout, layout_graph
from taskloom.mining.render.style import (
    FREQUENCY_PALETTE,
    human_count,
    log_scale,
    palette_color,
    text_color_on,
    truncate,
)

FONT = "Helvetica, Arial, sans-serif"
PLACE, VISIBLE, SILENT = (28.0, 28.0), (120.0, 40.0), (10.0, 40.0)


def layout_net(net: PetriNet) -> GraphLayout:
    """Left-to-right layout from the initial place(s) to the final place(s)."""
    labels = {t.name: t.label for t in net.transitions}
    nodes = [(p, *PLACE) for p in net.places]
    nodes += [(t, *(SILENT if lab is None else VISIBLE)) for t, lab in labels.items()]
    start = next(iter(net.initial)) if net.initial else net.places[0]
    end = next(iter(net.final)) if net.final else net.places[-1]
    edges = [(a.source, a.target) for a in net.arcs]
    return layout_graph(nodes, edges, start, end, "LR", rank_gap=40.0, order_gap=20.0)


def render_net_svg(net: PetriNet, fired: dict[str, int] | None = None,
                   layout: GraphLayout | None = None) -> str:
    """The net as a standalone SVG document; `fired`: transition name → times fired."""
    lay = layout if layout is not None else layout_net(net)
    fired = fired or {}
    hi = max(fired.values(), default=0)
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{lay.width:.0f}" height="{lay.height:.0f}" '
        f'viewBox="0 0 {lay.width:.0f} {lay.height:.0f}" font-family="{FONT}" class="taskloom-petri">',
        f"<title>{escape(f'Petri net: {net.name}')}</title>",
        '<defs><marker id="pn-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" '
        'markerHeight="7" markerUnits="userSpaceOnUse" orient="auto">'
        '<path d="M0,0L10,5L0,10z" fill="#444444"/></marker></defs>',
        f'<rect width="{lay.width:.0f}" height="{lay.height:.0f}" fill="#ffffff"/>',
        '<g class="arcs">',
    ]
    for a, route in zip(net.arcs, lay.routes, strict=True):
        pts = " ".join(f"{x:.1f},{y:.1f}" for x, y in route.points)
        label = ""
        if a.weight != 1:
            mx, my = route.points[len(route.points) // 2]
            label = f'<text x="{mx:.1f}" y="{my - 3:.1f}" font-size="10">{a.weight}</text>'
        out.append(f'<g class="arc"><polyline points="{pts}" fill="none" stroke="#444444" '
                   f'stroke-width="1" marker-end="url(#pn-arrow)"/>{label}</g>')
    out.append('</g><g class="nodes">')
    for p in net.places:
        b = lay.boxes[p]
        tokens = net.initial.get(p, 0)
        dot = (f'<circle cx="{b.x:.1f}" cy="{b.y:.1f}" r="4" fill="#111111"/>' if tokens == 1 else
               f'<text x="{b.x:.1f}" y="{b.y + 4:.1f}" font-size="11" text-anchor="middle">{tokens}</text>'
               if tokens else "")
        ring = ' stroke-width="3"' if p in net.final else ' stroke-width="1.2"'
        out.append(f'<g class="place" data-id={quoteattr(p)}><title>{escape(p)}</title>'
                   f'<circle cx="{b.x:.1f}" cy="{b.y:.1f}" r="{b.w / 2:.1f}" fill="#ffffff" '
                   f'stroke="#333333"{ring}/>{dot}</g>')
    for t in net.transitions:
        b = lay.boxes[t.name]
        n = fired.get(t.name)
        tip = f"{t.label or 'silent: ' + t.name}" + (f"\nfired {human_count(n)}×" if n is not None else "")
        if t.label is None:
            body = (f'<rect x="{b.left:.1f}" y="{b.top:.1f}" width="{b.w:.0f}" height="{b.h:.0f}" '
                    f'fill="#222222"/>')
        else:
            fill = palette_color(log_scale(n, 0, hi), FREQUENCY_PALETTE) if n is not None else "#ffffff"
            ink = text_color_on(fill)
            value = f" ({human_count(n)})" if n is not None else ""
            body = (f'<rect x="{b.left:.1f}" y="{b.top:.1f}" width="{b.w:.0f}" height="{b.h:.0f}" '
                    f'fill="{fill}" stroke="#2b4a6f"/><text x="{b.x:.1f}" y="{b.y + 4:.1f}" '
                    f'font-size="10" text-anchor="middle" fill="{ink}">'
                    f'{escape(truncate(t.label, 16) + value)}</text>')
        out.append(f'<g class="transition" data-id={quoteattr(t.name)}><title>{escape(tip)}</title>'
                   f'{body}</g>')
    out.append("</g></svg>")
    return "\n".join(out)

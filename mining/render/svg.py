"""Draw a DFG as a standalone SVG: coloured activity boxes, weighted arcs, overlay labels.

No scripts, fonts or external resources: the file opens in any browser and embeds in
the console as is. Each node and each arc is one ``<g>`` (class ``node`` / ``arc``)
with a ``<title>`` tooltip carrying the full name and values.
"""

from __future__ import annotations

from xml.sax.saxutils import escape, quoteattr

import pandas as pd

from taskloom.mining.dfg_model import DFG
from taskloom.mining.render.layout import ArcPath, Layout, NodeBox, layout_dfg
from taskloom.mining.render.style import (
    COLORS,
    DURATION_PALETTE,
    FREQUENCY_PALETTE,
    OVERLAYS,
    arc_gray,
    arc_width,
    human_count,
    human_duration,
    human_pct,
    log_scale,
    palette_color,
    text_color_on,
    truncate,
)

LEGEND_H = 46.0
NAME_CHARS = 24
FONT = "Helvetica, Arial, sans-serif"
_STAT = {"duration-mean": "mean", "duration-median": "median", "duration-min": "min",
         "duration-max": "max", "duration-total": "total"}
OVERLAY_TITLE = {"frequency": "absolute frequency", "case": "case frequency",
                 "case-pct": "relative case frequency", "duration-mean": "mean duration",
                 "duration-median": "median duration", "duration-min": "minimum duration",
                 "duration-max": "maximum duration", "duration-total": "total duration"}


def _node_durations(dfg: DFG) -> pd.Series:
    """Seconds per node for colouring by duration.

    The node's own mean duration where the log has start timestamps; otherwise the
    frequency-weighted mean time from the previous activity (its mean waiting time).
    """
    if "duration_mean_s" in dfg.nodes.columns:
        return dfg.nodes["duration_mean_s"].astype(float).fillna(0.0)
    e = dfg.edges
    if len(e) == 0:
        return pd.Series(0.0, index=dfg.nodes.index)
    loops = e["source"] == e["target"]
    e = e[~loops]
    tot = (e["mean_s"] * e["frequency"]).groupby(e["target"]).sum()
    cnt = e["frequency"].groupby(e["target"]).sum()
    return (tot / cnt).reindex(dfg.nodes.index).fillna(0.0)


def node_value_text(dfg: DFG, name: str, overlay: str) -> str:
    """The overlay value a node shows (durations only where the log has them)."""
    row = dfg.nodes.loc[name]
    if overlay == "case":
        return human_count(row["cases"])
    if overlay == "case-pct":
        return human_pct(row["cases"], dfg.total_cases)
    if overlay in _STAT:
        col = f"duration_{_STAT[overlay]}_s"
        if col in dfg.nodes.columns and pd.notna(row[col]):
            return human_duration(float(row[col]))
    return human_count(row["frequency"])


def arc_value_text(edge: pd.Series | dict[str, float], overlay: str, total_cases: int) -> str:
    """The overlay value an arc shows: a count, a case share or a human duration."""
    if overlay == "case":
        return human_count(edge["cases"])
    if overlay == "case-pct":
        return human_pct(edge["cases"], total_cases)
    if overlay in _STAT:
        return human_duration(float(edge[f"{_STAT[overlay]}_s"]))
    return human_count(edge["frequency"])


def _text_box(x: float, y: float, text: str, size: float = 11.0) -> tuple[float, float, float, float]:
    w = 0.6 * size * len(text) + 4
    return (x - w / 2, y - size * 0.75, x + w / 2, y + size * 0.55)


def _overlaps(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _node_rect(b: NodeBox, pad: float = 2.0) -> tuple[float, float, float, float]:
    return (b.x - b.w / 2 - pad, b.y - b.h / 2 - pad, b.x + b.w / 2 + pad, b.y + b.h / 2 + pad)


def _place_labels(layout: Layout, texts: list[str]) -> list[tuple[float, float]]:
    """Label anchor per arc: along its middle segment, clear of nodes and earlier labels."""
    boxes = [_node_rect(b) for b in layout.nodes.values()]
    boxes += [_node_rect(layout.start), _node_rect(layout.end)]
    placed: list[tuple[float, float, float, float]] = []
    out: list[tuple[float, float]] = []
    for arc, text in zip(layout.arcs, texts, strict=True):
        if arc.self_loop:
            (x0, y0), _, c2, (x3, y3) = arc.beziers[0]
            if layout.direction == "TB":
                pt = (c2[0] + 2 + 0.3 * len(text) * 11 * 0.6, (y0 + y3) / 2)
            else:
                pt = ((x0 + x3) / 2, c2[1] + 6)
            out.append(pt)
            placed.append(_text_box(pt[0], pt[1] + 4, text))
            continue
        best = None
        for t in (0.5, 0.35, 0.65, 0.22, 0.78):
            x, y = arc.point_at(t)
            bb = _text_box(x, y + 4, text)
            if not any(_overlaps(bb, o) for o in boxes) and not any(_overlaps(bb, o) for o in placed):
                best = (x, y)
                break
        if best is None:
            best = arc.point_at(0.5)
        placed.append(_text_box(best[0], best[1] + 4, text))
        out.append(best)
    return out


def render_svg(dfg: DFG, overlay: str = "frequency", color: str = "frequency",
               direction: str = "TB", layout: Layout | None = None) -> str:
    """The process map of `dfg` as an SVG document (a string).

    overlay: values written on nodes and arcs (see ``style.OVERLAYS``); color: node fill
    by ``frequency`` or ``duration``; direction: ``TB`` (start on top) or ``LR``.
    """
    if overlay not in OVERLAYS:
        raise ValueError(f"overlay {overlay!r}: use one of {', '.join(OVERLAYS)}")
    if color not in COLORS:
        raise ValueError(f"color {color!r}: use one of {', '.join(COLORS)}")
    lay = layout if layout is not None else layout_dfg(dfg, direction)
    palette, fill, lo, hi = _node_fills(dfg, color)
    texts, freqs, max_f = _arc_values(dfg, lay, overlay)
    anchors = _place_labels(lay, texts)

    w, h = lay.width, lay.height + LEGEND_H
    out: list[str] = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{w:.0f}" height="{h:.0f}" '
        f'viewBox="0 0 {w:.0f} {h:.0f}" font-family="{FONT}" class="taskloom-map">',
        f"<title>{escape(f'Process map ({dfg.perspective}): {OVERLAY_TITLE[overlay]}')}</title>",
    ]
    grays = sorted({arc_gray(f, max_f) for f in freqs} | {"#888888"})
    marker_id = {g: f"arrow{i}" for i, g in enumerate(grays)}
    out.extend(_defs(marker_id, palette))
    out.append(f'<rect width="{w:.0f}" height="{h:.0f}" fill="#ffffff"/>')
    out.extend(_legend(color, overlay, lo, hi, dfg.perspective))
    out.append(f'<g class="map" transform="translate(0,{LEGEND_H:.0f})">')
    out.append('<g class="arcs">')
    for arc, text, f, anchor in zip(lay.arcs, texts, freqs, anchors, strict=True):
        out.append(_arc(arc, text, f, max_f, anchor, marker_id))
    out.append("</g>")
    out.append('<g class="nodes">')
    for name, b in lay.nodes.items():
        out.append(_node(dfg, b, fill.get(name, palette[0]), node_value_text(dfg, name, overlay)))
    out.append(_terminal(lay.start, "start", sum(dfg.start.values())))
    out.append(_terminal(lay.end, "end", sum(dfg.end.values())))
    out.append("</g></g></svg>")
    return "\n".join(out)


def _node_fills(dfg: DFG, color: str) -> tuple[tuple[str, ...], dict[str, str], float, float]:
    """(palette, fill colour per node, metric low, metric high) for colouring by ``color``."""
    if color == "duration":
        metric = _node_durations(dfg)
        palette = DURATION_PALETTE
    else:
        metric = dfg.nodes["frequency"].astype(float)
        palette = FREQUENCY_PALETTE
    lo = float(metric.min()) if len(metric) else 0.0
    hi = float(metric.max()) if len(metric) else 0.0
    fill = {str(k): palette_color(log_scale(float(v), lo, hi), palette)
            for k, v in zip(metric.index, metric.to_numpy(), strict=True)}
    return tuple(palette), fill, lo, hi


def _arc_values(dfg: DFG, lay: Layout, overlay: str) -> tuple[list[str], list[float], float]:
    """(label text, frequency) per laid-out arc, and the highest frequency (for widths)."""
    e = dfg.edges
    cols = ["frequency", "cases", "mean_s", "median_s", "min_s", "max_s", "total_s"]
    vals = {(str(s), str(t)): dict(zip(cols, row, strict=True))
            for s, t, *row in zip(e["source"].tolist(), e["target"].tolist(),
                                  *(e[c].tolist() for c in cols), strict=True)}
    max_f = max([v["frequency"] for v in vals.values()] + list(dfg.start.values())
                + list(dfg.end.values()) + [1])
    texts: list[str] = []
    freqs: list[float] = []
    for arc in lay.arcs:
        if arc.source is None or arc.target is None:
            name = arc.target if arc.source is None else arc.source
            count = (dfg.start if arc.source is None else dfg.end).get(str(name), 0)
            freqs.append(float(count))
            texts.append(human_pct(count, dfg.total_cases) if overlay == "case-pct"
                         else human_count(count))
        else:
            v = vals[(arc.source, arc.target)]
            freqs.append(float(v["frequency"]))
            texts.append(arc_value_text(v, overlay, dfg.total_cases))
    return texts, freqs, float(max_f)


def _defs(marker_id: dict[str, str], palette: tuple[str, ...]) -> list[str]:
    """Arrow heads (one per arc gray) and the legend's colour gradient."""
    out = ["<defs>"]
    for g, mid in marker_id.items():
        out.append(f'<marker id="{mid}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="9" '
                   f'markerHeight="9" markerUnits="userSpaceOnUse" orient="auto">'
                   f'<path d="M0,0L10,5L0,10z" fill="{g}"/></marker>')
    out.append('<linearGradient id="legend-grad">'
               + "".join(f'<stop offset="{i / (len(palette) - 1):.2f}" stop-color="{c}"/>'
                         for i, c in enumerate(palette))
               + "</linearGradient></defs>")
    return out


def _arc(arc: ArcPath, text: str, f: float, max_f: float, anchor: tuple[float, float],
         marker_id: dict[str, str]) -> str:
    """One arc: its path, arrow, tooltip and label (start/end arcs thinner and dashed)."""
    lx, ly = anchor
    g = arc_gray(f, max_f)
    terminal = arc.source is None or arc.target is None
    src = "▶ start" if arc.source is None else arc.source
    tgt = "■ end" if arc.target is None else arc.target
    sw = min(arc_width(f, max_f), 3.0) if terminal else arc_width(f, max_f)
    dash = ' stroke-dasharray="5,4"' if terminal else ""
    return (
        f'<g class="arc{" reversed" if arc.reversed else ""}{" terminal" if terminal else ""}" '
        f'data-source={quoteattr(src)} data-target={quoteattr(tgt)}>'
        f"<title>{escape(f'{src} → {tgt}: {text}')}</title>"
        f'<path d="{arc.d}" fill="none" stroke="{g}" stroke-width="{sw:.1f}"{dash} '
        f'marker-end="url(#{marker_id[g]})"/>'
        f'<text x="{lx:.1f}" y="{ly + 4:.1f}" font-size="11" text-anchor="middle" fill="#333333" '
        f'stroke="#ffffff" stroke-width="3" paint-order="stroke">{escape(text)}</text></g>')


def _node(dfg: DFG, b: NodeBox, fill: str, value: str) -> str:
    ink = text_color_on(fill)
    x0, y0 = b.x - b.w / 2, b.y - b.h / 2
    full = escape(f"{b.name}\n{value}")
    return (f'<g class="node" data-name={quoteattr(b.name)}><title>{full}</title>'
            f'<rect x="{x0:.1f}" y="{y0:.1f}" width="{b.w:.0f}" height="{b.h:.0f}" rx="6" '
            f'fill="{fill}" stroke="#2b4a6f" stroke-width="1"/>'
            f'<text x="{b.x:.1f}" y="{b.y - 3:.1f}" font-size="12" text-anchor="middle" '
            f'fill="{ink}">{escape(truncate(b.name, NAME_CHARS))}</text>'
            f'<text x="{b.x:.1f}" y="{b.y + 14:.1f}" font-size="11" font-weight="bold" '
            f'text-anchor="middle" fill="{ink}">{escape(value)}</text></g>')


def _terminal(b: NodeBox, kind: str, cases: int) -> str:
    r = b.w / 2
    if kind == "start":
        shape = (f'<circle cx="{b.x:.1f}" cy="{b.y:.1f}" r="{r:.1f}" fill="#3a9a4a" stroke="#236b2f"/>'
                 f'<path d="M{b.x - 5:.1f},{b.y - 7:.1f}L{b.x + 8:.1f},{b.y:.1f}L{b.x - 5:.1f},'
                 f'{b.y + 7:.1f}z" fill="#ffffff"/>')
        tip = f"▶ start: {human_count(cases)} cases"
    else:
        shape = (f'<rect x="{b.x - r:.1f}" y="{b.y - r:.1f}" width="{b.w:.0f}" height="{b.h:.0f}" '
                 f'rx="3" fill="#c0392b" stroke="#8e2a1f"/>'
                 f'<rect x="{b.x - 6:.1f}" y="{b.y - 6:.1f}" width="12" height="12" fill="#ffffff"/>')
        tip = f"■ end: {human_count(cases)} cases"
    return f'<g class="node {kind}" data-name="{kind}"><title>{escape(tip)}</title>{shape}</g>'


def _legend(color: str, overlay: str, lo: float, hi: float, perspective: str) -> list[str]:
    fmt = human_duration if color == "duration" else human_count
    what = "mean duration" if color == "duration" else "frequency"
    lo_t, hi_t = fmt(lo), fmt(hi)
    return [
        '<g class="legend" font-size="11" fill="#333333">',
        f'<text x="12" y="18">{escape(f"Nodes: {perspective} · colour = {what} (log scale)")}</text>',
        '<rect x="12" y="26" width="160" height="10" fill="url(#legend-grad)" stroke="#999999"/>',
        f'<text x="12" y="{LEGEND_H - 0:.0f}" font-size="10">{escape(lo_t)}</text>',
        f'<text x="172" y="{LEGEND_H - 0:.0f}" font-size="10" text-anchor="end">{escape(hi_t)}</text>',
        f'<text x="190" y="35">{escape(f"Labels: {OVERLAY_TITLE[overlay]} · arc width = frequency")}</text>',
        "</g>",
    ]



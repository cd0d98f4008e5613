"""The two-level map as a standalone SVG: the case-level process map with the desk work at
each system activity, expanded activities holding their task-level map, and unattributed work.

Laid out with the shared Sugiyama layout for sized nodes (``graph_layout``), so an expanded
activity is simply a bigger box: its header is the activity node, its body the directly-
follows map of the task types under it, laid out and drawn by the same code. Values and
colours come from ``style`` and the overlay texts from ``svg``, so the figures read as on
the one-level map. Deterministic: nodes and arcs are laid out in an order fixed by their
names and counts, never by row or hash order, so the same model gives the same bytes.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from xml.sax.saxutils import escape, quoteattr

import numpy as np

from taskloom.mining.dfg_model import DFG
from taskloom.mining.render.graph_layout import Box, GraphLayout, Route, layout_graph
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
from taskloom.mining.render.svg import OVERLAY_TITLE, arc_value_text, node_value_text
from taskloom.mining.twolevel import DeskWork, TwoLevelModel, Unattributed

FONT = "Helvetica, Arial, sans-serif"
_START, _END = "\x00start", "\x00end"  # cannot clash with an activity name
ACT_W, ACT_H, HEAD_H = 212.0, 92.0, 50.0   # activity box; its upper (name, value) part
TASK_W, TASK_H = 160.0, 44.0
TERMINAL, SUB_TERMINAL = 30.0, 20.0
PAD = 14.0          # inside an expanded activity, around its task map
GROUP_GAP = 40.0    # between the case map and the unattributed group
LEGEND_H = 64.0
MIN_WIDTH = 860.0    # the legend's width
DESK_FILL, DESK_INK = "#fff6e0", "#5a3d00"
SUB_FILL = "#f6f8fb"


@dataclass(frozen=True)
class _Drawn:
    """A laid-out and drawn graph: SVG fragments in its own coordinates, and its size."""

    parts: list[str]
    width: float
    height: float


def _ordered_names(dfg: DFG) -> list[str]:
    """Nodes heaviest first, ties by name: the layout's input order (hence its result)."""
    freq = dfg.nodes["frequency"].to_numpy()
    names = [str(x) for x in dfg.nodes.index]
    return [names[i] for i in np.lexsort((np.asarray(names, dtype=object).astype(str), -freq))]


def _arc_keys(dfg: DFG) -> list[tuple[str, str]]:
    e = dfg.edges
    return sorted((str(s), str(t)) for s, t in zip(e["source"], e["target"], strict=True))


def _layout(dfg: DFG, sizes: dict[str, tuple[float, float]], terminal: float,
            direction: str, rank_gap: float, order_gap: float) -> GraphLayout:
    names = _ordered_names(dfg)
    nodes = [(_START, terminal, terminal), *((n, *sizes[n]) for n in names), (_END, terminal, terminal)]
    edges = [(s, t) for s, t in _arc_keys(dfg) if s != t]
    edges += [(_START, str(a)) for a in sorted(map(str, dfg.start))]
    edges += [(str(a), _END) for a in sorted(map(str, dfg.end))]
    return layout_graph(nodes, edges, _START, _END, direction, rank_gap=rank_gap, order_gap=order_gap)


def _edge_values(dfg: DFG) -> dict[tuple[str, str], dict[str, float]]:
    e = dfg.edges
    cols = ["frequency", "cases", "mean_s", "median_s", "min_s", "max_s", "total_s"]
    return {(str(s), str(t)): dict(zip(cols, vals, strict=True))
            for s, t, *vals in zip(e["source"], e["target"], *(e[c].tolist() for c in cols), strict=True)}


Rect = tuple[float, float, float, float]


def _text_rect(x: float, y: float, text: str) -> Rect:
    """The box an 11 px arc label centred at (x, y) takes (approximate glyph width)."""
    w = 0.6 * 11 * len(text) + 4
    return (x - w / 2, y - 8, x + w / 2, y + 7)


def _overlaps(a: Rect, b: Rect) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _label_point(points: tuple[tuple[float, float], ...], text: str, obstacles: list[Rect],
                 placed: list[Rect]) -> tuple[float, float]:
    """Where an arc's label goes: along its pieces, longest first (middle, then a third of the
    way from either end), at the first spot clear of node boxes and earlier labels; the
    middle of the longest piece when none is. The chosen spot is added to ``placed``."""
    pieces = sorted(((abs(x1 - x0) + abs(y1 - y0), i) for i, ((x0, y0), (x1, y1))
                     in enumerate(itertools.pairwise(points))), key=lambda p: (-p[0], p[1]))
    fallback = None
    for _, i in pieces:
        (x0, y0), (x1, y1) = points[i], points[i + 1]
        for t in (0.5, 0.3, 0.7):
            x, y = x0 + (x1 - x0) * t, y0 + (y1 - y0) * t
            fallback = fallback or (x, y)
            rect = _text_rect(x, y, text)
            if not any(_overlaps(rect, o) for o in obstacles) and not any(_overlaps(rect, o) for o in placed):
                placed.append(rect)
                return x, y
    at = fallback or points[0]
    placed.append(_text_rect(at[0], at[1], text))
    return at


def _arc(route: Route, text: str, f: float, max_f: float, marker: str, src: str, tgt: str,
         at: tuple[float, float]) -> str:
    terminal = route.source in (_START, _END) or route.target in (_START, _END)
    g = arc_gray(f, max_f)
    sw = min(arc_width(f, max_f), 3.0) if terminal else arc_width(f, max_f)
    d = "M" + "L".join(f"{x:.1f},{y:.1f}" for x, y in route.points)
    lx, ly = at
    dash = ' stroke-dasharray="5,4"' if terminal else ""
    return (f'<g class="arc{" terminal" if terminal else ""}" data-source={quoteattr(src)} '
            f'data-target={quoteattr(tgt)}><title>{escape(f"{src} → {tgt}: {text}")}</title>'
            f'<path d="{d}" fill="none" stroke="{g}" stroke-width="{sw:.1f}"{dash} '
            f'marker-end="url(#{marker})"/>'
            f'<text x="{lx:.1f}" y="{ly + 4:.1f}" font-size="11" text-anchor="middle" fill="#333333" '
            f'stroke="#ffffff" stroke-width="3" paint-order="stroke">{escape(text)}</text></g>')


def _loop(box: Box, text: str, f: float, max_f: float, marker: str, top: float) -> str:
    """A self-loop on the right side of a box, near its top part (``top``: y of that part)."""
    x = box.x + box.w / 2
    d = (f"M{x:.1f},{top - 8:.1f}C{x + 40:.1f},{top - 26:.1f} {x + 40:.1f},{top + 26:.1f} "
         f"{x:.1f},{top + 8:.1f}")
    g = arc_gray(f, max_f)
    return (f'<g class="arc loop" data-source={quoteattr(box.id)} data-target={quoteattr(box.id)}>'
            f"<title>{escape(f'{box.id} → {box.id}: {text}')}</title>"
            f'<path d="{d}" fill="none" stroke="{g}" stroke-width="{arc_width(f, max_f):.1f}" '
            f'marker-end="url(#{marker})"/>'
            f'<text x="{x + 34:.1f}" y="{top + 4:.1f}" font-size="11" fill="#333333" stroke="#ffffff" '
            f'stroke-width="3" paint-order="stroke">{escape(text)}</text></g>')


def _terminal(box: Box, kind: str, cases: int, unit: str) -> str:
    r = box.w / 2
    if kind == "start":
        shape = (f'<circle cx="{box.x:.1f}" cy="{box.y:.1f}" r="{r:.1f}" fill="#3a9a4a" stroke="#236b2f"/>'
                 f'<path d="M{box.x - r / 3:.1f},{box.y - r / 2:.1f}L{box.x + r / 2:.1f},{box.y:.1f}'
                 f'L{box.x - r / 3:.1f},{box.y + r / 2:.1f}z" fill="#ffffff"/>')
        tip = f"▶ start: {human_count(cases)} {unit}"
    else:
        shape = (f'<rect x="{box.x - r:.1f}" y="{box.y - r:.1f}" width="{box.w:.0f}" height="{box.h:.0f}" '
                 f'rx="3" fill="#c0392b" stroke="#8e2a1f"/>'
                 f'<rect x="{box.x - r / 2.5:.1f}" y="{box.y - r / 2.5:.1f}" width="{r / 1.25:.1f}" '
                 f'height="{r / 1.25:.1f}" fill="#ffffff"/>')
        tip = f"■ end: {human_count(cases)} {unit}"
    return f'<g class="node {kind}" data-name="{kind}"><title>{escape(tip)}</title>{shape}</g>'


def _draw_graph(dfg: DFG, lay: GraphLayout, overlay: str, marker: Callable[[str], str],
                draw_node: Callable[[str, Box], str], loop_top: Callable[[Box], float],
                unit: str) -> list[str]:
    """Arcs (with overlay labels), then nodes (by ``draw_node``), then start and end."""
    vals = _edge_values(dfg)
    max_f = max([v["frequency"] for v in vals.values()] + list(dfg.start.values())
                + list(dfg.end.values()) + [1])
    out = ['<g class="arcs">']
    obstacles = [(b.left - 2, b.top - 2, b.left + b.w + 2, b.top + b.h + 2) for b in lay.boxes.values()]
    placed: list[Rect] = []
    for route in lay.routes:
        if route.source == _START or route.target == _END:
            start = route.source == _START
            count = float(dfg.start.get(route.target, 0) if start else dfg.end.get(route.source, 0))
            text = human_pct(count, dfg.total_cases) if overlay == "case-pct" else human_count(count)
            src, tgt, f = ("▶ start" if start else route.source), (route.target if start else "■ end"), count
        else:
            v = vals[(route.source, route.target)]
            text, src, tgt, f = arc_value_text(v, overlay, dfg.total_cases), route.source, route.target, v["frequency"]
        at = _label_point(route.points, text, obstacles, placed)
        out.append(_arc(route, text, f, max_f, marker(arc_gray(f, max_f)), src, tgt, at))
    for (s, t), v in sorted(vals.items()):
        if s == t and s in lay.boxes:
            box = lay.boxes[s]
            out.append(_loop(box, arc_value_text(v, overlay, dfg.total_cases), v["frequency"], max_f,
                             marker(arc_gray(v["frequency"], max_f)), loop_top(box)))
    out.append("</g>")
    out.append('<g class="nodes">')
    for name in _ordered_names(dfg):
        out.append(draw_node(name, lay.boxes[name]))
    out.append(_terminal(lay.boxes[_START], "start", sum(dfg.start.values()), unit))
    out.append(_terminal(lay.boxes[_END], "end", sum(dfg.end.values()), unit))
    out.append("</g>")
    return out


def _fills(dfg: DFG, color: str, metric_col: str | None = None) -> tuple[dict[str, str], float, float]:
    """Fill per node by frequency or by a duration column (log scale)."""
    if color == "duration" and metric_col and metric_col in dfg.nodes.columns:
        metric = dfg.nodes[metric_col].astype(float).fillna(0.0)
        palette = DURATION_PALETTE
    else:
        metric = dfg.nodes["frequency"].astype(float)
        palette = FREQUENCY_PALETTE
    lo = float(metric.min()) if len(metric) else 0.0
    hi = float(metric.max()) if len(metric) else 0.0
    return ({str(k): palette_color(log_scale(float(v), lo, hi), palette)
             for k, v in zip(metric.index, metric.to_numpy(), strict=True)}, lo, hi)


# ---- the task level (inside an expanded activity)


def _task_graph(dfg: DFG, overlay: str, color: str, direction: str, prefix: str,
                marker: Callable[[str], str]) -> _Drawn:
    sizes = {str(n): (TASK_W, TASK_H) for n in dfg.nodes.index}
    lay = _layout(dfg, sizes, SUB_TERMINAL, direction, rank_gap=46.0, order_gap=24.0)
    fills, _, _ = _fills(dfg, color, "active_median_s")

    def node(name: str, box: Box) -> str:
        row = dfg.nodes.loc[name]
        value = node_value_text(dfg, name, overlay)
        active = float(row["active_median_s"]) if "active_median_s" in dfg.nodes.columns else float("nan")
        act_txt = human_duration(active) if np.isfinite(active) else "–"
        fill = fills.get(name, FREQUENCY_PALETTE[0])
        ink = text_color_on(fill)
        tip = f"{name}\n{value}\nmedian active time {act_txt}"
        return (f'<g class="node task" data-name={quoteattr(name)}><title>{escape(tip)}</title>'
                f'<rect x="{box.left:.1f}" y="{box.top:.1f}" width="{box.w:.0f}" height="{box.h:.0f}" '
                f'rx="5" fill="{fill}" stroke="#2b4a6f" stroke-width="1"/>'
                f'<text x="{box.x:.1f}" y="{box.y - 4:.1f}" font-size="11" text-anchor="middle" '
                f'fill="{ink}">{escape(truncate(name, 24))}</text>'
                f'<text x="{box.x:.1f}" y="{box.y + 12:.1f}" font-size="10" font-weight="bold" '
                f'text-anchor="middle" fill="{ink}">{escape(f"{value} · {act_txt}")}</text></g>')

    parts = _draw_graph(dfg, lay, overlay, marker, node, lambda b: b.y, "occurrences")
    return _Drawn([f'<g class="taskmap" data-prefix="{prefix}">', *parts, "</g>"], lay.width, lay.height)


# ---- the case level


def desk_lines(desk: DeskWork | None) -> tuple[str, str]:
    """The two desk-work lines an activity shows: median time and case share; top types."""
    if desk is None or desk.with_work == 0:
        return ("no linked desk work", "")
    first = (f"desk {human_duration(desk.median_s)} · {human_pct(desk.cases_with_work, desk.cases)} "
             "of cases")
    return (first, ", ".join(t.name for t in desk.top_types))


def desk_title(desk: DeskWork | None) -> str:
    """The tooltip lines for an activity's desk work (all figures, untruncated)."""
    if desk is None or desk.with_work == 0:
        return "Desk work: none linked"
    top = "; ".join(f"{t.name} ({human_count(t.instances)}, {human_duration(t.active_s)})"
                    for t in desk.top_types)
    return (f"Desk work: median {human_duration(desk.median_s)}, mean {human_duration(desk.mean_s)} "
            f"active per occurrence ({human_count(desk.with_work)} of {human_count(desk.occurrences)} "
            f"occurrences have linked work)\n"
            f"{human_count(desk.cases_with_work)} of {human_count(desk.cases)} cases "
            f"({human_pct(desk.cases_with_work, desk.cases)}) with linked work\n"
            f"{human_count(desk.tasks)} task instances; top task types: {top}")


def _activity(model: TwoLevelModel, name: str, box: Box, fill: str, overlay: str,
              sub: _Drawn | None, sub_occ: int) -> str:
    """An activity: name and overlay value on top, desk-work strip below; when expanded,
    its task map beneath in the same box."""
    desk = model.desk.get(name)
    value = node_value_text(model.dfg, name, overlay)
    line1, line2 = desk_lines(desk)
    ink = text_color_on(fill)
    x0, y0 = box.left, box.top
    hx, hw = (box.x, box.w)
    expanded = sub is not None
    tip = f"{name}\n{value}\n{desk_title(desk)}"
    out = [f'<g class="node activity{" expanded" if expanded else ""}" data-name={quoteattr(name)}>'
           f"<title>{escape(tip)}</title>"]
    if expanded:
        out.append(f'<rect x="{x0:.1f}" y="{y0:.1f}" width="{box.w:.0f}" height="{box.h:.0f}" rx="8" '
                   f'fill="{SUB_FILL}" stroke="#2b4a6f" stroke-width="1.5"/>')
    out.append(f'<rect x="{x0:.1f}" y="{y0:.1f}" width="{hw:.0f}" height="{ACT_H:.0f}" rx="6" '
               f'fill="{DESK_FILL}" stroke="#2b4a6f" stroke-width="1"/>'
               f'<rect x="{x0:.1f}" y="{y0:.1f}" width="{hw:.0f}" height="{HEAD_H:.0f}" rx="6" '
               f'fill="{fill}" stroke="#2b4a6f" stroke-width="1"/>'
               f'<text x="{hx:.1f}" y="{y0 + 20:.1f}" font-size="12" text-anchor="middle" '
               f'fill="{ink}">{escape(truncate(name, 28))}</text>'
               f'<text x="{hx:.1f}" y="{y0 + 38:.1f}" font-size="11" font-weight="bold" '
               f'text-anchor="middle" fill="{ink}">{escape(value)}</text>'
               f'<g class="desk" fill="{DESK_INK}" font-size="10.5" text-anchor="middle">'
               f'<text x="{hx:.1f}" y="{y0 + HEAD_H + 16:.1f}">{escape(truncate(line1, 36))}</text>'
               f'<text x="{hx:.1f}" y="{y0 + HEAD_H + 32:.1f}" font-style="italic">'
               f'{escape(truncate(line2, 36))}</text></g>')
    if sub is not None:
        ox = box.x - sub.width / 2
        oy = y0 + ACT_H + PAD
        out.append(f'<text x="{x0 + PAD:.1f}" y="{oy + 4:.1f}" font-size="10" fill="#2b4a6f">'
                   f'{escape(f"task-level map · {human_count(sub_occ)} occurrences with linked work")}'
                   f"</text>")
        out.append(f'<g transform="translate({ox:.1f},{oy + 6:.1f})">')
        out.extend(sub.parts)
        out.append("</g>")
    out.append("</g>")
    return "".join(out)


def _unattributed(u: Unattributed, x: float, y: float) -> tuple[list[str], float, float]:
    """The unattributed group: a dashed frame with its totals and its top task types."""
    w = TASK_W + 2 * PAD + 40
    rows = max(len(u.top_types), 1)
    h = 58 + rows * (TASK_H + 10) + PAD
    tip = (f"Unattributed work: {human_count(u.tasks)} task instances serve no system event "
           f"({human_count(u.no_case)} with no case, {human_count(u.case_only)} with a case only); "
           f"{human_duration(u.total_s)} active in total")
    out = [f'<g class="group unattributed" data-name="unattributed"><title>{escape(tip)}</title>'
           f'<rect x="{x:.1f}" y="{y:.1f}" width="{w:.0f}" height="{h:.0f}" rx="8" fill="#fbfbfb" '
           f'stroke="#8a8a8a" stroke-width="1.2" stroke-dasharray="6,4"/>'
           f'<text x="{x + w / 2:.1f}" y="{y + 20:.1f}" font-size="12" font-weight="bold" '
           f'text-anchor="middle" fill="#333333">Unattributed work</text>'
           f'<text x="{x + w / 2:.1f}" y="{y + 38:.1f}" font-size="10.5" text-anchor="middle" '
           f'fill="#333333">{escape(f"{human_count(u.tasks)} tasks · {human_duration(u.total_s)} active")}</text>']
    if not u.top_types:
        out.append(f'<text x="{x + w / 2:.1f}" y="{y + 70:.1f}" font-size="10.5" text-anchor="middle" '
                   'fill="#666666">none</text>')
    for i, t in enumerate(u.top_types):
        bx, by = x + (w - TASK_W) / 2, y + 54 + i * (TASK_H + 10)
        label = f"{human_count(t.instances)} · {human_duration(t.active_s)}"
        out.append(f'<g class="node task unattributed" data-name={quoteattr(t.name)}>'
                   f"<title>{escape(f'{t.name}: {t.instances} unattributed task instances, {human_duration(t.active_s)} active')}</title>"
                   f'<rect x="{bx:.1f}" y="{by:.1f}" width="{TASK_W:.0f}" height="{TASK_H:.0f}" rx="5" '
                   f'fill="#eeeeee" stroke="#8a8a8a"/>'
                   f'<text x="{bx + TASK_W / 2:.1f}" y="{by + 18:.1f}" font-size="11" text-anchor="middle" '
                   f'fill="#111111">{escape(truncate(t.name, 24))}</text>'
                   f'<text x="{bx + TASK_W / 2:.1f}" y="{by + 34:.1f}" font-size="10" font-weight="bold" '
                   f'text-anchor="middle" fill="#111111">{escape(label)}</text></g>')
    out.append("</g>")
    return out, w, h


def render_two_level_svg(model: TwoLevelModel, overlay: str = "frequency", color: str = "frequency",
                         direction: str = "TB") -> str:
    """The two-level map of ``model`` as an SVG document (a string).

    overlay: values on the case-level and task-level nodes and arcs (``style.OVERLAYS``);
    color: node fill by ``frequency`` or ``duration`` (case level: median desk time per
    occurrence; task level: median active time); direction: ``TB`` or ``LR``.
    """
    if overlay not in OVERLAYS:
        raise ValueError(f"overlay {overlay!r}: use one of {', '.join(OVERLAYS)}")
    if color not in COLORS:
        raise ValueError(f"color {color!r}: use one of {', '.join(COLORS)}")
    if direction not in ("TB", "LR"):
        raise ValueError(f"direction {direction!r}: use TB or LR")
    grays: set[str] = set()

    def marker(gray: str) -> str:
        grays.add(gray)
        return f"tl-arrow-{gray[1:]}"

    subs: dict[str, tuple[_Drawn, int]] = {}
    for i, s in enumerate(model.submaps):
        if s.activity in model.dfg.nodes.index and len(s.dfg.nodes):
            subs[s.activity] = (_task_graph(s.dfg, overlay, color, "TB", f"sub{i}", marker), s.dfg.total_cases)
    sizes: dict[str, tuple[float, float]] = {}
    for n in model.dfg.nodes.index:
        name = str(n)
        if name in subs:
            d = subs[name][0]
            sizes[name] = (max(ACT_W, d.width + 2 * PAD), ACT_H + PAD + 6 + d.height + PAD)
        else:
            sizes[name] = (ACT_W, ACT_H)
    lay = _layout(model.dfg, sizes, TERMINAL, direction, rank_gap=64.0, order_gap=36.0)
    desk_metric = {name: (d.median_s if np.isfinite(d.median_s) else 0.0) for name, d in model.desk.items()}
    dfg = model.dfg
    if color == "duration":
        nodes = dfg.nodes.assign(desk_median_s=[desk_metric.get(str(n), 0.0) for n in dfg.nodes.index])
        dfg = DFG(dfg.perspective, nodes, dfg.edges, dfg.start, dfg.end, dfg.total_cases)
    fills, lo, hi = _fills(dfg, color, "desk_median_s")

    def node(name: str, box: Box) -> str:
        sub = subs.get(name)
        return _activity(model, name, box, fills.get(name, FREQUENCY_PALETTE[0]), overlay,
                         sub[0] if sub else None, sub[1] if sub else 0)

    case_parts = _draw_graph(model.dfg, lay, overlay, marker, node, lambda b: b.top + HEAD_H / 2, "cases")
    width, height = lay.width, lay.height
    group: list[str] = []
    if model.linked:
        group, gw, gh = _unattributed(model.unattributed, lay.width + GROUP_GAP, 30.0)
        width = lay.width + GROUP_GAP + gw + 30.0
        height = max(height, 30.0 + gh + 30.0)
    w, h = max(width, MIN_WIDTH), height + LEGEND_H
    name = f"Two-level process map ({model.dfg.perspective}): {OVERLAY_TITLE[overlay]}"
    desc = (f"{len(model.dfg.nodes)} system activities, {len(model.dfg.edges)} arcs, "
            f"{human_count(model.dfg.total_cases)} cases; each activity shows its desk work "
            f"(median active time per occurrence with linked work, share of cases with linked work, "
            f"top task types); {len(subs)} expanded; "
            f"{human_count(model.unattributed.tasks)} unattributed task instances")
    palette = DURATION_PALETTE if color == "duration" else FREQUENCY_PALETTE
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{w:.0f}" height="{h:.0f}" '
        f'viewBox="0 0 {w:.0f} {h:.0f}" font-family="{FONT}" class="taskloom-map two-level" '
        'role="img" aria-labelledby="tl-title tl-desc">',
        f'<title id="tl-title">{escape(name)}</title>',
        f'<desc id="tl-desc">{escape(desc)}</desc>',
        "<defs>",
        *(f'<marker id="tl-arrow-{g[1:]}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="11" '
          f'markerHeight="11" markerUnits="userSpaceOnUse" orient="auto"><path d="M0,0L10,5L0,10z" '
          f'fill="{g}"/></marker>' for g in sorted(grays)),
        '<linearGradient id="tl-legend-grad">'
        + "".join(f'<stop offset="{i / (len(palette) - 1):.2f}" stop-color="{c}"/>'
                  for i, c in enumerate(palette)) + "</linearGradient>",
        "</defs>",
        f'<rect width="{w:.0f}" height="{h:.0f}" fill="#ffffff"/>',
        *_legend(color, overlay, lo, hi),
        f'<g class="map" transform="translate(0,{LEGEND_H:.0f})">',
        *case_parts, *group, "</g></svg>",
    ]
    return "\n".join(out)


def _legend(color: str, overlay: str, lo: float, hi: float) -> list[str]:
    fmt = human_duration if color == "duration" else human_count
    what = "median desk time" if color == "duration" else "frequency"
    return [
        '<g class="legend" font-size="11" fill="#333333">',
        f'<text x="12" y="18">{escape(f"System activities · colour = {what} (log scale)")}</text>',
        '<rect x="12" y="26" width="160" height="10" fill="url(#tl-legend-grad)" stroke="#999999"/>',
        f'<text x="12" y="48" font-size="10">{escape(fmt(lo))}</text>',
        f'<text x="172" y="48" font-size="10" text-anchor="end">{escape(fmt(hi))}</text>',
        f'<text x="190" y="35">{escape(f"Labels: {OVERLAY_TITLE[overlay]} · arc width = frequency")}</text>',
        f'<rect x="190" y="44" width="12" height="12" fill="{DESK_FILL}" stroke="#2b4a6f"/>',
        '<text x="208" y="54">desk work: median active time per occurrence with linked work · '
        "share of cases with linked work · top task types</text>",
        "</g>",
    ]

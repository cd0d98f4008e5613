"""Box plots of distributions as a standalone SVG (no scripts), in the process maps' style.

One row per series: whiskers from the 10th to the 90th percentile, the interquartile box,
the median as a bar, and optionally the individual values as dots. Used by the EHR
documentation-time report; any caller with quantiles can draw with it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

from taskloom.mining.render.style import FREQUENCY_PALETTE, truncate

FONT = "Helvetica, Arial, sans-serif"
LABEL_W = 210.0
PLOT_W = 420.0
ROW_H = 30.0
TOP = 34.0
BOTTOM = 30.0


@dataclass(frozen=True)
class Box:
    """One series: its label and quantiles (p10, q1, median, q3, p90), and optional points."""

    label: str
    p10: float
    q1: float
    median: float
    q3: float
    p90: float
    points: tuple[float, ...] = field(default_factory=tuple)


def _ticks(hi: float) -> list[float]:
    """About five round tick values from 0 to at least ``hi``."""
    if hi <= 0:
        return [0.0, 1.0]
    raw = hi / 5
    mag = 10.0 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    n = int(hi / step) + 1
    return [round(i * step, 10) for i in range(n + 1)]


def box_chart(boxes: list[Box], title: str, unit: str) -> str:
    """An SVG of the boxes on a shared axis starting at 0, labelled with ``unit``."""
    hi = max([b.p90 for b in boxes] + [max(b.points, default=0.0) for b in boxes] + [0.0])
    ticks = _ticks(hi)
    top = ticks[-1] or 1.0
    width = LABEL_W + PLOT_W + 20
    height = TOP + ROW_H * len(boxes) + BOTTOM

    def x(v: float) -> float:
        return LABEL_W + PLOT_W * max(0.0, v) / top

    fill, line = FREQUENCY_PALETTE[2], FREQUENCY_PALETTE[5]
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width:.0f}" height="{height:.0f}" '
           f'viewBox="0 0 {width:.0f} {height:.0f}" font-family="{FONT}" font-size="12" role="img" '
           f'aria-label={quoteattr(title)}>',
           f"<title>{escape(title)}</title>",
           f'<text x="8" y="18" font-weight="bold">{escape(title)}</text>']
    axis_y = TOP + ROW_H * len(boxes)
    for tv in ticks:
        out.append(f'<line x1="{x(tv):.1f}" y1="{TOP - 6:.1f}" x2="{x(tv):.1f}" y2="{axis_y:.1f}" '
                   'stroke="#e3e3e3"/>')
        out.append(f'<text x="{x(tv):.1f}" y="{axis_y + 14:.1f}" text-anchor="middle" fill="#444">{tv:g}</text>')
    out.append(f'<text x="{LABEL_W + PLOT_W / 2:.1f}" y="{axis_y + 27:.1f}" text-anchor="middle" '
               f'fill="#444">{escape(unit)}</text>')
    for i, b in enumerate(boxes):
        cy = TOP + ROW_H * i + ROW_H / 2
        tip = (f"{b.label}: median {b.median:.3g}, IQR {b.q1:.3g}–{b.q3:.3g}, "
               f"10th–90th percentile {b.p10:.3g}–{b.p90:.3g} {unit}")
        out.append(f'<g class="box"><title>{escape(tip)}</title>')
        out.append(f'<text x="{LABEL_W - 8:.1f}" y="{cy + 4:.1f}" text-anchor="end">'
                   f"{escape(truncate(b.label, 30))}</text>")
        out.append(f'<line x1="{x(b.p10):.1f}" y1="{cy:.1f}" x2="{x(b.p90):.1f}" y2="{cy:.1f}" stroke="{line}"/>')
        for v in (b.p10, b.p90):
            out.append(f'<line x1="{x(v):.1f}" y1="{cy - 5:.1f}" x2="{x(v):.1f}" y2="{cy + 5:.1f}" stroke="{line}"/>')
        out.append(f'<rect x="{x(b.q1):.1f}" y="{cy - 9:.1f}" width="{max(1.0, x(b.q3) - x(b.q1)):.1f}" '
                   f'height="18" fill="{fill}" stroke="{line}"/>')
        out.append(f'<line x1="{x(b.median):.1f}" y1="{cy - 9:.1f}" x2="{x(b.median):.1f}" y2="{cy + 9:.1f}" '
                   f'stroke="{line}" stroke-width="3"/>')
        out.extend(f'<circle cx="{x(p):.1f}" cy="{cy:.1f}" r="2.2" fill="#222" fill-opacity="0.45"/>'
                   for p in b.points)
        out.append("</g>")
    out.append("</svg>")
    return "\n".join(out)

"""Visual encoding of a process map: number and duration formats, palette, arc widths.

Kept apart from layout and SVG so the web console can show the same numbers and
colours as the CLI's SVG without drawing anything.
"""

from __future__ import annotations

import math

# Sequential blue palette (light → dark), as Disco colours activities by frequency.
FREQUENCY_PALETTE = ("#eef4fb", "#c9dcf0", "#94bfe3", "#5a9bd0", "#2f74b5", "#0f4c8a")
# Sequential red palette for durations (light → dark): slow activities stand out.
DURATION_PALETTE = ("#fdf1ec", "#fbd2bf", "#f6a283", "#ec6f4e", "#cf3d2a", "#99140f")

OVERLAYS = ("frequency", "case", "case-pct", "duration-mean", "duration-median",
            "duration-min", "duration-max", "duration-total")
COLORS = ("frequency", "duration")

_UNITS = ((365 * 86400.0, "y"), (30 * 86400.0, "mo"), (7 * 86400.0, "wk"),
          (86400.0, "d"), (3600.0, "h"), (60.0, "min"), (1.0, "s"))


def human_duration(seconds: float) -> str:
    """'2.3 d', '41 min', '12 s', '0.4 s', 'instant': the largest unit that keeps ≥ 1."""
    if not math.isfinite(seconds):
        return "–"
    if seconds <= 0:
        return "instant"
    for size, unit in _UNITS:
        if seconds >= size:
            v = seconds / size
            return f"{v:.1f} {unit}" if v < 10 else f"{v:.0f} {unit}"
    return f"{seconds:.1f} s"


def human_count(n: float) -> str:
    """An absolute count with thousands separators, as Disco prints frequencies."""
    return f"{round(n):,}"


def human_pct(part: float, whole: float) -> str:
    """Relative share in percent with one decimal place below 10 %."""
    if whole <= 0:
        return "–"
    p = 100.0 * part / whole
    return f"{p:.1f} %" if p < 10 else f"{p:.0f} %"


def _hex(c: str) -> tuple[int, int, int]:
    return int(c[1:3], 16), int(c[3:5], 16), int(c[5:7], 16)


def palette_color(t: float, palette: tuple[str, ...] = FREQUENCY_PALETTE) -> str:
    """Colour at t ∈ [0, 1] along the palette, linearly interpolated."""
    t = min(1.0, max(0.0, t if math.isfinite(t) else 0.0))
    pos = t * (len(palette) - 1)
    i = min(int(pos), len(palette) - 2)
    f = pos - i
    a, b = _hex(palette[i]), _hex(palette[i + 1])
    r, g, bl = (round(x + (y - x) * f) for x, y in zip(a, b, strict=True))
    return f"#{r:02x}{g:02x}{bl:02x}"


def text_color_on(fill: str) -> str:
    """Black or white, whichever reads better on `fill` (relative luminance)."""
    r, g, b = _hex(fill)
    lum = 0.2126 * r + 0.7152 * g + 0.0722 * b
    return "#111111" if lum > 140 else "#ffffff"


def log_scale(value: float, lo: float, hi: float) -> float:
    """Position of value between lo and hi on a log scale, in [0, 1]."""
    if hi <= lo or value <= lo:
        return 0.0
    return min(1.0, math.log1p(value - lo) / math.log1p(hi - lo))


def arc_width(frequency: float, max_frequency: float, thin: float = 1.0, thick: float = 8.0) -> float:
    """Stroke width for an arc: log-scaled in its frequency so rare arcs stay visible."""
    if max_frequency <= 1:
        return thin
    return thin + (thick - thin) * log_scale(frequency, 0.0, max_frequency)


def arc_gray(frequency: float, max_frequency: float) -> str:
    """Arc colour from light to dark grey with frequency, so the main flow stands out."""
    t = log_scale(frequency, 0.0, max(max_frequency, 1.0))
    v = round(170 - 120 * t)
    return f"#{v:02x}{v:02x}{v:02x}"


def truncate(label: str, limit: int) -> str:
    """The label cut to `limit` characters with an ellipsis (full text goes in <title>)."""
    return label if len(label) <= limit else label[: max(1, limit - 1)] + "…"

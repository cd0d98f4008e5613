"""Process maps: layered layout of a DFG and its drawing as a standalone SVG.

``layout_dfg(dfg)`` gives positions the web console can reuse; ``render_svg(dfg, ...)``
draws the map (no Graphviz, no scripts, no external resources).
"""

from taskloom.mining.render.layout import ArcPath, Layout, NodeBox, layout_dfg
from taskloom.mining.render.svg import render_svg

__all__ = ["ArcPath", "Layout", "NodeBox", "layout_dfg", "render_svg"]

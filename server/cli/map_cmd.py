"""`taskloom map`: draw the process map of an event log as a standalone SVG file.

Discovery, abstraction (nodes/arcs sliders) and rendering are the mining library's;
this module only parses options, checks them and writes the file atomically.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from taskloom.server.cli.base import CliError, write_atomically
from taskloom.server.cli.logopts import add_log_arguments, load_log

OVERLAY_CHOICES = ("frequency", "case", "case-pct", "duration-mean", "duration-median",
                   "duration-min", "duration-max", "duration-total")


def _pct(text: str) -> float:
    """A slider percentage in (0, 100]."""
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number; give a percentage such as 40") from None
    if not 0 < v <= 100:
        raise argparse.ArgumentTypeError(f"{text} is outside 0–100; give a percentage such as 40")
    return v


def cmd_map(args: argparse.Namespace) -> int:
    from taskloom.mining.abstraction import abstract_dfg
    from taskloom.mining.dfg import discover_dfg
    from taskloom.mining.render import render_svg

    out = Path(args.output)
    if out.is_dir():
        raise CliError(f"-o {out}: is a directory; give a file name such as {out / 'map.svg'}")
    log = load_log(args)
    if args.perspective not in log.columns:
        cols = ", ".join(map(str, log.columns[:12]))
        raise CliError(f"--perspective {args.perspective}: no such column in {args.log}; "
                       f"columns are: {cols}")
    dfg = discover_dfg(log, args.perspective)
    if len(dfg.nodes) == 0:
        raise CliError(f"{args.log}: the log has no events with a {args.perspective} value; "
                       "nothing to draw")
    small = abstract_dfg(dfg, args.nodes, args.arcs)
    svg = render_svg(small, overlay=args.overlay, color=args.color, direction=args.direction)
    write_atomically(out, svg)
    sys.stdout.write(f"wrote {out} ({len(small.nodes)} of {len(dfg.nodes)} nodes, "
                     f"{len(small.edges)} of {len(dfg.edges)} arcs)\n")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `taskloom map`."""
    p = subparsers.add_parser(
        "map", help="draw the process map (DFG) of a log as an SVG file",
        description="Layered process map as in Disco/Apromore: start ▶ and end ■ nodes, "
                    "nodes coloured by frequency or duration, arcs weighted by frequency, "
                    "overlay values as labels. A plain SVG file: no Graphviz, no scripts.")
    add_log_arguments(p)
    p.add_argument("-o", "--output", required=True, metavar="MAP.svg", help="SVG file to write")
    p.add_argument("--nodes", type=_pct, default=100.0, metavar="PCT",
                   help="keep the top PCT%% of nodes by frequency (default: %(default)s)")
    p.add_argument("--arcs", type=_pct, default=100.0, metavar="PCT",
                   help="keep the top PCT%% of arcs, plus those keeping every node "
                        "connected to start and end (default: %(default)s)")
    p.add_argument("--overlay", choices=OVERLAY_CHOICES, default="frequency",
                   help="values written on nodes and arcs (default: %(default)s)")
    p.add_argument("--color", choices=("frequency", "duration"), default="frequency",
                   help="node colour by frequency or by duration (default: %(default)s)")
    p.add_argument("--perspective", default="concept:name", metavar="COLUMN",
                   help="column whose values are the nodes, e.g. org:resource "
                        "(default: %(default)s)")
    p.add_argument("--direction", choices=("TB", "LR"), default="TB",
                   help="top-to-bottom (start on top) or left-to-right (default: %(default)s)")
    p.set_defaults(func=cmd_map)

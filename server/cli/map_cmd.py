"""`taskloom map`: draw the process map of an event log as a standalone SVG file.

Discovery, abstraction (nodes/arcs sliders) and rendering are the mining library's;
this module only parses options, checks them and writes the file atomically.
``--levels 2`` draws the two-level map of a merged log (``taskloom merge``): the case-level
map with the desk work at each system activity (``mining.twolevel``, ``render.nested``).
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
        raise argparse.ArgumentTypeError(f"{text}: must be above 0 and at most 100; give a percentage such as 40")
    return v


def cmd_map(args: argparse.Namespace) -> int:
    if not Path(args.output).is_dir() and not str(args.output).lower().endswith(".svg"):
        raise CliError(f"-o {args.output}: taskloom map writes SVG; give a file name ending in .svg")
    if args.levels == 2:
        return _two_level_map(args)
    if args.expand:
        raise CliError("--expand needs --levels 2 (the two-level map of a merged log)")
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


def _two_level_map(args: argparse.Namespace) -> int:
    """`taskloom map MERGED --levels 2 [--expand ACTIVITY ...]`."""
    from taskloom.mining.render.nested import render_two_level_svg
    from taskloom.mining.twolevel import MERGE_HINT, MergedLogError, is_merged, two_level_model

    out = Path(args.output)
    if out.is_dir():
        raise CliError(f"-o {out}: is a directory; give a file name such as {out / 'map.svg'}")
    if args.perspective != "concept:name":
        raise CliError("--perspective: the two-level map is drawn over system activities; "
                       "leave --perspective out with --levels 2")
    log = load_log(args)
    if not is_merged(log):
        raise CliError(f"{args.log}: not a merged two-level log (no 'level' column); {MERGE_HINT}, "
                       "or leave out --levels 2 for a one-level map")
    try:
        model = two_level_model(log, expand=args.expand or (), nodes=args.nodes, arcs=args.arcs,
                                source=str(args.log))
    except MergedLogError as exc:
        raise CliError(str(exc).replace("expand '", "--expand '", 1)) from None
    if len(model.full.nodes) == 0:
        raise CliError(f"{args.log}: the merged log has no system events; nothing to draw")
    svg = render_two_level_svg(model, overlay=args.overlay, color=args.color, direction=args.direction)
    write_atomically(out, svg)
    u = model.unattributed
    shown = set(map(str, model.dfg.nodes.index))
    hidden = [a for a in dict.fromkeys(args.expand or ()) if a not in shown]
    note = f"; not drawn, hidden by the filters or --nodes: {', '.join(hidden)}" if hidden else ""
    sys.stdout.write(f"wrote {out} ({len(model.dfg.nodes)} of {len(model.full.nodes)} system activities, "
                     f"{len(model.dfg.edges)} of {len(model.full.edges)} arcs, "
                     f"{model.task_rows - u.tasks} linked and {u.tasks} unattributed task instances, "
                     f"{sum(s.activity in shown for s in model.submaps)} expanded{note})\n")
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
    p.add_argument("--levels", type=int, choices=(1, 2), default=1,
                   help="2: the two-level map of a merged log (taskloom merge): system activities "
                        "with their desk work, unattributed work apart (default: %(default)s)")
    p.add_argument("--expand", action="append", default=[], metavar="ACTIVITY",
                   help="with --levels 2: draw this system activity's task-level map inside it "
                        "(repeat for several)")
    p.set_defaults(func=cmd_map)

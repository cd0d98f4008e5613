"""`taskloom discover` and `taskloom conformance` (prediction: ``predict_cmds``).

Discovery, conformance checking and prediction are the mining library's; this module
parses options, reads and writes the files (atomically) and prints reports. Bad input
(a model file of the wrong kind, a log without complete cases, an unknown column) is
one line on stderr and exit code 2.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from taskloom.server.cli.base import CliError, write_atomically
from taskloom.server.cli.logopts import add_log_arguments, load_log

if TYPE_CHECKING:
    import pandas as pd

    from taskloom.mining.petri_net import PetriNet

MODEL_SUFFIXES = (".bpmn", ".pnml", ".svg")


def _noise(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number; give a share such as 0.2") from None
    if not 0 <= v < 1:
        raise argparse.ArgumentTypeError(f"{text} is outside [0, 1); give a share such as 0.2")
    return v


def _positive(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if v <= 0:
        raise argparse.ArgumentTypeError(f"{text}: give a positive number of seconds")
    return v


def _output(path_text: str, suffixes: tuple[str, ...]) -> Path:
    out = Path(path_text)
    if out.is_dir():
        raise CliError(f"-o {out}: is a directory; give a file name such as {out / ('model' + suffixes[0])}")
    if out.suffix.lower() not in suffixes:
        raise CliError(f"-o {out}: unknown kind of file; use one of {', '.join(suffixes)}")
    return out


def cmd_discover(args: argparse.Namespace) -> int:
    from taskloom.mining.discovery import discover_tree
    from taskloom.mining.discovery.bpmn import tree_to_bpmn
    from taskloom.mining.discovery.tree_to_net import tree_to_net

    out = _output(args.output, MODEL_SUFFIXES)
    log = load_log(args)
    tree = discover_tree(log, args.noise, args.variant)
    kind = out.suffix.lower()
    if kind == ".pnml":
        from taskloom.mining.io.pnml import net_to_pnml

        net = tree_to_net(tree)
        write_atomically(out, net_to_pnml(net))
        what = f"{len(net.places)} places, {len(net.transitions)} transitions"
    elif kind == ".bpmn":
        from taskloom.mining.io.bpmn_xml import bpmn_to_xml

        model = tree_to_bpmn(tree)
        write_atomically(out, bpmn_to_xml(model))
        what = f"{sum(n.kind == 'task' for n in model.nodes)} tasks, {len(model.flows)} flows"
    elif args.notation == "petri":
        from taskloom.mining.render.petri_svg import render_net_svg

        net = tree_to_net(tree)
        write_atomically(out, render_net_svg(net, _firings(log, net)))
        what = f"Petri net, {len(net.transitions)} transitions"
    else:
        from taskloom.mining.conformance.overlay import bpmn_overlay
        from taskloom.mining.render.bpmn_svg import render_bpmn_svg

        model = tree_to_bpmn(tree)
        write_atomically(out, render_bpmn_svg(model, bpmn_overlay(log, model), args.color))
        what = f"BPMN, {sum(n.kind == 'task' for n in model.nodes)} tasks"
    sys.stdout.write(f"wrote {out} ({what}; Inductive Miner {args.variant}, noise {args.noise})\n")
    return 0


def _firings(log: pd.DataFrame, net: PetriNet) -> dict[str, int]:
    from taskloom.mining.conformance.token_replay import token_replay

    r = token_replay(log, net)
    return {r.transition_names[t]: n for t, n in r.transition_counts().items()}


def load_model(path_text: str) -> PetriNet:
    """A Petri net from a .pnml or .bpmn file (user-facing errors)."""
    from taskloom.mining.discovery.bpmn import bpmn_to_net
    from taskloom.mining.io.bpmn_xml import read_bpmn
    from taskloom.mining.io.pnml import read_pnml

    path = Path(path_text)
    if not path.is_file():
        raise CliError(f"{path}: no such model file")
    kind = path.suffix.lower()
    if kind == ".pnml":
        return read_pnml(path)
    if kind == ".bpmn":
        return bpmn_to_net(read_bpmn(path))
    raise CliError(f"{path}: not a process model; give a .pnml or .bpmn file "
                   "(e.g. one written by `taskloom discover LOG -o model.bpmn`)")


def cmd_conformance(args: argparse.Namespace) -> int:
    from taskloom.mining.conformance.report import conformance_report

    net = load_model(args.model)
    log = load_log(args)
    report = conformance_report(log, net, args.method, args.budget, args.top)
    if args.json:
        sys.stdout.write(json.dumps(report.to_json()) + "\n")
        return 0
    lines = [f"{args.log} against {args.model} ({report.method}): {report.cases} cases, "
             f"{report.variants} variants",
             f"fitness         {report.fitness:.4f}  ({100 * report.fit_share:.1f}% of cases fit)",
             f"precision       {report.precision:.4f}",
             f"generalisation  {report.generalization:.4f}"]
    if report.method == "alignments":
        lines.append(f"aligned within the budget: {100 * report.completed_share:.1f}% of cases")
    lines.append("most frequent deviations:" if report.deviations else "no deviations")
    lines += [f"  {d.text}" for d in report.deviations]
    sys.stdout.write("\n".join(lines) + "\n")
    return 0


def register(subparsers: argparse._SubParsersAction) -> None:
    """Add `taskloom discover` and `taskloom conformance`."""
    _add_discover(subparsers)
    _add_conformance(subparsers)


DISCOVER_HELP = ("Inductive Miner (IMf; IMd for very large logs) → a sound model. -o decides the "
                 "format: .bpmn (BPMN 2.0 with diagram layout), .pnml (Petri net), .svg (BPMN "
                 "drawing with frequency or duration overlays).")


def _add_discover(subparsers: argparse._SubParsersAction) -> None:
    what = "discover a process model (Inductive Miner) as BPMN, PNML or SVG"
    p = subparsers.add_parser("discover", help=what, description=DISCOVER_HELP)
    p.add_argument("--noise", type=_noise, default=0.2, metavar="SHARE",
                   help="IMf noise threshold in [0, 1); 0 keeps all behaviour (default: %(default)s)")
    p.add_argument("--variant", choices=("imf", "imd"), default="imf",
                   help="imf (default) or imd (directly-follows based, for very large logs)")
    p.add_argument("--notation", choices=("bpmn", "petri"), default="bpmn",
                   help="what an .svg shows (default: %(default)s)")
    p.add_argument("--color", choices=("frequency", "duration"), default="frequency",
                   help="task colour in an .svg (default: %(default)s)")
    p.add_argument("-o", "--output", required=True, metavar="MODEL",
                   help="model.bpmn, model.pnml or model.svg")
    add_log_arguments(p)
    p.set_defaults(func=cmd_discover)


def _add_conformance(subparsers: argparse._SubParsersAction) -> None:
    c = subparsers.add_parser(
        "conformance", help="check a log against a process model (.pnml or .bpmn)",
        description="Fitness (token replay or optimal alignments), precision, generalisation "
                    "and the most frequent deviations.")
    add_log_arguments(c)
    c.add_argument("model", metavar="MODEL", help="process model: .pnml or .bpmn")
    c.add_argument("--method", choices=("tokens", "alignments"), default="tokens",
                   help="token-based replay (default) or optimal alignments")
    c.add_argument("--budget", type=_positive, default=10.0, metavar="SECONDS",
                   help="alignments: time allowed per variant (default: %(default)s)")
    c.add_argument("--top", type=int, default=10, metavar="N",
                   help="deviations to list (default: %(default)s)")
    c.add_argument("--json", action="store_true", help="print the report as JSON")
    c.set_defaults(func=cmd_conformance)

"""The `taskloom` command: one entry point, sub-commands registered by area.

Each area module exposes ``register(subparsers)`` and keeps its heavy imports (pandas,
FastAPI, scikit-learn) inside the command functions, so ``taskloom --help`` and a
``taskloom dfg`` run pay only for what they use.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import os
import sys
from collections.abc import Sequence
from typing import NoReturn

from taskloom.errors import UserError
from taskloom.server.cli import redact
from taskloom.server.cli.base import CliError, printable

# Area modules, in the order their commands appear in --help. A module that is not
# there yet (or whose extra is not installed) is skipped with a debug message.
COMMAND_MODULES = (
    "taskloom.server.cli.mining_cmds",
    "taskloom.server.cli.map_cmd",
    "taskloom.server.cli.process_cmds",
    "taskloom.server.cli.predict_cmds",
    "taskloom.server.cli.collector_cmds",
    "taskloom.server.cli.user_cmds",
    "taskloom.server.cli.task_cmds",
    "taskloom.server.cli.ehr_cmds",
    "taskloom.server.cli.link_cmds",
    "taskloom.server.cli.demo_cmd",
)

log = logging.getLogger("taskloom")


class OneLineErrors(argparse.ArgumentParser):
    """An argument error is one line naming the command and the fix, exit code 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see `{self.prog} --help`)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineErrors(
        prog="taskloom",
        description="Task mining plus process mining: one model of cases and the work behind them.",
    )
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more logging")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name != name:
                raise
            continue
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    redact.install()  # no database password in any message, log line or traceback
    redact.register_url(os.environ.get("TASKLOOM_DB"))
    parser = build_parser()
    args = parser.parse_args(argv)
    redact.register_url(getattr(args, "db", None))
    logging.basicConfig(
        level=logging.WARNING - 10 * min(args.verbose, 2),
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return 2
    try:
        result = args.func(args)
    except KeyboardInterrupt:
        sys.stderr.write("taskloom: interrupted\n")
        return 130
    except BrokenPipeError:
        return 0
    except UserError as exc:
        sys.stderr.write(f"taskloom: error: {printable(exc, keep_lines=True)}\n")
        return 2
    return int(result or 0)


__all__ = ["CliError", "build_parser", "main"]

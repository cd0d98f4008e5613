"""Shared pieces of the CLI: the user-error convention, the store, output helpers.

Every command that touches the database opens it with ``open_store(args.db)``; user
errors are ``taskloom.errors.UserError`` (``CliError`` for the CLI's own), printed as one
line with exit code 2 by ``taskloom.server.cli.main``.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import sys
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from taskloom.errors import UserError

if TYPE_CHECKING:
    from taskloom.collector.store import Store


class CliError(UserError):
    """An error the user can fix; printed as one line, exit code 2, no traceback."""


def default_db_url() -> str | None:
    """The --db default: TASKLOOM_DB if set, else None (the embedded SQLite file)."""
    return os.environ.get("TASKLOOM_DB") or None


def add_db_option(parser: argparse.ArgumentParser) -> None:
    """The --db option every store command takes."""
    parser.add_argument(
        "--db", default=default_db_url(), metavar="URL",
        help="database: sqlite:///FILE, a file path, or postgresql://USER@HOST/DB "
             "(default: $TASKLOOM_DB, else taskloom.db in the user data directory)")


@contextlib.contextmanager
def open_store(db: str | None) -> Iterator[Store]:
    """The store at ``db`` (None: $TASKLOOM_DB, else the embedded file), migrated; closed
    on leaving. A database that cannot be opened is a one-line CliError."""
    import sqlalchemy.exc as sa_exc

    from taskloom.collector.store import Store

    db = db or default_db_url()
    try:
        store = Store.open(db)
    except (sa_exc.OperationalError, sa_exc.ArgumentError, sa_exc.NoSuchModuleError,
            sa_exc.InterfaceError, ValueError) as exc:  # ValueError: a URL's port not a number
        raise CliError(f"cannot open the database {db or '(embedded)'}: "
                       f"{str(exc).splitlines()[0]} — check --db / TASKLOOM_DB") from None
    try:
        yield store
    finally:
        store.close()


#: Characters a terminal may act on: C0 controls, DEL, C1 controls, and the
#: bidirectional overrides that make text display in another order than it is stored.
_CONTROL_ALL = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
#: The same but keeping line structure: TAB, LF and CR before LF (CSV line ends).
_CONTROL = re.compile("\r(?!\n)|[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _escaped(match: re.Match[str]) -> str:
    code = ord(match.group(0))
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: object, keep_lines: bool = False) -> str:
    """Stored text made safe for a terminal: control characters (ESC, BEL, CR, …) shown
    as ``\\x1b``-style escapes, so a hostname or a title cannot move the cursor, recolour
    or rewrite the screen. ``keep_lines`` keeps TAB, LF and CRLF (for multi-line blocks).
    The CLI passes all of stdout through it (``redact.install``); tables use it per cell
    so a value cannot fake a row either."""
    pattern = _CONTROL if keep_lines else _CONTROL_ALL
    value = str(text)
    return pattern.sub(_escaped, value) if pattern.search(value) else value


def out(line: str = "") -> None:
    """One line (or block) of a command's result on stdout, control characters escaped
    (``printable``); flushed: other tools read it live."""
    sys.stdout.write(printable(line, keep_lines=True) + "\n")
    sys.stdout.flush()


def when(ms: int | None) -> str:
    """Epoch milliseconds as a UTC time for tables ("-" for never)."""
    if ms is None:
        return "-"
    return datetime.fromtimestamp(ms / 1000, tz=UTC).strftime("%Y-%m-%d %H:%M:%SZ")


def write_atomically(path: Path, text: str | bytes) -> None:
    """Write `text` (UTF-8) or bytes to `path` via a temporary file in the same folder and a rename."""
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise CliError(f"{path}: folder {folder} does not exist; create it or choose another -o path")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(text.encode("utf-8") if isinstance(text, str) else text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise

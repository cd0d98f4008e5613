"""Shared pieces of the CLI: the user-facing error convention and common options."""

from __future__ import annotations

import os


class CliError(Exception):
    """An error the user can fix; printed as one line, exit code 2, no traceback."""

    user_facing = True


def is_user_error(exc: BaseException) -> bool:
    """True for errors whose message is meant for the user.

    Any exception class may opt in with a class attribute ``user_facing = True``; the
    mining library's LogInputError and the wire format's WireError are user-facing too.
    """
    if getattr(exc, "user_facing", False):
        return True
    names = {cls.__name__ for cls in type(exc).__mro__}
    return bool(names & {"LogInputError", "WireError"})


def default_db_url() -> str | None:
    """The --db default: TASKLOOM_DB if set, else None (the embedded SQLite file)."""
    return os.environ.get("TASKLOOM_DB") or None

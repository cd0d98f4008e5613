"""Errors a user can act on: each message names the input, the place and the fix."""

from __future__ import annotations

from taskloom.errors import UserError


class LogInputError(UserError, ValueError):
    """Bad input to the mining library (malformed XES, a missing CSV column, bad timestamps)."""

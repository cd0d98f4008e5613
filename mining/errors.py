"""Errors a user can act on: each message names the input, the place and the fix."""


class LogInputError(ValueError):
    """Bad input to the mining library (malformed XES, a missing CSV column, bad timestamps)."""

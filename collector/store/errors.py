"""What the store refuses: user errors whose message says what is wrong and how to fix it.

The API maps them to 400/401/404/409 (collector/api/errors.py), the CLI to exit 2.
"""

from __future__ import annotations

from taskloom.errors import UserError


class StoreError(UserError):
    """A request the store refuses; the message says what is wrong and how to fix it."""


class NotFound(StoreError):
    """The named object does not exist (or the caller may not see it)."""


class Conflict(StoreError):
    """The object already exists (e.g. a study name is taken)."""


class AuthError(StoreError):
    """A token that is unknown, expired, used up or revoked."""

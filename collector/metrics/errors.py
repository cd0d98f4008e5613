"""The one error type of the metrics core: bad input the user can fix (CLI exit 2, API 400)."""

from __future__ import annotations

from taskloom.errors import UserError


class MetricsInputError(UserError, ValueError):
    """A schedule, visit list, category map or study that cannot be used; the text says the fix."""

"""The one base class of errors a user can act on, shared by every taskloom package.

A ``UserError``'s message names the problem and the fix. The ``taskloom`` and
``taskloom-agent`` commands print it as one line and exit with status 2; the collector's
API answers it with a 4xx and ``{"detail": message}``. Anything else is a bug and keeps
its traceback. Standard library only: the agent and the mining library import it too.
"""

from __future__ import annotations


class UserError(Exception):
    """An error caused by the user's input or set-up; the message says how to fix it."""

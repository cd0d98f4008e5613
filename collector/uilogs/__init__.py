"""Importers for research UI logs: Action Logger / SmartRPA CSV and XES UI logs.

Each returns the input rows with field contents redacted as the agent would (typed
values, cell contents, innerText/innerHTML are never kept) and the task-mining event
frame built from them. Ground-truth columns (``Task``, ``idx``, trace ids) are kept in
the returned rows for evaluation but never read into the event frame.
"""

from taskloom.collector.uilogs.actionlogger import (
    ACTION_LOGGER_COLUMNS,
    actionlogger_frame,
    read_actionlogger,
)
from taskloom.collector.uilogs.xes_ui import read_ui_xes

__all__ = ["ACTION_LOGGER_COLUMNS", "actionlogger_frame", "read_actionlogger", "read_ui_xes"]

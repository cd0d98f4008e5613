"""EHR documentation-time metrics from the agent's UI events (pure: no I/O).

Active time (``active``), the screen-category map (``categories``), schedules and visit
lists (``timetables``), local-time calendars (``calendar``), the streaming aggregation
(``aggregate``), the per clinician-week measures and cohort statistics (``measures``) and
the typed report (``report``). Files and the store are read by the caller.
"""

from taskloom.collector.metrics.errors import MetricsInputError

__all__ = ["MetricsInputError"]

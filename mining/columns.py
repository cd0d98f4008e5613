"""Column names of an event log inside taskloom: the pm4py/XES standard names.

A log is a pandas DataFrame, one row per event, with at least CASE, ACTIVITY and
TIMESTAMP. Timestamps are tz-aware UTC (``datetime64[ns|us, UTC]``). Trace attributes
are ``case:<name>`` columns. Keeping these names lets a log move between taskloom,
pm4py, ProM, Disco and Apromore through XES or CSV without renaming.
"""

CASE = "case:concept:name"
ACTIVITY = "concept:name"
TIMESTAMP = "time:timestamp"
START_TIMESTAMP = "start_timestamp"
RESOURCE = "org:resource"
LIFECYCLE = "lifecycle:transition"
CASE_PREFIX = "case:"

REQUIRED = (CASE, ACTIVITY, TIMESTAMP)

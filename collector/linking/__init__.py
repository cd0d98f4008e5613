"""Linking task instances to system-log cases, the two-level merged log and OCEL 2.0.

Pure functions over DataFrames: ``link.link_tasks`` (three tiers: identifier, resource and
time, propagation), ``evaluate`` (precision/recall against truth), ``merged.build_merged_log``
(the flat two-level log) and ``ocel`` (OCEL 2.0 JSON, SQLite and XML writers).
"""

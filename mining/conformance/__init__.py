"""Conformance checking: token-based replay, alignments, precision, generalisation, reports."""

"""taskloom's process-mining library: pure functions over pandas event logs (XES column names).

The public names below are imported lazily (PEP 562), so ``import mining.dfg`` or a
``taskloom dfg`` run loads only what it uses.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_EXPORTS = {
    "DFG": "taskloom.mining.dfg_model",
    "LogInputError": "taskloom.mining.errors",
    "read_log": "taskloom.mining.io",
    "write_log": "taskloom.mining.io",
    "CsvMapping": "taskloom.mining.io",
    "discover_dfg": "taskloom.mining.dfg",
    "dfg_to_json": "taskloom.mining.dfg",
    "abstract_dfg": "taskloom.mining.abstraction",
    "log_stats": "taskloom.mining.stats",
    "LogStats": "taskloom.mining.stats",
    "variants_table": "taskloom.mining.variants",
    "variant_counts": "taskloom.mining.variants",
    "apply_spec": "taskloom.mining.filter_spec",
    "validate_spec": "taskloom.mining.filter_spec",
    "load_spec": "taskloom.mining.filter_spec",
    "FilterSpecError": "taskloom.mining.filter_spec",
    "time_between": "taskloom.mining.timing",
    "case_distribution": "taskloom.mining.attributes",
    "quality_report": "taskloom.mining.quality",
    "QualityReport": "taskloom.mining.quality",
}

if TYPE_CHECKING:
    from taskloom.mining.abstraction import abstract_dfg
    from taskloom.mining.attributes import case_distribution
    from taskloom.mining.dfg import dfg_to_json, discover_dfg
    from taskloom.mining.dfg_model import DFG
    from taskloom.mining.errors import LogInputError
    from taskloom.mining.filter_spec import FilterSpecError, apply_spec, load_spec, validate_spec
    from taskloom.mining.io import CsvMapping, read_log, write_log
    from taskloom.mining.quality import QualityReport, quality_report
    from taskloom.mining.stats import LogStats, log_stats
    from taskloom.mining.timing import time_between
    from taskloom.mining.variants import variant_counts, variants_table


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'mining' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)


__all__ = [
    "DFG",
    "CsvMapping",
    "FilterSpecError",
    "LogInputError",
    "LogStats",
    "QualityReport",
    "abstract_dfg",
    "apply_spec",
    "case_distribution",
    "dfg_to_json",
    "discover_dfg",
    "load_spec",
    "log_stats",
    "quality_report",
    "read_log",
    "time_between",
    "validate_spec",
    "variant_counts",
    "variants_table",
    "write_log",
]

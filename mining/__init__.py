"""taskloom's process-mining library: pure functions over pandas event logs (XES column names).

The public names below are imported lazily (PEP 562), so ``import mining.dfg`` or a
``taskloom dfg`` run loads only what it uses.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_EXPORTS = {
    "DFG": "mining.dfg_model",
    "LogInputError": "mining.errors",
    "read_log": "mining.io",
    "write_log": "mining.io",
    "CsvMapping": "mining.io",
    "discover_dfg": "mining.dfg",
    "dfg_to_json": "mining.dfg",
    "abstract_dfg": "mining.abstraction",
    "log_stats": "mining.stats",
    "LogStats": "mining.stats",
    "variants_table": "mining.variants",
    "variant_counts": "mining.variants",
    "apply_spec": "mining.filter_spec",
    "validate_spec": "mining.filter_spec",
    "load_spec": "mining.filter_spec",
    "FilterSpecError": "mining.filter_spec",
    "time_between": "mining.timing",
    "case_distribution": "mining.attributes",
    "quality_report": "mining.quality",
    "QualityReport": "mining.quality",
}

if TYPE_CHECKING:
    from mining.abstraction import abstract_dfg
    from mining.attributes import case_distribution
    from mining.dfg import dfg_to_json, discover_dfg
    from mining.dfg_model import DFG
    from mining.errors import LogInputError
    from mining.filter_spec import FilterSpecError, apply_spec, load_spec, validate_spec
    from mining.io import CsvMapping, read_log, write_log
    from mining.quality import QualityReport, quality_report
    from mining.stats import LogStats, log_stats
    from mining.timing import time_between
    from mining.variants import variant_counts, variants_table


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

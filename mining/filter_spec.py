"""The JSON filter spec shared by the CLI (--filter spec.json), the API and the console.

A spec is a list of filter objects applied in order, each ``{"type": ..., ...}``::

    [{"type": "activity", "activities": ["Send Fine"], "retain": false},
     {"type": "time_range", "start": "2012-01-01", "end": "2012-03-31", "mode": "intersecting"},
     {"type": "variants_top_k", "k": 10}]

``validate_spec`` checks every field and names the filter (by position and type),
the field and the fix; ``apply_spec`` runs the chain.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from taskloom.mining import filters
from taskloom.mining.errors import LogInputError

_NUM = (int, float)
_LIST = (list,)

# type → (function, {field: (accepted types, required, default)}). The function gets
# the log and the fields as keyword arguments under the names below.
_Field = tuple[tuple[type, ...], bool, Any]
SPEC: dict[str, tuple[Callable[..., pd.DataFrame], dict[str, _Field]]] = {
    "activity": (filters.cases_with_activity, {
        "activities": (_LIST, True, None), "retain": ((bool,), False, True)}),
    "start_activity": (filters.start_activities, {"activities": (_LIST, True, None)}),
    "end_activity": (filters.end_activities, {"activities": (_LIST, True, None)}),
    "between": (filters.between, {
        "first": ((str,), True, None), "last": ((str, type(None)), False, None),
        "include_first": ((bool,), False, True), "include_last": ((bool,), False, True)}),
    "event_attribute": (filters.event_attribute, {
        "attribute": ((str,), True, None), "values": (_LIST, True, None),
        "retain": ((bool,), False, True)}),
    "case_attribute": (filters.case_attribute, {
        "attribute": ((str,), True, None), "values": (_LIST, True, None),
        "retain": ((bool,), False, True)}),
    "time_range": (filters.time_range, {
        "start": ((str,), True, None), "end": ((str,), True, None),
        "mode": ((str,), False, "contained")}),
    "case_duration": (filters.case_duration, {
        "min_s": (_NUM, False, 0.0), "max_s": (_NUM, False, float("inf"))}),
    "variants_top_k": (filters.variants_top_k, {"k": ((int,), True, None)}),
    "variants_min_cases": (filters.variants_min_cases, {"min_cases": ((int,), True, None)}),
    "variant": (filters.variant, {
        "activities": (_LIST, True, None), "retain": ((bool,), False, True)}),
    "directly_follows": (filters.directly_follows, {
        "source": ((str,), True, None), "target": ((str,), True, None),
        "retain": ((bool,), False, True)}),
    "eventually_follows": (filters.eventually_follows, {
        "source": ((str,), True, None), "target": ((str,), True, None),
        "min_s": (_NUM, False, 0.0), "max_s": ((*_NUM, type(None)), False, None),
        "retain": ((bool,), False, True)}),
}


class FilterSpecError(LogInputError):
    """A filter spec that does not validate; the message names the filter, field and fix."""


def _type_names(types: tuple[type, ...]) -> str:
    names = {int: "number" if float in types else "integer", float: "number", str: "text",
             bool: "true/false", list: "list", type(None): "null"}
    return " or ".join(dict.fromkeys(names.get(t, t.__name__) for t in types))


def validate_spec(spec: object, source: str = "filter spec") -> list[dict[str, Any]]:
    """Check a decoded spec; returns it with defaults filled in, or raises FilterSpecError."""
    if isinstance(spec, dict):
        spec = [spec]
    if not isinstance(spec, list):
        raise FilterSpecError(f"{source}: expected a JSON list of filters like "
                              '[{"type": "activity", "activities": ["A"]}]')
    out = []
    for i, item in enumerate(spec, 1):
        where = f"{source}: filter {i}"
        if not isinstance(item, dict) or "type" not in item:
            raise FilterSpecError(f'{where}: expected an object with a "type" field')
        kind = item["type"]
        if kind not in SPEC:
            raise FilterSpecError(f"{where}: unknown type {kind!r}; use one of {', '.join(SPEC)}")
        _, fields = SPEC[kind]
        unknown = sorted(set(item) - set(fields) - {"type"})
        if unknown:
            raise FilterSpecError(f"{where} ({kind}): unknown field {unknown[0]!r}; "
                                  f"fields are {', '.join(fields)}")
        clean: dict[str, Any] = {"type": kind}
        for name, (types, required, default) in fields.items():
            if name not in item:
                if required:
                    raise FilterSpecError(f'{where} ({kind}): missing field "{name}" '
                                          f"({_type_names(types)})")
                clean[name] = default
                continue
            value = item[name]
            bad_bool = isinstance(value, bool) and bool not in types
            if bad_bool or not isinstance(value, types):
                raise FilterSpecError(f'{where} ({kind}): field "{name}" must be '
                                      f"{_type_names(types)}, not {json.dumps(value)}")
            clean[name] = value
        if kind == "time_range" and clean["mode"] not in filters.TIME_MODES:
            raise FilterSpecError(f'{where} (time_range): mode {clean["mode"]!r} is unknown; '
                                  f"use one of {', '.join(filters.TIME_MODES)}")
        if kind == "time_range":
            for name in ("start", "end"):
                try:
                    # Logs hold nanosecond timestamps: a bound outside 1677..2262 cannot be compared.
                    pd.Timestamp(clean[name]).as_unit("ns")
                except ValueError as exc:
                    raise FilterSpecError(f'{where} (time_range): "{name}" {clean[name]!r} is not '
                                          "a timestamp between 1677 and 2262; use ISO 8601 like "
                                          "2012-01-31T00:00:00Z") from exc
        out.append(clean)
    return out


def load_spec(path: str | Path) -> list[dict[str, Any]]:
    """Read and validate a spec file; errors name the file and the problem."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise FilterSpecError(f"{p}: cannot read the filter spec ({exc.strerror})") from exc
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise FilterSpecError(f"{p}: line {exc.lineno} column {exc.colno}: invalid JSON "
                              f"({exc.msg})") from exc
    return validate_spec(data, str(p))


def apply_spec(log: pd.DataFrame, spec: object) -> pd.DataFrame:
    """Apply a (validated or raw) spec's filters in order."""
    for item in validate_spec(spec):
        func, _ = SPEC[item["type"]]
        kwargs = {k: v for k, v in item.items() if k != "type"}
        positional = [kwargs.pop(k) for k in list(kwargs) if SPEC[item["type"]][1][k][1]]
        log = func(log, *positional, **kwargs)
    return log

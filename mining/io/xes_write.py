"""Write an event-log DataFrame as XES 1849-2016 (readable by pm4py, ProM, Disco, Apromore).

Each column becomes a typed attribute (datetime → date, integer → int, float → float,
boolean → boolean, anything else → string); ``case:<key>`` columns become trace
attributes (first value per case). Built column-wise with vectorised string operations.
"""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import numpy as np
import pandas as pd

from taskloom.mining.columns import CASE, CASE_PREFIX
from taskloom.mining.errors import LogInputError
from taskloom.mining.io.xml_text import xml_safe_series

HEADER = """<?xml version="1.0" encoding="UTF-8"?>
<log xes.version="1849-2016" xes.features="nested-attributes" xmlns="http://www.xes-standard.org/">
\t<extension name="Concept" prefix="concept" uri="http://www.xes-standard.org/concept.xesext"/>
\t<extension name="Time" prefix="time" uri="http://www.xes-standard.org/time.xesext"/>
\t<extension name="Lifecycle" prefix="lifecycle" uri="http://www.xes-standard.org/lifecycle.xesext"/>
\t<extension name="Organizational" prefix="org" uri="http://www.xes-standard.org/org.xesext"/>
\t<classifier name="Activity classifier" keys="concept:name"/>
"""
FOOTER = "</log>\n"


def escape(values: pd.Series) -> pd.Series:
    """XML-escape text for an attribute value (tabs and newlines as character references;
    characters XML 1.0 forbids, such as ESC or a lone surrogate, become U+FFFD)."""
    s = xml_safe_series(values)
    if s.str.contains(r"[&<>\"\t\n\r]", regex=True).any():
        for old, new in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ('"', "&quot;"),
                         ("\t", "&#9;"), ("\n", "&#10;"), ("\r", "&#13;")):
            s = s.str.replace(old, new, regex=False)
    return s


def format_dates(values: pd.Series) -> pd.Series:
    """UTC ISO 8601 with milliseconds, or microseconds when the data has them (NaT → NA)."""
    utc = values.dt.tz_convert("UTC") if values.dt.tz is not None else values
    naive = utc.dt.tz_localize(None) if utc.dt.tz is not None else utc
    raw = naive.to_numpy(dtype="datetime64[us]")
    sub_ms = bool((naive.dt.microsecond % 1000 != 0).any())
    text = np.datetime_as_string(raw, unit="us" if sub_ms else "ms")
    out = pd.Series(np.char.add(text, "+00:00"), index=values.index, dtype="str")
    return out.where(values.notna(), None)


def xes_type_and_text(values: pd.Series) -> tuple[str, pd.Series]:
    """The XES type of a column and its values as escaped XES text (NA stays NA)."""
    dtype = values.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        values = values.astype(dtype.categories.dtype)
        dtype = values.dtype
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "date", format_dates(values)
    if pd.api.types.is_bool_dtype(dtype):
        return "boolean", values.map({True: "true", False: "false"}).astype("str")
    if pd.api.types.is_integer_dtype(dtype):
        return "int", values.astype("Int64").astype("str")
    if pd.api.types.is_float_dtype(dtype):
        floats = values.astype("float64")
        text = pd.Series(floats.to_numpy().astype(str), index=values.index, dtype="str")
        return "float", text.where(floats.notna(), None)  # numpy prints the shortest repr
    return "string", escape(values)


def _attribute_lines(frame: pd.DataFrame, indent: str) -> pd.Series:
    """One string per row: that row's attribute elements, missing values left out."""
    out = pd.Series("", index=frame.index, dtype="str")
    for key in frame.columns:
        kind, text = xes_type_and_text(frame[key])
        prefix = f'{indent}<{kind} key="{escape(pd.Series([key])).iloc[0]}" value="'
        piece = (prefix + text + '"/>\n').fillna("")
        out = out + piece
    return out


def render_xes(log: pd.DataFrame) -> str:
    """The XES document for a log; events grouped per case in order of first appearance."""
    if CASE not in log.columns:
        raise LogInputError(f"cannot write XES: the log has no {CASE!r} column")
    frame = log.reset_index(drop=True)
    if frame.empty:  # a filter that keeps no case: a valid XES document with no traces
        return HEADER + FOOTER
    codes, _ = pd.factorize(frame[CASE].astype("str"), sort=False)
    order = np.argsort(codes, kind="stable")
    frame = frame.iloc[order].reset_index(drop=True)
    codes = codes[order]
    trace_keys = [c for c in frame.columns if c.startswith(CASE_PREFIX)]
    event_keys = [c for c in frame.columns if not c.startswith(CASE_PREFIX)]
    first = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])
    traces = frame.loc[first, trace_keys].rename(columns=lambda c: c[len(CASE_PREFIX):])
    trace_text = _attribute_lines(traces.reset_index(drop=True), "\t\t").to_numpy()
    event_text = ("\t\t<event>\n" + _attribute_lines(frame[event_keys], "\t\t\t")
                  + "\t\t</event>\n").to_numpy()
    bounds = np.r_[first, len(frame)]
    parts = [HEADER]
    for i in range(len(first)):
        parts.append("\t<trace>\n")
        parts.append(str(trace_text[i]))
        parts.append("".join(event_text[bounds[i]:bounds[i + 1]]))
        parts.append("\t</trace>\n")
    parts.append(FOOTER)
    return "".join(parts)


def write_xes(log: pd.DataFrame, path: str | os.PathLike[str]) -> None:
    """Write the log as XES; gzip-compressed when the name ends in .gz."""
    text = render_xes(log).encode("utf-8")
    p = Path(path)
    if p.name.lower().endswith(".gz"):
        with gzip.open(p, "wb", compresslevel=6) as fh:
            fh.write(text)
    else:
        p.write_bytes(text)

"""Test data for the log readers: shared-log lists, the Sepsis mapping, XES text builders."""

from __future__ import annotations

from pathlib import Path

from taskloom.mining.io import CsvMapping

XES_LOGS = (
    "running-example.xes",
    "08_receipt.xes.gz",
    "helpdesk.xes.gz",
    "interval_event_log.xes",
    "hospital_log_high.xes.gz",
    "bpic2012.xes.gz",
    "ui/log1.xes",
    "ui/log5.xes",
)
LARGE_LOGS = frozenset({"bpic2012.xes.gz", "hospital_log_high.xes.gz"})
SEPSIS_MAPPING = CsvMapping(case="Case ID", activity="Activity", timestamp="Complete Timestamp")

HEAD = '<?xml version="1.0" encoding="UTF-8"?>\n<log xes.version="1.0" xmlns="http://www.xes-standard.org/">\n'


def attr(kind: str, key: str, value: str, *, quote: str = '"', value_first: bool = False,
         space: str = "") -> str:
    """One attribute element, in the requested spelling."""
    k = f"key={quote}{key}{quote}"
    v = f"value={quote}{value}{quote}"
    return f"<{kind} {v + ' ' + k if value_first else k + ' ' + v}{space}/>"


def xes_document(traces: list[tuple[list[str], list[list[str]]]], *, head: str = HEAD,
                 log_attrs: str = "") -> str:
    """An XES document: each trace is (trace attribute elements, events' attribute elements)."""
    parts = [head, log_attrs]
    for trace_attrs, events in traces:
        parts.append("<trace>\n")
        parts.extend(f"  {a}\n" for a in trace_attrs)
        for event in events:
            parts.append("  <event>\n")
            parts.extend(f"    {a}\n" for a in event)
            parts.append("  </event>\n")
        parts.append("</trace>\n")
    parts.append("</log>\n")
    return "".join(parts)


def simple_trace(case: str, *events: tuple[str, str], **kw: object) -> tuple[list[str], list[list[str]]]:
    """A trace with concept:name = case and (activity, timestamp) events."""
    q = str(kw.get("quote", '"'))
    vf = bool(kw.get("value_first", False))
    return (
        [attr("string", "concept:name", case, quote=q, value_first=vf)],
        [[attr("string", "concept:name", a, quote=q, value_first=vf),
          attr("date", "time:timestamp", t, quote=q, value_first=vf)] for a, t in events],
    )


def write_text(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path

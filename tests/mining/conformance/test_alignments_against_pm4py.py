"""Optimal alignment costs against pm4py's A* (state equation) on every shared log.

The optimal cost of a trace is unique, so each case's cost must equal pm4py's. pm4py
needs minutes on the full receipt and sepsis logs (and hours on bpic2012), so those are
checked here on their first cases; tests/bench/bench_conformance.py compares full logs.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import pytest

from taskloom.mining.columns import CASE
from taskloom.mining.conformance.alignments import alignments
from tests.mining.conformance.pm4py_nets import oracle_nets
from tests.mining.factories import SHARED_LOGS

pm4py = pytest.importorskip("pm4py")

Reader = Callable[[str], tuple[pd.DataFrame, pd.DataFrame]]
LOGS = [n for n in SHARED_LOGS if n != "bpic2012.xes.gz"]
SAMPLE = {"sepsis.csv": 40, "08_receipt.xes.gz": 150, "helpdesk.xes.gz": 400,
          "hospital_log_high.xes.gz": 800, "interval_event_log.xes": 400, "ui/log5.xes": 300}


@pytest.mark.parametrize("name", LOGS)
def test_alignment_costs_match_pm4py(read_shared: Reader, name: str) -> None:
    for kind, ours, theirs, net, (pn, im, fm) in oracle_nets(read_shared, name, SAMPLE):
        got = alignments(ours, net)
        assert got.completed_share == 1.0
        want = pm4py.conformance_diagnostics_alignments(theirs, pn, im, fm)
        cases = sorted(theirs[CASE].unique())
        want_cost = {str(c): int(a["cost"]) for c, a in zip(cases, want, strict=True)}
        got_cost = {str(r.case): int(r.cost) for r in got.cases.itertuples(index=False)}
        assert got_cost == want_cost, kind
        want_fit = {str(c): a["fitness"] for c, a in zip(cases, want, strict=True)}
        for r in got.cases.itertuples(index=False):
            assert r.fitness == pytest.approx(want_fit[str(r.case)], abs=1e-12), (kind, r.case)

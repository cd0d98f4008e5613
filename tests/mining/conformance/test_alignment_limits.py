"""Alignments stop at their budget with a clear marker, and say when a model cannot finish."""

from __future__ import annotations

from pathlib import Path

from taskloom.mining.conformance.alignments import alignments
from taskloom.mining.conformance.report import conformance_report
from taskloom.mining.discovery import discover_net
from taskloom.mining.petri_net import Arc, PetriNet, Transition
from tests.mining.factories import read_ours, small_log


def test_budget_exhausted_marks_variants_not_completed(shared_data: Path) -> None:
    log = read_ours(shared_data, "sepsis.csv")
    top = discover_net(log.head(2000), noise=0.0)
    log = log[log["case:concept:name"].isin(log["case:concept:name"].unique()[:60])]
    result = alignments(log, top, budget_s=0.0, max_states=1)
    undone = [v for v in result.variants if not v.completed]
    assert undone, "a one-state budget cannot align sepsis"
    assert all(v.cost is None and v.reason == "budget exhausted" for v in undone)
    assert 0.0 <= result.completed_share < 1.0
    assert not result.cases["completed"].all()
    report = conformance_report(log, top, "alignments", budget_s=0.0)
    assert report.completed_share <= 1.0


def test_model_that_cannot_finish_is_reported() -> None:
    # Transition t needs a token in `dead`, which nothing ever marks.
    net = PetriNet(("start", "dead", "end"), (Transition("t", "A"),),
                   (Arc("start", "t"), Arc("dead", "t"), Arc("t", "end")), {"start": 1}, {"end": 1})
    log = small_log({"1": [("A", "2024-01-01T00:00:00Z")]})
    result = alignments(log, net)
    assert result.variants[0].cost is None
    assert "cannot be reached" in result.variants[0].reason

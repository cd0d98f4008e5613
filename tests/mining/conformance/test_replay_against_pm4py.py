"""Token replay, precision and generalisation against pm4py on every shared log.

Both sides replay the same net (ours, handed to pm4py with the same names). Fitness and
the token counts of every case must be identical. pm4py's precision is slow (a minute
on sepsis), so large logs are checked on their first cases; bpic2012 and the full logs
are compared in tests/bench/bench_conformance.py.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import pytest

from taskloom.mining.columns import CASE
from taskloom.mining.conformance.precision import generalization, precision
from taskloom.mining.conformance.token_replay import token_replay
from taskloom.mining.conformance.traces import log_variants
from tests.mining.conformance.pm4py_nets import oracle_nets
from tests.mining.factories import SHARED_LOGS

pm4py = pytest.importorskip("pm4py")

Reader = Callable[[str], tuple[pd.DataFrame, pd.DataFrame]]
LOGS = [n for n in SHARED_LOGS if n != "bpic2012.xes.gz"]
# pm4py's precision takes seconds to a minute on these; their first cases suffice here.
SAMPLE = {"sepsis.csv": 150, "hospital_log_high.xes.gz": 1500, "helpdesk.xes.gz": 1000,
          "08_receipt.xes.gz": 600}


@pytest.mark.parametrize("name", LOGS)
def test_token_replay_matches_pm4py_per_case(read_shared: Reader, name: str) -> None:
    from pm4py.algo.evaluation.replay_fitness.variants.token_replay import evaluate

    for kind, ours, theirs, net, (pn, im, fm) in oracle_nets(read_shared, name, {}):
        got = token_replay(ours, net)
        diag = pm4py.conformance_diagnostics_token_based_replay(theirs, pn, im, fm)
        want = evaluate(diag)
        assert got.log_fitness == pytest.approx(want["log_fitness"], abs=1e-12), kind
        assert 100 * got.fit_share == pytest.approx(want["perc_fit_traces"], abs=1e-9), kind
        cases = sorted(theirs[CASE].unique())
        theirs_by_case = {c: (d["missing_tokens"], d["consumed_tokens"], d["remaining_tokens"],
                              d["produced_tokens"]) for c, d in zip(cases, diag, strict=True)}
        ours_by_case = {str(r.case): (r.missing, r.consumed, r.remaining, r.produced)
                        for r in got.cases.itertuples(index=False)}
        assert ours_by_case == {str(k): v for k, v in theirs_by_case.items()}, kind


@pytest.mark.parametrize("name", LOGS)
def test_precision_and_generalization_match_pm4py(read_shared: Reader, name: str) -> None:
    for kind, ours, theirs, net, (pn, im, fm) in oracle_nets(read_shared, name, SAMPLE):
        assert precision(log_variants(ours), net) == pytest.approx(
            pm4py.precision_token_based_replay(theirs, pn, im, fm), abs=1e-12), kind
        assert generalization(token_replay(ours, net)) == pytest.approx(
            pm4py.generalization_tbr(theirs, pn, im, fm), abs=1e-12), kind

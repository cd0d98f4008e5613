"""The JSON filter spec: validation messages, defaults, and a chain equal to calling the filters."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from taskloom.mining import filters
from taskloom.mining.filter_spec import SPEC, FilterSpecError, apply_spec, load_spec, validate_spec

Reader = Callable[[str], tuple[pd.DataFrame, pd.DataFrame]]


def test_spec_chain_equals_calling_the_filters_in_order(read_shared: Reader) -> None:
    log = read_shared("08_receipt.xes.gz")[0]
    act = str(log["concept:name"].value_counts().index[1])
    lo = log["time:timestamp"].quantile(0.2).isoformat()
    hi = log["time:timestamp"].quantile(0.9).isoformat()
    spec = json.loads(json.dumps([
        {"type": "time_range", "start": lo, "end": hi, "mode": "intersecting"},
        {"type": "activity", "activities": [act], "retain": False},
        {"type": "variants_top_k", "k": 5},
    ]))
    want = filters.variants_top_k(
        filters.cases_with_activity(filters.time_range(log, lo, hi, mode="intersecting"), [act], retain=False), 5)
    pd.testing.assert_frame_equal(apply_spec(log, spec), want)


def test_defaults_are_filled_in() -> None:
    (item,) = validate_spec([{"type": "activity", "activities": ["A"]}])
    assert item == {"type": "activity", "activities": ["A"], "retain": True}


@pytest.mark.parametrize(("spec", "needles"), [
    ({"not": "a list"}, ['"type"']),
    ("text", ["expected a JSON list"]),
    ([{"type": "nope"}], ["filter 1", "'nope'", "activity"]),
    ([{"type": "activity"}], ["filter 1", '"activities"', "list"]),
    ([{"type": "variants_top_k", "k": "5"}], ['"k"', "integer", '"5"']),
    ([{"type": "variants_top_k", "k": True}], ['"k"', "integer"]),
    ([{"type": "activity", "activities": ["A"]}, {"type": "activity", "activities": ["A"], "extra": 1}],
     ["filter 2", "'extra'"]),
    ([{"type": "time_range", "start": "yesterday-ish", "end": "2020-01-01"}], ['"start"', "ISO 8601"]),
    ([{"type": "time_range", "start": "2020-01-01", "end": "2021-01-01", "mode": "around"}], ["'around'", "contained"]),
])
def test_invalid_spec_names_filter_field_and_fix(spec: object, needles: list[str]) -> None:
    with pytest.raises(FilterSpecError) as err:
        validate_spec(spec)
    for needle in needles:
        assert needle in str(err.value)


def test_load_spec_reports_file_and_line_of_bad_json(tmp_path: Path) -> None:
    path = tmp_path / "spec.json"
    path.write_text('[\n  {"type": "activity", "activities": ["A"]},\n  oops\n]')
    with pytest.raises(FilterSpecError, match=r"spec\.json: line 3"):
        load_spec(path)


def test_every_filter_type_runs_with_its_required_fields(read_shared: Reader) -> None:
    log = read_shared("running-example.xes")[0]
    sample = {"activities": ["decide"], "first": "register request", "attribute": "org:resource",
              "values": ["Pete"], "start": "2010-12-30", "end": "2011-01-31", "k": 2, "min_cases": 1,
              "source": "register request", "target": "decide"}
    for kind, (_, fields) in SPEC.items():
        item = {"type": kind, **{f: sample[f] for f, (_, required, _) in fields.items() if required}}
        if kind == "case_attribute":
            item["attribute"], item["values"] = "creator", ["Fluxicon Nitro"]
        if kind == "directly_follows":  # in the running example decide is directly followed by reject
            item["source"], item["target"] = "decide", "reject request"
        if kind in ("start_activity", "end_activity"):
            item["activities"] = ["register request", "reject request"]
        if kind == "variant":  # case 3's whole sequence in the running example
            item["activities"] = ["register request", "examine casually", "check ticket",
                                  "decide", "pay compensation"]
        out = apply_spec(log, [item])
        assert 0 < len(out) <= len(log), kind

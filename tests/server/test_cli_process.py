"""`taskloom discover`, `conformance` and `predict` end to end through the real CLI."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from taskloom.mining.conformance.report import conformance_report
from taskloom.mining.discovery import discover_net
from taskloom.mining.io.pnml import read_pnml
from tests.mining import factories
from tests.server.test_cli_mining import ok, taskloom

SEPSIS = factories.SEPSIS_OPTIONS


def one_line_error(*args: str | Path) -> str:
    proc = taskloom(*args)
    assert proc.returncode == 2, proc.stdout
    assert proc.stderr.count("\n") == 1, proc.stderr
    return proc.stderr


def test_discover_writes_each_format(shared_data: Path, tmp_path: Path) -> None:
    log = shared_data / "sepsis.csv"
    assert ok("discover", log, *SEPSIS, "-o", tmp_path / "m.pnml").startswith("wrote")
    net = read_pnml(tmp_path / "m.pnml")
    want = discover_net(factories.read_ours(shared_data, "sepsis.csv"), 0.2)
    assert net.labels == want.labels and len(net.places) == len(want.places)
    ok("discover", log, *SEPSIS, "-o", tmp_path / "m.bpmn", "--noise", "0.5")
    root = ET.parse(tmp_path / "m.bpmn").getroot()
    assert root.tag.endswith("definitions")
    ok("discover", log, *SEPSIS, "-o", tmp_path / "m.svg", "--color", "duration")
    svg = ET.parse(tmp_path / "m.svg").getroot()
    tasks = [g for g in svg.iter("{http://www.w3.org/2000/svg}g") if "task" in g.get("class", "")]
    assert {t.get("data-id") for t in tasks}
    ok("discover", log, *SEPSIS, "-o", tmp_path / "n.svg", "--notation", "petri")
    assert "taskloom-petri" in (tmp_path / "n.svg").read_text()


def test_conformance_json_is_the_library_report(shared_data: Path, tmp_path: Path) -> None:
    log = shared_data / "running-example.xes"
    model = tmp_path / "m.pnml"
    ok("discover", shared_data / "08_receipt.xes.gz", "-o", model)
    doc = json.loads(ok("conformance", log, model, "--method", "alignments", "--json"))
    want = conformance_report(factories.read_ours(shared_data, "running-example.xes"),
                              read_pnml(model), "alignments")
    assert doc == json.loads(json.dumps(want.to_json()))
    assert doc["deviations"] and doc["deviations"][0]["text"].endswith("of cases")
    text = ok("conformance", log, model)
    assert "fitness" in text and "precision" in text and "not in the model" in text


def test_conformance_reads_bpmn_models(shared_data: Path, tmp_path: Path) -> None:
    log = shared_data / "running-example.xes"
    ok("discover", log, "-o", tmp_path / "m.bpmn", "--noise", "0")
    doc = json.loads(ok("conformance", log, tmp_path / "m.bpmn", "--json"))
    assert doc["fitness"] == pytest.approx(1.0) and doc["deviations"] == []


def test_model_file_of_the_wrong_kind(shared_data: Path, tmp_path: Path) -> None:
    log = shared_data / "running-example.xes"
    (tmp_path / "m.svg").write_text("<svg/>")
    assert "not a process model" in one_line_error("conformance", log, tmp_path / "m.svg")
    (tmp_path / "bad.pnml").write_text("<pnml><net")
    assert "not well-formed" in one_line_error("conformance", log, tmp_path / "bad.pnml")
    assert "not a taskloom prediction model" in one_line_error(
        "predict", "apply", log, tmp_path / "bad.pnml")
    assert "unknown kind of file" in one_line_error("discover", log, "-o", tmp_path / "m.txt")


def test_predict_train_and_apply(tmp_path: Path) -> None:
    log = factories.clinic_log(300)
    csv = tmp_path / "clinic.csv"
    log.to_csv(csv, index=False)
    out = json.loads(ok("predict", "train", csv, "--target", "next-activity", "-o",
                        tmp_path / "m.joblib", "--json"))
    scores = out["scores"]
    assert scores["model"]["accuracy"] > scores["most frequent per state"]["accuracy"]
    running = log.groupby("case:concept:name").head(3)
    running.to_csv(tmp_path / "running.csv", index=False)
    ok("predict", "apply", tmp_path / "running.csv", tmp_path / "m.joblib", "-o", tmp_path / "p.csv")
    lines = (tmp_path / "p.csv").read_text().splitlines()
    assert lines[0].startswith("case,events,last_activity,last_time,prediction,probability")
    assert len(lines) == 1 + running["case:concept:name"].nunique()


def test_predict_on_a_log_without_complete_cases(tmp_path: Path) -> None:
    csv = tmp_path / "clinic.csv"
    factories.clinic_log(50).to_csv(csv, index=False)
    err = one_line_error("predict", "train", csv, "--target", "remaining-time", "-o",
                         tmp_path / "m.joblib", "--end-activity", "Never")
    assert "no complete cases" in err
    assert not (tmp_path / "m.joblib").exists()

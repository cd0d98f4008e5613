"""`taskloom map` end to end: the real CLI writes an SVG file; its content is checked
against pm4py's DFG of the same log (pm4py is the oracle, nothing is hard-coded)."""

from __future__ import annotations

import itertools
import math
import subprocess
import sys
import warnings
import xml.etree.ElementTree as ET
from pathlib import Path

import pandas as pd
import pytest

from taskloom.mining.render.style import human_count, human_duration, human_pct
from tests.mining import factories
from tests.mining.render.maps import SVG, groups, texts

pm4py = pytest.importorskip("pm4py")

SEPSIS_OPTS = factories.SEPSIS_OPTIONS


def taskloom(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "taskloom.server.cli", *map(str, args)],
                          capture_output=True, text=True, timeout=300, check=False)


def draw(log: Path, out: Path, *opts: str) -> str:
    """Run `taskloom map LOG -o OUT ...`, check it succeeded, return the SVG text."""
    proc = taskloom("map", log, "-o", out, *opts)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith(f"wrote {out}")
    return out.read_text(encoding="utf-8")


def read_pm4py(path: Path) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return factories.read_pm4py(path.parent, path.name)


def activity_nodes(svg: str) -> dict[str, ET.Element]:
    return {g.get("data-name") or "": g for g in groups(svg, "node")
            if g.get("data-name") not in ("start", "end")}


def arcs(svg: str) -> dict[tuple[str, str], ET.Element]:
    """Arc groups by (source, target); the start / end node reads '▶ start' / '■ end'."""
    return {(g.get("data-source") or "", g.get("data-target") or ""): g for g in groups(svg, "arc")}


def test_map_writes_a_standalone_svg_with_every_node_and_arc(shared_data: Path, tmp_path: Path) -> None:
    log = shared_data / "08_receipt.xes.gz"
    svg = draw(log, tmp_path / "map.svg")
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg" and float(root.get("width", 0)) > 0 and float(root.get("height", 0)) > 0
    # Standalone: no scripts, no links to anything outside the file.
    assert not list(root.iter(f"{SVG}script"))
    assert not [el for el in root.iter() for k, v in el.attrib.items()
                if k.endswith("href") and not v.startswith("#")]
    df = read_pm4py(log)
    freq, start, end = pm4py.discover_dfg(df)
    counts = df["concept:name"].value_counts()
    nodes = activity_nodes(svg)
    assert set(nodes) == set(counts.index)
    for name, g in nodes.items():  # default overlay: absolute frequency
        assert texts(g)[-1] == human_count(int(counts[name])), name
    want = {(s, t): int(f) for (s, t), f in freq.items()}
    want |= {("▶ start", a): int(c) for a, c in start.items()}
    want |= {(a, "■ end"): int(c) for a, c in end.items()}
    got = arcs(svg)
    assert set(got) == set(want)
    for key, g in got.items():
        assert texts(g) == [human_count(want[key])], key
    # Arc width grows with frequency.
    inner = sorted((want[k], float(g.find(f"{SVG}path").get("stroke-width")))  # type: ignore[union-attr]
                   for k, g in got.items() if "▶ start" not in k and "■ end" not in k)
    assert all(w1 <= w2 for (_, w1), (_, w2) in itertools.pairwise(inner))
    assert inner[0][1] < inner[-1][1]


@pytest.mark.parametrize("overlay", ["case", "case-pct", "duration-mean", "duration-median"])
def test_map_overlays_show_the_values_pm4py_computes(shared_data: Path, tmp_path: Path, overlay: str) -> None:
    from pm4py.algo.discovery.dfg.adapters.pandas import df_statistics

    log = shared_data / "08_receipt.xes.gz"
    svg = draw(log, tmp_path / f"{overlay}.svg", "--overlay", overlay)
    df = read_pm4py(log)
    n_cases = df["case:concept:name"].nunique()
    if overlay.startswith("case"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            per_case = df_statistics.get_dfg_graph(df, keep_once_per_case=True)
        fmt = human_count if overlay == "case" else (lambda c: human_pct(c, n_cases))
        want = {k: fmt(int(v)) for k, v in per_case.items()}
        node_cases = df.groupby("concept:name")["case:concept:name"].nunique()
        for name, g in activity_nodes(svg).items():
            assert texts(g)[-1] == fmt(int(node_cases[name])), name
    else:
        perf, _, _ = pm4py.discover_performance_dfg(df)
        stat = overlay.split("-")[1]
        want = {k: human_duration(float(v[stat])) for k, v in perf.items()}
    got = {k: texts(g) for k, g in arcs(svg).items() if "▶ start" not in k and "■ end" not in k}
    assert got == {k: [v] for k, v in want.items()}


def test_map_sliders_through_the_cli_on_a_csv_log(shared_data: Path, tmp_path: Path) -> None:
    """--nodes keeps the most frequent activities, --arcs the strongest arcs while every
    kept activity stays on a path from start to end (sepsis.csv with its column options)."""
    log = shared_data / "sepsis.csv"
    df = read_pm4py(log)
    counts = df["concept:name"].value_counts()
    full = draw(log, tmp_path / "full.svg", *SEPSIS_OPTS)
    assert set(activity_nodes(full)) == set(counts.index)

    svg = draw(log, tmp_path / "small.svg", *SEPSIS_OPTS, "--nodes", "50", "--arcs", "20")
    kept = set(activity_nodes(svg))
    n_keep = math.ceil(len(counts) * 0.5)
    assert len(kept) == n_keep
    assert min(int(counts[k]) for k in kept) >= max(int(counts[k]) for k in set(counts.index) - kept)
    freq, _, _ = pm4py.discover_dfg(df)
    among = {k: int(v) for k, v in freq.items() if k[0] in kept and k[1] in kept}
    got = arcs(svg)
    inner = {k for k in got if "▶ start" not in k and "■ end" not in k}
    assert inner <= set(among) and len(inner) < len(among)
    # The strongest 20% of the arcs among kept nodes are all drawn.
    ranked = sorted(among.values(), reverse=True)
    cut = ranked[math.ceil(len(ranked) * 0.2) - 1]
    assert {k for k, v in among.items() if v > cut} <= inner
    starts = {t for s, t in got if s == "▶ start"}
    ends = {s for s, t in got if t == "■ end"}
    assert factories.reach(starts, inner) == kept
    assert factories.reach(ends, {(b, a) for a, b in inner}) == kept


def test_map_over_the_resource_perspective_left_to_right(shared_data: Path, tmp_path: Path) -> None:
    log = shared_data / "running-example.xes"
    svg = draw(log, tmp_path / "res.svg", "--perspective", "org:resource", "--direction", "LR",
               "--color", "duration")
    df = read_pm4py(log)
    assert set(activity_nodes(svg)) == set(df["org:resource"].unique())
    freq, _, _ = pm4py.discover_dfg(df, activity_key="org:resource")
    assert {k for k in arcs(svg) if "▶ start" not in k and "■ end" not in k} == set(freq)


def _one_line_error(proc: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("taskloom: error: "), proc.stderr
    for needle in needles:
        assert needle in lines[0]


def test_map_output_folder_missing(shared_data: Path, tmp_path: Path) -> None:
    out = tmp_path / "no" / "such" / "map.svg"
    _one_line_error(taskloom("map", shared_data / "running-example.xes", "-o", out), str(out.parent))
    assert not out.parent.exists()


def test_map_output_is_a_directory(shared_data: Path, tmp_path: Path) -> None:
    _one_line_error(taskloom("map", shared_data / "running-example.xes", "-o", tmp_path), "is a directory")


def test_map_unknown_perspective_column(shared_data: Path, tmp_path: Path) -> None:
    _one_line_error(taskloom("map", shared_data / "running-example.xes", "-o", tmp_path / "m.svg",
                             "--perspective", "app"), "--perspective app", "running-example.xes")
    assert not (tmp_path / "m.svg").exists()


def test_map_malformed_xes_leaves_no_file(tmp_path: Path) -> None:
    bad = tmp_path / "bad.xes"
    bad.write_text("<log><trace><event><string key='concept:name' value='A'/></event>\n<trace>")
    _one_line_error(taskloom("map", bad, "-o", tmp_path / "m.svg"), "bad.xes")
    assert [p.name for p in tmp_path.iterdir()] == ["bad.xes"]


@pytest.mark.parametrize("value", ["0", "150", "lots"])
def test_map_slider_out_of_range(shared_data: Path, tmp_path: Path, value: str) -> None:
    proc = taskloom("map", shared_data / "running-example.xes", "-o", tmp_path / "m.svg", "--nodes", value)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    last = proc.stderr.strip().splitlines()[-1]
    assert "--nodes" in last and value in last and "percentage such as 40" in last

"""The two-level map's SVG: desk-work figures on each activity (checked against the merged
rows), expanded activities holding their task map, the unattributed group, byte-identical
output across processes, and accessible titles."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pandas as pd
import pytest

from taskloom.mining.render.nested import render_two_level_svg
from taskloom.mining.render.style import human_count, human_duration, human_pct
from taskloom.mining.twolevel import two_level_model
from tests.mining.merged_factory import expected_desk, merged_log, rows_of, write_merged
from tests.mining.render.maps import SVG, groups, texts, title

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def merged() -> pd.DataFrame:
    return merged_log(n_cases=50, seed=5)


def activity_groups(svg: str) -> dict[str, ET.Element]:
    return {g.get("data-name") or "": g for g in groups(svg, "activity")}


def test_each_activity_shows_its_desk_work(merged: pd.DataFrame) -> None:
    svg = render_two_level_svg(two_level_model(merged))
    want = expected_desk(merged)
    nodes = activity_groups(svg)
    assert set(nodes) == set(want)
    for act, d in want.items():
        desk_texts = texts(nodes[act].find(f"{SVG}g[@class='desk']"))  # type: ignore[arg-type]
        median = human_duration(statistics.median(d["work"]))
        share = human_pct(len(d["wcases"]), len(d["cases"]))
        assert desk_texts[0] == f"desk {median} · {share} of cases"
        top = [name for name, _ in sorted(d["types"].items(), key=lambda kv: (-kv[1], kv[0]))][:3]
        # Ties among the top counts are broken by active time: compare as sets of the top count.
        assert desk_texts[1].split(", ")[0] in {n for n, c in d["types"].items() if c == d["types"][top[0]]}
        tip = title(nodes[act])
        assert f"{human_count(len(d['work']))} of {human_count(d['occ'])} occurrences" in tip
        assert texts(nodes[act])[1] == human_count(d["occ"])  # the frequency overlay


def test_expand_draws_the_task_map_inside_that_activity(merged: pd.DataFrame) -> None:
    svg = render_two_level_svg(two_level_model(merged, expand=["Triage"]))
    nodes = activity_groups(svg)
    assert "expanded" in (nodes["Triage"].get("class") or "")
    inner = [g for g in nodes["Triage"].iter(f"{SVG}g") if "task" in (g.get("class") or "").split()]
    rows = rows_of(merged)
    ids = {r["event_id"] for r in rows if r["level"] == "case" and r["concept:name"] == "Triage"}
    types = {r["concept:name"] for r in rows if r["level"] == "task" and r["parent_event"] in ids}
    assert {g.get("data-name") for g in inner} == types
    for other, g in nodes.items():
        if other != "Triage":
            assert not [x for x in g.iter(f"{SVG}g") if "task" in (x.get("class") or "").split()]
    # The expanded box is larger than a plain activity box.
    rects = {n: float(g.find(f"{SVG}rect").get("height", 0)) for n, g in nodes.items()}  # type: ignore[union-attr]
    assert rects["Triage"] > 2 * rects["Referral"]


def test_unattributed_work_is_its_own_group(merged: pd.DataFrame) -> None:
    svg = render_two_level_svg(two_level_model(merged))
    (group,) = groups(svg, "unattributed") [:1]
    rows = [r for r in rows_of(merged) if r["level"] == "task" and r["parent_event"] is None]
    assert f"{human_count(len(rows))} tasks" in texts(group)[1]
    shown = {g.get("data-name") for g in group.iter(f"{SVG}g") if "task" in (g.get("class") or "").split()}
    assert shown == {r["concept:name"] for r in rows}
    assert f"{sum(r['case:concept:name'] is None for r in rows)} with no case" in title(group)


def test_map_is_accessible_and_standalone(merged: pd.DataFrame) -> None:
    svg = render_two_level_svg(two_level_model(merged, expand=["Discharge"]), overlay="duration-median")
    root = ET.fromstring(svg)
    assert root.get("role") == "img" and root.get("aria-labelledby") == "tl-title tl-desc"
    assert root.find(f"{SVG}title").text.startswith("Two-level process map")  # type: ignore[union-attr]
    assert "unattributed task instances" in (root.find(f"{SVG}desc").text or "")  # type: ignore[union-attr]
    for g in groups(svg, "node") + groups(svg, "arc"):
        assert title(g), ET.tostring(g)[:200]
    assert "<script" not in svg and "href" not in svg
    # Every marker an arc points at is defined.
    ids = {m.get("id") for m in root.iter(f"{SVG}marker")}
    used = {p.get("marker-end")[5:-1] for p in root.iter(f"{SVG}path") if p.get("marker-end")}  # type: ignore[index]
    assert used and used <= ids


def test_arc_labels_carry_the_case_level_values(merged: pd.DataFrame) -> None:
    model = two_level_model(merged)
    svg = render_two_level_svg(model, overlay="case")
    e = model.dfg.edges
    want = {(s, t): human_count(c) for s, t, c in zip(e["source"], e["target"], e["cases"], strict=True)}
    got = {(g.get("data-source"), g.get("data-target")): texts(g)[0] for g in groups(svg, "arc")
           if "terminal" not in (g.get("class") or "").split()}
    assert got == want


_SCRIPT = """
import sys
from taskloom.mining.io import read_log
from taskloom.mining.twolevel import two_level_model
from taskloom.mining.render.nested import render_two_level_svg
model = two_level_model(read_log(sys.argv[1]), expand=["Triage", "Review results"])
sys.stdout.write(render_two_level_svg(model))
"""


def test_same_input_gives_the_same_bytes_across_processes(merged: pd.DataFrame, tmp_path: Path) -> None:
    path = write_merged(merged, tmp_path / "merged.parquet")
    outs = []
    for seed in ("1", "2"):  # different hash seeds: no set or dict order may leak into the file
        proc = subprocess.run([sys.executable, "-c", _SCRIPT, str(path)], capture_output=True, cwd=ROOT,
                              env={**os.environ, "PYTHONHASHSEED": seed}, timeout=120, check=True)
        outs.append(proc.stdout)
    assert outs[0] == outs[1] and len(outs[0]) > 1000
    assert outs[0].decode() == render_two_level_svg(two_level_model(merged, expand=["Triage", "Review results"]))


def test_bad_options_are_refused(merged: pd.DataFrame) -> None:
    model = two_level_model(merged)
    with pytest.raises(ValueError, match="overlay"):
        render_two_level_svg(model, overlay="colour")
    with pytest.raises(ValueError, match="direction"):
        render_two_level_svg(model, direction="RL")


def _label_and_box_rects(scope: ET.Element) -> tuple[list[tuple[float, ...]], list[tuple[float, ...]]]:
    """Arc-label and node rectangles drawn in ``scope``'s own coordinates (nested task maps,
    which have their own, are left out)."""
    nested = {id(e) for tm in scope.iter(f"{SVG}g") if tm is not scope and tm.get("class") == "taskmap"
              for e in tm.iter()}
    labels: list[tuple[float, ...]] = []
    boxes: list[tuple[float, ...]] = []
    for g in scope.iter(f"{SVG}g"):
        if id(g) in nested:
            continue
        cls = (g.get("class") or "").split()
        if "arc" in cls and "loop" not in cls:
            t = g.find(f"{SVG}text")
            assert t is not None and t.text
            x, y, w = float(t.get("x", 0)), float(t.get("y", 0)) - 4, 0.6 * 11 * len(t.text) + 4
            labels.append((x - w / 2, y - 8, x + w / 2, y + 7))
        elif "node" in cls and (rect := g.find(f"{SVG}rect")) is not None:
            x, y = float(rect.get("x", 0)), float(rect.get("y", 0))
            boxes.append((x, y, x + float(rect.get("width", 0)), y + float(rect.get("height", 0))))
    return labels, boxes


def test_arc_labels_keep_clear_of_boxes_and_of_each_other() -> None:
    dense = merged_log(n_cases=200, seed=4)
    svg = render_two_level_svg(two_level_model(dense, expand=["Triage", "Discharge"]))
    root = ET.fromstring(svg)

    def overlap(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
        return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]

    scopes = [next(g for g in root.iter(f"{SVG}g") if g.get("class") == "map")]
    scopes += [g for g in root.iter(f"{SVG}g") if g.get("class") == "taskmap"]
    assert len(scopes) == 3
    for scope in scopes:
        labels, boxes = _label_and_box_rects(scope)
        assert len(labels) > 3 and boxes
        assert not [(a, b) for a in labels for b in boxes if overlap(a, b)]
        assert not [(a, b) for i, a in enumerate(labels) for b in labels[i + 1:] if overlap(a, b)]

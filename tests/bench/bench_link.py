"""Linking at scale: 1M UI events with tasks given plus 100k system events, link and merge.

Input (not timed): the hard synthetic EHR study (screens without ids, EHR user ids with a
user map, workstation clock skew, second charts) with its true task instances as the
task columns, tiled with renamed users, devices, cases and ids until it holds ``--events``
UI events; the system log is tiled alongside and topped up with the referral events of
further cases (resource ``system``) to ``--system`` rows. Each side then runs in a fresh
process on the same parquet files, so its peak RSS is its own:

- taskloom: ``link_tasks`` (three tiers) + ``build_merged_log``;
- peer, the naive nearest-event join a reader would write first: each task instance takes
  the case of the system event of its (mapped) user nearest to its end within ±120 s.

Both are scored against the truth (per UI event with a true case). Goal (issue 11):
under 30 s and under 4 GB for 1M UI events + 100k system events on this 2-core machine.

    .venv/bin/python tests/bench/bench_link.py [--quick] [--events N] [--system N]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

TOKEN = re.compile(r"NHS#[0-9a-f]{8}")
COLUMNS = ("event_id", "user", "device_id", "ts", "app", "title", "url", "element")


def _swap(tokens: dict[str, str], m: re.Match[str]) -> str:
    return tokens.get(m.group(0), m.group(0))


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def build_input(out: Path, events: int, system: int, seed: int) -> dict[str, int]:
    """Write ui.parquet (UI events + task columns + truth), system.parquet and user_map.csv."""
    from taskloom.collector.synth import HardSettings, Study, generate_study
    from taskloom.mining.io import read_log

    base = out / "base"
    generate_study(Study(clinicians=4, days=5, seed=seed, hard=HardSettings()), base,
                   max_events=min(events, 60_000))
    ui = pd.read_csv(base / "ui_events.csv", dtype=str, keep_default_na=False, na_values=[""])
    ui = ui[[*COLUMNS, "truth_task_type", "truth_task_instance", "truth_case"]]
    sysl = read_log(base / "system_log.csv")[["case:concept:name", "concept:name", "time:timestamp",
                                              "start_timestamp", "org:resource"]]
    umap = pd.read_csv(base / "user_map.csv")
    copies = max(1, -(-events // len(ui)))
    uis, syss, maps = [], [], []
    for k in range(copies):
        tag = f"~{k}"
        c = ui.copy()
        for col in ("user", "device_id", "event_id", "truth_task_instance"):
            c[col] = c[col] + tag
        # Each copy's patients get tokens of their own (the shape the identifier tier expects).
        tokens = {t: "NHS#" + hashlib.sha256(f"{t}{tag}".encode()).hexdigest()[:8]
                  for t in pd.unique(sysl["case:concept:name"])}
        c["truth_case"] = c["truth_case"].map(tokens)
        titles = pd.Series(pd.unique(c["title"].dropna()))
        renamed = dict(zip(titles, [TOKEN.sub(partial(_swap, tokens), t) for t in titles], strict=True))
        c["title"] = c["title"].map(renamed)
        uis.append(c)
        s = sysl.copy()
        s["case:concept:name"] = s["case:concept:name"].map(tokens)
        s["org:resource"] = s["org:resource"].where(s["org:resource"] == "system", s["org:resource"] + tag)
        syss.append(s)
        maps.append(pd.DataFrame({"user": umap["user"] + tag, "resource": umap["resource"] + tag}))
    ui_all = pd.concat(uis, ignore_index=True).iloc[:events]
    sys_all = pd.concat(syss, ignore_index=True)
    if len(sys_all) < system:
        extra = system - len(sys_all)
        rng = np.random.default_rng(seed)
        t = sys_all["time:timestamp"]
        times = t.min() + pd.to_timedelta(rng.uniform(0, (t.max() - t.min()).total_seconds(), extra), unit="s")
        sys_all = pd.concat([sys_all, pd.DataFrame({
            "case:concept:name": [f"EXTRA#{i}" for i in range(extra)], "concept:name": "Referral received",
            "time:timestamp": times, "start_timestamp": times, "org:resource": "system"})], ignore_index=True)
    ui_all = ui_all.assign(task_type=ui_all["truth_task_type"], task_instance=ui_all["truth_task_instance"])
    ui_all.to_parquet(out / "ui.parquet", index=False)
    sys_all.iloc[:max(system, 1)].to_parquet(out / "system.parquet", index=False)
    pd.concat(maps, ignore_index=True).to_csv(out / "user_map.csv", index=False)
    return {"ui_events": len(ui_all), "system_events": min(len(sys_all), system),
            "task_instances": int(ui_all["task_instance"].nunique())}


def _score(case: pd.Series, truth: pd.Series) -> tuple[float, float]:
    t = truth.astype("string").fillna("")
    p = case.astype("string").fillna("")
    has = t != ""
    linked = has & (p != "")
    correct = int((linked & (p == t)).sum())
    return (correct / int(linked.sum()) if linked.any() else 0.0, correct / int(has.sum()) if has.any() else 0.0)


def run_side(side: str, folder: Path) -> dict[str, float]:
    """One side on the files in ``folder`` (run in a fresh process)."""
    ui = pd.read_parquet(folder / "ui.parquet")
    system = pd.read_parquet(folder / "system.parquet")
    umap = pd.read_csv(folder / "user_map.csv")
    user_map = dict(zip(umap["user"], umap["resource"], strict=True))
    truth = ui["truth_case"]
    rows = ui.drop(columns=["truth_task_type", "truth_task_instance", "truth_case"])
    t0, c0 = time.perf_counter(), time.process_time()
    if side == "taskloom":
        from taskloom.collector.linking.link import LinkOptions, link_tasks
        from taskloom.collector.linking.merged import build_merged_log
        from taskloom.collector.linking.tasks import link_events

        events = link_events(rows)
        res = link_tasks(events, system, LinkOptions(user_map=user_map))
        merged = build_merged_log(system, res.tasks, res.tasks)
        case = res.events["case_id"]
        rows_out = len(merged)
    else:
        ts = pd.to_datetime(rows["ts"], utc=True, format="ISO8601")
        g = rows.assign(ts=ts).groupby("task_instance", sort=False)
        tasks = pd.DataFrame({"end": g["ts"].max(), "user": g["user"].first()})
        tasks["resource"] = tasks["user"].map(user_map).fillna(tasks["user"])
        left = tasks.reset_index().sort_values("end")
        right = system.rename(columns={"time:timestamp": "end", "org:resource": "resource"}) \
            .sort_values("end")[["end", "resource", "case:concept:name"]]
        right["end"] = pd.to_datetime(right["end"], utc=True).astype(left["end"].dtype)
        m = pd.merge_asof(left, right, on="end", by="resource", direction="nearest",
                          tolerance=pd.Timedelta(seconds=120))
        per_task = m.set_index("task_instance")["case:concept:name"]
        case = rows["task_instance"].map(per_task)
        rows_out = len(m)
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    precision, recall = _score(case.reset_index(drop=True), truth.reset_index(drop=True))
    return {"seconds": seconds, "cpu_s": cpu, "rss_mb": peak_rss_mb(), "precision": precision, "recall": recall,
            "rows": rows_out}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="small run for the smoke test")
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--system", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--side", choices=("taskloom", "peer"), default=None, help=argparse.SUPPRESS)
    ap.add_argument("--dir", type=Path, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.side:
        sys.stdout.write(json.dumps(run_side(args.side, args.dir)) + "\n")
        return 0
    if args.quick:
        args.events, args.system = 20_000, 2_000
    with tempfile.TemporaryDirectory(prefix="bench_link_") as tmp:
        folder = Path(tmp)
        t0 = time.perf_counter()
        sizes = build_input(folder, args.events, args.system, args.seed)
        print(f"input: {sizes['ui_events']} UI events, {sizes['task_instances']} task instances, "
              f"{sizes['system_events']} system events (built in {time.perf_counter() - t0:.1f} s, not timed)")
        results = {}
        for side in ("taskloom", "peer"):
            proc = subprocess.run([sys.executable, __file__, "--side", side, "--dir", str(folder)], cwd=ROOT,
                                  capture_output=True, text=True, check=False)
            if proc.returncode != 0:
                sys.stderr.write(proc.stderr[-3000:])
                return 1
            results[side] = json.loads(proc.stdout.strip().splitlines()[-1])
            r = results[side]
            print(f"{side:9s}: link+merge {r['seconds']:.2f} s wall, {r['cpu_s']:.2f} s CPU, peak RSS {r['rss_mb']:.0f} MB, "
                  f"precision {r['precision']:.4f}, recall {r['recall']:.4f}")
        tl, peer = results["taskloom"], results["peer"]
        print(f"ratio time peer/taskloom: {peer['seconds'] / max(tl['seconds'], 1e-9):.2f} wall, "
              f"{peer['cpu_s'] / max(tl['cpu_s'], 1e-9):.2f} CPU")
        print(f"load average while running: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
        print(f"ratio precision taskloom/peer: {tl['precision'] / max(peer['precision'], 1e-9):.2f}")
        print(f"ratio recall taskloom/peer: {tl['recall'] / max(peer['recall'], 1e-9):.2f}")
        print(f"goal (1M UI + 100k system events): < 30 s and < 4096 MB; taskloom {tl['seconds']:.1f} s wall "
              f"({tl['cpu_s']:.1f} s CPU), {tl['rss_mb']:.0f} MB peak RSS")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

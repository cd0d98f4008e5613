"""Task discovery at scale: segmentation plus clustering of ~1M UI events.

Generates the synthetic EHR study (not timed), then times taskloom's vectorised
segmentation and the whole discovery (segmentation + features + k selection +
MiniBatchKMeans + stable ids) and reads peak RSS. The peer, in the same run on the same
events: a naive per-event pure-Python segmentation loop applying the same hard cues
(user change, long pause, idle, identifier/app context change). Targets (issue 5):
discovery under 60 s and under 4 GB peak memory for 1M events.

    .venv/bin/python tests/bench/bench_tasks.py [--quick] [--events N]
"""

from __future__ import annotations

import argparse
import re
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from collector.synth import Study, generate_study  # noqa: E402
from collector.tasks.discover import discover  # noqa: E402
from collector.tasks.events import from_wire  # noqa: E402
from collector.tasks.segment import SegmentParams, segment  # noqa: E402

TOKEN = re.compile(r"\b[A-Z]{1,5}#[0-9a-f]{6,16}\b")


def naive_segments(records: list[tuple[str, int, str, str, str]], idle_gap_ms: int) -> list[int]:
    """The peer: one pass in plain Python over (user, ts, kind, app, title) sorted records."""
    out: list[int] = []
    seg = -1
    prev_user, prev_ts, prev_ctx, prev_idle = None, 0, None, False
    for user, ts, kind, app, title in records:
        m = TOKEN.search(title or "")
        ctx = m.group(0) if m else "app:" + (app or "")
        idle = kind in ("idle_start", "idle_end", "capture_start", "capture_stop")
        if user != prev_user or ts - prev_ts > idle_gap_ms or idle or prev_idle or ctx != prev_ctx:
            seg += 1
        out.append(seg)
        prev_user, prev_ts, prev_ctx, prev_idle = user, ts, ctx, idle
    return out


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small run (about 20k events)")
    ap.add_argument("--events", type=int, default=1_000_000)
    args = ap.parse_args()
    target = 20_000 if args.quick else args.events
    clinicians = max(1, min(40, target // 40_000 + 1))
    with tempfile.TemporaryDirectory() as tmp:
        res = generate_study(Study(clinicians=clinicians, days=400, seed=7), Path(tmp), max_events=target)
        df = pd.read_csv(res.ui_events, usecols=["user", "ts", "kind", "app", "title", "url",
                                                 "element", "key_class", "attrs"],
                         dtype=str, keep_default_na=False, na_values=[""])
    ev = from_wire(df)
    del df
    n = len(ev)
    print(f"events: {n:,} ({clinicians} users); peak RSS after load {peak_rss_mb():.0f} MB")

    t0 = time.perf_counter()
    seg = segment(ev, SegmentParams())
    t_seg = time.perf_counter() - t0

    order = np.lexsort((np.arange(n), ev["ts"].to_numpy(), ev["user"].to_numpy().astype(str)))
    s = ev.iloc[order]
    records = list(zip(s["user"].astype(str), s["ts"].tolist(), s["kind"].fillna("").astype(str),
                       s["app"].fillna("").astype(str), s["title"].fillna("").astype(str), strict=True))
    t0 = time.perf_counter()
    naive = naive_segments(records, 300_000)
    t_peer = time.perf_counter() - t0
    del records

    t0 = time.perf_counter()
    found = discover(ev)
    t_all = time.perf_counter() - t0
    rss = peak_rss_mb()
    types = len(set(found.task_type.tolist()) - {"idle"})
    print(f"taskloom segmentation (vectorised, hard + learnt start cues): {t_seg:.2f} s, "
          f"{int(seg.max()) + 1:,} segments")
    print(f"peer: naive per-event pure-Python loop (hard cues only): {t_peer:.2f} s, "
          f"{max(naive) + 1:,} segments")
    print(f"ratio segmentation peer/taskloom: {t_peer / max(t_seg, 1e-9):.2f}")
    print(f"taskloom discovery (segmentation + features + k choice + MiniBatchKMeans + ids): "
          f"{t_all:.2f} s, {found.segments.shape[0]:,} instances, {types} types")
    print(f"throughput: {n / t_all:,.0f} events/s; peak RSS {rss:.0f} MB "
          f"(targets: < 60 s, < 4096 MB for 1M events)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Task discovery at scale: segmentation plus clustering of ~1M UI events.

Generates the synthetic EHR study (not timed), then times taskloom's whole discovery
(segmentation + features + k selection + MiniBatchKMeans + stable ids + refinement) and
reads peak RSS. The peer, in the same run on the same events: the textbook baseline a
reader would write first — one pass in plain Python cutting on the same hard cues (user
change, long pause, idle, identifier/app change), TF-IDF of each segment's steps and
scikit-learn's full-batch KMeans told the true number of types. Both are scored against
the generator's truth (per-event type ARI, boundary F1); ratios are printed. Targets
(issue 5): discovery under 60 s and under 4 GB peak memory for 1M events.

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

from taskloom.collector.synth import Study, generate_study  # noqa: E402
from taskloom.collector.tasks.discover import discover  # noqa: E402
from taskloom.collector.tasks.events import from_wire  # noqa: E402

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


def peer_types(records: list[tuple[str, int, str, str, str]], seg: list[int], k: int) -> list[int]:
    """The peer's clustering: TF-IDF of each segment's (kind, app, masked title) steps + KMeans."""
    from sklearn.cluster import KMeans
    from sklearn.feature_extraction.text import TfidfVectorizer

    docs: list[list[str]] = [[] for _ in range(max(seg) + 1)]
    for (_, _, kind, app, title), sid in zip(records, seg, strict=True):
        docs[sid].append(f"{kind}|{app}|{TOKEN.sub('#', title)}")
    x = TfidfVectorizer(analyzer=lambda d: d).fit_transform(docs)
    lab = KMeans(n_clusters=k, n_init=1, random_state=0).fit_predict(x)
    return [int(lab[sid]) for sid in seg]


def scores(df: pd.DataFrame, types: np.ndarray, inst: np.ndarray) -> tuple[float, float]:
    """(per-event type ARI, boundary F1) against the generator's truth."""
    from taskloom.collector.tasks.evaluate import evaluate

    s = evaluate(df.assign(task_type=types, task_instance=inst), "truth_task_instance",
                 "truth_task_type", "user", "ts_ms")
    return float(s.ari or 0.0), s.boundary_f1


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small run (about 20k events)")
    ap.add_argument("--events", type=int, default=1_000_000)
    args = ap.parse_args()
    target = 20_000 if args.quick else args.events
    clinicians = max(1, min(40, target // 40_000 + 1))
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        res = generate_study(Study(clinicians=clinicians, days=400, seed=7), Path(tmp), max_events=target)
        df = pd.read_csv(res.ui_events, usecols=["user", "ts", "kind", "app", "title", "url",
                                                 "element", "key_class", "attrs",
                                                 "truth_task_type", "truth_task_instance"],
                         dtype=str, keep_default_na=False, na_values=[""])
        t_gen = time.perf_counter() - t0
    # Only wire fields reach discovery; the truth stays in ``truth`` for scoring.
    ev = from_wire(df.drop(columns=["truth_task_type", "truth_task_instance"]))
    truth = pd.DataFrame({"user": df["user"].to_numpy(), "ts_ms": ev["ts"].to_numpy(),
                          "truth_task_type": df["truth_task_type"].to_numpy(),
                          "truth_task_instance": df["truth_task_instance"].to_numpy()})
    del df
    n = len(ev)
    print(f"events: {n:,} ({clinicians} users); generated and read back in {t_gen:.1f} s "
          f"(not part of the comparison); peak RSS after load {peak_rss_mb():.0f} MB")

    t0 = time.perf_counter()
    found = discover(ev)
    t_all = time.perf_counter() - t0
    rss = peak_rss_mb()
    types = len(set(found.task_type.tolist()) - {"idle"})
    ari, bf1 = scores(truth, found.task_type, found.task_instance)

    order = np.lexsort((np.arange(n), ev["ts"].to_numpy(), ev["user"].to_numpy().astype(str)))
    s = ev.iloc[order]
    records = list(zip(s["user"].astype(str), s["ts"].tolist(), s["kind"].fillna("").astype(str),
                       s["app"].fillna("").astype(str), s["title"].fillna("").astype(str), strict=True))
    k_true = int(truth["truth_task_type"].nunique())
    t0 = time.perf_counter()
    naive = naive_segments(records, 300_000)
    p_types = peer_types(records, naive, k_true)
    t_peer = time.perf_counter() - t0
    back = np.empty(n, dtype=np.int64)
    back[order] = np.asarray(naive)
    p_type = np.empty(n, dtype=np.int64)
    p_type[order] = np.asarray(p_types)
    p_ari, p_bf1 = scores(truth, p_type.astype(str), back.astype(str))

    print(f"taskloom discovery (segmentation + features + k choice + MiniBatchKMeans + ids + refine): "
          f"{t_all:.2f} s, {found.segments.shape[0]:,} instances, {types} types (k chosen), "
          f"type ARI {ari:.4f}, boundary F1 {bf1:.4f}")
    print(f"peer: pure-Python hard-cue segmentation + TF-IDF + sklearn KMeans (told k={k_true}): "
          f"{t_peer:.2f} s, {max(naive) + 1:,} instances, type ARI {p_ari:.4f}, boundary F1 {p_bf1:.4f}")
    print(f"ratio time peer/taskloom: {t_peer / max(t_all, 1e-9):.2f}; "
          f"ratio ARI taskloom/peer: {ari / max(p_ari, 1e-9):.2f}")
    print(f"throughput: {n / t_all:,.0f} events/s; peak RSS {rss:.0f} MB "
          f"(targets: < 60 s, < 4096 MB for 1M events)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

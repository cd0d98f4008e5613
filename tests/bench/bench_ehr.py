"""EHR documentation-time metrics at scale: 1,000 clinician-weeks (~20M UI events) from the store.

Builds once (cached under the temp dir) a SQLite store holding a study of synthetic
clinician-weeks — ~4,000 UI events a day per clinician on the demo EHR's screens, typing
bursts, idle periods — with a clinic schedule and a visit list. Then, each in a fresh
process so peak RSS is its own:

- taskloom: ``ehr_metrics`` (the service behind `taskloom ehr metrics`): streams the
  study's events out of the store in chunks, all four sensitivity thresholds, schedule,
  visits, after-hours, notes, the report;
- peer "plain pandas": ``pandas.read_sql`` of the same columns into one frame, then
  sort, per-user ``shift``, clip at 5 s, category by the same map, and ``groupby`` sums of
  EHR time per clinician-week (one threshold, no schedule or visits: the core only).

Both give EHR hours per clinician-week; the script checks they agree and prints time,
events/s, peak RSS and the ratios. Targets (issue 13): under 2 minutes and under 4 GB.

    .venv/bin/python tests/bench/bench_ehr.py [--quick] [--weeks N]
"""

from __future__ import annotations

import argparse
import json
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from tests.support.schema import schema_tag  # noqa: E402

EPR = "CareFlowEPR.exe"
SCREENS = ("Progress note", "Order entry", "Prescribing", "Patient summary", "Results viewer", "Referral",
           "Unsigned notes", "Appointment book")
OTHER = (("OUTLOOK.EXE", "Inbox - Outlook"), ("EXCEL.EXE", "Rota.xlsx - Excel"))
START = pd.Timestamp("2026-03-02T00:00:00Z").value // 1_000_000
DAY = 86_400_000
PER_DAY = 4_000
VERSION = 1


def _day_events(rng: np.random.Generator, base: int) -> dict[str, np.ndarray]:
    """One clinician-day: gaps, kinds, screen runs, typing ends, idle pairs."""
    n = PER_DAY
    gaps = np.minimum(rng.lognormal(np.log(1.5), 1.0, n), 240.0)
    idle = rng.random(n) < 0.004
    gaps[idle] += rng.uniform(300, 1800, idle.sum())
    ts = base + int(rng.normal(8.2, 0.3) * 3_600_000) + np.cumsum(gaps * 1000).astype(np.int64)
    kind = rng.choice(np.array(["click", "scroll", "typing", "focus"]), n, p=[0.5, 0.2, 0.2, 0.1])
    kind[idle] = "idle_end"
    screen = np.cumsum(kind == "focus")
    pick = rng.integers(0, len(SCREENS) + len(OTHER), screen.max() + 1)[screen]
    patient = rng.integers(0, 5_000, screen.max() + 1)[screen]
    end = np.where(kind == "typing", ts + rng.integers(5, 120, n) * 180, -1)
    end = np.minimum(end, np.r_[ts[1:], ts[-1] + 5_000])
    return {"ts": ts, "kind": kind, "pick": pick, "patient": patient, "end": end, "idle": idle}


def _rows(d: dict[str, np.ndarray], study: int, device: str, user: str, first_id: int, seq0: int) -> list[tuple]:
    out = []
    for i, (ts, kind, pick, patient, end, idle) in enumerate(zip(
            d["ts"].tolist(), d["kind"].tolist(), d["pick"].tolist(), d["patient"].tolist(), d["end"].tolist(),
            d["idle"].tolist(), strict=True)):
        if pick < len(SCREENS):
            app, title = EPR, f"{SCREENS[pick]} · NHS#{patient:08x} · CareFlow EPR"
        else:
            app, title = OTHER[pick - len(SCREENS)]
        attrs = f'{{"end_ts":{end},"keys":9}}' if kind == "typing" else "{}"
        if idle:  # the idle period ends here: its start came after the previous event
            out.append((f"{first_id + 2 * i:032x}", device, study, seq0 + 2 * i, user, ts - 1000, "idle_start",
                        app, title, None, None, None, None, None, None, "{}", ts))
        out.append((f"{first_id + 2 * i + 1:032x}", device, study, seq0 + 2 * i + 1, user, ts, kind, app, title,
                    None, None, None, None, None, None, attrs, ts))
    return out


def build(path: Path, weeks: int) -> tuple[int, Path, Path]:
    """The store (SQLite file) with ``weeks`` clinician-weeks, the schedule and the visit list."""
    from taskloom.collector.store import Store

    sched, visits = path.with_suffix(".schedule.csv"), path.with_suffix(".visits.csv")
    if path.exists() and sched.exists():
        with sqlite3.connect(path) as c:
            return int(c.execute("select count(*) from ui_events").fetchone()[0]), sched, visits
    for stale in (path, sched, visits):  # an interrupted build: start afresh
        stale.unlink(missing_ok=True)
    store = Store.open(f"sqlite:///{path}")
    study = store.create_study("bench", {"timezone": "Europe/London"}).id
    store.close()
    clinicians = min(weeks, 200)
    n_weeks = -(-weeks // clinicians)
    rng = np.random.default_rng(7)
    con = sqlite3.connect(path)
    con.execute("PRAGMA synchronous=OFF")
    total, next_id, s_rows, v_rows = 0, 0, [], []
    for c in range(clinicians):
        user, device = f"U#{c:08x}", f"dev-{c:05d}"
        con.execute("insert into devices (id, study_id, hostname, token_hash, revoked, created_at) "
                    "values (?, ?, ?, ?, 0, 0)", (device, study, device, f"{c:064x}"))
        seq = 0
        for w in range(n_weeks):
            if c + w * clinicians >= weeks:
                break
            for d in range(5):
                base = START + (7 * w + d) * DAY
                day = pd.Timestamp(base, unit="ms").strftime("%Y-%m-%d")
                s_rows += [(user, day, "09:00", "12:00", "clinic"), (user, day, "13:30", "16:30", "clinic")]
                v_rows += [(user, f"{day}T{h:02d}:{m:02d}", f"{day}T{h:02d}:{m + 15:02d}", "NHS#1")
                           for h in (9, 10, 11, 14, 15) for m in (0, 20, 40)]
                rows = _rows(_day_events(rng, base), study, device, user, next_id, seq)
                con.executemany("insert into ui_events (event_id, device_id, study_id, seq, user, ts, kind, app, "
                                "title, url, element, key_class, button, x, y, attrs, received_at) values "
                                "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)", rows)
                next_id += 2 * PER_DAY
                seq += 2 * PER_DAY
                total += len(rows)
        con.commit()
    con.close()
    pd.DataFrame(v_rows, columns=["user", "start", "end", "case"]).to_csv(visits, index=False)
    # The schedule last: its presence marks a complete build.
    pd.DataFrame(s_rows, columns=["user", "date", "start", "end", "kind"]).to_csv(sched, index=False)
    return total, sched, visits


def run_taskloom(db: Path, sched: Path, visits: Path) -> dict[str, object]:
    from taskloom.collector.services.ehr_metrics import EhrOptions, TextFile, ehr_metrics
    from taskloom.collector.store import Store

    store = Store.open(f"sqlite:///{db}")
    t0 = time.perf_counter()
    report = ehr_metrics(store, "bench", EhrOptions(
        schedule=TextFile(sched.name, sched.read_text()), visits=TextFile(visits.name, visits.read_text()),
        per_clinician=True))
    seconds = time.perf_counter() - t0
    ehr = {f"{w.user} {w.week}": w.values["ehr_h"] for w in report.per_clinician or []}
    return {"seconds": seconds, "events": report.events, "ehr_h": ehr}


def run_peer(db: Path, clinicians: int) -> dict[str, object]:
    """Plain pandas: everything in one frame, then vectorised group-bys (EHR hours per clinician-week)."""
    from taskloom.collector.metrics.categories import NON_EHR_CODE, default_map

    t0 = time.perf_counter()
    with sqlite3.connect(db) as con:
        df = pd.read_sql("select user, ts, seq, kind, app, title, json_extract(attrs, '$.end_ts') as end_ts "
                         f"from ui_events where user < 'U#{clinicians:08x}' order by user, ts, seq", con)
    cmap = default_map()
    keys = df[["app", "title"]].drop_duplicates()
    keys["ehr"] = [cmap.screen(a, t, None).code != NON_EHR_CODE for a, t in keys.itertuples(index=False)]
    df = df.merge(keys, on=["app", "title"], how="left")
    nxt = df.groupby("user")["ts"].shift(-1)
    busy = np.maximum(df["ts"], df["end_ts"].fillna(df["ts"]))
    end = np.minimum(nxt.fillna(np.inf), busy + 5000)
    dur = (end - df["ts"]).clip(lower=0).where(~df["kind"].isin(["idle_start", "capture_start", "capture_stop"]), 0)
    local = pd.to_datetime(df["ts"], unit="ms", utc=True).dt.tz_convert("Europe/London").dt.tz_localize(None)
    week = (local.dt.normalize() - pd.to_timedelta(local.dt.dayofweek, unit="D")).dt.strftime("%Y-%m-%d")
    ehr = (dur.where(df["ehr"], 0) / 3_600_000).groupby([df["user"], week]).sum()
    seconds = time.perf_counter() - t0
    return {"seconds": seconds, "events": len(df), "ehr_h": {f"{u} {w}": v for (u, w), v in ehr.items()}}


def child(which: str, db: Path, sched: Path, visits: Path, clinicians: int) -> None:
    out = run_taskloom(db, sched, visits) if which == "taskloom" else run_peer(db, clinicians)
    usage = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)  # taskloom's ADBC reader process
    out["rss_mb"] = (usage.ru_maxrss + kids.ru_maxrss) / 1024  # both at their peaks: an upper bound
    # Whole processes, imports included.
    out["cpu_s"] = usage.ru_utime + usage.ru_stime + kids.ru_utime + kids.ru_stime
    sys.stdout.write(json.dumps(out) + "\n")


def measure(which: str, db: Path, sched: Path, visits: Path, clinicians: int = 0) -> dict[str, object]:
    proc = subprocess.run([sys.executable, __file__, "--child", which, "--db", str(db), "--schedule", str(sched),
                           "--visits", str(visits), "--peer-clinicians", str(clinicians)],
                          capture_output=True, text=True, cwd=ROOT, check=False)
    if proc.returncode != 0:
        raise SystemExit(f"{which} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.splitlines()[-1])  # type: ignore[no-any-return]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true", help="5 clinician-weeks (~100k events), the smoke test")
    ap.add_argument("--weeks", type=int, default=1000, help="clinician-weeks (default 1000, ~20M events)")
    ap.add_argument("--child", default=None)
    ap.add_argument("--db", type=Path)
    ap.add_argument("--schedule", type=Path)
    ap.add_argument("--visits", type=Path)
    ap.add_argument("--peer-clinicians", type=int, default=50,
                    help="the in-memory peer reads only this many clinicians' events (default 50: ~5M events "
                         "at 1000 clinician-weeks; all 20M would need ~16 GB)")
    args = ap.parse_args()
    if args.child:
        child(args.child, args.db, args.schedule, args.visits, args.peer_clinicians)
        return
    weeks = 5 if args.quick else args.weeks
    cache = Path(tempfile.gettempdir()) / "taskloom-bench-ehr"
    cache.mkdir(exist_ok=True)
    db = cache / f"ehr-v{VERSION}-{schema_tag()}-{weeks}w.sqlite"
    t0 = time.perf_counter()
    events, sched, visits = build(db, weeks)
    print(f"store: {events:,} UI events, {weeks} clinician-weeks ({db}, ready in {time.perf_counter() - t0:.0f} s)")
    ours = measure("taskloom", db, sched, visits)
    peer = measure("peer", db, sched, visits, args.peer_clinicians)
    a, b = ours["ehr_h"], peer["ehr_h"]
    assert isinstance(a, dict) and isinstance(b, dict)
    worst = max(abs(a[k] - b[k]) / max(b[k], 1e-9) for k in b)
    for name, r in (("taskloom ehr_metrics (streamed)", ours), ("peer: plain pandas (all in memory)", peer)):
        print(f"{name}: {r['seconds']:.1f} s wall, {r['cpu_s']:.1f} s CPU, "
              f"{float(r['events']) / float(r['seconds']):,.0f} events/s, peak RSS {r['rss_mb']:.0f} MB")  # type: ignore[arg-type]
    print(f"peer read {int(peer['events']):,} of {events:,} events ({len(b)} clinician-weeks)")  # type: ignore[call-overload]
    print(f"EHR hours per clinician-week agree: worst relative difference {worst:.2e} over {len(b)} clinician-weeks")
    def rate(r: dict[str, object], key: str) -> float:
        return float(r["events"]) / float(r[key])  # type: ignore[arg-type]

    print(f"ratio time peer/taskloom (per event, wall): {rate(ours, 'seconds') / rate(peer, 'seconds'):.2f}")
    print(f"ratio CPU peer/taskloom (per event): {rate(ours, 'cpu_s') / rate(peer, 'cpu_s'):.2f}")
    print(f"ratio peak RSS peer/taskloom: {float(peer['rss_mb']) / float(ours['rss_mb']):.2f} "  # type: ignore[arg-type]
          f"(the peer on {float(peer['events']) / float(ours['events']):.0%} of the events)")  # type: ignore[arg-type]
    if worst > 1e-6:
        raise SystemExit("taskloom and the peer disagree on EHR time")


if __name__ == "__main__":
    main()

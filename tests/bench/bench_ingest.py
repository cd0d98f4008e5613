"""Ingest throughput: concurrent agents posting batches to a real `taskloom serve`.

For SQLite (embedded default) and PostgreSQL (loopback, when reachable): C clients each
post B batches of 500 events to one uvicorn worker on loopback; events/s and p50/p99
batch latency. The peer, in the same run: the same rows inserted directly through the
driver (sqlite3 / psycopg executemany, one transaction per batch, same schema and
durability settings). Printed ratio: direct events/s ÷ API events/s (the API's cost;
the goal is ≤ 2, with ≥ 20,000 events/s into SQLite).

    .venv/bin/python tests/bench/bench_ingest.py [--quick] [--clients C] [--batches B]
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import orjson

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from taskloom.agent.protocol import format_ts, parse_event  # noqa: E402
from taskloom.collector.store import Store, now_ms  # noqa: E402
from taskloom.collector.validate import ROW_COLUMNS  # noqa: E402
from tests.support.collector import LiveCollector  # noqa: E402
from tests.support.pg import PG_URL, fresh_database  # noqa: E402

BATCH = 500


def make_batches(n_batches: int, start_seq: int = 0) -> list[list[dict[str, Any]]]:
    """Realistic wire events: clicks, typing bursts and focus changes with titles."""
    kinds = ("click", "typing", "focus", "scroll", "shortcut")
    out = []
    seq = start_seq
    base = 1_767_261_600_000
    for _ in range(n_batches):
        batch = []
        for _ in range(BATCH):
            kind = kinds[seq % len(kinds)]
            ev: dict[str, Any] = {
                "event_id": str(uuid.uuid4()), "seq": seq, "ts": format_ts(base + 250 * seq),
                "kind": kind, "user": "u#3fa9c2d1", "app": "ehr-client.exe",
                "title": f"Patient chart — NHS#{seq % 9973:08x} — Results", "url": None,
                "element": "button:Sign note" if kind == "click" else None,
                "key_class": "ctrl+s" if kind == "shortcut" else None,
                "button": "left" if kind == "click" else None, "x": 640, "y": 380,
                "attrs": {"letter": 14, "digit": 2, "end_ts": format_ts(base + 250 * seq + 900)}
                if kind == "typing" else {},
            }
            batch.append(ev)
            seq += 1
        out.append(batch)
    return out


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux /proc), seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_api(db: str, workdir: Path, clients: int, batches: int) -> dict[str, float]:
    """C clients × B batches through `taskloom serve`; events/s and latency percentiles."""
    store = Store.open(db)
    store.create_study("bench")
    tokens = []
    for i in range(clients):
        tok = store.create_enrollment_token("bench").token
        tokens.append(store.enroll(tok, f"ws-{i}").device_token)
    store.close()
    bodies = [[orjson.dumps({"events": b}) for b in make_batches(batches)] for _ in range(clients)]
    server = LiveCollector(db, workdir, env={"TASKLOOM_RATE_PER_S": "1000000",
                                             "TASKLOOM_RATE_BURST": "1000000",
                                             "TASKLOOM_LOG_LEVEL": "warning"}).start()
    assert server.proc is not None
    proc, url = server.proc, server.url
    try:
        latencies: list[float] = []
        lock = threading.Lock()
        failures: list[str] = []
        start_gate = threading.Barrier(clients + 1)

        def client(token: str, mine: list[bytes]) -> None:
            with httpx.Client(base_url=url, timeout=120, headers={
                    "Authorization": f"Bearer {token}", "Content-Type": "application/json"}) as c:
                c.get("/api/v1/agent/policy")  # open the connection before the clock starts
                start_gate.wait()
                for body in mine:
                    t0 = time.perf_counter()
                    r = c.post("/api/v1/events", content=body)
                    dt = time.perf_counter() - t0
                    if r.status_code != 200 or r.json()["rejected"]:
                        failures.append(f"{r.status_code} {r.text[:200]}")
                        return
                    with lock:
                        latencies.append(dt)

        threads = [threading.Thread(target=client, args=(tokens[i], bodies[i])) for i in range(clients)]
        for th in threads:
            th.start()
        start_gate.wait()
        t0 = time.perf_counter()
        cpu0 = cpu_seconds(proc.pid)
        for th in threads:
            th.join()
        elapsed = time.perf_counter() - t0
        cpu = cpu_seconds(proc.pid) - cpu0
        if failures:
            raise SystemExit(f"API run failed: {failures[0]}")
    finally:
        server.stop()
    check = Store.open(db)
    stored = check.count_ui_events()
    check.close()
    n = clients * batches * BATCH
    assert stored == n, f"stored {stored} of {n}"
    q = statistics.quantiles(latencies, n=100) if len(latencies) > 1 else latencies * 99
    return {"events_s": n / elapsed, "p50_ms": 1000 * q[49], "p99_ms": 1000 * q[98], "events": n,
            "cpu_events_s": n / cpu if cpu > 0 else float("nan")}


def run_direct(db: str, clients: int, batches: int) -> dict[str, float]:
    """The same rows through the bare driver: executemany, one transaction per batch."""
    store = Store.open(db)  # same schema, same pragmas (WAL, synchronous=FULL) for SQLite
    store.create_study("bench")
    tok = store.create_enrollment_token("bench").token
    device = store.authenticate_device(store.enroll(tok, "direct").device_token)
    cols = ROW_COLUMNS
    now = now_ms()
    prepared = []
    for batch in make_batches(clients * batches):
        rows = []
        for raw in batch:
            ev = parse_event(raw)  # parsing is not timed: the peer only inserts
            rows.append((ev.event_id, device.id, device.study_id, ev.seq, ev.user, ev.ts, ev.kind,
                         ev.app, ev.title, ev.url, ev.element, ev.key_class, ev.button, ev.x, ev.y,
                         orjson.dumps(ev.attrs).decode(), now))
        prepared.append(rows)
    quoted = ", ".join('"user"' if c == "user" else c for c in cols)
    conflict = "ON CONFLICT (event_id) DO NOTHING"
    raw_conn = store.engine.raw_connection()
    try:
        dbapi = raw_conn.driver_connection
        assert dbapi is not None
        if store.is_sqlite:
            sql = f"INSERT INTO ui_events ({quoted}) VALUES ({', '.join('?' * len(cols))}) {conflict}"
            t0 = time.perf_counter()
            for rows in prepared:
                dbapi.execute("BEGIN IMMEDIATE")
                dbapi.executemany(sql, rows)
                dbapi.execute("COMMIT")
        else:
            sql = f"INSERT INTO ui_events ({quoted}) VALUES ({', '.join(['%s'] * len(cols))}) {conflict}"
            dbapi.autocommit = False
            t0 = time.perf_counter()
            for rows in prepared:
                with dbapi.cursor() as cur:
                    cur.executemany(sql, rows)
                dbapi.commit()
        elapsed = time.perf_counter() - t0
    finally:
        raw_conn.close()
    n = sum(len(r) for r in prepared)
    assert store.count_ui_events() == n
    store.close()
    return {"events_s": n / elapsed, "events": n}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small run (smoke test)")
    parser.add_argument("--clients", type=int, default=None)
    parser.add_argument("--batches", type=int, default=None, help="batches of 500 per client")
    parser.add_argument("--no-pg", action="store_true", help="SQLite only")
    args = parser.parse_args()
    print(f"load average before the run: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores "
          "(figures from a busy machine are low)")
    clients = args.clients or (2 if args.quick else 4)
    batches = args.batches or (3 if args.quick else 40)
    print(f"ingest bench: {clients} clients × {batches} batches × {BATCH} events, one uvicorn worker")
    with tempfile.TemporaryDirectory(prefix="taskloom-bench-") as tmp, contextlib.ExitStack() as pg:
        workdir = Path(tmp)
        backends = [("sqlite", f"sqlite:///{workdir / 'api.db'}", f"sqlite:///{workdir / 'direct.db'}")]
        if not args.no_pg:
            try:
                backends.append(("postgresql", pg.enter_context(fresh_database(PG_URL, "taskloom_bench")),
                                 pg.enter_context(fresh_database(PG_URL, "taskloom_bench"))))
            except Exception as exc:
                print(f"postgresql: skipped ({str(exc).splitlines()[0]})")
        for name, api_db, direct_db in backends:
            api = run_api(api_db, workdir, clients, batches)
            direct = run_direct(direct_db, clients, batches)
            print(f"{name:<10} taskloom API : {api['events_s']:>10,.0f} events/s   "
                  f"batch p50 {api['p50_ms']:.1f} ms  p99 {api['p99_ms']:.1f} ms  "
                  f"(server CPU: {api['cpu_events_s']:,.0f} events per CPU-second)")
            print(f"{name:<10} direct driver: {direct['events_s']:>10,.0f} events/s")
            print(f"{name:<10} ratio direct/taskloom (events/s; API cost, goal <= 2): "
                  f"{direct['events_s'] / api['events_s']:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

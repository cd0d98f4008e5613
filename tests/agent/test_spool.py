"""The bounded, crash-safe spool (agent/spool.py)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

from taskloom.agent.spool import SEQ_BLOCK, Spool

ROOT = Path(__file__).resolve().parents[2]


def _event(spool: Spool, size: int = 100) -> dict[str, object]:
    return {"event_id": str(uuid.uuid4()), "seq": spool.next_seq(), "kind": "click",
            "ts": "2026-11-23T01:00:00.000Z", "attrs": {"pad": "x" * size}}


def test_seq_is_never_reused_across_restarts(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite3"
    first = Spool(path)
    seqs = [first.next_seq() for _ in range(5)]
    first.close()  # four numbers handed out, never written: they must not come back
    second = Spool(path)
    later = second.next_seq()
    second.close()
    assert seqs == list(range(5))
    assert later >= SEQ_BLOCK > max(seqs)


def test_append_peek_ack(spool: Spool) -> None:
    events = [_event(spool) for _ in range(10)]
    assert spool.append(events) == 0
    assert spool.depth() == 10
    batch = spool.peek(4)
    assert [e.seq for e in batch] == [0, 1, 2, 3]
    assert batch[0].body == events[0]
    assert spool.ack([e.event_id for e in batch] + [str(uuid.uuid4())]) == 4
    assert spool.depth() == 6
    assert spool.peek(1)[0].seq == 4


def test_byte_bound_drops_oldest_first_and_counts(tmp_path: Path) -> None:
    spool = Spool(tmp_path / "s.sqlite3", max_bytes=2_000)
    events = [_event(spool, size=200) for _ in range(30)]
    dropped = sum(spool.append([e]) for e in events)
    kept = [e.seq for e in spool.all_events()]
    assert dropped == spool.dropped_total() == 30 - len(kept)
    assert kept == [int(e["seq"]) for e in events[-len(kept):]]  # the newest survive
    assert spool.bytes_used() <= 2_000
    spool.ack([spool.peek(1)[0].event_id])
    assert spool.bytes_used() < 2_000


_WRITER = """
import sys, uuid
from pathlib import Path
from taskloom.agent.spool import Spool
spool = Spool(Path(sys.argv[1]))
n = 0
while True:
    spool.append([{"event_id": str(uuid.uuid4()), "seq": spool.next_seq(), "kind": "click"}])
    n += 1
    if n == 200:
        print("ready", flush=True)
"""


def test_spool_survives_kill_9_mid_write(tmp_path: Path) -> None:
    path = tmp_path / "s.sqlite3"
    proc = subprocess.Popen([sys.executable, "-c", _WRITER, str(path)], cwd=ROOT,
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    time.sleep(0.2)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    spool = Spool(path)
    events = list(spool.all_events())
    seqs = [e.seq for e in events]
    assert len(events) >= 200
    assert seqs == sorted(set(seqs))  # committed rows intact, nothing torn or duplicated
    assert spool.next_seq() > max(seqs)  # and the counter moved past them
    spool.close()


def test_corrupt_spool_record(tmp_path: Path) -> None:
    """A record the disk damaged is dropped and counted; it does not block the others."""
    import sqlite3

    from taskloom.agent.client import CollectorClient
    from taskloom.agent.shipper import Shipper
    from taskloom.agent.transport import FunctionTransport
    from tests.agent.factories import MemoryCollector

    spool = Spool(tmp_path / "s.sqlite3")
    events = [_event(spool) for _ in range(5)]
    spool.append(events)
    with sqlite3.connect(tmp_path / "s.sqlite3") as raw:
        raw.execute("UPDATE events SET body = '{\"event_id\": \"trunc' WHERE seq = 2")
    collector = MemoryCollector()
    shipper = Shipper(spool, CollectorClient(FunctionTransport(collector), "tok"))
    while spool.depth():
        shipper.ship_once()
    assert set(collector.stored) == {str(e["event_id"]) for e in events if e["seq"] != 2}
    assert spool.get("corrupt_dropped") == "1"


def test_corrupt_spool_file(tmp_path: Path) -> None:
    """A spool file that is not a database any more is moved aside, not fatal."""
    path = tmp_path / "s.sqlite3"
    path.write_bytes(b"\x00garbage" * 1000)
    spool = Spool(path)
    moved = spool.get("corrupt_spool")
    assert moved is not None and Path(moved).read_bytes().startswith(b"\x00garbage")
    spool.append([_event(spool)])
    assert spool.depth() == 1

"""The on-disk spool: every captured event is written here before any send.

SQLite in WAL mode in the user data directory, so it survives ``kill -9`` and reboots
and several processes (``run``, ``status``, ``show``, ``pause``) can use it at once. The
spool is bounded in bytes: when full, the oldest events are dropped first and counted,
and the count goes out in heartbeats. Events leave only when the collector acknowledges
them. A small key/value table holds the agent's state (consent, pause, revocation,
policy cache, last send) and the per-device sequence counter.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

DEFAULT_MAX_BYTES = 200 * 1024 * 1024
#: Sequence numbers are reserved on disk in blocks, so a number is never reused even
#: when the process dies with numbers handed out but their events not yet written.
SEQ_BLOCK = 1000

_SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY,
    event_id TEXT NOT NULL UNIQUE,
    body TEXT NOT NULL,
    size INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS blobs (
    blob_id TEXT PRIMARY KEY,
    seq INTEGER NOT NULL,
    data BLOB NOT NULL,
    size INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS blobs_seq ON blobs(seq);
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS held (
    event_id TEXT PRIMARY KEY,
    until_ms INTEGER NOT NULL,
    holds INTEGER NOT NULL
);
"""


@dataclass(frozen=True, slots=True)
class SpooledEvent:
    """One event as stored: its sequence number, id and wire JSON."""

    seq: int
    event_id: str
    body: dict[str, Any]


class Spool:
    """The bounded, crash-safe event spool (one SQLite file)."""

    def __init__(self, path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.path = path
        self.max_bytes = max_bytes
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        self._lock = threading.RLock()
        try:
            self._conn = self._open(path)
        except sqlite3.DatabaseError as exc:
            if "not a database" not in str(exc) and "malformed" not in str(exc):
                raise
            # A spool the disk damaged: keep it aside for inspection, start a new one.
            aside = path.with_name(f"{path.name}.corrupt-{int(time.time())}")
            path.replace(aside)
            for suffix in ("-wal", "-shm"):
                with suppress(OSError):
                    path.with_name(path.name + suffix).unlink()
            log.error("the spool %s was corrupt (%s); moved it to %s and started a new one",
                      path, exc, aside)
            self._conn = self._open(path)
            self._conn.execute("INSERT OR REPLACE INTO meta(key, value) VALUES ('corrupt_spool', ?)",
                               (str(aside),))
        with suppress(OSError):
            path.chmod(0o600)
        self._seq_next = 0
        self._seq_limit = 0

    @staticmethod
    def _open(path: Path) -> sqlite3.Connection:
        conn = sqlite3.connect(str(path), timeout=30, isolation_level=None, check_same_thread=False)
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
            conn.execute("PRAGMA busy_timeout=30000")
            conn.executescript(_SCHEMA)
        except sqlite3.DatabaseError:
            conn.close()
            raise
        return conn

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Cursor]:
        with self._lock:
            cur = self._conn.cursor()
            cur.execute("BEGIN IMMEDIATE")
            try:
                yield cur
            except BaseException:
                cur.execute("ROLLBACK")
                raise
            cur.execute("COMMIT")

    # ---- sequence numbers

    def next_seq(self) -> int:
        """The next per-device sequence number (persisted in blocks, never reused)."""
        with self._lock:
            if self._seq_next >= self._seq_limit:
                with self._tx() as cur:
                    start = int(_get(cur, "seq_reserved", "0"))
                    limit = start + SEQ_BLOCK
                    _put(cur, "seq_reserved", str(limit))
                self._seq_next, self._seq_limit = start, limit
            seq = self._seq_next
            self._seq_next += 1
            return seq

    # ---- events

    def append(self, events: Sequence[dict[str, Any]], blobs: Iterable[tuple[str, int, bytes]] = ()) -> int:
        """Write events (wire dicts with event_id and seq) and blobs in one transaction.

        Returns how many old events had to be dropped to stay within the byte bound.
        """
        rows = []
        for event in events:
            body = json.dumps(event, separators=(",", ":"), ensure_ascii=False)
            rows.append((int(event["seq"]), str(event["event_id"]), body, len(body.encode())))
        blob_rows = [(bid, seq, data, len(data)) for bid, seq, data in blobs]
        added = sum(r[3] for r in rows) + sum(b[3] for b in blob_rows)
        with self._tx() as cur:
            cur.executemany(
                "INSERT OR IGNORE INTO events(seq, event_id, body, size) VALUES (?,?,?,?)", rows)
            cur.executemany(
                "INSERT OR REPLACE INTO blobs(blob_id, seq, data, size) VALUES (?,?,?,?)", blob_rows)
            used = int(_get(cur, "bytes_used", "0")) + added
            dropped = 0
            while used > self.max_bytes:
                # Oldest first, whether an event or a stored (encrypted) screenshot.
                ev = cur.execute("SELECT seq, size FROM events ORDER BY seq LIMIT 1").fetchone()
                bl = cur.execute("SELECT blob_id, seq, size FROM blobs ORDER BY seq LIMIT 1").fetchone()
                if ev is None and bl is None:
                    break
                if bl is not None and (ev is None or bl[1] <= ev[0]):
                    cur.execute("DELETE FROM blobs WHERE blob_id = ?", (bl[0],))
                    used -= int(bl[2])
                else:
                    cur.execute("DELETE FROM events WHERE seq = ?", (ev[0],))
                    used -= int(ev[1])
                    dropped += 1
            _put(cur, "bytes_used", str(max(used, 0)))
            if dropped:
                _put(cur, "dropped_total", str(int(_get(cur, "dropped_total", "0")) + dropped))
        return dropped

    def peek(self, limit: int) -> list[SpooledEvent]:
        """The oldest ``limit`` events, in sequence order (they stay until acknowledged);
        events on hold (``hold``) are skipped until their hold ends."""
        now = int(time.time() * 1000)
        with self._lock:
            rows = self._conn.execute(
                "SELECT seq, event_id, body FROM events WHERE event_id NOT IN "
                "(SELECT event_id FROM held WHERE until_ms > ?) ORDER BY seq LIMIT ?",
                (now, limit)).fetchall()
        out: list[SpooledEvent] = []
        bad: list[int] = []
        for seq, eid, body in rows:
            try:
                parsed = json.loads(body)
                if not isinstance(parsed, dict):
                    raise ValueError("not an object")
            except ValueError:
                bad.append(int(seq))
                continue
            out.append(SpooledEvent(seq, eid, parsed))
        if bad:
            self._drop_corrupt(bad)
        return out

    def _drop_corrupt(self, seqs: list[int]) -> None:
        """Remove records that no longer parse (a damaged page) so they cannot block the
        queue; they are counted in ``corrupt_dropped`` and logged, never sent half-read."""
        with self._tx() as cur:
            freed = 0
            for seq in seqs:
                row = cur.execute("DELETE FROM events WHERE seq = ? RETURNING size", (seq,)).fetchone()
                freed += int(row[0]) if row else 0
            _put(cur, "bytes_used", str(max(int(_get(cur, "bytes_used", "0")) - freed, 0)))
            _put(cur, "corrupt_dropped", str(int(_get(cur, "corrupt_dropped", "0")) + len(seqs)))
        log.error("dropped %d unreadable spool record(s) (seq %s)", len(seqs),
                  ", ".join(map(str, seqs[:10])))

    def ack(self, event_ids: Iterable[str]) -> int:
        """Remove acknowledged events (accepted or rejected by the collector); returns the count."""
        ids = [(str(e),) for e in event_ids]
        if not ids:
            return 0
        with self._tx() as cur:
            freed = 0
            removed = 0
            for (eid,) in ids:
                row = cur.execute(
                    "DELETE FROM events WHERE event_id = ? RETURNING size", (eid,)).fetchone()
                if row is not None:
                    freed += int(row[0])
                    removed += 1
            cur.executemany("DELETE FROM held WHERE event_id = ?", ids)
            _put(cur, "bytes_used", str(max(int(_get(cur, "bytes_used", "0")) - freed, 0)))
        return removed

    # ---- holds: an event the collector keeps failing on waits aside, never deleted

    def hold(self, event_id: str, base_s: float, cap_s: float) -> float:
        """Put a waiting event on hold so the events behind it can go first; each new hold
        of the same event doubles (``base_s``, capped at ``cap_s``). Returns the seconds held."""
        with self._tx() as cur:
            row = cur.execute("SELECT holds FROM held WHERE event_id = ?", (event_id,)).fetchone()
            holds = int(row[0]) + 1 if row else 1
            seconds = min(cap_s, base_s * 2 ** min(holds - 1, 32))
            until = int(time.time() * 1000 + seconds * 1000)
            cur.execute("INSERT INTO held(event_id, until_ms, holds) VALUES (?,?,?) "
                        "ON CONFLICT(event_id) DO UPDATE SET until_ms = excluded.until_ms, "
                        "holds = excluded.holds", (event_id, until, holds))
        return seconds

    def release(self, event_id: str) -> None:
        """End an event's hold now (it goes out with the next batch, in sequence order)."""
        with self._tx() as cur:
            cur.execute("UPDATE held SET until_ms = 0 WHERE event_id = ?", (event_id,))

    def held(self) -> int:
        """How many waiting events are on hold now."""
        now = int(time.time() * 1000)
        with self._lock:
            return int(self._conn.execute(
                "SELECT COUNT(*) FROM held WHERE until_ms > ? AND event_id IN "
                "(SELECT event_id FROM events)", (now,)).fetchone()[0])

    def reassign_device(self, device_id: str) -> int:
        """Move waiting events to a new device id (re-enrolment into the same study)."""
        with self._tx() as cur:
            cur.execute("UPDATE events SET body = json_set(body, '$.device_id', ?) "
                        "WHERE json_extract(body, '$.device_id') IS NOT ?", (device_id, device_id))
            changed = cur.rowcount
            cur.execute("UPDATE events SET size = length(CAST(body AS BLOB))")
            total = cur.execute("SELECT COALESCE(SUM(size), 0) FROM events").fetchone()[0]
            blobs = cur.execute("SELECT COALESCE(SUM(size), 0) FROM blobs").fetchone()[0]
            _put(cur, "bytes_used", str(int(total) + int(blobs)))
        return int(changed)

    def discard_all(self) -> int:
        """Delete every waiting event and blob (re-enrolment into another study)."""
        with self._tx() as cur:
            count = int(cur.execute("SELECT COUNT(*) FROM events").fetchone()[0])
            cur.execute("DELETE FROM events")
            cur.execute("DELETE FROM blobs")
            cur.execute("DELETE FROM held")
            _put(cur, "bytes_used", "0")
        return count

    def depth(self) -> int:
        """How many events wait to be sent."""
        with self._lock:
            return int(self._conn.execute("SELECT COUNT(*) FROM events").fetchone()[0])

    def bytes_used(self) -> int:
        """Bytes of events and blobs held (the quantity the bound applies to)."""
        return int(self.get("bytes_used", "0") or 0)

    def dropped_total(self) -> int:
        """Events dropped because the spool was full, since the agent was installed."""
        return int(self.get("dropped_total", "0") or 0)

    def all_events(self) -> Iterator[SpooledEvent]:
        """Every spooled event in order (for ``show``)."""
        with self._lock:
            rows = self._conn.execute("SELECT seq, event_id, body FROM events ORDER BY seq").fetchall()
        for seq, eid, body in rows:
            yield SpooledEvent(seq, eid, json.loads(body))

    def blob_ids(self) -> list[tuple[str, int, int]]:
        """(blob_id, seq, size) of every stored (encrypted) blob."""
        with self._lock:
            return [(str(b), int(s), int(z)) for b, s, z in
                    self._conn.execute("SELECT blob_id, seq, size FROM blobs ORDER BY seq")]

    def blob(self, blob_id: str) -> bytes | None:
        """The encrypted bytes of one blob."""
        with self._lock:
            row = self._conn.execute("SELECT data FROM blobs WHERE blob_id = ?", (blob_id,)).fetchone()
        return None if row is None else bytes(row[0])

    # ---- state (key/value)

    def get(self, key: str, default: str | None = None) -> str | None:
        with self._lock:
            row = self._conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return default if row is None else str(row[0])

    def put(self, key: str, value: str | None) -> None:
        with self._tx() as cur:
            if value is None:
                cur.execute("DELETE FROM meta WHERE key = ?", (key,))
            else:
                _put(cur, key, value)

    def get_json(self, key: str) -> Any:
        raw = self.get(key)
        return None if raw is None else json.loads(raw)

    def put_json(self, key: str, value: Any) -> None:
        self.put(key, None if value is None else json.dumps(value, sort_keys=True))

    def add_counter(self, key: str, amount: int) -> None:
        with self._tx() as cur:
            _put(cur, key, str(int(_get(cur, key, "0")) + amount))

    def touch(self, key: str) -> None:
        """Record the current time (epoch ms) under ``key``."""
        self.put(key, str(int(time.time() * 1000)))


def _get(cur: sqlite3.Cursor, key: str, default: str) -> str:
    row = cur.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
    return default if row is None else str(row[0])


def _put(cur: sqlite3.Cursor, key: str, value: str) -> None:
    cur.execute("INSERT INTO meta(key, value) VALUES (?, ?) "
                "ON CONFLICT(key) DO UPDATE SET value = excluded.value", (key, value))

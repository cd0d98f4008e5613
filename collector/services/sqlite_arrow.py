"""Arrow record batches out of a SQLite file, read by ADBC in a child process.

ADBC's SQLite driver links its own copy of the SQLite library. Two copies of SQLite in
one process corrupt each other's locking: POSIX advisory locks belong to the process, so
when one copy closes its file descriptor it silently drops the locks the other copy holds
on the same database (sqlite.org/howtocorrupt.html, "multiple copies of SQLite linked
into the same application"). The store's own connections (Python's ``sqlite3``) then fail
with "disk I/O error", or worse, two writers meet. So ADBC never opens the store's file in
the store's process: a child process runs the query and streams Arrow IPC to a pipe.

Run as ``python -m taskloom.collector.services.sqlite_arrow PATH BATCH_ROWS`` with the SQL
on stdin; the Arrow IPC stream comes out on stdout.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from collections.abc import Iterator
from typing import Any


def adbc_available() -> bool:
    """Whether the optional ADBC SQLite driver is installed (without loading it here)."""
    return importlib.util.find_spec("adbc_driver_sqlite") is not None


def record_batches(path: str, sql: str, batch_rows: int) -> Iterator[Any]:
    """The query's rows as ``pyarrow.RecordBatch``es, read in a child process."""
    import pyarrow as pa

    proc = subprocess.Popen([sys.executable, "-m", __name__, path, str(batch_rows)],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert proc.stdin is not None and proc.stdout is not None and proc.stderr is not None
    try:
        proc.stdin.write(sql.encode())
        proc.stdin.close()
        try:
            reader = pa.ipc.open_stream(proc.stdout)
            yield from reader
        except pa.ArrowInvalid:  # the child failed before writing a stream; its stderr says why
            pass
        err = proc.stderr.read().decode(errors="replace").strip()
        if proc.wait() != 0:
            raise RuntimeError(f"reading {path} through ADBC failed: {err.splitlines()[-1] if err else proc.returncode}")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
        proc.stderr.close()


def _child(path: str, batch_rows: int) -> None:
    import adbc_driver_sqlite.dbapi as adbc
    import pyarrow as pa

    sql = sys.stdin.read()
    with adbc.connect(path) as conn, conn.cursor() as cur:
        cur.adbc_statement.set_options(**{"adbc.sqlite.query.batch_rows": str(batch_rows)})
        cur.execute(sql)
        batches = cur.fetch_record_batch()
        with pa.ipc.new_stream(sys.stdout.buffer, batches.schema) as sink:
            for batch in batches:
                sink.write_batch(batch)


if __name__ == "__main__":
    _child(sys.argv[1], int(sys.argv[2]))

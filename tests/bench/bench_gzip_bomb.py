"""Gzip bombs against the XES readers: peak memory of each reader in a fresh process.

A bomb is a valid .xes.gz of two one-event traces around N bytes of padding (an XML
comment, or spaces) — about 1/1000 of N on disk. Readers:
  taskloom         ``read_log`` (streams decompression; comments dropped while streaming)
  inflate-whole    the former fallback: ``gzip.decompress`` of the file, then lxml
  pm4py-iterparse  ``pm4py.read_xes(variant="iterparse")`` (pm4py's pure-Python reader)
Prints peak RSS (VmHWM) per reader, its growth over an idle interpreter with the same
imports, the outcome, and the ratio peer/taskloom. The issue's figure: a 3.1 MB .xes.gz
inflating to 3 GiB took `taskloom stats` to 13.7 GB.

    .venv/bin/python tests/bench/bench_gzip_bomb.py [--quick] [--size-mib N] [--peers ...]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.support.bombs import write_bomb  # noqa: E402

READERS = ("taskloom", "inflate-whole", "pm4py-iterparse")


def _hwm_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def worker(reader: str, path: str) -> None:
    """Read ``path`` with ``reader`` in this process; print a JSON line."""
    import warnings

    warnings.filterwarnings("ignore")
    import pandas  # noqa: F401  (imports count in the baseline too)
    from lxml import etree  # noqa: F401

    if reader == "pm4py-iterparse":
        import contextlib
        import io
        import os

        os.environ.setdefault("PM4PY_SHOW_PROGRESS_BAR", "False")
        with contextlib.redirect_stdout(io.StringIO()):
            import pm4py
    from taskloom.mining.io import read_log
    from taskloom.mining.io.xes_lxml import parse_xes_lxml

    base = _hwm_mb()
    t = time.process_time()
    outcome = "ok"
    events = -1
    try:
        if path == "-":
            pass
        elif reader == "taskloom":
            events = len(read_log(path))
        elif reader == "inflate-whole":
            import gzip

            events = len(parse_xes_lxml(gzip.decompress(Path(path).read_bytes()), Path(path).name))
        else:
            events = len(pm4py.read_xes(path, variant="iterparse"))
    except MemoryError:
        outcome = "MemoryError"
    except Exception as exc:  # a refusal is an outcome to print, not a crash of the bench
        outcome = f"{type(exc).__name__}: {str(exc)[:90]}"
    print(json.dumps({"reader": reader, "peak_mb": _hwm_mb(), "base_mb": base, "events": events,
                      "cpu_s": time.process_time() - t, "outcome": outcome}))


def run(reader: str, path: Path | str, timeout: float) -> dict:
    proc = subprocess.run([sys.executable, __file__, "--worker", reader, str(path)], cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout)
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    if proc.returncode != 0 or not lines:  # killed (OOM) or crashed
        return {"reader": reader, "peak_mb": float("nan"), "base_mb": float("nan"), "events": -1,
                "cpu_s": float("nan"), "outcome": f"exit {proc.returncode}: {proc.stderr[-120:]}"}
    return dict(json.loads(lines[-1]))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="64 MiB bombs (a smoke run)")
    ap.add_argument("--size-mib", type=int, default=1024, help="inflated padding (default 1 GiB)")
    ap.add_argument("--peers", nargs="*", default=list(READERS[1:]), choices=READERS[1:])
    ap.add_argument("--worker", nargs=2, metavar=("READER", "PATH"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        worker(*args.worker)
        return 0
    size = (64 if args.quick else args.size_mib) << 20
    peers = [p for p in args.peers if p != "pm4py-iterparse" or _has_pm4py()]
    with tempfile.TemporaryDirectory(prefix="bench-bomb-") as tmp:
        for padding in ("comment", "spaces"):
            bomb = write_bomb(Path(tmp) / f"bomb-{padding}.xes.gz", size, padding)
            print(f"bomb: {padding} padding, {bomb.stat().st_size / 1e6:.2f} MB on disk, "
                  f"{size / 2**20:.0f} MiB inflated")
            results = {r: run(r, bomb, 1800) for r in ("taskloom", *peers)}
            for r in results.values():
                growth = r["peak_mb"] - r["base_mb"]
                print(f"  {r['reader']:<16} peak RSS {r['peak_mb']:8.0f} MB  (+{growth:7.0f} MB over "
                      f"imports)  cpu {r['cpu_s']:6.1f} s  events {r['events']:>3}  {r['outcome']}")
            ours = results["taskloom"]["peak_mb"]
            for peer in peers:
                print(f"  ratio {peer}/taskloom: peak RSS {results[peer]['peak_mb'] / ours:.2f}")
    return 0


def _has_pm4py() -> bool:
    try:
        import importlib.util

        return importlib.util.find_spec("pm4py") is not None
    except ImportError:
        return False


if __name__ == "__main__":
    sys.exit(main())

"""XES import: taskloom's read_xes against pm4py's readers, each in a fresh subprocess.

Peers: pm4py.read_xes(variant="iterparse") (the pure-Python default without a Rust
backend) and pm4py.read_xes(variant="rustxes") (its fastest reader). Logs: bpic2012.xes.gz
(262k events) and a ~1M-event log built from it (cases replicated with new ids and
shifted times, written once to a temp .xes.gz). Prints seconds, peak memory (whole
process, and above the interpreter+imports baseline) and ratios peer/taskloom.

    .venv/bin/python tests/bench/bench_xes_import.py [--quick] [--repeat N]
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
DATA = ROOT.parent / "shared" / "data"
READERS = ("taskloom", "pm4py-rustxes", "pm4py-iterparse")


def _status_mb(field: str) -> float:
    """VmRSS or VmHWM of this process from /proc (ru_maxrss would include the parent's peak)."""
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return float("nan")


def worker(reader: str, path: str) -> None:
    """Run one reader once in this process and print a JSON line with time and memory."""
    import warnings

    warnings.filterwarnings("ignore")
    if reader == "taskloom":
        from taskloom.mining.io import read_xes

        def run() -> int:
            return len(read_xes(path))
    else:
        import contextlib
        import io

        with contextlib.redirect_stdout(io.StringIO()):
            import pm4py  # prints a banner on import
        variant = reader.split("-", 1)[1]

        def run() -> int:
            with contextlib.redirect_stderr(io.StringIO()):
                return len(pm4py.read_xes(path, variant=variant))
    base = _status_mb("VmRSS")
    t0 = time.perf_counter()
    events = run()
    seconds = time.perf_counter() - t0
    peak = _status_mb("VmHWM")
    print(json.dumps({"reader": reader, "events": events, "seconds": seconds,
                      "peak_mb": peak, "above_base_mb": peak - base}))


def measure(reader: str, path: Path, repeat: int) -> dict[str, float]:
    """Best time and lowest peak over `repeat` fresh subprocesses."""
    best: dict[str, float] | None = None
    for _ in range(repeat):
        out = subprocess.run(
            [sys.executable, __file__, "--worker", reader, str(path)],
            check=True, capture_output=True, text=True, cwd=ROOT,
        ).stdout
        row = json.loads(out.strip().splitlines()[-1])
        if best is None or row["seconds"] < best["seconds"]:
            best = row
    assert best is not None
    return best


def build_big(source: Path, copies: int, target: Path) -> None:
    """Replicate every case `copies` times with new ids, shifting each copy past the last."""
    import pandas as pd

    sys.path.insert(0, str(ROOT))
    from taskloom.mining.columns import CASE, TIMESTAMP
    from taskloom.mining.io import read_xes, write_xes

    base = read_xes(source)
    span = base[TIMESTAMP].max() - base[TIMESTAMP].min() + pd.Timedelta(days=1)
    parts = []
    for k in range(copies):
        part = base.copy()
        part[CASE] = part[CASE] + f"-r{k}"
        for col in part.columns:
            if pd.api.types.is_datetime64_any_dtype(part[col].dtype):
                part[col] = part[col] + span * k
        parts.append(part)
    write_xes(pd.concat(parts, ignore_index=True), target)


def cached_big() -> Path:
    """The ~1M-event log (4 x bpic2012), built once into the temp folder and reused.

    Built in a subprocess so the builder's memory does not count against the caller.
    """
    big = Path(tempfile.gettempdir()) / "taskloom-bench" / "bpic2012x4.xes.gz"
    if not big.exists():
        big.parent.mkdir(parents=True, exist_ok=True)
        print(f"building {big} (4 x bpic2012) ...", flush=True)
        part = big.with_name("bpic2012x4.part.xes.gz")
        subprocess.run([sys.executable, __file__, "--build", str(part)], check=True, cwd=ROOT)
        part.replace(big)
    return big


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one small log, one run each")
    parser.add_argument("--repeat", type=int, default=None, help="runs per reader (best kept)")
    parser.add_argument("--skip-iterparse", action="store_true",
                        help="leave out pm4py's slow iterparse reader")
    parser.add_argument("--worker", nargs=2, metavar=("READER", "PATH"), help=argparse.SUPPRESS)
    parser.add_argument("--build", metavar="PATH", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.build:
        build_big(DATA / "bpic2012.xes.gz", 4, Path(args.build))
        return 0
    if args.worker:
        worker(*args.worker)
        return 0
    readers = [r for r in READERS if not (args.skip_iterparse and r == "pm4py-iterparse")]
    if args.quick:
        logs = [("running-example (42 events)", DATA / "running-example.xes")]
        repeat = args.repeat or 1
    else:
        big = cached_big()
        logs = [("bpic2012 (262k events)", DATA / "bpic2012.xes.gz"),
                ("bpic2012 x4 (1.05M events)", big)]
        repeat = args.repeat or 2
    for label, path in logs:
        print(f"\n== {label}: {path.name}")
        rows = {r: measure(r, path, repeat if r != "pm4py-iterparse" else 1) for r in readers}
        for r, row in rows.items():
            print(f"{r:16s} {row['seconds']:8.2f} s   peak {row['peak_mb']:7.0f} MB   "
                  f"above baseline {row['above_base_mb']:7.0f} MB   events {row['events']}")
        ours = rows["taskloom"]
        for r in readers[1:]:
            peer = rows[r]
            print(f"ratio {r}/taskloom: time {peer['seconds'] / ours['seconds']:.2f}x   "
                  f"peak memory {peer['peak_mb'] / ours['peak_mb']:.2f}x   "
                  f"memory above baseline {peer['above_base_mb'] / max(ours['above_base_mb'], 1):.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Memory attacks on a real `taskloom serve` at full size (issue 8): peak server RSS.

Attacks (each against a live server on loopback, SQLite):

1. no token, a 1 GiB JSON body to ``POST /api/v1/studies``, ``/agent/heartbeat`` and
   ``/agent/enroll`` and a 1 GiB multipart upload to ``/studies/{id}/imports`` — each
   with a declared Content-Length and chunked, then three at once;
2. one device, 45 concurrent 8 MiB bodies whose one event has ``attrs`` holding a
   2.7M-element list;
3. a gzip bomb to ``/studies/{id}/imports/preview``: a ~1 MB ``.csv.gz`` inflating to 1 GiB;
4. 10,100 connections that never finish their headers, twice, with a valid request in
   the middle of each round (open file descriptors of the server, log growth).

The server's resident memory is sampled from /proc/<pid>/status every 10 ms during each
attack. The baseline is the same server idle (after start and one request). The peer
for attack 2, in the same run, is a server whose cap on bodies held at once is lifted
(``TASKLOOM_MAX_BODY_MEMORY_BYTES`` = 45 × 8 MiB): what the cap saves. Printed: peak RSS, growth
over the baseline, and ratios.

    .venv/bin/python tests/bench/bench_attacks.py [--quick]
"""

from __future__ import annotations

import argparse
import gzip
import socket
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import orjson

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from tests.collector.factories import wire_event  # noqa: E402
from tests.support.attack import memory_kib, open_fds, stream_request  # noqa: E402
from tests.support.collector import LiveCollector  # noqa: E402

MB = 1024 * 1024


class Sampler:
    """The peak of ``measure()`` (default: the process's VmRSS in KiB) while a block runs,
    sampled every 10 ms."""

    def __init__(self, pid: int, measure: Callable[[int], int] | None = None) -> None:
        self.pid = pid
        self.measure = measure or (lambda p: memory_kib(p)["VmRSS"])
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.peak = max(self.peak, self.measure(self.pid))
            except (OSError, KeyError):
                return
            time.sleep(0.01)

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


@contextmanager
def server(workdir: Path, env: dict[str, str] | None = None) -> Iterator[tuple[LiveCollector, str, float]]:
    """A started collector with a study, an admin token, and its idle RSS (MB)."""
    srv = LiveCollector(None, workdir, env={"TASKLOOM_RATE_PER_S": "100000",
                                            "TASKLOOM_RATE_BURST": "100000",
                                            "TASKLOOM_AUTH_FAIL_BURST": "100000",
                                            "TMPDIR": str(workdir), **(env or {})})
    srv.setup_study()
    srv.start()
    try:
        admin = srv.admin("admin", "token").strip().splitlines()[-1]
        with srv.client(admin) as c:
            c.get("/api/v1/studies").raise_for_status()
        assert srv.proc is not None
        idle = memory_kib(srv.proc.pid)["VmRSS"] / 1024
        yield srv, admin, idle
    finally:
        srv.stop()


def measured(srv: LiveCollector, attack: Callable[[], Any]) -> tuple[Any, float, float]:
    """Run ``attack``; its result, the server's peak RSS during it and RSS after (MB)."""
    assert srv.proc is not None
    with Sampler(srv.proc.pid) as sampler:
        result = attack()
    time.sleep(0.5)
    after = memory_kib(srv.proc.pid)["VmRSS"] / 1024
    return result, sampler.peak / 1024, after


def report(name: str, idle: float, peak: float, after: float, detail: str) -> None:
    print(f"{name:<46} idle {idle:6.0f} MB  peak {peak:6.0f} MB  growth {peak - idle:6.0f} MB  "
          f"after {after:6.0f} MB  {detail}", flush=True)


def attack_unauthenticated(workdir: Path, size: int) -> None:
    with server(workdir / "unauth") as (srv, admin, idle):
        with srv.client(admin) as c:
            study = next(s["id"] for s in c.get("/api/v1/studies").json())
        targets = [("/api/v1/studies", "application/json"),
                   ("/api/v1/agent/heartbeat", "application/json"),
                   ("/api/v1/agent/enroll", "application/json"),
                   (f"/api/v1/studies/{study}/imports", "multipart/form-data; boundary=xyz")]
        for path, ctype in targets:
            for chunked in (False, True):
                out, peak, after = measured(srv, lambda p=path, t=ctype, ch=chunked: stream_request(
                    srv.port, "POST", p, {"Content-Type": t}, size, chunked=ch))
                report(f"1 no token {size // MB} MiB {'chunked' if chunked else 'length'} "
                       f"{path.rsplit('/', 1)[-1]}", idle, peak, after,
                       f"status {out.status}, {out.sent / MB:.1f} MiB sent in {out.seconds:.2f} s")

        def three() -> list[Any]:
            results: list[Any] = [None] * 3
            threads = [threading.Thread(target=lambda i=i: results.__setitem__(i, stream_request(
                srv.port, "POST", targets[i][0], {"Content-Type": targets[i][1]}, size,
                chunked=True))) for i in range(3)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            return results

        outs, peak, after = measured(srv, three)
        report(f"1 no token 3 x {size // MB} MiB at once", idle, peak, after,
               "statuses " + ",".join(str(o.status) for o in outs))


def attrs_body(n_items: int) -> bytes:
    """One event whose attrs hold a list of ``n_items`` two-digit numbers (3 bytes each)."""
    ev = wire_event(1, attrs={"list": [10 + i % 90 for i in range(n_items)]})
    return orjson.dumps({"events": [ev]})


def attack_attrs(workdir: Path, concurrency: int, n_items: int, env: dict[str, str], label: str
                 ) -> float:
    body = attrs_body(n_items)
    with server(workdir / label, env) as (srv, _admin, idle):
        dev = srv.enroll(srv.study)

        def flood() -> list[int]:
            codes: list[int] = []

            def one() -> None:
                with httpx.Client(base_url=srv.url, timeout=300, headers={
                        "Authorization": f"Bearer {dev['device_token']}",
                        "Content-Type": "application/json"}) as c:
                    codes.append(c.post("/api/v1/events", content=body).status_code)

            threads = [threading.Thread(target=one) for _ in range(concurrency)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            return codes

        started = time.monotonic()
        codes, peak, after = measured(srv, flood)
        seconds = time.monotonic() - started
        report(f"2 {concurrency} x {len(body) / MB:.1f} MiB attrs ({label})", idle, peak, after,
               f"{codes.count(200)}/{len(codes)} answered 200 (event quarantined) in {seconds:.1f} s")
        return peak - idle


def gzip_bomb(path: Path, inflated: int) -> int:
    """Write a .csv.gz inflating to about ``inflated`` bytes; its compressed size."""
    row = b"case-1,Register,2024-01-01T00:00:00Z\n"
    block = row * (MB // len(row))
    with path.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=9) as gz:
        gz.write(b"case,activity,timestamp\n")
        for _ in range(inflated // len(block)):
            gz.write(block)
    return path.stat().st_size


def attack_gzip_bomb(workdir: Path, inflated: int) -> None:
    bomb = workdir / "bomb.csv.gz"
    size = gzip_bomb(bomb, inflated)
    with server(workdir / "bomb") as (srv, admin, idle):
        with srv.client(admin) as c:
            study = next(s["id"] for s in c.get("/api/v1/studies").json())

        def post() -> httpx.Response:
            with httpx.Client(base_url=srv.url, timeout=600,
                              headers={"Authorization": f"Bearer {admin}"}) as c, bomb.open("rb") as fh:
                return c.post(f"/api/v1/studies/{study}/imports/preview",
                              files={"file": ("bomb.csv.gz", fh, "application/gzip")},
                              data={"rows": "5", "case": "case", "activity": "activity",
                                    "timestamp": "timestamp"})

        resp, peak, after = measured(srv, post)
        report(f"3 gzip bomb {size / MB:.1f} MB -> {inflated // MB} MiB preview", idle, peak, after,
               f"status {resp.status_code}: {resp.text[:90]}")


def attack_slow_headers(workdir: Path, n: int, rounds: int = 2) -> None:
    """Row 4: ``n`` connections that never finish their headers, ``rounds`` times; a valid
    request in the middle of each round; the server's open file descriptors sampled."""
    with server(workdir / "slow") as (srv, admin, _idle):
        assert srv.proc is not None
        pid = srv.proc.pid
        base_fds = open_fds(pid)
        log_before = srv.log_path.stat().st_size
        for round_no in range(1, rounds + 1):
            with Sampler(pid, open_fds) as fds:
                socks: list[socket.socket] = []
                errors = 0
                started = time.monotonic()
                for _ in range(n):
                    try:
                        s = socket.create_connection(("127.0.0.1", srv.port), timeout=10)
                        s.sendall(b"GET /api/v1/studies HTTP/1.1\r\nHost: x\r\nX-Slow: ")
                        socks.append(s)
                    except OSError:
                        errors += 1
                opened = time.monotonic() - started
                t0 = time.monotonic()
                with srv.client(admin) as c:
                    status = c.get("/api/v1/studies").status_code
                latency = time.monotonic() - t0
            for s in socks:
                s.close()
            peak_fds = fds.peak
            print(f"4 round {round_no}: {n} slow-header connections opened in {opened:.1f} s "
                  f"({errors} connect errors); valid request during it: {status} in "
                  f"{latency * 1000:.0f} ms; server open fds peak {peak_fds} (idle {base_fds})",
                  flush=True)
        time.sleep(1)
        grown = srv.log_path.stat().st_size - log_before
        print(f"4 server log grew {grown / 1024:.1f} KiB over {rounds} rounds", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes (the smoke test)")
    parser.add_argument("--only", default="1234", help="which attacks to run, e.g. 12 (default 1234)")
    args = parser.parse_args()
    big = 64 * MB if args.quick else 1024 * MB
    concurrency, n_items = (8, 2_700_000) if args.quick else (45, 2_700_000)
    with tempfile.TemporaryDirectory(prefix="taskloom-bench-attacks-") as tmp:
        work = Path(tmp)
        if "1" in args.only:
            attack_unauthenticated(work, big)
        if "2" in args.only:
            capped = attack_attrs(work, concurrency, n_items, {}, "capped")
            uncapped = attack_attrs(work, concurrency, n_items,
                                    {"TASKLOOM_MAX_BODY_MEMORY_BYTES": str(concurrency * 8 * MB)},
                                    "peer: no cap")
            print(f"2 ratio peak growth uncapped/capped: {uncapped / max(capped, 1):.1f}x",
                  flush=True)
        if "3" in args.only:
            attack_gzip_bomb(work, big)
        if "4" in args.only:
            attack_slow_headers(work, 300 if args.quick else 10_100)


if __name__ == "__main__":
    main()

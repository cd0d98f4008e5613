"""Attacks on a live collector over raw sockets, and the server's memory as the OS sees it.

Used by the regression tests (tests/collector/test_attacks.py, bounded sizes) and the
benchmark (tests/bench/bench_attacks.py, full sizes).
"""

from __future__ import annotations

import os
import select
import socket
import time
from dataclasses import dataclass
from pathlib import Path


def memory_kib(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM (peak resident set) of a process, in KiB, from /proc/<pid>/status."""
    out: dict[str, int] = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            out[name] = int(value.split()[0])
    return out


def open_fds(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


@dataclass
class Outcome:
    """What the server did with a streamed request: its status (None when it closed
    without one), how many body bytes we got to send, and how long it took."""

    status: int | None
    sent: int
    seconds: float
    head: bytes = b""


def _status(data: bytes) -> int | None:
    if not data.startswith(b"HTTP/1."):
        return None
    try:
        return int(data.split(b" ", 2)[1])
    except (IndexError, ValueError):
        return None


def stream_request(port: int, method: str, path: str, headers: dict[str, str], total: int,
                   *, chunked: bool = False, chunk: int = 1 << 20, fill: bytes = b" ",
                   prefix: bytes = b"", timeout: float = 60) -> Outcome:
    """Send a request whose body is ``prefix`` then ``fill`` bytes up to ``total`` bytes,
    stopping as soon as the server answers or closes; return its status.

    With ``chunked`` the body goes as Transfer-Encoding: chunked (no declared length),
    else with a Content-Length of ``total``.
    """
    started = time.monotonic()
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: close"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    lines.append("Transfer-Encoding: chunked" if chunked else f"Content-Length: {total}")
    sent = 0
    block = fill * chunk
    try:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
        while sent < total:
            readable, _, _ = select.select([sock], [], [], 0)
            if readable:
                break
            piece = (prefix + block)[:min(chunk, total - sent)] if sent == 0 else \
                block[:min(chunk, total - sent)]
            if chunked:
                sock.sendall(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
            else:
                sock.sendall(piece)
            sent += len(piece)
        else:
            if chunked:
                sock.sendall(b"0\r\n\r\n")
    except (BrokenPipeError, ConnectionResetError):
        pass
    data = b""
    try:
        while b"\r\n\r\n" not in data:
            got = sock.recv(65536)
            if not got:
                break
            data += got
    except (ConnectionResetError, TimeoutError):
        pass
    finally:
        sock.close()
    return Outcome(_status(data), sent, time.monotonic() - started, data)

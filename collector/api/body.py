"""Reading what a client sends, bounded while it streams: request bodies (size limit,
gzip, stall timeout) and file uploads (size limit, allowed suffixes)."""

from __future__ import annotations

import asyncio
import zlib
from pathlib import Path

from fastapi import HTTPException, Request, UploadFile

from taskloom.collector.limits import Limits
from taskloom.collector.services.files import safe_file_name

UPLOAD_SUFFIXES = (".csv", ".csv.gz", ".xes", ".xes.gz", ".parquet")


def _too_large(limits: Limits, what: str = "request body") -> HTTPException:
    return HTTPException(413, f"{what} is over the limit of {limits.max_body_bytes} bytes; "
                              "send smaller batches")


async def _collect(request: Request, limits: Limits) -> bytes:
    """The raw body, refusing more than the limit (413) as soon as it is passed."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limits.max_body_bytes:
        raise HTTPException(413, f"request body of {declared} bytes is over the limit of "
                                 f"{limits.max_body_bytes}; send smaller batches")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limits.max_body_bytes:
            raise _too_large(limits)
        chunks.append(chunk)
    return b"".join(chunks)


def inflate(body: bytes, encoding: str, limits: Limits) -> bytes:
    """The body decoded by its Content-Encoding (identity or gzip), bounded by the limit."""
    if encoding in ("", "identity"):
        return body
    if encoding not in ("gzip", "x-gzip"):
        raise HTTPException(415, f"Content-Encoding {encoding!r} is not supported; send gzip or none")
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    try:
        data = inflater.decompress(body, limits.max_body_bytes + 1)
    except zlib.error:
        raise HTTPException(400, "the body is not valid gzip; compress the whole JSON batch "
                                 "or drop Content-Encoding") from None
    if len(data) > limits.max_body_bytes:
        raise _too_large(limits, "decoded body")
    if not inflater.eof:
        raise HTTPException(400, "the gzip body is truncated; resend the batch")
    return data


async def read_raw(request: Request, limits: Limits) -> bytes:
    """The request body as sent (not inflated); 413 over the limit, 408 for a sender
    slower than the body timeout."""
    try:
        return await asyncio.wait_for(_collect(request, limits), limits.body_timeout_s)
    except TimeoutError:
        raise HTTPException(408, f"the request body did not arrive within "
                                 f"{limits.body_timeout_s:g} s; retry") from None


def encoding_of(request: Request) -> str:
    return request.headers.get("content-encoding", "identity").strip().lower()


def inflated_size(body: bytes, encoding: str, limits: Limits) -> int:
    """How big ``body`` says it is once decoded: its own length, or for gzip the size in
    its trailer (ISIZE). 413 at once when that is over the limit — a gzip bomb is refused
    without inflating a byte."""
    if encoding not in ("gzip", "x-gzip") or len(body) < 18:
        return len(body)
    size = int.from_bytes(body[-4:], "little")
    if size > limits.max_body_bytes:
        raise _too_large(limits, "decoded body")
    return size


async def save_upload(upload: UploadFile, limits: Limits, tmpdir: str) -> Path:
    """Write an uploaded log file into ``tmpdir``; 422 for a suffix we cannot read, 413
    over the upload limit."""
    name = safe_file_name(upload.filename or "upload.csv", "upload")
    if not name.lower().endswith(UPLOAD_SUFFIXES):
        raise HTTPException(422, f"{name}: upload a .csv, .csv.gz, .xes, .xes.gz or .parquet file")
    path = Path(tmpdir) / name
    size = 0
    with path.open("wb") as out:
        while chunk := await upload.read(1 << 20):
            size += len(chunk)
            if size > limits.max_upload_bytes:
                raise HTTPException(413, f"{name} is over the upload limit of "
                                         f"{limits.max_upload_bytes} bytes; import it with "
                                         "`taskloom import` on the server instead")
            out.write(chunk)
    return path

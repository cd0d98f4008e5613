"""Optional screenshots: grab (mss), black out windows, downscale, PNG, encrypt.

Off by default. When the policy turns them on, a screenshot is taken only while an
allow-listed app has focus; every other visible window is blacked out before the image
is scaled down, encoded and encrypted with the device key (Fernet) for the spool.
Pure Python on purpose (no numpy/Pillow in the agent): a downscaled frame costs tens of
milliseconds, once per screenshot interval.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable
from typing import Any

from taskloom.agent.capture import Frame, Rect


class MssScreenSource:
    """Grabs the whole virtual screen with mss."""

    def __init__(self) -> None:
        import mss

        factory = getattr(mss, "MSS", None) or mss.mss  # mss >= 10 renamed the class
        self._sct: Any = factory()

    def grab(self) -> Frame:
        shot = self._sct.grab(self._sct.monitors[0])
        return Frame(int(shot.width), int(shot.height), bytearray(shot.bgra))

    def close(self) -> None:
        self._sct.close()


def blackout(frame: Frame, rects: Iterable[Rect]) -> None:
    """Paint each rectangle (clipped to the frame) black, in place."""
    stride = frame.width * 4
    for rect in rects:
        x0, y0 = max(rect.x, 0), max(rect.y, 0)
        x1, y1 = min(rect.x + rect.width, frame.width), min(rect.y + rect.height, frame.height)
        if x0 >= x1 or y0 >= y1:
            continue
        zeros = bytes((x1 - x0) * 4)
        for row in range(y0, y1):
            start = row * stride + x0 * 4
            frame.bgra[start:start + len(zeros)] = zeros


def downscale(frame: Frame, max_width: int) -> Frame:
    """Nearest-neighbour downscale to at most ``max_width`` pixels wide (aspect kept)."""
    if frame.width <= max_width or max_width <= 0:
        return Frame(frame.width, frame.height, bytearray(frame.bgra))
    width = max_width
    height = max(1, frame.height * width // frame.width)
    stride = frame.width * 4
    cols = [(c * frame.width // width) * 4 for c in range(width)]
    src = bytes(frame.bgra)
    out = bytearray()
    for r in range(height):
        base = (r * frame.height // height) * stride
        row = src[base:base + stride]
        out += b"".join([row[c:c + 4] for c in cols])
    return Frame(width, height, out)


def to_png(frame: Frame) -> bytes:
    """Encode BGRA pixels as an RGB PNG (zlib only)."""
    stride = frame.width * 4
    raw = bytearray()
    for r in range(frame.height):
        row = frame.bgra[r * stride:(r + 1) * stride]
        rgb = bytearray(frame.width * 3)
        rgb[0::3] = row[2::4]
        rgb[1::3] = row[1::4]
        rgb[2::3] = row[0::4]
        raw += b"\x00" + rgb

    def chunk(tag: bytes, data: bytes) -> bytes:
        body = tag + data
        return len(data).to_bytes(4, "big") + body + zlib.crc32(body).to_bytes(4, "big")

    header = frame.width.to_bytes(4, "big") + frame.height.to_bytes(4, "big") + bytes([8, 2, 0, 0, 0])
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(bytes(raw), 6)) + chunk(b"IEND", b""))


def encrypt(key: bytes, data: bytes) -> bytes:
    """Fernet (AES-128-CBC + HMAC-SHA256) with the device key."""
    from cryptography.fernet import Fernet

    return Fernet(key).encrypt(data)


def decrypt(key: bytes, token: bytes) -> bytes:
    from cryptography.fernet import Fernet

    return Fernet(key).decrypt(token)

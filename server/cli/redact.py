"""Database passwords never reach the terminal: every line the CLI writes is masked.

``install()`` wraps ``sys.stdout`` and ``sys.stderr`` so that messages, log records,
uvicorn's logs and tracebacks alike pass through ``mask``: a password in a URL
(``scheme://user:***@host``), a ``password=…`` pair, and the literal password of every
URL registered with ``register_url`` (``--db``, ``TASKLOOM_DB``) become ``***``.
Standard output also has its control characters escaped (``base.printable``): what
commands print is stored or read text, never terminal control.
"""

from __future__ import annotations

import re
import sys
from typing import Any, TextIO, cast
from urllib.parse import unquote, urlsplit

from taskloom.server.cli.base import printable

MASK = "***"
#: scheme://user:PASSWORD@ — greedy to the last "@" of the token (an unescaped "@" in a
#: password must not leave its tail visible).
_URL_PASSWORD = re.compile(r"(\b[A-Za-z][A-Za-z0-9+.\-]*://[^\s:/@]*:)\S*@")
_KEY_PASSWORD = re.compile(r"(?i)(\bpassword\s*=\s*)('[^']*'|\"[^\"]*\"|[^\s,;)]+)")
_secrets: set[str] = set()


def register_url(url: str | None) -> None:
    """Mask this URL's password wherever it appears, even outside the URL."""
    if not url or "://" not in url:
        return
    try:
        password = urlsplit(url).password
    except ValueError:  # a malformed port: fall back to what is between ":" and "@"
        match = re.search(r"://[^\s:/@]*:(\S*)@", url)
        password = match.group(1) if match else None
    if not password:
        return
    # An unescaped "@" makes drivers split the password differently: mask each part too.
    for part in {password, unquote(password), *password.split("@")}:
        if len(part) >= 4:  # shorter ones would mask ordinary text
            _secrets.add(part)


def mask(text: str) -> str:
    """``text`` with URL passwords, password=… values and registered secrets as ***."""
    for secret in sorted(_secrets, key=len, reverse=True):
        if secret in text:
            text = text.replace(secret, MASK)
    if "://" in text:
        text = _URL_PASSWORD.sub(rf"\g<1>{MASK}@", text)
    if "assword" in text or "ASSWORD" in text:
        text = _KEY_PASSWORD.sub(rf"\g<1>{MASK}", text)
    return text


class MaskingStream:
    """A text stream that masks what is written and passes everything else through."""

    def __init__(self, inner: TextIO, escape: bool = False) -> None:
        self._inner = inner
        self._escape = escape

    def write(self, text: str) -> int:
        shown = mask(text)
        self._inner.write(printable(shown, keep_lines=True) if self._escape else shown)
        return len(text)

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


def install() -> None:
    """Mask sys.stdout and sys.stderr (idempotent)."""
    for name in ("stdout", "stderr"):
        stream = getattr(sys, name)
        if not isinstance(stream, MaskingStream):
            setattr(sys, name, cast(TextIO, MaskingStream(stream, escape=name == "stdout")))

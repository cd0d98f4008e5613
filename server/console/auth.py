"""Console authentication: argon2id passwords, session tokens, CSRF tokens, login limits.

Passwords are hashed with argon2id (argon2-cffi's RFC 9106 low-memory profile). A session
is a 256-bit random token in an HttpOnly, SameSite=Strict cookie; the database keeps only
its SHA-256. The CSRF token is an HMAC of the session token, so it needs no storage and
cannot be made without the cookie. Failed logins are limited per user name and per
client address in a sliding window.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from taskloom.collector.store import Store, now_ms
from taskloom.collector.store import console as users

MIN_PASSWORD = 10
MAX_PASSWORD = 1024
SESSION_COOKIE = "taskloom_session"
LOGIN_COOKIE = "taskloom_login"  # double-submit token of the login form (login CSRF)

_hasher = PasswordHasher()
# Verified when the user name is unknown, so a login takes as long either way.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


def check_password_rules(password: str) -> None:
    """Refuse passwords a console should not accept (ValueError with the rule)."""
    if len(password) < MIN_PASSWORD:
        raise ValueError(f"the password is too short: use at least {MIN_PASSWORD} characters "
                         "(a passphrase of several words is easiest to remember)")
    if len(password) > MAX_PASSWORD:
        raise ValueError(f"the password is longer than {MAX_PASSWORD} characters")


def hash_password(password: str) -> str:
    """The argon2id PHC string of ``password`` (after the length rules)."""
    check_password_rules(password)
    return _hasher.hash(password)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def csrf_for(session_token: str) -> str:
    """The CSRF token that goes with a session (an HMAC of its secret)."""
    return hmac.new(session_token.encode(), b"taskloom-csrf-v1", hashlib.sha256).hexdigest()


def csrf_ok(session_token: str, given: str | None) -> bool:
    return bool(given) and hmac.compare_digest(csrf_for(session_token), str(given))


def verify_login(store: Store, username: str, password: str) -> users.User | None:
    """The user when name and password match an enabled account, else None.

    Re-hashes the stored hash when argon2's parameters have been raised since.
    """
    found = store.credentials(username)
    if found is None or found.user.disabled:
        with contextlib.suppress(VerificationError):
            _hasher.verify(_DUMMY_HASH, password)
        return None
    try:
        _hasher.verify(found.password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None
    if _hasher.check_needs_rehash(found.password_hash):
        store.update_user(found.user.id, password_hash=_hasher.hash(password),
                          actor=f"user:{found.user.id}")
    return found.user


@dataclass(frozen=True, slots=True)
class NewSession:
    token: str
    csrf: str
    max_age_s: int


def start_session(store: Store, user: users.User, max_age_s: int) -> NewSession:
    """A fresh session for ``user`` (stored hashed); the token goes in the cookie."""
    token = secrets.token_urlsafe(32)
    store.create_session(user.id, token_hash(token), now_ms() + max_age_s * 1000)
    return NewSession(token, csrf_for(token), max_age_s)


class LoginLimiter:
    """Failed logins per user name and per client address within a window.

    Over the limit, further attempts are refused (even with the right password) until the
    oldest failure leaves the window; the caller answers 429 with Retry-After.
    """

    def __init__(self, per_user: int = 5, per_client: int = 20, window_s: float = 900.0) -> None:
        self.per_user, self.per_client, self.window_s = per_user, per_client, window_s
        self._fails: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _keys(self, username: str, client: str) -> list[tuple[str, int]]:
        return [(f"u:{username.strip().lower()}", self.per_user), (f"c:{client}", self.per_client)]

    def retry_after(self, username: str, client: str) -> int:
        """Seconds until another attempt is allowed (0: allowed now)."""
        now = time.monotonic()
        wait = 0.0
        with self._lock:
            for key, limit in self._keys(username, client):
                q = self._fails.get(key)
                while q and now - q[0] > self.window_s:
                    q.popleft()
                if q is not None and len(q) >= limit:
                    wait = max(wait, self.window_s - (now - q[0]))
        return int(wait) + 1 if wait > 0 else 0

    def failed(self, username: str, client: str) -> None:
        now = time.monotonic()
        with self._lock:
            for key, _ in self._keys(username, client):
                self._fails.setdefault(key, deque()).append(now)
            if len(self._fails) > 100_000:  # bound memory under a spray of names
                self._fails = {k: q for k, q in self._fails.items() if q and now - q[-1] < self.window_s}

    def succeeded(self, username: str) -> None:
        with self._lock:
            self._fails.pop(f"u:{username.strip().lower()}", None)

"""Secrets handed to agents and admins: random tokens, stored only as SHA-256 hashes.

Tokens are 256-bit random values, so a fast hash is enough (no password stretching
needed): a stolen database does not reveal a usable token.
"""

from __future__ import annotations

import hashlib
import secrets

ENROLL_PREFIX = "tle_"
DEVICE_PREFIX = "tld_"
ADMIN_PREFIX = "tla_"


def new_token(prefix: str) -> str:
    """A fresh random token with a readable prefix saying what it is for."""
    return prefix + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """The stored form of a token (hex SHA-256)."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_study_key() -> str:
    """A per-study HMAC key (hex) for agent.protocol.keyed_token."""
    return secrets.token_hex(32)

"""Secrets handed to admins and agents, and the admin and enrolment tokens area.

Tokens are 256-bit random values with a readable prefix, stored only as SHA-256 hashes:
a fast hash is enough (no password stretching needed), and a stolen database does not
reveal a usable token. Enrolment tokens are spent in ``DevicesArea.enroll``.
"""

from __future__ import annotations

import hashlib
import secrets

import sqlalchemy as sa

from taskloom.collector import schema as t
from taskloom.collector.store.audit import write_audit
from taskloom.collector.store.engine import StoreBase, now_ms
from taskloom.collector.store.errors import AuthError, NotFound, StoreError
from taskloom.collector.store.rows import (
    ADMIN_ROLE,
    Admin,
    AdminTokenInfo,
    EnrollmentTokenInfo,
    NewEnrollmentToken,
)
from taskloom.collector.store.studies import study_row

ENROLL_PREFIX = "tle_"
DEVICE_PREFIX = "tld_"
ADMIN_PREFIX = "tla_"


def new_token(prefix: str) -> str:
    """A fresh random token with a readable prefix saying what it is for."""
    return prefix + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """The stored form of a token (hex SHA-256)."""
    return hashlib.sha256(token.encode()).hexdigest()


class TokensArea(StoreBase):
    """Admin tokens (the API's admins) and enrolment tokens (for agent installers)."""

    def create_admin_token(self, label: str = "", actor: str = "cli") -> str:
        """A new admin token (printed once; only its hash is kept)."""
        token = new_token(ADMIN_PREFIX)
        with self._write() as conn:
            res = conn.execute(t.admin_tokens.insert().values(
                token_hash=hash_token(token), role=ADMIN_ROLE, label=label,
                revoked=False, created_at=now_ms(),
            ))
            write_audit(conn, actor, "admin_token.create", "admin_token",
                        res.inserted_primary_key[0] if res.inserted_primary_key else None,
                        label=label)
        return token

    def ensure_admin_token(self, token: str, label: str = "bootstrap") -> None:
        """Register a token given in the configuration (idempotent)."""
        digest = hash_token(token)
        with self._write() as conn:
            found = conn.execute(sa.select(t.admin_tokens.c.id).where(
                t.admin_tokens.c.token_hash == digest)).first()
            if found is None:
                conn.execute(t.admin_tokens.insert().values(
                    token_hash=digest, role=ADMIN_ROLE, label=label, revoked=False,
                    created_at=now_ms()))

    def has_admin_tokens(self) -> bool:
        with self._read() as conn:
            return conn.execute(sa.select(sa.func.count()).select_from(t.admin_tokens).where(
                t.admin_tokens.c.revoked.is_(False))).scalar_one() > 0

    def authenticate_admin(self, token: str) -> Admin:
        """The admin behind a token; AuthError when unknown or revoked."""
        with self._read() as conn:
            row = conn.execute(sa.select(t.admin_tokens.c.id, t.admin_tokens.c.role,
                                         t.admin_tokens.c.revoked).where(
                t.admin_tokens.c.token_hash == hash_token(token))).first()
        if row is None or row.revoked:
            raise AuthError("admin token unknown or revoked; create one with `taskloom admin token`")
        return Admin(token_id=row.id, role=row.role)

    def list_admin_tokens(self) -> list[AdminTokenInfo]:
        a = t.admin_tokens
        with self._read() as conn:
            rows = conn.execute(sa.select(a.c.id, a.c.label, a.c.role, a.c.revoked,
                                          a.c.created_at).order_by(a.c.id)).all()
        return [AdminTokenInfo(id=r.id, label=r.label, role=r.role, revoked=bool(r.revoked),
                               created_at=r.created_at) for r in rows]

    def revoke_admin_token(self, token: int | str, actor: str = "cli") -> int:
        """Revoke an admin token given by its id or its text; its next request gets 401.
        Returns the token's id; NotFound when there is no such token."""
        a = t.admin_tokens
        where = (a.c.token_hash == hash_token(token)
                 if isinstance(token, str) and token.startswith(ADMIN_PREFIX)
                 else a.c.id == _token_id(token, "admin"))
        with self._write() as conn:
            row = conn.execute(sa.select(a.c.id).where(where)).first()
            if row is None:
                raise NotFound("no such admin token; list them with `taskloom admin token list`")
            conn.execute(a.update().where(a.c.id == row.id).values(revoked=True))
            write_audit(conn, actor, "admin_token.revoke", "admin_token", row.id)
        return int(row.id)

    def create_enrollment_token(self, study: int | str, uses: int = 1,
                                expires_s: int = 7 * 86400, actor: str = "cli") -> NewEnrollmentToken:
        """A new enrolment token for a study; the token itself is returned once."""
        if uses < 1:
            raise StoreError("--uses must be at least 1")
        if expires_s <= 0:
            raise StoreError("the expiry must be in the future")
        token = new_token(ENROLL_PREFIX)
        with self._write() as conn:
            study_id = study_row(conn, study).id
            expires_at = now_ms() + expires_s * 1000
            res = conn.execute(t.enrollment_tokens.insert().values(
                token_hash=hash_token(token), study_id=study_id, expires_at=expires_at,
                max_uses=uses, uses=0, created_at=now_ms()))
            token_id = int(res.inserted_primary_key[0])  # type: ignore[index]
            write_audit(conn, actor, "enrollment_token.create", "study", study_id,
                        token_id=token_id, uses=uses, expires_at=expires_at)
        return NewEnrollmentToken(id=token_id, token=token, study_id=study_id,
                                  expires_at=expires_at, max_uses=uses)

    def list_enrollment_tokens(self, study_id: int) -> list[EnrollmentTokenInfo]:
        et = t.enrollment_tokens
        with self._read() as conn:
            rows = conn.execute(sa.select(et.c.id, et.c.study_id, et.c.expires_at, et.c.max_uses,
                                          et.c.uses, et.c.created_at).where(
                et.c.study_id == study_id).order_by(et.c.id)).all()
        return [EnrollmentTokenInfo(**r._asdict()) for r in rows]


def _token_id(token: int | str, what: str) -> int:
    try:
        return int(token)
    except ValueError:
        raise NotFound(f"{token!r} is neither an {what} token id (a number) nor an {what} token; "
                       f"list them with `taskloom {what} token list`") from None

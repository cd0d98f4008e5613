"""The console's area of the store: users, the studies granted to them, login sessions,
revoking enrolment tokens, and today's events per device for the fleet view.

SQLAlchemy Core over the store's engine (SQLite or PostgreSQL), typed rows out. Password
hashing and session tokens are made by the console (``server/console/auth.py``); this
module only keeps what it is given: argon2id hashes and SHA-256 hashes of session tokens.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from taskloom.collector import schema as t
from taskloom.collector.store.engine import StoreBase, now_ms
from taskloom.collector.store.errors import Conflict, NotFound, StoreError

ROLES = ("viewer", "analyst", "admin")  # each role may do what the ones before it may
USERNAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$")


@dataclass(frozen=True, slots=True)
class User:
    """A console user; ``studies`` are the granted study ids (admins see every study)."""

    id: int
    username: str
    role: str
    disabled: bool
    created_at: int
    studies: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Credentials:
    """What a login checks: the user and the stored password hash."""

    user: User
    password_hash: str


def _audit(conn: Connection, actor: str, action: str, object_id: object, **details: object) -> None:
    conn.execute(t.audit_log.insert().values(
        at=now_ms(), actor=actor, action=action, object_type="console_user",
        object_id=str(object_id), details=details))

def check_role(role: str) -> str:
    if role not in ROLES:
        raise StoreError(f"role {role!r} is not one of {', '.join(ROLES)}")
    return role

def check_username(username: str) -> str:
    username = username.strip()
    if not USERNAME.match(username):
        raise StoreError(f"user name {username!r}: use 1-64 letters, digits, '.', '_', '@' or '-' "
                         "(starting with a letter or digit)")
    return username

def _study_ids(conn: Connection, studies: Iterable[int | str]) -> list[int]:
    """Study ids for ids or names; NotFound naming the first unknown one."""
    out: list[int] = []
    for study in studies:
        col = t.studies.c.id if isinstance(study, int) else t.studies.c.name
        found = conn.execute(sa.select(t.studies.c.id).where(col == study)).scalar()
        if found is None:
            raise NotFound(f"no study {study!r}; list them with `taskloom study list`")
        out.append(int(found))
    return sorted(set(out))

def _grants(conn: Connection, user_ids: list[int]) -> dict[int, tuple[int, ...]]:
    g = t.console_grants
    rows = conn.execute(sa.select(g.c.user_id, g.c.study_id).where(g.c.user_id.in_(user_ids))
                        .order_by(g.c.user_id, g.c.study_id)).all() if user_ids else []
    out: dict[int, list[int]] = {}
    for uid, sid in rows:
        out.setdefault(int(uid), []).append(int(sid))
    return {k: tuple(v) for k, v in out.items()}

def _users(conn: Connection, where: sa.ColumnElement[bool] | None = None) -> list[User]:
    u = t.console_users
    stmt = sa.select(u.c.id, u.c.username, u.c.role, u.c.disabled, u.c.created_at).order_by(u.c.id)
    if where is not None:
        stmt = stmt.where(where)
    rows = conn.execute(stmt).all()
    grants = _grants(conn, [int(r.id) for r in rows])
    return [User(int(r.id), r.username, r.role, bool(r.disabled), int(r.created_at),
                 grants.get(int(r.id), ())) for r in rows]


class ConsoleArea(StoreBase):
    """Console users, their grants and sessions (``server/console`` makes the hashes)."""

    def create_user(self, username: str, password_hash: str, role: str,
                    studies: Iterable[int | str] = (), actor: str = "cli") -> User:
        """A new user with an argon2id hash; Conflict when the name is taken."""
        username, role = check_username(username), check_role(role)
        now = now_ms()
        with self._write() as conn:
            u = t.console_users
            if conn.execute(sa.select(u.c.id).where(u.c.username == username)).first():
                raise Conflict(f"a user named {username!r} already exists; pick another name "
                               "or change that user's password")
            study_ids = _study_ids(conn, studies)
            res = conn.execute(u.insert().values(
                username=username, password_hash=password_hash, role=role, disabled=False,
                created_at=now, password_changed_at=now))
            user_id = int(res.inserted_primary_key[0])  # type: ignore[index]
            if study_ids:
                conn.execute(t.console_grants.insert(),
                             [{"user_id": user_id, "study_id": s} for s in study_ids])
            _audit(conn, actor, "user.create", user_id, username=username, role=role,
                   studies=study_ids)
        return self.get_user(user_id)

    def get_user(self, user: int | str) -> User:
        """A user by id or name; NotFound otherwise."""
        u = t.console_users
        with self._read() as conn:
            found = _users(conn, (u.c.id if isinstance(user, int) else u.c.username) == user)
        if not found:
            raise NotFound(f"no user {user!r}; list them with `taskloom user list`")
        return found[0]

    def list_users(self) -> list[User]:
        with self._read() as conn:
            return _users(conn)

    def count_admins(self) -> int:
        u = t.console_users
        with self._read() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(u).where(
                u.c.role == "admin", u.c.disabled.is_(False))).scalar_one())

    def credentials(self, username: str) -> Credentials | None:
        """The user called ``username`` with their password hash, or None."""
        u = t.console_users
        with self._read() as conn:
            row = conn.execute(sa.select(u.c.id, u.c.password_hash).where(
                u.c.username == username.strip())).first()
            if row is None:
                return None
            user = _users(conn, u.c.id == row.id)[0]
        return Credentials(user, str(row.password_hash))

    def update_user(self, user_id: int, *, role: str | None = None,
                    studies: Iterable[int | str] | None = None, disabled: bool | None = None,
                    password_hash: str | None = None, actor: str = "cli") -> User:
        """Change a user's role, grants, disabled flag or password.

        A new password or disabling ends every session of the user (a real logout everywhere).
        """
        u = t.console_users
        values: dict[str, object] = {}
        if role is not None:
            values["role"] = check_role(role)
        if disabled is not None:
            values["disabled"] = disabled
        if password_hash is not None:
            values["password_hash"] = password_hash
            values["password_changed_at"] = now_ms()
        with self._write() as conn:
            if conn.execute(sa.select(u.c.id).where(u.c.id == user_id)).first() is None:
                raise NotFound(f"no user {user_id}; list them with `taskloom user list`")
            if values:
                conn.execute(u.update().where(u.c.id == user_id).values(**values))
            if studies is not None:
                study_ids = _study_ids(conn, studies)
                conn.execute(t.console_grants.delete().where(t.console_grants.c.user_id == user_id))
                if study_ids:
                    conn.execute(t.console_grants.insert(),
                                 [{"user_id": user_id, "study_id": s} for s in study_ids])
            if password_hash is not None or disabled:
                conn.execute(t.console_sessions.delete().where(
                    t.console_sessions.c.user_id == user_id))
            changed = sorted(k for k in values if k != "password_changed_at")
            _audit(conn, actor, "user.update", user_id,
                   fields=changed + (["studies"] if studies is not None else []))
        return self.get_user(user_id)

    def delete_user(self, user_id: int, actor: str = "cli") -> None:
        u = t.console_users
        with self._write() as conn:
            for table in (t.console_sessions, t.console_grants):
                conn.execute(table.delete().where(table.c.user_id == user_id))
            if conn.execute(u.delete().where(u.c.id == user_id)).rowcount != 1:
                raise NotFound(f"no user {user_id}; list them with `taskloom user list`")
            _audit(conn, actor, "user.delete", user_id)

    # ---- sessions

    def create_session(self, user_id: int, token_hash: str, expires_at: int) -> None:
        now = now_ms()
        with self._write() as conn:
            conn.execute(t.console_sessions.delete().where(t.console_sessions.c.expires_at <= now))
            conn.execute(t.console_sessions.insert().values(
                token_hash=token_hash, user_id=user_id, created_at=now, last_seen=now,
                expires_at=expires_at))
            _audit(conn, f"user:{user_id}", "session.login", user_id)

    def session_user(self, token_hash: str, idle_ms: int, touch_after_ms: int = 60_000
                     ) -> User | None:
        """The enabled user of a live session (not expired, not idle longer than ``idle_ms``).

        ``last_seen`` is written at most once per ``touch_after_ms`` so reads stay reads.
        """
        s = t.console_sessions
        now = now_ms()
        with self._read() as conn:
            row = conn.execute(sa.select(s.c.user_id, s.c.last_seen, s.c.expires_at).where(
                s.c.token_hash == token_hash)).first()
            if row is None or row.expires_at <= now or now - row.last_seen > idle_ms:
                return None
            users = _users(conn, t.console_users.c.id == row.user_id)
        if not users or users[0].disabled:
            return None
        if now - row.last_seen > touch_after_ms:
            with self._write() as conn:
                conn.execute(s.update().where(s.c.token_hash == token_hash).values(last_seen=now))
        return users[0]

    def delete_session(self, token_hash: str) -> None:
        with self._write() as conn:
            row = conn.execute(sa.select(t.console_sessions.c.user_id).where(
                t.console_sessions.c.token_hash == token_hash)).first()
            conn.execute(t.console_sessions.delete().where(
                t.console_sessions.c.token_hash == token_hash))
            if row is not None:
                _audit(conn, f"user:{row.user_id}", "session.logout", row.user_id)

    def count_sessions(self, user_id: int) -> int:
        s = t.console_sessions
        with self._read() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(s).where(
                s.c.user_id == user_id, s.c.expires_at > now_ms())).scalar_one())

    def revoke_enrollment_token(self, study_id: int, token_id: int, actor: str = "cli") -> None:
        """End an enrolment token now (it stays listed as expired); devices already enrolled stay."""
        et = t.enrollment_tokens
        now = now_ms()
        with self._write() as conn:
            res = conn.execute(et.update().where(et.c.id == token_id, et.c.study_id == study_id)
                               .values(expires_at=sa.func.least(et.c.expires_at, now)
                                       if not self.is_sqlite else sa.func.min(et.c.expires_at, now)))
            if res.rowcount != 1:
                raise NotFound(f"no enrolment token {token_id} in study {study_id}")
            conn.execute(t.audit_log.insert().values(
                at=now, actor=actor, action="enrollment_token.revoke", object_type="study",
                object_id=str(study_id), details={"token_id": token_id}))

    def events_since(self, study_ids: Iterable[int], since_ms: int) -> dict[str, int]:
        """UI events per device received for events timed at or after ``since_ms``."""
        e = t.ui_events
        ids = list(study_ids)
        if not ids:
            return {}
        stmt = (sa.select(e.c.device_id, sa.func.count()).where(e.c.study_id.in_(ids), e.c.ts >= since_ms)
                .group_by(e.c.device_id))
        with self._read() as conn:
            return {str(d): int(n) for d, n in conn.execute(stmt).all()}

"""Console users, grants and sessions on every backend (SQLite file and PostgreSQL)."""

from __future__ import annotations

import pytest

from taskloom.collector.store import Conflict, NotFound, Store, StoreError


def test_users_grants_and_sessions(store: Store) -> None:
    a = store.create_study("ward-a")
    b = store.create_study("ward-b")
    ann = store.create_user("ann", "$argon2id$fake", "analyst", ["ward-a", b.id])
    assert ann.studies == (a.id, b.id) and ann.role == "analyst" and not ann.disabled
    with pytest.raises(Conflict, match="already exists"):
        store.create_user("ann", "x", "viewer")
    with pytest.raises(StoreError, match="role 'boss'"):
        store.create_user("zed", "x", "boss")
    with pytest.raises(StoreError, match="user name"):
        store.create_user("has space", "x", "viewer")
    with pytest.raises(NotFound, match="no study 'ward-z'"):
        store.create_user("zed", "x", "viewer", ["ward-z"])
    assert store.credentials("ann").password_hash == "$argon2id$fake"  # type: ignore[union-attr]
    assert store.credentials("nobody") is None

    store.create_session(ann.id, "h" * 64, expires_at=2**62)
    assert store.session_user("h" * 64, idle_ms=3_600_000) == ann
    assert store.session_user("x" * 64, idle_ms=3_600_000) is None
    assert store.session_user("h" * 64, idle_ms=-1) is None  # idle too long
    ann = store.update_user(ann.id, studies=[a.id], role="viewer")
    assert ann.studies == (a.id,) and ann.role == "viewer"
    assert store.count_sessions(ann.id) == 1  # a role change keeps the session
    store.update_user(ann.id, password_hash="$argon2id$new")
    assert store.count_sessions(ann.id) == 0  # a new password ends every session
    store.create_session(ann.id, "k" * 64, expires_at=2**62)
    store.update_user(ann.id, disabled=True)
    assert store.session_user("k" * 64, idle_ms=3_600_000) is None

    store.delete_study(a.id)  # grants go with the study
    assert store.get_user("ann").studies == ()
    store.delete_user(ann.id)
    with pytest.raises(NotFound):
        store.get_user("ann")
    assert [e.action for e in store.audit_entries(20)].count("user.create") == 1


def test_revoking_an_enrolment_token(store: Store) -> None:
    study = store.create_study("s")
    token = store.create_enrollment_token(study.id, uses=5)
    store.revoke_enrollment_token(study.id, token.id, actor="test")
    from taskloom.collector.store import AuthError

    with pytest.raises(AuthError, match="expired"):
        store.enroll(token.token, "host")
    with pytest.raises(NotFound):
        store.revoke_enrollment_token(study.id + 1, token.id)

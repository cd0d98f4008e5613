"""Console users, grants and sessions on every backend (SQLite file and PostgreSQL)."""

from __future__ import annotations

import pytest

from taskloom.collector import console_store as users
from taskloom.collector.store import Conflict, NotFound, Store, StoreError


def test_users_grants_and_sessions(store: Store) -> None:
    a = store.create_study("ward-a")
    b = store.create_study("ward-b")
    ann = users.create_user(store, "ann", "$argon2id$fake", "analyst", ["ward-a", b["id"]])
    assert ann.studies == (a["id"], b["id"]) and ann.role == "analyst" and not ann.disabled
    with pytest.raises(Conflict, match="already exists"):
        users.create_user(store, "ann", "x", "viewer")
    with pytest.raises(StoreError, match="role 'boss'"):
        users.create_user(store, "zed", "x", "boss")
    with pytest.raises(StoreError, match="user name"):
        users.create_user(store, "has space", "x", "viewer")
    with pytest.raises(NotFound, match="no study 'ward-z'"):
        users.create_user(store, "zed", "x", "viewer", ["ward-z"])
    assert users.credentials(store, "ann").password_hash == "$argon2id$fake"  # type: ignore[union-attr]
    assert users.credentials(store, "nobody") is None

    users.create_session(store, ann.id, "h" * 64, expires_at=2**62)
    assert users.session_user(store, "h" * 64, idle_ms=3_600_000) == ann
    assert users.session_user(store, "x" * 64, idle_ms=3_600_000) is None
    assert users.session_user(store, "h" * 64, idle_ms=-1) is None  # idle too long
    ann = users.update_user(store, ann.id, studies=[a["id"]], role="viewer")
    assert ann.studies == (a["id"],) and ann.role == "viewer"
    assert users.count_sessions(store, ann.id) == 1  # a role change keeps the session
    users.update_user(store, ann.id, password_hash="$argon2id$new")
    assert users.count_sessions(store, ann.id) == 0  # a new password ends every session
    users.create_session(store, ann.id, "k" * 64, expires_at=2**62)
    users.update_user(store, ann.id, disabled=True)
    assert users.session_user(store, "k" * 64, idle_ms=3_600_000) is None

    store.delete_study(a["id"])  # grants go with the study
    assert users.get_user(store, "ann").studies == ()
    users.delete_user(store, ann.id)
    with pytest.raises(NotFound):
        users.get_user(store, "ann")
    assert [e["action"] for e in store.audit_entries(20)].count("user.create") == 1


def test_revoking_an_enrolment_token(store: Store) -> None:
    study = store.create_study("s")
    token = store.create_enrollment_token(study["id"], uses=5)
    users.revoke_enrollment_token(store, study["id"], token["id"], actor="test")
    from taskloom.collector.store import AuthError

    with pytest.raises(AuthError, match="expired"):
        store.enroll(token["token"], "host")
    with pytest.raises(NotFound):
        users.revoke_enrollment_token(store, study["id"] + 1, token["id"])

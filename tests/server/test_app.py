"""The server app and its settings (in-process; the live server is in tests/collector)."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from taskloom.collector.store import Store, normalize_url
from taskloom.server.app import create_app
from taskloom.server.config import load_settings


def test_settings_from_environment_and_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    conf = tmp_path / "taskloom.env"
    conf.write_text("TASKLOOM_PORT=9001\nTASKLOOM_RATE_PER_S=3\nTASKLOOM_DB=sqlite:////x.db\n")
    monkeypatch.setenv("TASKLOOM_CONFIG", str(conf))
    monkeypatch.setenv("TASKLOOM_RATE_PER_S", "7")  # the environment wins over the file
    settings = load_settings(port=None)
    assert settings.port == 9001 and settings.rate_per_s == 7 and settings.db == "sqlite:////x.db"
    assert settings.admin_token is None  # no default secret
    assert load_settings(port=8000).port == 8000
    assert settings.limits().rate_per_s == 7


def test_postgresql_urls_use_psycopg3() -> None:
    assert normalize_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalize_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalize_url("postgresql+psycopg://u@h/db") == "postgresql+psycopg://u@h/db"


def test_configured_admin_token_is_accepted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TASKLOOM_ADMIN_TOKEN", "tla_from-the-deployment-secret-store")
    store = Store.open(f"sqlite:///{tmp_path / 'app.db'}")
    try:
        app = create_app(store, load_settings())
        with TestClient(app) as client:
            ok = client.get("/api/v1/studies",
                            headers={"Authorization": "Bearer tla_from-the-deployment-secret-store"})
            bad = client.get("/api/v1/studies", headers={"Authorization": "Bearer tla_other"})
            spec = client.get("/openapi.json", headers={
                "Authorization": "Bearer tla_from-the-deployment-secret-store"}).json()
    finally:
        store.close()
    assert ok.status_code == 200 and bad.status_code == 401
    assert "HTTPValidationError" not in spec["components"]["schemas"]


def test_empty_admin_token_setting_means_none_and_short_is_refused(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from taskloom.server.config import ConfigError

    store = Store.open(f"sqlite:///{tmp_path / 'app.db'}")
    try:
        monkeypatch.setenv("TASKLOOM_ADMIN_TOKEN", "")
        create_app(store, load_settings())
        assert not store.has_admin_tokens()
        monkeypatch.setenv("TASKLOOM_ADMIN_TOKEN", "short")
        with pytest.raises(ConfigError, match="too short"):
            create_app(store, load_settings())
    finally:
        store.close()


def test_unstorable_values_are_422_not_500(tmp_path: Path) -> None:
    """Found by schemathesis: integers beyond 64 bits and lone surrogates crashed the store."""
    store = Store.open(f"sqlite:///{tmp_path / 'app.db'}")
    token = store.create_admin_token()
    try:
        with TestClient(create_app(store, load_settings())) as client:
            auth = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
            big = client.post("/api/v1/studies", headers=auth,
                              content=b'{"name": "s", "settings": {"a": 108436456837089337540608}}')
            surrogate = client.post("/api/v1/studies", headers=auth,
                                    content=b'{"name": "\\udb81x"}')
            listed = client.get("/api/v1/studies", headers=auth).json()
    finally:
        store.close()
    assert big.status_code == 422 and "64 bits" in big.json()["detail"]
    assert surrogate.status_code == 422
    assert listed == []


def test_api_docs_setting_turns_the_pages_on_for_admins_only(tmp_path: Path) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'app.db'}")
    token = store.create_admin_token()
    try:
        with TestClient(create_app(store, load_settings(api_docs=True))) as client:
            anon = client.get("/docs")
            admin = client.get("/docs", headers={"Authorization": f"Bearer {token}"})
        with TestClient(create_app(store, load_settings())) as client:
            off = client.get("/docs", headers={"Authorization": f"Bearer {token}"})
    finally:
        store.close()
    assert anon.status_code == 401
    assert admin.status_code == 200 and "swagger" in admin.text.lower()
    assert off.status_code == 404

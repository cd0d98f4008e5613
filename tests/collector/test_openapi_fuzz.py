"""schemathesis over the collector's OpenAPI spec, with valid admin and device tokens.

Every operation gets generated requests (valid and edge-case bodies, queries, path ids,
uploads); no answer may be a server error, and answers must match the documented schemas.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from taskloom.collector.store import Store
from taskloom.server.app import create_app
from taskloom.server.config import Settings
from tests.collector.factories import wire_batch


@pytest.fixture(scope="module")
def fuzz_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    db = tmp_path_factory.mktemp("fuzz") / "fuzz.db"
    store = Store.open(f"sqlite:///{db}")
    study = store.create_study("fuzz-study")
    enrolled = store.enroll(store.create_enrollment_token(study.id, uses=5).token, "fuzz-host")
    device = store.authenticate_device(enrolled.device_token)
    from taskloom.collector.store import now_ms
    from taskloom.collector.validate import validate_batch

    store.ingest(device, validate_batch(wire_batch(20), device.id, device.study_id, now_ms()))
    app = create_app(store, Settings(rate_per_s=1e6, rate_burst=1e6))
    yield {"app": app, "admin": store.create_admin_token(), "device": enrolled.device_token}
    store.close()


@pytest.fixture(scope="module")
def api_schema(fuzz_env: dict[str, Any]) -> Any:
    return schemathesis.openapi.from_asgi(
        "/openapi.json", fuzz_env["app"], headers={"Authorization": f"Bearer {fuzz_env['admin']}"})


_DEVICE_PATHS = ("/api/v1/events", "/api/v1/agent/policy", "/api/v1/agent/heartbeat")


def _headers(path: str, env: dict[str, Any]) -> dict[str, str]:
    if path == "/api/v1/agent/enroll":
        return {}
    token = env["device"] if path in _DEVICE_PATHS else env["admin"]
    return {"Authorization": f"Bearer {token}"}


# schemathesis' lazy pytest fixture loader does not run on pytest 9, so the operations
# are driven through hypothesis here directly: one strategy per operation.
@pytest.mark.slow
def test_no_server_errors(api_schema: Any, fuzz_env: dict[str, Any]) -> None:
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 15
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=int(os.environ.get("TASKLOOM_FUZZ_EXAMPLES", "30")), deadline=None, suppress_health_check=list(HealthCheck),
                  database=None)
        def check(case: Any) -> None:
            if case.path == "/api/v1/studies/{study_id}" and case.method == "DELETE":
                case.path_parameters = {"study_id": 10_000}  # keep the study other cases use
            if case.path == "/api/v1/admin-tokens/{token_id}" and case.method == "DELETE":
                case.path_parameters = {"token_id": 10_000}  # keep the token the cases use
            case.call_and_validate(headers=_headers(case.path, fuzz_env),
                                   checks=[not_a_server_error, response_schema_conformance])

        check()


def test_spec_documents_every_route(api_schema: Any) -> None:
    paths = set(api_schema.raw_schema["paths"])
    for route in ("/api/v1/agent/enroll", "/api/v1/events", "/api/v1/agent/policy",
                  "/api/v1/agent/heartbeat", "/api/v1/studies", "/api/v1/devices",
                  "/api/v1/studies/{study_id}/imports", "/api/v1/studies/{study_id}/export"):
        assert route in paths

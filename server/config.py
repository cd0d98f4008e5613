"""The server's settings in one typed place (pydantic-settings).

Read from environment variables ``TASKLOOM_*`` and, when ``TASKLOOM_CONFIG`` names one,
a dotenv-style file (``TASKLOOM_DB=postgresql://…`` lines); the environment wins.
Secrets are never defaulted: a deployment that wants a fixed admin token sets
``TASKLOOM_ADMIN_TOKEN`` itself; otherwise admin tokens come from ``taskloom admin token``.
"""

from __future__ import annotations

import os
from typing import Any

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from taskloom.agent.protocol import MAX_BATCH_EVENTS, MAX_BODY_BYTES


class Settings(BaseSettings):
    """Everything `taskloom serve` can be told; CLI options override these."""

    model_config = SettingsConfigDict(env_prefix="TASKLOOM_", extra="ignore")

    db: str | None = Field(default=None, description="database URL; unset = the embedded SQLite file")
    host: str = "127.0.0.1"
    port: int = Field(default=8765, ge=0, le=65535)
    admin_token: SecretStr | None = Field(
        default=None, description="an admin token to register at start (no default on purpose)")
    max_body_bytes: int = Field(default=MAX_BODY_BYTES, ge=1024)
    max_batch_events: int = Field(default=MAX_BATCH_EVENTS, ge=1)
    rate_per_s: float = Field(default=20.0, gt=0, description="requests/s per device (token bucket)")
    rate_burst: float = Field(default=40.0, ge=1)
    body_timeout_s: float = Field(default=30.0, gt=0)
    keepalive_timeout_s: int = Field(default=5, ge=1)
    max_upload_bytes: int = Field(default=512 * 1024 * 1024, ge=1024)
    session_idle_s: int = Field(default=8 * 3600, ge=60,
                                description="console: a session unused this long ends")
    session_max_s: int = Field(default=12 * 3600, ge=60,
                               description="console: a session ends this long after login")
    cookie_secure: str = Field(default="auto", pattern="^(auto|always|never)$",
                               description="console cookies' Secure flag: auto = when the "
                                           "request came over https (or X-Forwarded-Proto)")
    console_warm_studies: int = Field(
        default=2, ge=0, le=50,
        description="console: studies whose logs are loaded for analysis at start (newest "
                    "imports first), so their first map opens fast; 0 = none")
    log_level: str = "info"
    http: str = Field(default="auto", description="uvicorn HTTP parser: auto, h11 or httptools")
    loop: str = Field(default="auto", description="event loop: auto, asyncio or uvloop")


def load_settings(**overrides: object) -> Settings:
    """Settings from the environment (and TASKLOOM_CONFIG's file); non-None overrides win."""
    env_file = os.environ.get("TASKLOOM_CONFIG")
    given: dict[str, Any] = {k: v for k, v in overrides.items() if v is not None}
    return Settings(_env_file=env_file, **given)  # type: ignore[call-arg]

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

from taskloom.collector.limits import Limits
from taskloom.errors import UserError

#: The request limits' defaults live in one place: collector.limits.Limits.
_LIMITS = Limits()


class ConfigError(UserError):
    """A setting that cannot work; the message names the variable and the fix."""


class Settings(BaseSettings):
    """Everything `taskloom serve` can be told; CLI options override these."""

    model_config = SettingsConfigDict(env_prefix="TASKLOOM_", extra="ignore")

    db: str | None = Field(default=None, description="database URL; unset = the embedded SQLite file")
    host: str = "127.0.0.1"
    port: int = Field(default=8765, ge=0, le=65535)
    admin_token: SecretStr | None = Field(
        default=None, description="an admin token to register at start (no default on purpose)")
    max_body_bytes: int = Field(default=_LIMITS.max_body_bytes, ge=1024)
    max_batch_events: int = Field(default=_LIMITS.max_batch_events, ge=1)
    rate_per_s: float = Field(default=_LIMITS.rate_per_s, gt=0,
                              description="requests/s per device (token bucket)")
    rate_burst: float = Field(default=_LIMITS.rate_burst, ge=1)
    body_timeout_s: float = Field(default=_LIMITS.body_timeout_s, gt=0)
    keepalive_timeout_s: int = Field(default=5, ge=1)
    max_upload_bytes: int = Field(default=_LIMITS.max_upload_bytes, ge=1024)
    max_json_bytes: int = Field(default=_LIMITS.max_json_bytes, ge=1024,
                                description="any request body but /events and uploads")
    max_body_memory_bytes: int = Field(default=_LIMITS.max_body_memory_bytes, ge=1024,
                                       description="bytes of /events bodies in memory at once")
    max_attrs_bytes: int = Field(default=_LIMITS.max_attrs_bytes, ge=256)
    max_attrs_depth: int = Field(default=_LIMITS.max_attrs_depth, ge=1, le=200)
    max_attrs_items: int = Field(default=_LIMITS.max_attrs_items, ge=1)
    auth_fail_per_s: float = Field(default=_LIMITS.auth_fail_per_s, gt=0,
                                   description="failed authentications/s per client address")
    auth_fail_burst: float = Field(default=_LIMITS.auth_fail_burst, ge=1)
    header_timeout_s: float = Field(default=_LIMITS.header_timeout_s, gt=0,
                                    description="a request's headers must arrive within this")
    max_connections: int = Field(default=_LIMITS.max_connections, ge=1,
                                 description="open connections; new ones are closed above")
    api_docs: bool = Field(default=False, description="serve /docs and /redoc (Swagger UI and "
                                                      "ReDoc load from a CDN; admins only)")
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


    def limits(self) -> Limits:
        """The collector's request limits these settings ask for."""
        return Limits(
            max_body_bytes=self.max_body_bytes, max_batch_events=self.max_batch_events,
            rate_per_s=self.rate_per_s, rate_burst=self.rate_burst,
            body_timeout_s=self.body_timeout_s, max_upload_bytes=self.max_upload_bytes,
            max_json_bytes=self.max_json_bytes, max_body_memory_bytes=self.max_body_memory_bytes,
            max_attrs_bytes=self.max_attrs_bytes, max_attrs_depth=self.max_attrs_depth,
            max_attrs_items=self.max_attrs_items, auth_fail_per_s=self.auth_fail_per_s,
            auth_fail_burst=self.auth_fail_burst, header_timeout_s=self.header_timeout_s,
            max_connections=self.max_connections,
        )

    def configured_admin_token(self) -> str | None:
        """TASKLOOM_ADMIN_TOKEN when set to a usable secret; ConfigError when too short.

        An empty value (e.g. an unset compose variable) means "none".
        """
        token = self.admin_token.get_secret_value().strip() if self.admin_token else ""
        if token and len(token) < 24:
            raise ConfigError("TASKLOOM_ADMIN_TOKEN is too short to be a secret; use at least 24 "
                              "random characters (e.g. `openssl rand -hex 16`) or unset it")
        return token or None


def load_settings(**overrides: object) -> Settings:
    """Settings from the environment (and TASKLOOM_CONFIG's file); non-None overrides win."""
    env_file = os.environ.get("TASKLOOM_CONFIG")
    given: dict[str, Any] = {k: v for k, v in overrides.items() if v is not None}
    return Settings(_env_file=env_file, **given)  # type: ignore[call-arg]

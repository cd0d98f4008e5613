"""The agent's configuration and files, in one typed place.

Everything lives under the user's platform directories (platformdirs): the config
directory holds ``agent.json`` (collector URL, device id and token) and ``device.key``
(the key that encrypts screenshots in the spool), both 0600; the data directory holds
the spool and the log. A different HOME (or XDG_* directories) is a separate agent.
Environment variables override the file: ``TASKLOOM_AGENT_SPOOL_MAX_BYTES``,
``TASKLOOM_AGENT_CA_BUNDLE``.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import platformdirs

from taskloom.agent.spool import DEFAULT_MAX_BYTES
from taskloom.errors import UserError

APP_NAME = "taskloom-agent"


class ConfigError(UserError):
    """The agent is not set up the way a command needs; the message says how to fix it."""


def config_dir() -> Path:
    return platformdirs.user_config_path(APP_NAME, appauthor=False)


def data_dir() -> Path:
    return platformdirs.user_data_path(APP_NAME, appauthor=False)


def config_path() -> Path:
    return config_dir() / "agent.json"


def spool_path() -> Path:
    return data_dir() / "spool.sqlite3"


def log_path() -> Path:
    return data_dir() / "agent.log"


def key_path() -> Path:
    return config_dir() / "device.key"


@dataclass(slots=True)
class AgentConfig:
    """What enrolment established, plus local settings."""

    collector: str
    device_id: str
    device_token: str
    ca_bundle: str | None = None
    spool_max_bytes: int = DEFAULT_MAX_BYTES

    @classmethod
    def load(cls) -> AgentConfig:
        """Read agent.json (and environment overrides); ConfigError if not enrolled."""
        path = config_path()
        try:
            raw: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(
                f"this agent is not enrolled ({path} does not exist); run "
                "`taskloom-agent enroll --collector URL --token TOKEN` first") from None
        except (OSError, ValueError) as exc:
            raise ConfigError(f"cannot read {path} ({exc}); re-enrol to rewrite it") from None
        missing = [k for k in ("collector", "device_id", "device_token") if not raw.get(k)]
        if missing:
            raise ConfigError(f"{path} lacks {', '.join(missing)}; re-enrol to rewrite it")
        config = cls(
            collector=str(raw["collector"]),
            device_id=str(raw["device_id"]),
            device_token=str(raw["device_token"]),
            ca_bundle=raw.get("ca_bundle"),
            spool_max_bytes=int(raw.get("spool_max_bytes") or DEFAULT_MAX_BYTES),
        )
        env_max = os.environ.get("TASKLOOM_AGENT_SPOOL_MAX_BYTES")
        if env_max:
            try:
                config.spool_max_bytes = int(env_max)
            except ValueError:
                raise ConfigError("TASKLOOM_AGENT_SPOOL_MAX_BYTES must be a number of bytes") from None
        config.ca_bundle = os.environ.get("TASKLOOM_AGENT_CA_BUNDLE") or config.ca_bundle
        return config

    def save(self) -> Path:
        """Write agent.json with owner-only permissions (it holds the device token)."""
        path = config_path()
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp = path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(asdict(self), fh, indent=2)
        os.replace(tmp, path)
        return path

    @property
    def verify(self) -> bool | str:
        """What TLS verification uses: the system CAs, or the configured bundle."""
        return self.ca_bundle or True


def spool_max_bytes() -> int:
    """The spool bound for commands that may run before enrolment."""
    try:
        return AgentConfig.load().spool_max_bytes
    except ConfigError:
        env_max = os.environ.get("TASKLOOM_AGENT_SPOOL_MAX_BYTES")
        return int(env_max) if env_max and env_max.isdigit() else DEFAULT_MAX_BYTES


def device_key() -> bytes:
    """The device's secret key (a Fernet key), created 0600 in the config dir on first use."""
    from cryptography.fernet import Fernet

    path = key_path()
    try:
        return path.read_bytes().strip()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    key = Fernet.generate_key()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first
        return path.read_bytes().strip()
    with os.fdopen(fd, "wb") as fh:
        fh.write(key)
    return key

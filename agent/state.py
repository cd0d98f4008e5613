"""The agent's state, kept in the spool's key/value table so every command sees it.

Consent (bound to the exact study notice: a changed notice needs a new consent), pause,
revocation, the cached policy. Small functions over a :class:`~agent.spool.Spool`.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from taskloom.agent.protocol import DEFAULT_POLICY
from taskloom.agent.spool import Spool

PAUSED_FOREVER = "forever"


def now_ms() -> int:
    return int(time.time() * 1000)


def notice_digest(policy: Mapping[str, Any]) -> str:
    """SHA-256 of the study notice text (what the user consented to)."""
    return hashlib.sha256(str(policy.get("notice") or "").encode()).hexdigest()


def record_consent(spool: Spool, policy: Mapping[str, Any], how: str) -> None:
    spool.put_json("consent", {"notice_sha256": notice_digest(policy), "accepted_ms": now_ms(),
                               "how": how, "policy_version": policy.get("version")})


def withdraw_consent(spool: Spool) -> None:
    spool.put("consent", None)


def has_consent(spool: Spool, policy: Mapping[str, Any]) -> bool:
    """True when the user accepted this policy's notice (the same text)."""
    consent = spool.get_json("consent")
    return isinstance(consent, dict) and consent.get("notice_sha256") == notice_digest(policy)


def pause(spool: Spool, seconds: int | None) -> None:
    spool.put("paused_until", PAUSED_FOREVER if seconds is None else str(now_ms() + seconds * 1000))


def resume(spool: Spool) -> None:
    spool.put("paused_until", None)


def paused_until(spool: Spool) -> str | int | None:
    """None when not paused; PAUSED_FOREVER or the epoch ms when the pause ends."""
    value = spool.get("paused_until")
    if value is None:
        return None
    if value == PAUSED_FOREVER:
        return value
    until = int(value)
    return until if until > now_ms() else None


def cached_policy(spool: Spool) -> dict[str, Any] | None:
    policy = spool.get_json("policy")
    return policy if isinstance(policy, dict) else None


def store_policy(spool: Spool, policy: Mapping[str, Any]) -> dict[str, Any]:
    """Cache the policy (for offline starts), filling missing keys from the defaults."""
    merged = merge_policy(policy)
    spool.put_json("policy", merged)
    spool.touch("policy_fetched_ms")
    return merged


def merge_policy(policy: Mapping[str, Any]) -> dict[str, Any]:
    """DEFAULT_POLICY overlaid with the collector's values (nested maps merged one level)."""
    merged: dict[str, Any] = {}
    for key, default in DEFAULT_POLICY.items():
        value = policy.get(key, default)
        if isinstance(default, dict) and isinstance(value, Mapping):
            merged[key] = {**default, **value}
        else:
            merged[key] = value
    for key, value in policy.items():
        merged.setdefault(key, value)
    return merged


def in_study_hours(policy: Mapping[str, Any], when: datetime | None = None) -> bool:
    """Whether local time is inside the policy's study hours (always, when none are set)."""
    hours = policy.get("study_hours")
    if not isinstance(hours, Mapping):
        return True
    when = when or datetime.now()
    days = hours.get("days")
    if isinstance(days, list) and days and when.weekday() not in days:
        return False
    clock = when.strftime("%H:%M")
    start, end = str(hours.get("start") or "00:00"), str(hours.get("end") or "24:00")
    return start <= clock < end if start <= end else (clock >= start or clock < end)


def fmt_ms(ms: int | str | None) -> str:
    """Epoch ms → local ISO time for humans; other values as they are."""
    if ms is None:
        return "never"
    if isinstance(ms, str) and not ms.isdigit():
        return ms
    return datetime.fromtimestamp(int(ms) / 1000).astimezone().isoformat(timespec="seconds")
